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
"""

from infra_scripts.localcloud.sqlengine.catalog import CatalogTable, load_table, scan_sql
from infra_scripts.localcloud.sqlengine.duck import (
    StatementTimeout,
    run_with_timeout,
    sandboxed_connection,
)
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror, parse_s3_uri

__all__ = [
    "CatalogTable",
    "S3Mirror",
    "StatementTimeout",
    "load_table",
    "parse_s3_uri",
    "run_with_timeout",
    "sandboxed_connection",
    "scan_sql",
]
