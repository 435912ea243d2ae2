-- The sales as analytics should read them (created at deploy time as a view).
-- A row is visible only when its file's commit marker (table ${table}_loads) names the load
-- that wrote it: a load that crashed mid-write or was replaced by a re-upload never shows,
-- and all genres of a file change at once. A transaction_id loaded from several files
-- counts once: the row of the first committed file.
CREATE OR REPLACE VIEW "${database}"."${table}_curated" AS
SELECT
    title, price, age_group, book_id, transaction_id, sold_at, store_id, quantity,
    payment_method, sale_date, source_key, source_version, source_row, ingested_at, load_id,
    genre
FROM (
    SELECT
        s.*,
        ROW_NUMBER() OVER (
            PARTITION BY s.transaction_id
            ORDER BY l.committed_at, s.source_key, s.source_row
        ) AS occurrence
    FROM "${database}"."${table}" AS s
    JOIN "${database}"."${table}_loads" AS l
        ON s.source_key = l.source_key AND s.load_id = l.load_id
) AS committed
WHERE occurrence = 1
