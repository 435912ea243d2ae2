"""The Glue Data Catalog as Athena's DDL uses it, read and written in-process in moto.

Databases and tables are the ones ``glue:*`` and ``wr.catalog.*`` see. Tables written by
CTAS / CREATE EXTERNAL TABLE get the storage descriptor Athena gives them (SerDe, input and
output formats, ``classification``); views are ``VIRTUAL_VIEW`` tables whose
``ViewOriginalText`` is Athena's Presto view encoding (``/* Presto View: <base64 JSON> */``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from infra_scripts.localcloud.services.athena.errors import AthenaQueryError, ddl_failed
from infra_scripts.localcloud.sqlengine.catalog import (
    CatalogError,
    CatalogTable,
    glue_backend,
    glue_database_exists,
    glue_table_names,
    load_table,
)
from infra_scripts.localcloud.sqlengine.hivetypes import HiveType, parse_hive_type

PRESTO_VIEW_PREFIX = "/* Presto View: "
PRESTO_VIEW_SUFFIX = " */"

PARQUET_STORAGE = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
}
TEXT_STORAGE = {
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
}
JSON_STORAGE = {
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
}
STORAGE_BY_FORMAT = {"parquet": PARQUET_STORAGE, "textfile": TEXT_STORAGE, "json": JSON_STORAGE}

# Hive (Glue) type name → the Trino type Athena shows for it.
_TRINO_OF_HIVE = {
    "string": "varchar",
    "int": "integer",
    "float": "real",
    "binary": "varbinary",
}


@dataclass
class TableSpec:
    """A table to register: what CREATE EXTERNAL TABLE and CTAS know about it."""

    database: str
    name: str
    columns: list[tuple[str, str, str]]  # (name, Glue type, comment)
    location: str
    storage: dict[str, str]
    serde_parameters: dict[str, str] = field(default_factory=dict)
    partition_keys: list[tuple[str, str]] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)

    def table_input(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"EXTERNAL": "TRUE", **self.parameters},
            "PartitionKeys": [{"Name": n, "Type": t} for n, t in self.partition_keys],
            "StorageDescriptor": {
                "Columns": [
                    {"Name": n, "Type": t, **({"Comment": c} if c else {})}
                    for n, t, c in self.columns
                ],
                "Location": self.location,
                "InputFormat": self.storage["InputFormat"],
                "OutputFormat": self.storage["OutputFormat"],
                "Compressed": False,
                "NumberOfBuckets": -1,
                "SerdeInfo": {
                    "SerializationLibrary": self.storage["SerializationLibrary"],
                    "Parameters": dict(self.serde_parameters),
                },
                "BucketColumns": [],
                "SortColumns": [],
                "StoredAsSubDirectories": False,
            },
        }


def trino_type_of_hive(glue_type: str) -> str:
    """The Trino type name Athena shows for a Glue column type (``string`` → ``varchar``)."""
    return _trino_type(parse_hive_type(glue_type))


def _trino_type(hive: HiveType) -> str:
    if hive.name == "array":
        return f"array({_trino_type(hive.args[0])})"
    if hive.name == "map":
        key, value = (_trino_type(arg) for arg in hive.args)
        return f"map({key}, {value})"
    if hive.name == "struct":
        return "row(" + ", ".join(f"{n} {_trino_type(t)}" for n, t in hive.struct_fields) + ")"
    return _TRINO_OF_HIVE.get(str(hive), str(hive))


def encode_presto_view(sql: str, database: str, columns: list[tuple[str, str]], owner: str) -> str:
    """Athena's ``ViewOriginalText`` for a view (columns as (name, Trino type))."""
    payload = {
        "originalSql": sql,
        "catalog": "awsdatacatalog",
        "schema": database,
        "columns": [{"name": n, "type": t} for n, t in columns],
        "owner": owner,
        "runAsInvoker": False,
        "properties": {},
    }
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    return f"{PRESTO_VIEW_PREFIX}{encoded}{PRESTO_VIEW_SUFFIX}"


def decode_view(text: str, database: str) -> tuple[str, str]:
    """(view SQL, the database its unqualified tables belong to) of a ``ViewOriginalText``.

    Athena's Presto encoding is decoded; plain SQL (views made by other tools) is taken as is.
    """
    stripped = (text or "").strip()
    if stripped.startswith(PRESTO_VIEW_PREFIX.strip()) and stripped.endswith("*/"):
        body = stripped[len(PRESTO_VIEW_PREFIX.strip()) : -2].strip()
        payload = json.loads(base64.b64decode(body))
        return str(payload["originalSql"]), str(payload.get("schema") or database)
    return stripped, database


class GlueCatalog:
    """Athena's view of one account's and region's Glue Data Catalog (moto, in-process)."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region

    @property
    def backend(self) -> Any:
        return glue_backend(self.account_id, self.region)

    # --- databases ------------------------------------------------------------------------

    def database_names(self) -> list[str]:
        return sorted(db.name for db in list(self.backend.databases.values()))

    def has_database(self, name: str) -> bool:
        return glue_database_exists(self.account_id, self.region, name)

    def create_database(
        self, name: str, description: str | None, location: str | None, params: dict[str, str]
    ) -> None:
        database_input: dict[str, Any] = {"Name": name, "Parameters": params}
        if description:
            database_input["Description"] = description
        if location:
            database_input["LocationUri"] = location
        self.backend.create_database(name, database_input)

    def drop_database(self, name: str, cascade: bool) -> None:
        database = self.backend.get_database(name)
        if database.tables and not cascade:
            raise ddl_failed(
                f"InvalidOperationException(message:Database {name} is not empty. One or "
                "more tables exist.)"
            )
        self.backend.delete_database(name)

    # --- tables -------------------------------------------------------------------------------

    def table_names(self, database: str) -> list[str]:
        return glue_table_names(self.account_id, self.region, database)

    def table_dict(self, database: str, name: str) -> dict[str, Any] | None:
        database_obj = self.backend.databases.get(database)
        if database_obj is None:
            return None
        fake = database_obj.tables.get(name)
        return fake.as_dict() if fake is not None else None

    def load(self, database: str, name: str) -> CatalogTable:
        try:
            return load_table(self.account_id, self.region, database, name)
        except CatalogError as exc:
            raise AthenaQueryError("HIVE_METASTORE_ERROR", str(exc)) from exc

    def create_table(self, spec: TableSpec) -> None:
        self.backend.create_table(spec.database, spec.name, spec.table_input())

    def put_view(
        self, database: str, name: str, table_input: dict[str, Any], replace: bool
    ) -> None:
        if self.table_dict(database, name) is not None and replace:
            self.backend.update_table(database, name, table_input)
        else:
            self.backend.create_table(database, name, table_input)

    def delete_table(self, database: str, name: str) -> None:
        self.backend.delete_table(database, name)

    # --- partitions ---------------------------------------------------------------------------

    def partitions(self, database: str, name: str) -> list[tuple[list[str], str]]:
        return self.load(database, name).partitions

    def add_partitions(
        self,
        database: str,
        name: str,
        partitions: list[tuple[list[str], str]],
        storage_of_table: dict[str, Any],
    ) -> list[list[str]]:
        """Add partitions (values, location); return the values of those that were new."""
        from moto.glue.exceptions import PartitionAlreadyExistsException

        table = self.backend.get_table(database, name)
        added = []
        for values, location in partitions:
            storage = {**storage_of_table, "Location": location}
            try:
                table.create_partition({"Values": list(values), "StorageDescriptor": storage})
            except PartitionAlreadyExistsException:
                continue
            added.append(list(values))
        return added

    def drop_partitions(self, database: str, name: str, values: list[list[str]]) -> int:
        from moto.glue.exceptions import PartitionNotFoundException

        table = self.backend.get_table(database, name)
        dropped = 0
        for partition_values in values:
            try:
                table.delete_partition(partition_values)
            except PartitionNotFoundException:
                continue
            dropped += 1
        return dropped
