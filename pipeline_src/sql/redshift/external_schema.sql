-- Redshift Spectrum: the Glue catalog database as an external schema (no data copied).
CREATE EXTERNAL SCHEMA IF NOT EXISTS ${external_schema}
FROM DATA CATALOG
DATABASE '${database}'
IAM_ROLE '${role_arn}'
REGION '${region}';
