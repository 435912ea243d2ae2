{{ config(materialized='table', format='parquet', enabled=var('commented_models', false)) }}
-- A table model whose SQL starts with a comment, as dbt users often write them: dbt-athena's
-- CTAS then holds the comment between AS and the SELECT. Disabled unless the test enables it
-- (tests/clients/test_dbt_athena.py::test_dbt_ctas_with_a_comment, an xfail).
select customer, sum(amount) as total
from {{ ref('stg_orders') }}
group by customer
