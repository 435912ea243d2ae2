-- Drinks per size (items without a size are counted as 'none'), with each size's share of
-- the items.
SELECT
    COALESCE(size, 'none') AS size,
    SUM(quantity) AS items,
    SUM(unit_price * quantity) AS revenue,
    ROUND(100.0 * SUM(quantity) / SUM(SUM(quantity)) OVER (), 1) AS items_pct
FROM "${database}"."${table}_curated"
GROUP BY 1
ORDER BY items DESC
