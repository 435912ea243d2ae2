"""Shared SQL machinery of the local cloud's Athena and Redshift executors.

- :mod:`.duck` — sandboxed DuckDB connections (no extension downloads, file access only
  to the mirrored S3 objects, statement timeouts) and the settings both warehouses share.
- :mod:`.s3mirror` — local files mirroring objects of the local S3 (one mirror per
  account), and writing back.
- :mod:`.catalog` — Glue Data Catalog reads, and its tables as DuckDB scans (formats,
  partitions, types).
- :mod:`.hivetypes` — Glue/Hive column type strings parsed (``struct<p:decimal(10,2)>``).
- :mod:`.duckerrors` — what DuckDB's error messages say, for the engines to reword.
- :mod:`.typedcopy` — sqlglot's types of a statement's expressions (for DECIMAL semantics).
- :mod:`.paging` — NextToken values of paged answers.
- :mod:`.quoting` — identifiers, literals and file lists written into DuckDB SQL.

This package re-exports nothing: importing one light module (paging, catalog reads) must
not import DuckDB, which a server loads only when a query first runs.
"""
