-- The loaded fact table, in its own schema: the contract's columns (NOT NULL where every row
-- has a value: required, or filled with a default), the sale date and the lineage.
-- PRIMARY KEY the de-duplication key (informational: the COPY's merge keeps it unique);
-- DISTKEY its first column (rows spread evenly, a key's rows on one slice); SORTKEY the sale
-- date (daily and date-range queries).
CREATE SCHEMA IF NOT EXISTS ${schema};

CREATE TABLE IF NOT EXISTS ${schema}.fact_sales (
    ${fact_columns},
    PRIMARY KEY (${dedup_key})
)
DISTKEY (${distkey})
SORTKEY (sale_date);
