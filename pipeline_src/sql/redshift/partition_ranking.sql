-- Each value of the partition column (${partition}): its revenue, rank and share, from the
-- loaded fact table.
SELECT
    ${partition},
    SUM(${revenue}) AS revenue,
    RANK() OVER (ORDER BY SUM(${revenue}) DESC) AS revenue_rank,
    ROUND(100.0 * SUM(${revenue}) / SUM(SUM(${revenue})) OVER (), 1) AS revenue_pct
FROM ${schema}.fact_sales
GROUP BY ${partition}
ORDER BY revenue_rank;
