{{ config(materialized='table', format='parquet', partitioned_by=['region']) }}
select id, customer, amount, region
from {{ ref('stg_orders') }}
