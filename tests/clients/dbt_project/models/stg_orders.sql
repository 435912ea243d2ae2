-- a view over the source table
select id, customer, amount, sold_at, cast(sold_at as date) as day, region
from {{ source('shop', 'orders') }}
