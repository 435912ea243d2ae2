-- Stage one partition folder through Redshift Spectrum (the external schema over the Glue
-- catalog), then merge it. Spectrum reads columns by name: files written before a column was
-- added to the contract read as null there, where COPY (by position) cannot mix them.
CREATE TEMP TABLE stage_sales AS
SELECT
    ${stage_column_names}
FROM ${external_schema}.${table}
WHERE ${partition} = '${partition_value}';

-- @include merge_fact_sales
