-- Eaten in or taken away, per category: lines of each kind and the eat-in share (lines
-- without the information are left out of the share).
SELECT
    category,
    SUM(CASE WHEN eat_in THEN 1 ELSE 0 END) AS eat_in_lines,
    SUM(CASE WHEN NOT eat_in THEN 1 ELSE 0 END) AS take_away_lines,
    SUM(CASE WHEN eat_in IS NULL THEN 1 ELSE 0 END) AS unknown_lines,
    ROUND(
        100.0 * SUM(CASE WHEN eat_in THEN 1 ELSE 0 END)
        / NULLIF(SUM(CASE WHEN eat_in IS NOT NULL THEN 1 ELSE 0 END), 0),
        1
    ) AS eat_in_pct
FROM "${database}"."${table}_curated"
GROUP BY category
ORDER BY category
