-- The sales as analytics should read them (created at deploy time as a view).
-- A row is visible only when its file's commit marker (table ${table}_loads) names the load
-- that wrote it: a load that crashed mid-write or was replaced by a re-upload never shows,
-- and all partitions of a file change at once. A sale whose de-duplication key
-- (${dedup_key_words}) was loaded from several files counts once: the row of the first
-- committed file. The columns are the table's: data columns, lineage, partition column(s).
CREATE OR REPLACE VIEW "${database}"."${table}_curated" AS
SELECT
    ${table_columns}
FROM (
    SELECT
        s.*,
        ROW_NUMBER() OVER (
            PARTITION BY ${s.dedup_key}
            ORDER BY l.committed_at, s.source_key, s.source_row
        ) AS occurrence
    FROM "${database}"."${table}" AS s
    JOIN "${database}"."${table}_loads" AS l
        ON s.source_key = l.source_key AND s.load_id = l.load_id
) AS committed
WHERE occurrence = 1
