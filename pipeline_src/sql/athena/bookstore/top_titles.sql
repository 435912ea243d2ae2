-- The ten best-selling titles by copies, with their revenue.
SELECT
    title,
    genre,
    SUM(quantity) AS copies,
    SUM(price * quantity) AS revenue
FROM "${database}"."${table}_curated"
GROUP BY title, genre
ORDER BY copies DESC, revenue DESC
LIMIT 10
