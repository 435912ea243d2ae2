"""The processed tables: their Arrow schemas, Parquet layout and Glue catalog columns.

- ``<table>`` (``sales``): one row per sale, Parquet per genre partition, every load's files;
- ``<table>_loads``: one row per source file, its committed load (the commit markers);
- ``<table>_curated``: the Athena view analytics read — committed loads only, each
  ``transaction_id`` once (``pipeline_src/sql/athena/curated_sales.sql``).
"""

from __future__ import annotations

import pyarrow as pa

from pipeline_src.schema import PRICE_PRECISION, PRICE_SCALE

PARTITION_COLUMN = "genre"
MIN_ROWS_PER_GROUP = 100_000  # rows buffered per genre before a row group is written

#: Data columns as stored (the partition column ``genre`` lives in the folder name).
DATA_FIELDS: tuple[pa.Field, ...] = (
    pa.field("title", pa.string()),
    pa.field("price", pa.decimal128(PRICE_PRECISION, PRICE_SCALE)),
    pa.field("age_group", pa.string()),
    pa.field("book_id", pa.string()),
    pa.field("transaction_id", pa.string()),
    pa.field("sold_at", pa.timestamp("us")),
    pa.field("store_id", pa.string()),
    pa.field("quantity", pa.int32()),
    pa.field("payment_method", pa.string()),
)
#: Added to every row: the sale date and where the row came from.
LINEAGE_FIELDS: tuple[pa.Field, ...] = (
    pa.field("sale_date", pa.date32()),
    pa.field("source_key", pa.string()),
    pa.field("source_version", pa.string()),
    pa.field("source_row", pa.int64()),
    pa.field("ingested_at", pa.timestamp("us")),
    pa.field("load_id", pa.string()),
)
FILE_SCHEMA = pa.schema(DATA_FIELDS + LINEAGE_FIELDS)
#: What the transform produces per batch (before lineage is added at write time).
BATCH_SCHEMA = pa.schema(
    (*DATA_FIELDS, pa.field(PARTITION_COLUMN, pa.string()), pa.field("source_row", pa.int64()))
)

_GLUE_TYPES = {
    pa.string(): "string",
    pa.int32(): "int",
    pa.int64(): "bigint",
    pa.date32(): "date",
    pa.timestamp("us"): "timestamp",
    pa.decimal128(PRICE_PRECISION, PRICE_SCALE): f"decimal({PRICE_PRECISION},{PRICE_SCALE})",
}

COLUMN_COMMENTS: dict[str, str] = {
    "price": "unit price, >= 0",
    "quantity": "copies sold (1 when the file has no quantity)",
    "sold_at": "local shop time of the sale, when the file has it",
    "sale_date": "date of sold_at, else the date in the file name, else the upload date",
    "source_key": "S3 key of the uploaded file",
    "source_version": "S3 version id of the uploaded file",
    "source_row": "row number in the uploaded file (1 = first data row)",
    "ingested_at": "when the Glue job loaded the row (UTC)",
    "load_id": "the load that wrote the row; visible once committed in the loads table",
}

LOADS_SUFFIX = "_loads"
CURATED_SUFFIX = "_curated"
#: The commit marker of one source file: a one-row Parquet file, a row of ``<table>_loads``.
LOADS_SCHEMA = pa.schema(
    (
        pa.field("source_key", pa.string()),
        pa.field("source_version", pa.string()),
        pa.field("load_id", pa.string()),
        pa.field("rows_loaded", pa.int64()),
        pa.field("committed_at", pa.timestamp("us")),
        pa.field("genres", pa.string()),
    )
)
LOADS_COMMENTS: dict[str, str] = {
    "load_id": "the source's committed load: its rows of the sales table are the visible ones",
    "committed_at": "when the load was committed (UTC)",
    "genres": "the load's genre partitions (JSON list)",
}


def loads_table_name(table: str) -> str:
    return table + LOADS_SUFFIX


def curated_view_name(table: str) -> str:
    return table + CURATED_SUFFIX


def glue_columns(
    schema: pa.Schema = FILE_SCHEMA, comments: dict[str, str] = COLUMN_COMMENTS
) -> list[dict[str, str]]:
    """A catalog table's columns (partition key excluded); the sales table by default."""
    columns = []
    for field in schema:
        column = {"Name": field.name, "Type": _GLUE_TYPES[field.type]}
        if field.name in comments:
            column["Comment"] = comments[field.name]
        columns.append(column)
    return columns


def loads_glue_columns() -> list[dict[str, str]]:
    return glue_columns(LOADS_SCHEMA, LOADS_COMMENTS)


def glue_partition_keys() -> list[dict[str, str]]:
    return [{"Name": PARTITION_COLUMN, "Type": "string", "Comment": "canonical genre"}]
