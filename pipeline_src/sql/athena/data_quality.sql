-- Data-quality checks derived from the contract: each row should show 0 problems.
-- The same de-duplication key in several files; then per number column with a minimum,
-- values below it (or missing, when required); the other required columns missing; rows
-- without lineage; sale dates in the future.
SELECT 'duplicate ${dedup_key_words} across files' AS check_name, COUNT(*) AS problems
FROM (
    SELECT ${dedup_key}
    FROM "${database}"."${table}"
    GROUP BY ${dedup_key}
    HAVING COUNT(*) > 1
) AS duplicates
${column_checks}
UNION ALL
SELECT 'rows without lineage', COUNT(*)
FROM "${database}"."${table}"
WHERE source_key IS NULL OR ingested_at IS NULL
UNION ALL
SELECT 'sale date in the future', COUNT(*)
FROM "${database}"."${table}"
WHERE sale_date > current_date
