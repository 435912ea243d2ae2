{# An Iceberg table, incremental by MERGE on customer (the second run merges). Disabled unless
   tests/clients/test_dbt_athena.py::test_dbt_iceberg_* enable it (--vars iceberg_models). #}
{{ config(
    materialized='incremental',
    table_type='iceberg',
    incremental_strategy='merge',
    unique_key='customer',
    enabled=var('iceberg_models', false),
) }}
select customer, sum(amount) as total, count(*) as orders
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where customer in ('ann', 'bob')
{% endif %}
group by customer
