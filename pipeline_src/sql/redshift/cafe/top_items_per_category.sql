-- The three best-selling items of each menu category (ROW_NUMBER over a partition).
SELECT category, item, items, item_rank
FROM (
    SELECT
        category,
        item,
        SUM(quantity) AS items,
        ROW_NUMBER() OVER (PARTITION BY category ORDER BY SUM(quantity) DESC, item) AS item_rank
    FROM ${schema}.fact_sales
    GROUP BY category, item
) AS ranked
WHERE item_rank <= 3
ORDER BY category, item_rank;
