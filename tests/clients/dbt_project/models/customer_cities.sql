{{ config(materialized='table', format='parquet') }}
select t.customer, c.city, c.since, t.total
from {{ ref('customer_totals') }} t
join {{ ref('customers') }} c on c.customer = t.customer
