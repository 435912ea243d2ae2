-- Each menu category's revenue, rank and share, and its orders, from the loaded fact table.
SELECT
    category,
    COUNT(DISTINCT order_id) AS orders,
    SUM(unit_price * quantity) AS revenue,
    RANK() OVER (ORDER BY SUM(unit_price * quantity) DESC) AS revenue_rank,
    ROUND(100.0 * SUM(unit_price * quantity) / SUM(SUM(unit_price * quantity)) OVER (), 1)
        AS revenue_pct
FROM ${schema}.fact_sales
GROUP BY category
ORDER BY revenue_rank;
