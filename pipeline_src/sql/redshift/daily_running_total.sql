-- Daily revenue (the contract's revenue measure), its running total and the change from the
-- day before.
SELECT
    sale_date,
    SUM(${revenue}) AS revenue,
    SUM(SUM(${revenue})) OVER (ORDER BY sale_date ROWS UNBOUNDED PRECEDING) AS running_total,
    SUM(${revenue}) - LAG(SUM(${revenue})) OVER (ORDER BY sale_date) AS change
FROM ${schema}.fact_sales
GROUP BY sale_date
ORDER BY sale_date;
