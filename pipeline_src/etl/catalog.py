"""Register the processed table and its partitions in the Glue Data Catalog (boto3).

The job registers its own partitions (no crawler). The table is created when absent; a table
that lacks some of today's columns gets them appended (adding an optional column is a
compatible change: older files simply read as null there); a column whose type changed is
refused with :class:`SchemaConflict`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline_src import naming
from pipeline_src.contracts.model import Contract
from pipeline_src.etl.table import glue_columns, glue_partition_keys, loads_glue_columns

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


def table_input(name: str, location: str, contract: Contract) -> dict[str, Any]:
    """The sales table (every load's rows; analytics read the curated view over it)."""
    business = contract.name.replace("_", " ").capitalize()
    return {
        "Name": name,
        "Description": f"{business} sales loaded by the retail pipeline (one row per sale)",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            "classification": "parquet",
            "parquet.compression": "SNAPPY",
            "retailkit.contract": contract.name,
        },
        "StorageDescriptor": _storage(location, glue_columns(contract)),
        "PartitionKeys": glue_partition_keys(contract),
    }


def loads_table_input(name: str, location: str, contract: Contract | None = None) -> dict[str, Any]:
    """The loads table: one commit marker per source file (unpartitioned)."""
    return {
        "Name": name,
        "Description": "The committed load of each sales file (one row per file)",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "parquet.compression": "SNAPPY"},
        "StorageDescriptor": _storage(location, loads_glue_columns()),
        "PartitionKeys": [],
    }


def ensure_table(
    glue: Any,
    database: str,
    table: str,
    location: str,
    contract: Contract,
    *,
    loads: bool = False,
) -> str:
    """Create the table (sales, or with ``loads`` the loads table) if absent, append missing
    columns; returns what happened."""
    spec = loads_table_input if loads else table_input
    try:
        current = glue.get_table(DatabaseName=database, Name=table)["Table"]
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(DatabaseName=database, TableInput=spec(table, location, contract))
        return "created"
    have = {c["Name"]: c["Type"] for c in current["StorageDescriptor"].get("Columns", [])}
    wanted = loads_glue_columns() if loads else glue_columns(contract)
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
    update = spec(table, current["StorageDescriptor"].get("Location") or location, contract)
    update["StorageDescriptor"]["Columns"] = current["StorageDescriptor"]["Columns"] + missing
    glue.update_table(DatabaseName=database, TableInput=update)
    return "columns added: " + ", ".join(c["Name"] for c in missing)


def ensure_partitions(
    glue: Any, database: str, table: str, bucket: str, contract: Contract, values: Iterable[str]
) -> list[str]:
    """Register the partitions (values of the contract's partition column) not yet in the
    catalog; returns the ones added.

    One BatchCreatePartition per 100 values: those that exist already come back as
    ``AlreadyExistsException`` errors (cheaper than listing every partition first).
    """
    column = contract.partition
    columns = glue_columns(contract)
    wanted = sorted(set(values))
    added: list[str] = []
    for start in range(0, len(wanted), 100):
        chunk = wanted[start : start + 100]
        inputs = [
            {
                "Values": [value],
                "StorageDescriptor": _storage(
                    f"s3://{bucket}/{naming.partition_prefix(column, value)}", columns
                ),
            }
            for value in chunk
        ]
        result = glue.batch_create_partition(
            DatabaseName=database, TableName=table, PartitionInputList=inputs
        )
        existing, errors = set(), []
        for error in result.get("Errors", []):
            if error["ErrorDetail"].get("ErrorCode") == "AlreadyExistsException":
                existing.add(error["PartitionValues"][0])
            else:
                errors.append(error)
        if errors:
            raise RuntimeError(f"cannot register partitions of {database}.{table}: {errors}")
        added += [value for value in chunk if value not in existing]
    return added
