-- Sales, units and revenue per value of the partition column (${partition}), with each
-- value's share of the revenue: the same query for every business.
SELECT
    ${partition},
    COUNT(*) AS sales,
    SUM(${units}) AS units,
    SUM(${revenue}) AS revenue,
    ROUND(100.0 * SUM(${revenue}) / SUM(SUM(${revenue})) OVER (), 1) AS revenue_pct
FROM "${database}"."${table}_curated"
GROUP BY ${partition}
ORDER BY revenue DESC
