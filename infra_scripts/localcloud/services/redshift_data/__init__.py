"""The local cloud's Redshift Data API: Redshift SQL running on DuckDB.

- :mod:`.sqltext` — statements and tokens; :mod:`.commands` — COPY / UNLOAD /
  CREATE EXTERNAL SCHEMA parsers; :mod:`.translate` — Redshift → DuckDB with sqlglot;
  :mod:`.numeric` — Redshift's DECIMAL / AVG result types.
- :mod:`.database` — one persistent DuckDB database per workgroup and database (Spectrum
  views over the Glue catalog); :mod:`.loading` — COPY and UNLOAD over the local S3.
- :mod:`.results` — Redshift type names and Fields; :mod:`.statements` — statement records;
  :mod:`.service` — the API operations; :mod:`.errors` — API errors and Redshift wording.
"""
