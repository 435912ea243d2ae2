-- Daily revenue, its running total and the change from the day before.
SELECT
    sale_date,
    SUM(price * quantity) AS revenue,
    SUM(SUM(price * quantity)) OVER (ORDER BY sale_date ROWS UNBOUNDED PRECEDING) AS running_total,
    SUM(price * quantity) - LAG(SUM(price * quantity)) OVER (ORDER BY sale_date) AS change
FROM ${schema}.fact_sales
GROUP BY sale_date
ORDER BY sale_date;
