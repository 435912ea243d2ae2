-- Orders, items and revenue per menu category, with the average item price and each
-- category's share of the revenue.
SELECT
    category,
    COUNT(DISTINCT order_id) AS orders,
    SUM(quantity) AS items,
    SUM(unit_price * quantity) AS revenue,
    ROUND(AVG(unit_price), 2) AS avg_unit_price,
    ROUND(100.0 * SUM(unit_price * quantity) / SUM(SUM(unit_price * quantity)) OVER (), 1)
        AS revenue_pct
FROM "${database}"."${table}_curated"
GROUP BY category
ORDER BY revenue DESC
