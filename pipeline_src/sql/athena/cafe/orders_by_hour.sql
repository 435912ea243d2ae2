-- Orders, items and revenue per hour of the day (local till time): the morning rush.
SELECT
    EXTRACT(HOUR FROM sold_at) AS hour,
    COUNT(DISTINCT order_id) AS orders,
    SUM(quantity) AS items,
    SUM(unit_price * quantity) AS revenue
FROM "${database}"."${table}_curated"
GROUP BY 1
ORDER BY 1
