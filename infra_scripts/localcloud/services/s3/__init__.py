"""S3: what moto's S3 lacks for the pipeline (atomic conditional writes, safe listings)."""
