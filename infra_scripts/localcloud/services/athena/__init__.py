"""The local cloud's Athena engine: Trino SQL over the Glue Data Catalog, run on DuckDB.

- :mod:`.errors` — Athena-shaped query failures (``TABLE_NOT_FOUND: line 1:15: …``).
- :mod:`.translate` — Trino → DuckDB with sqlglot, plus what sqlglot drops (statement kinds,
  DECIMAL without precision, ``_colN`` names, DECIMAL division, query parameters).
- :mod:`.glue` — the Glue Data Catalog as Athena DDL sees it (databases, tables, partitions,
  views stored as Presto views, Hive type names).
- :mod:`.resolve` — table references → per-query DuckDB views with partition pruning.
- :mod:`.results` — result types, the results CSV / text files, ``.metadata``, paging.
- :mod:`.writer` — files written by CTAS / UNLOAD / INSERT, Hive partition folders.
- :mod:`.context` — what a statement handler gets (:class:`~.context.StatementContext`) and
  returns (:class:`~.context.StatementResult`).
- :mod:`.queries` (SELECT, CTAS, UNLOAD, INSERT, views), :mod:`.ddl` (databases, tables,
  partitions, MSCK), :mod:`.utility` (SHOW, DESCRIBE); :mod:`.statements` maps kinds to them.
- :mod:`.engine` — query executions: states, timeout, cancellation, statistics, outputs.
- :mod:`.service` — the query API (StartQueryExecution … GetQueryResults) on the engine;
  :mod:`.resources` — work groups, named queries, databases (no SQL).

:mod:`infra_scripts.localcloud.services.athena.patches` patches moto to use them.
"""
