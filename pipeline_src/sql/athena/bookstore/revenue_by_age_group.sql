-- Revenue per buyer age group, with each group's share of the total.
SELECT
    age_group,
    COUNT(*) AS sales,
    SUM(price * quantity) AS revenue,
    ROUND(100.0 * SUM(price * quantity) / SUM(SUM(price * quantity)) OVER (), 1) AS revenue_pct
FROM "${database}"."${table}_curated"
GROUP BY age_group
ORDER BY age_group
