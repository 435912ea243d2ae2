{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    format='parquet',
    partitioned_by=['day'],
) }}
select
    count(*) as orders,
    sum(amount) as total,
    '{{ "incremental" if is_incremental() else "full" }}' as loaded_by,
    day
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where day >= date '2024-01-03'
{% endif %}
group by day
