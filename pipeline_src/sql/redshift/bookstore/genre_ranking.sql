-- Each genre's revenue, rank and share, from the loaded fact table.
SELECT
    genre,
    SUM(price * quantity) AS revenue,
    RANK() OVER (ORDER BY SUM(price * quantity) DESC) AS revenue_rank,
    ROUND(100.0 * SUM(price * quantity) / SUM(SUM(price * quantity)) OVER (), 1) AS revenue_pct
FROM ${schema}.fact_sales
GROUP BY genre
ORDER BY revenue_rank;
