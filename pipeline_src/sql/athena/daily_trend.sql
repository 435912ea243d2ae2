-- Revenue (the contract's revenue measure) per day with a 7-day moving average.
SELECT
    sale_date,
    SUM(${revenue}) AS revenue,
    AVG(SUM(${revenue})) OVER (
        ORDER BY sale_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW
    ) AS revenue_7d_avg
FROM "${database}"."${table}_curated"
GROUP BY sale_date
ORDER BY sale_date
