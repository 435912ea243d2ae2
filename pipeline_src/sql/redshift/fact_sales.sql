-- The loaded fact table (distributed by book, sorted by sale date), in its own schema.
CREATE SCHEMA IF NOT EXISTS ${schema};

CREATE TABLE IF NOT EXISTS ${schema}.fact_sales (
    transaction_id VARCHAR(9) NOT NULL,
    sale_date DATE NOT NULL,
    sold_at TIMESTAMP,
    title VARCHAR(1024) NOT NULL,
    genre VARCHAR(1024) NOT NULL,
    age_group VARCHAR(3) NOT NULL,
    book_id VARCHAR(7) NOT NULL,
    price DECIMAL(10, 2) NOT NULL,
    quantity INTEGER NOT NULL,
    store_id VARCHAR(1024),
    payment_method VARCHAR(1024),
    source_key VARCHAR(1024) NOT NULL,
    source_version VARCHAR(1024),
    source_row BIGINT,
    ingested_at TIMESTAMP,
    PRIMARY KEY (transaction_id)
)
DISTKEY (book_id)
SORTKEY (sale_date);
