"""Register the processed table and its genre partitions in the Glue Data Catalog (boto3).

The job registers its own partitions (no crawler). The table is created when absent; a table
that lacks some of today's columns gets them appended (adding an optional column is a
compatible change: older files simply read as null there); a column whose type changed is
refused with :class:`SchemaConflict`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline_src import naming
from pipeline_src.etl.table import glue_columns, glue_partition_keys

PARQUET_SERDE = {
    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    "Parameters": {"serialization.format": "1"},
}
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"


class SchemaConflict(Exception):
    """The catalog table has a column of another type than the pipeline writes."""


def _storage(location: str, columns: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": PARQUET_INPUT,
        "OutputFormat": PARQUET_OUTPUT,
        "Compressed": True,
        "SerdeInfo": PARQUET_SERDE,
    }


def table_input(name: str, location: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Description": "Bookstore sales loaded by the retail pipeline (one row per sale)",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "parquet.compression": "SNAPPY"},
        "StorageDescriptor": _storage(location, glue_columns()),
        "PartitionKeys": glue_partition_keys(),
    }


def ensure_table(glue: Any, database: str, table: str, location: str) -> str:
    """Create the table if absent, append missing columns; returns what happened."""
    try:
        current = glue.get_table(DatabaseName=database, Name=table)["Table"]
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=database, TableInput=table_input(table, location))
        return "created"
    have = {c["Name"]: c["Type"] for c in current["StorageDescriptor"].get("Columns", [])}
    wanted = glue_columns()
    conflicts = [
        f"{c['Name']} is {have[c['Name']]}, the pipeline writes {c['Type']}"
        for c in wanted
        if c["Name"] in have and have[c["Name"]].lower() != c["Type"].lower()
    ]
    if conflicts:
        raise SchemaConflict(f"table {database}.{table}: {'; '.join(conflicts)}")
    missing = [c for c in wanted if c["Name"] not in have]
    if not missing:
        return "unchanged"
    update = table_input(table, current["StorageDescriptor"].get("Location") or location)
    update["StorageDescriptor"]["Columns"] = current["StorageDescriptor"]["Columns"] + missing
    glue.update_table(DatabaseName=database, TableInput=update)
    return "columns added: " + ", ".join(c["Name"] for c in missing)


def ensure_partitions(
    glue: Any, database: str, table: str, bucket: str, genres: Iterable[str]
) -> list[str]:
    """Register the genre partitions not yet in the catalog; returns the ones added."""
    wanted = sorted(set(genres))
    existing = set()
    paginator = glue.get_paginator("get_partitions")
    for page in paginator.paginate(DatabaseName=database, TableName=table):
        existing.update(p["Values"][0] for p in page["Partitions"])
    new = [g for g in wanted if g not in existing]
    for start in range(0, len(new), 100):
        inputs = [
            {
                "Values": [genre],
                "StorageDescriptor": _storage(
                    f"s3://{bucket}/{naming.partition_prefix(genre)}", glue_columns()
                ),
            }
            for genre in new[start : start + 100]
        ]
        result = glue.batch_create_partition(
            DatabaseName=database, TableName=table, PartitionInputList=inputs
        )
        errors = [
            e
            for e in result.get("Errors", [])
            if e["ErrorDetail"].get("ErrorCode") != "AlreadyExistsException"
        ]
        if errors:
            raise RuntimeError(f"cannot register partitions of {database}.{table}: {errors}")
    return new
