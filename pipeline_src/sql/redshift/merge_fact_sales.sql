-- The merge both loads end with (``copy_fact_sales``, ``spectrum_fact_sales``): the staged
-- rows of one partition folder (temp table stage_sales) into the fact table.
-- Only committed rows (the load its file's commit marker in ${table}_loads names), each
-- de-duplication key (${dedup_key_words}) once (the first committed file's row), as the
-- Athena curated view does.
CREATE TEMP TABLE stage_committed AS
SELECT
    ${committed_columns}
FROM (
    SELECT
        s.*,
        ROW_NUMBER() OVER (
            PARTITION BY ${stage_key}
            ORDER BY l.committed_at, s.source_key, s.source_row
        ) AS occurrence
    FROM stage_sales AS s
    JOIN ${external_schema}.${table}_loads AS l
        ON s.source_key = l.source_key AND s.load_id = l.load_id
) AS committed
WHERE occurrence = 1;

DELETE FROM ${schema}.fact_sales
USING stage_committed
WHERE ${dedup_match};

INSERT INTO ${schema}.fact_sales (
    ${fact_column_names}
)
SELECT
    ${fact_values}
FROM stage_committed;

DROP TABLE stage_committed;

DROP TABLE stage_sales;
