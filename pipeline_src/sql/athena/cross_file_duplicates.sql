-- Sales whose de-duplication key (${dedup_key_words}) was loaded from more than one file
-- (committed loads only). The curated view counts each of them once; this lists them so the
-- shop can check.
SELECT
    ${s.dedup_key},
    COUNT(*) AS copies,
    MIN(s.source_key) AS first_file,
    MAX(s.source_key) AS last_file
FROM "${database}"."${table}" AS s
JOIN "${database}"."${table}_loads" AS l
    ON s.source_key = l.source_key AND s.load_id = l.load_id
GROUP BY ${s.dedup_key}
HAVING COUNT(*) > 1
ORDER BY ${s.dedup_key}
