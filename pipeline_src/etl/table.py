"""The processed tables: their Arrow schemas, Parquet layout and Glue catalog columns.

- ``<table>`` (``sales``): one row per sale, Parquet per partition value (the contract's
  partition column: genre for the bookstore), every load's files;
- ``<table>_loads``: one row per source file, its committed load (the commit markers);
- ``<table>_curated``: the Athena view analytics read — committed loads only, each
  de-duplication key once (``pipeline_src/sql/athena/curated_sales.sql``).
"""

from __future__ import annotations

import pyarrow as pa

from pipeline_src.contracts.model import Column, Contract

MIN_ROWS_PER_GROUP = 100_000  # rows buffered per partition value before a row group is written
_ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int32(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
}


def arrow_type(column: Column) -> pa.DataType:
    """How a contract column is stored in Parquet."""
    if column.is_decimal:
        return pa.decimal128(*column.precision_scale)
    return _ARROW_TYPES[column.type]


def data_fields(contract: Contract) -> tuple[pa.Field, ...]:
    """Data columns as stored, in contract order (partition columns live in the path)."""
    return tuple(pa.field(c.name, arrow_type(c)) for c in contract.data_columns)


#: Added to every row: the sale date and where the row came from.
LINEAGE_FIELDS: tuple[pa.Field, ...] = (
    pa.field("sale_date", pa.date32()),
    pa.field("source_key", pa.string()),
    pa.field("source_version", pa.string()),
    pa.field("source_row", pa.int64()),
    pa.field("ingested_at", pa.timestamp("us")),
    pa.field("load_id", pa.string()),
)


def file_schema(contract: Contract) -> pa.Schema:
    """The columns of every data file: the contract's data columns, then the lineage."""
    return pa.schema(data_fields(contract) + LINEAGE_FIELDS)


def batch_schema(contract: Contract) -> pa.Schema:
    """What the transform produces per batch (before lineage is added at write time)."""
    return pa.schema(
        (
            *data_fields(contract),
            pa.field(contract.partition, pa.string()),
            pa.field("source_row", pa.int64()),
        )
    )


def _glue_type(data_type: pa.DataType) -> str:
    if pa.types.is_decimal(data_type):
        return f"decimal({data_type.precision},{data_type.scale})"
    return _GLUE_TYPES[data_type]


_GLUE_TYPES = {
    pa.string(): "string",
    pa.int32(): "int",
    pa.int64(): "bigint",
    pa.bool_(): "boolean",
    pa.date32(): "date",
    pa.timestamp("us"): "timestamp",
}

LINEAGE_COMMENTS: dict[str, str] = {
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
        pa.field("partitions", pa.string()),
    )
)
LOADS_COMMENTS: dict[str, str] = {
    "load_id": "the source's committed load: its rows of the sales table are the visible ones",
    "committed_at": "when the load was committed (UTC)",
    "partitions": "the load's partition values (JSON list)",
}


def loads_table_name(table: str) -> str:
    return table + LOADS_SUFFIX


def curated_view_name(table: str) -> str:
    return table + CURATED_SUFFIX


def _columns(schema: pa.Schema, comments: dict[str, str]) -> list[dict[str, str]]:
    columns = []
    for field in schema:
        column = {"Name": field.name, "Type": _glue_type(field.type)}
        if comments.get(field.name):
            column["Comment"] = comments[field.name][:255]
        columns.append(column)
    return columns


def glue_columns(contract: Contract) -> list[dict[str, str]]:
    """The sales table's catalog columns (partition key excluded), with their descriptions."""
    comments = {c.name: c.description for c in contract.columns}
    return _columns(file_schema(contract), {**comments, **LINEAGE_COMMENTS})


def loads_glue_columns() -> list[dict[str, str]]:
    return _columns(LOADS_SCHEMA, LOADS_COMMENTS)


def glue_partition_keys(contract: Contract) -> list[dict[str, str]]:
    keys = []
    for name in contract.partition_by:
        key = {"Name": name, "Type": "string"}
        if contract.column(name).description:
            key["Comment"] = contract.column(name).description[:255]
        keys.append(key)
    return keys
