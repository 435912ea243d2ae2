-- The three best-selling titles of each genre (ROW_NUMBER over a partition).
SELECT genre, title, copies, title_rank
FROM (
    SELECT
        genre,
        title,
        SUM(quantity) AS copies,
        ROW_NUMBER() OVER (PARTITION BY genre ORDER BY SUM(quantity) DESC, title) AS title_rank
    FROM ${schema}.fact_sales
    GROUP BY genre, title
) AS ranked
WHERE title_rank <= 3
ORDER BY genre, title_rank;
