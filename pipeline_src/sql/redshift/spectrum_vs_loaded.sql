-- Rows per genre in the lake (external schema) next to the loaded fact table.
SELECT
    lake.genre,
    lake.rows_in_lake,
    NVL(loaded.rows_loaded, 0) AS rows_loaded
FROM (
    SELECT genre, COUNT(*) AS rows_in_lake
    FROM ${external_schema}.${table}
    GROUP BY genre
) AS lake
LEFT JOIN (
    SELECT genre, COUNT(*) AS rows_loaded
    FROM ${schema}.fact_sales
    GROUP BY genre
) AS loaded ON loaded.genre = lake.genre
ORDER BY lake.genre;
