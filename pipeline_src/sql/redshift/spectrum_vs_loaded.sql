-- Rows per partition value (${partition}) in the lake (external schema) next to the loaded
-- fact table.
SELECT
    lake.${partition},
    lake.rows_in_lake,
    NVL(loaded.rows_loaded, 0) AS rows_loaded
FROM (
    SELECT ${partition}, COUNT(*) AS rows_in_lake
    FROM ${external_schema}.${table}
    GROUP BY ${partition}
) AS lake
LEFT JOIN (
    SELECT ${partition}, COUNT(*) AS rows_loaded
    FROM ${schema}.fact_sales
    GROUP BY ${partition}
) AS loaded ON loaded.${partition} = lake.${partition}
ORDER BY lake.${partition};
