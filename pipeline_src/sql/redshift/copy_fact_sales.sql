-- Load the processed Parquet of one partition folder into a staging table, then merge it.
-- COPY ... FORMAT AS PARQUET maps columns by position: the staging table has the files'
-- column order (the contract's data columns, then the lineage); the partition column
-- (${partition}) comes from the path, so its value is set afterwards.
CREATE TEMP TABLE stage_sales (
    ${stage_columns}
);

COPY stage_sales
FROM 's3://${bucket}/sales/${partition}=${partition_folder}/'
IAM_ROLE '${role_arn}'
FORMAT AS PARQUET;

-- @include merge_fact_sales
