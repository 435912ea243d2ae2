-- Data-quality checks: each row should show 0 problems.
SELECT 'duplicate transaction_id across files' AS check_name, COUNT(*) AS problems
FROM (
    SELECT transaction_id
    FROM "${database}"."${table}"
    GROUP BY transaction_id
    HAVING COUNT(*) > 1
) AS duplicates
UNION ALL
SELECT 'negative or missing price', COUNT(*)
FROM "${database}"."${table}"
WHERE price IS NULL OR price < 0
UNION ALL
SELECT 'quantity below 1', COUNT(*)
FROM "${database}"."${table}"
WHERE quantity < 1
UNION ALL
SELECT 'rows without lineage', COUNT(*)
FROM "${database}"."${table}"
WHERE source_key IS NULL OR ingested_at IS NULL
UNION ALL
SELECT 'sale date in the future', COUNT(*)
FROM "${database}"."${table}"
WHERE sale_date > current_date
