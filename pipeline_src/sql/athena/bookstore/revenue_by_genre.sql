-- Revenue, copies and sales per genre (Athena / Trino).
SELECT
    genre,
    COUNT(*) AS sales,
    SUM(quantity) AS copies,
    SUM(price * quantity) AS revenue,
    ROUND(AVG(price), 2) AS avg_price
FROM "${database}"."${table}_curated"
GROUP BY genre
ORDER BY revenue DESC
