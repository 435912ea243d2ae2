-- Load the processed Parquet of one genre partition into a staging table, then merge it.
-- COPY ... FORMAT AS PARQUET maps columns by position: the staging table has the file's
-- column order; the partition column (genre) comes from the path, so it is set afterwards.
CREATE TEMP TABLE stage_sales (
    title VARCHAR(1024),
    price DECIMAL(10, 2),
    age_group VARCHAR(3),
    book_id VARCHAR(7),
    transaction_id VARCHAR(9),
    sold_at TIMESTAMP,
    store_id VARCHAR(1024),
    quantity INTEGER,
    payment_method VARCHAR(1024),
    sale_date DATE,
    source_key VARCHAR(1024),
    source_version VARCHAR(1024),
    source_row BIGINT,
    ingested_at TIMESTAMP,
    load_id VARCHAR(64)
);

COPY stage_sales
FROM 's3://${bucket}/sales/genre=${genre}/'
IAM_ROLE '${role_arn}'
FORMAT AS PARQUET;

-- Only committed rows (the load its file's commit marker in ${table}_loads names), each
-- transaction_id once (the first committed file's row), as the Athena curated view does.
CREATE TEMP TABLE stage_committed AS
SELECT
    transaction_id, sale_date, sold_at, title, age_group, book_id, price, quantity,
    store_id, payment_method, source_key, source_version, source_row, ingested_at
FROM (
    SELECT
        s.*,
        ROW_NUMBER() OVER (
            PARTITION BY s.transaction_id
            ORDER BY l.committed_at, s.source_key, s.source_row
        ) AS occurrence
    FROM stage_sales AS s
    JOIN ${external_schema}.${table}_loads AS l
        ON s.source_key = l.source_key AND s.load_id = l.load_id
) AS committed
WHERE occurrence = 1;

DELETE FROM ${schema}.fact_sales
USING stage_committed
WHERE fact_sales.transaction_id = stage_committed.transaction_id;

INSERT INTO ${schema}.fact_sales (
    transaction_id, sale_date, sold_at, title, genre, age_group, book_id, price, quantity,
    store_id, payment_method, source_key, source_version, source_row, ingested_at
)
SELECT
    transaction_id, sale_date, sold_at, title, '${genre}', age_group, book_id, price, quantity,
    store_id, payment_method, source_key, source_version, source_row, ingested_at
FROM stage_committed;

DROP TABLE stage_committed;

DROP TABLE stage_sales;
