-- The ten best-selling items by quantity, with their category and revenue.
SELECT
    item,
    category,
    SUM(quantity) AS items,
    SUM(unit_price * quantity) AS revenue
FROM "${database}"."${table}_curated"
GROUP BY item, category
ORDER BY items DESC, revenue DESC, item
LIMIT 10
