-- Sales per price band of 10 (10-19.99, 20-29.99, ...).
SELECT
    CAST(FLOOR(price / 10) * 10 AS INTEGER) AS band_from,
    CAST(FLOOR(price / 10) * 10 + 10 AS INTEGER) AS band_to,
    COUNT(*) AS sales,
    SUM(price * quantity) AS revenue
FROM "${database}"."${table}_curated"
GROUP BY 1, 2
ORDER BY 1
