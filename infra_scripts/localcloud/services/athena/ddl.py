"""DDL statements over the Glue Data Catalog: databases, external tables, partitions, MSCK.

sqlglot parses CREATE EXTERNAL TABLE (its Hive properties are read from the AST); the
statements it cannot parse (MSCK REPAIR TABLE, ALTER TABLE … PARTITION, CREATE DATABASE …
WITH DBPROPERTIES) are parsed here with regular expressions.
"""

from __future__ import annotations

import re
import urllib.parse

from sqlglot import exp

from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.context import (
    IDENT,
    NAME_PATH,
    PARTITION_SPEC,
    StatementContext,
    StatementResult,
    match_statement,
    not_a_table,
    partition_name,
    partition_values,
    require_table,
    split_path,
    table_ref,
)
from infra_scripts.localcloud.services.athena.glue import (
    JSON_STORAGE,
    PARQUET_STORAGE,
    TEXT_STORAGE,
    TableSpec,
)
from infra_scripts.localcloud.services.athena.translate import parse_statement
from infra_scripts.localcloud.sqlengine.s3mirror import parse_s3_uri

_AVRO = "org.apache.hadoop.hive.ql.io.avro"


# --- databases and tables -------------------------------------------------------------------


def run_create_database(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        rf"CREATE\s+(?:DATABASE|SCHEMA)\s+(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?P<name>{IDENT})"
        r"(?:\s+COMMENT\s+'(?P<comment>(?:[^']|'')*)')?"
        r"(?:\s+LOCATION\s+'(?P<location>(?:[^']|'')*)')?"
        r"(?:\s+WITH\s+DBPROPERTIES\s*\((?P<props>.*)\))?",
        ctx.text,
    )
    name = split_path(match.group("name"))[0]
    if ctx.glue.has_database(name):
        if match.group("exists"):
            return StatementResult(kind="none")
        raise errors.ddl_failed(f"AlreadyExistsException(message:Database {name} already exists)")
    props = dict(
        (k.replace("''", "'"), v.replace("''", "'"))
        for k, v in re.findall(
            r"'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'", match.group("props") or ""
        )
    )
    ctx.glue.create_database(
        name,
        (match.group("comment") or "").replace("''", "'") or None,
        (match.group("location") or "").replace("''", "'") or None,
        props,
    )
    return StatementResult(kind="none")


def run_drop_database(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        rf"DROP\s+(?:DATABASE|SCHEMA)\s+(?P<exists>IF\s+EXISTS\s+)?(?P<name>{IDENT})"
        r"(?:\s+(?P<mode>CASCADE|RESTRICT))?",
        ctx.text,
    )
    name = split_path(match.group("name"))[0]
    if not ctx.glue.has_database(name):
        if match.group("exists"):
            return StatementResult(kind="none")
        raise errors.ddl_failed(f"SemanticException [Error 10072]: Database does not exist: {name}")
    ctx.glue.drop_database(name, cascade=(match.group("mode") or "").upper() == "CASCADE")
    return StatementResult(kind="none")


def run_drop_table(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        rf"DROP\s+TABLE\s+(?P<exists>IF\s+EXISTS\s+)?(?P<name>{NAME_PATH})(?:\s+PURGE)?", ctx.text
    )
    database, name = table_ref(ctx, match.group("name"))
    info = ctx.glue.table_dict(database, name) if ctx.glue.has_database(database) else None
    if info is None:
        if match.group("exists"):
            return StatementResult(kind="none")
        raise errors.ddl_failed(
            f"SemanticException [Error 10001]: Table not found {database}.{name}"
        )
    if info.get("TableType") == "VIRTUAL_VIEW":
        raise not_a_table(database, name)
    ctx.glue.delete_table(database, name)  # the data stays in S3, as with Athena
    return StatementResult(kind="none")


def _literal_text(node: exp.Expression | None) -> str | None:
    return node.this if isinstance(node, exp.Literal) else (node.name if node is not None else None)


def _storage_for(properties: list[exp.Expression]) -> tuple[dict[str, str], dict[str, str], str]:
    """(storage formats + SerDe, SerDe parameters, classification) of CREATE EXTERNAL TABLE."""
    storage: dict[str, str] | None = None
    serde_params: dict[str, str] = {}
    serde: str | None = None
    io_formats: tuple[str, str] | None = None
    delimited: dict[str, str] = {}
    for prop in properties:
        if isinstance(prop, exp.FileFormatProperty):
            value = prop.this
            if isinstance(value, exp.InputOutputFormat):
                io_formats = (
                    str(_literal_text(value.args.get("input_format"))),
                    str(_literal_text(value.args.get("output_format"))),
                )
            else:
                fmt = str(_literal_text(value)).upper()
                storage = {
                    "PARQUET": PARQUET_STORAGE,
                    "TEXTFILE": TEXT_STORAGE,
                    "JSONFILE": {
                        **JSON_STORAGE,
                        "SerializationLibrary": "org.apache.hive.hcatalog.data.JsonSerDe",
                    },
                    "ORC": {
                        "InputFormat": "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
                        "OutputFormat": "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
                        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
                    },
                    "AVRO": {
                        "InputFormat": f"{_AVRO}.AvroContainerInputFormat",
                        "OutputFormat": f"{_AVRO}.AvroContainerOutputFormat",
                        "SerializationLibrary": "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
                    },
                }.get(fmt)
                if storage is None:
                    raise errors.not_supported(f"STORED AS {fmt} is not supported")
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            serde = str(_literal_text(prop.this))
            for item in (prop.args.get("serde_properties") or exp.Properties()).expressions:
                serde_params[str(_literal_text(item.this))] = str(_literal_text(item.args["value"]))
        elif isinstance(prop, exp.RowFormatDelimitedProperty):
            for key, param in (
                ("fields", "field.delim"),
                ("escaped", "escape.delim"),
                ("collection_items", "collection.delim"),
                ("map_keys", "mapkey.delim"),
                ("lines", "line.delim"),
                ("null", "serialization.null.format"),
            ):
                if prop.args.get(key) is not None:
                    delimited[param] = str(_literal_text(prop.args[key]))
    if serde is not None:
        lowered = serde.lower()
        base = (
            PARQUET_STORAGE
            if "parquet" in lowered
            else JSON_STORAGE
            if "json" in lowered
            else TEXT_STORAGE
        )
        storage = {**base, "SerializationLibrary": serde}
    storage = dict(storage or TEXT_STORAGE)
    if io_formats is not None:
        storage["InputFormat"], storage["OutputFormat"] = io_formats
    if (
        storage is TEXT_STORAGE
        or storage.get("SerializationLibrary") == TEXT_STORAGE["SerializationLibrary"]
    ):
        serde_params.setdefault("field.delim", delimited.get("field.delim", "\x01"))
        serde_params.setdefault("serialization.format", serde_params["field.delim"])
    for key, value in delimited.items():
        serde_params.setdefault(key, value)
    hints = " ".join(storage.values()).lower()
    classification = (
        "parquet"
        if "parquet" in hints
        else "json"
        if "json" in hints
        else "orc"
        if "orc" in hints
        else "avro"
        if "avro" in hints
        else "csv"
    )
    return storage, serde_params, classification


def _glue_type(data_type: exp.DataType) -> str:
    """The Glue type string of a Hive DDL column type (``decimal(10,2)``, ``array<string>``)."""
    return data_type.sql(dialect="hive").lower().replace(" ", "")


def run_create_table(ctx: StatementContext) -> StatementResult:
    statement = parse_statement(ctx.text)
    if not isinstance(statement, exp.Create) or not isinstance(statement.this, exp.Schema):
        raise errors.syntax_error(ctx.text, 0, "expected CREATE EXTERNAL TABLE name (columns) …")
    properties = list((statement.args.get("properties") or exp.Properties()).expressions)
    target = statement.this.this
    database, name = table_ref(ctx, target)
    if not ctx.glue.has_database(database):
        raise errors.ddl_failed(
            f"SemanticException [Error 10072]: Database does not exist: {database}"
        )
    if ctx.glue.table_dict(database, name) is not None:
        if statement.args.get("exists"):
            return StatementResult(kind="none")
        raise errors.ddl_failed(f"AlreadyExistsException: Table {name} already exists")
    table_params = {
        str(_literal_text(p.this)): str(_literal_text(p.args["value"]))
        for p in properties
        if type(p) is exp.Property and isinstance(p.this, exp.Literal)
    }
    if table_params.get("table_type", "").upper() == "ICEBERG":
        raise errors.iceberg_not_supported()
    if not any(isinstance(p, exp.ExternalProperty) for p in properties):
        raise errors.not_supported(
            "Only external table creation is supported (CREATE EXTERNAL TABLE … LOCATION …)"
        )
    location = next(
        (str(_literal_text(p.this)) for p in properties if isinstance(p, exp.LocationProperty)),
        None,
    )
    if not location or not location.startswith("s3://"):
        raise errors.AthenaQueryError(
            "INVALID_TABLE_PROPERTY", "line 1:1: LOCATION must be an s3:// URI of the table's data"
        )
    columns = []
    for column in statement.this.expressions:
        if not isinstance(column, exp.ColumnDef):
            continue
        comment = ""
        for constraint in column.args.get("constraints") or []:
            if isinstance(constraint.args.get("kind"), exp.CommentColumnConstraint):
                comment = str(_literal_text(constraint.args["kind"].this))
        columns.append((column.name.lower(), _glue_type(column.args["kind"]), comment))
    partition_keys = []
    for prop in properties:
        if isinstance(prop, exp.PartitionedByProperty) and isinstance(prop.this, exp.Schema):
            for column in prop.this.expressions:
                partition_keys.append((column.name.lower(), _glue_type(column.args["kind"])))
    storage, serde_params, classification = _storage_for(properties)
    comment = next(
        (_literal_text(p.this) for p in properties if isinstance(p, exp.SchemaCommentProperty)),
        None,
    )
    if comment:  # Athena keeps a table's COMMENT as its "comment" parameter
        table_params["comment"] = comment
    ctx.glue.create_table(
        TableSpec(
            database=database,
            name=name,
            columns=columns,
            location=location,
            storage=storage,
            serde_parameters=serde_params,
            partition_keys=partition_keys,
            parameters={"classification": classification, **table_params},
        )
    )
    return StatementResult(kind="none")


# --- partitions ---------------------------------------------------------------------------


def run_add_partition(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        rf"ALTER\s+TABLE\s+(?P<name>{NAME_PATH})\s+ADD\s+(?P<exists>IF\s+NOT\s+EXISTS\s+)?(?P<parts>PARTITION.*)",
        ctx.text,
    )
    database, name = table_ref(ctx, match.group("name"))
    require_table(ctx, database, name)
    table = ctx.glue.load(database, name)
    keys = [k.lower() for k, _ in table.partition_keys]
    wanted = []
    for part in PARTITION_SPEC.finditer(match.group("parts")):
        values = partition_values(part.group("spec"), keys)
        location = (part.group("loc") or "").replace("''", "'") or (
            table.location.rstrip("/") + "/" + partition_name(keys, values) + "/"
        )
        wanted.append((values, location))
    if not wanted:
        raise errors.syntax_error(ctx.text, None, "expected PARTITION (key = value, …)")
    existing = {tuple(v) for v, _ in table.partitions}
    duplicates = [v for v, _ in wanted if tuple(v) in existing]
    if duplicates and not match.group("exists"):
        raise errors.ddl_failed(
            "AlreadyExistsException: Partition already exists: "
            + partition_name(keys, duplicates[0])
        )
    storage = ctx.glue.table_dict(database, name)["StorageDescriptor"]
    ctx.glue.add_partitions(database, name, wanted, storage)
    return StatementResult(kind="none")


def run_drop_partition(ctx: StatementContext) -> StatementResult:
    match = match_statement(
        rf"ALTER\s+TABLE\s+(?P<name>{NAME_PATH})\s+DROP\s+(?P<exists>IF\s+EXISTS\s+)?(?P<parts>PARTITION.*)",
        ctx.text,
    )
    database, name = table_ref(ctx, match.group("name"))
    require_table(ctx, database, name)
    table = ctx.glue.load(database, name)
    keys = [k.lower() for k, _ in table.partition_keys]
    values = [
        partition_values(p.group("spec"), keys)
        for p in PARTITION_SPEC.finditer(match.group("parts"))
    ]
    existing = {tuple(v) for v, _ in table.partitions}
    missing = [v for v in values if tuple(v) not in existing]
    if missing and not match.group("exists"):
        raise errors.ddl_failed(
            "SemanticException [Error 10006]: Partition not found "
            + partition_name(keys, missing[0])
        )
    ctx.glue.drop_partitions(database, name, values)
    return StatementResult(kind="none")


def run_msck(ctx: StatementContext) -> StatementResult:
    match = match_statement(rf"MSCK\s+REPAIR\s+TABLE\s+(?P<name>{NAME_PATH})", ctx.text)
    database, name = table_ref(ctx, match.group("name"))
    require_table(ctx, database, name)
    table = ctx.glue.load(database, name)
    keys = [k.lower() for k, _ in table.partition_keys]
    if not keys:
        return StatementResult(kind="text")
    bucket, prefix = parse_s3_uri(table.location.rstrip("/") + "/")
    found: dict[tuple[str, ...], str] = {}
    for key in ctx.mirror.list_keys(bucket, prefix):
        folders = key[len(prefix) :].split("/")[:-1]
        if len(folders) < len(keys):
            continue
        values = []
        for folder, wanted in zip(folders, keys, strict=False):
            name_part, sep, raw = folder.partition("=")
            if not sep or name_part.lower() != wanted:
                break
            values.append(urllib.parse.unquote(raw))
        else:
            path = "".join(f"{f}/" for f in folders[: len(keys)])
            found.setdefault(tuple(values), f"s3://{bucket}/{prefix}{path}")
    existing = {tuple(v) for v, _ in table.partitions}
    new = sorted(v for v in found if v not in existing)
    storage = ctx.glue.table_dict(database, name)["StorageDescriptor"]
    ctx.glue.add_partitions(database, name, [(list(v), found[v]) for v in new], storage)
    labels = [f"{name}:{partition_name(keys, list(v))}" for v in new]
    lines = []
    if labels:
        lines.append("Partitions not in metastore:\t" + "\t".join(labels))
        lines += [f"Repair: Added partition to metastore {label}" for label in labels]
    return StatementResult(kind="text", text_extra=lines)


# --- ALTER TABLE … SET TBLPROPERTIES / ADD COLUMNS / SET LOCATION / RENAME TO ----------------

_PROPERTY = re.compile(r"'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'")
_ALTER_HEAD = rf"ALTER\s+TABLE\s+(?P<name>{NAME_PATH})\s+"


def _properties(text: str) -> dict[str, str]:
    return {k.replace("''", "'"): v.replace("''", "'") for k, v in _PROPERTY.findall(text)}


def _update_table(ctx: StatementContext, database: str, name: str, info: dict) -> None:
    """Write back a table's Glue definition (``TableInput`` fields only), as UpdateTable does."""
    fields = (
        "Name",
        "Description",
        "Owner",
        "Retention",
        "StorageDescriptor",
        "PartitionKeys",
        "ViewOriginalText",
        "ViewExpandedText",
        "TableType",
        "Parameters",
    )
    table_input = {k: info[k] for k in fields if k in info}
    ctx.glue.backend.update_table(database, name, table_input)


def _alter_target(ctx: StatementContext, path: str) -> tuple[str, str, dict]:
    database, name = table_ref(ctx, path)
    info = require_table(ctx, database, name)
    if info.get("TableType") == "VIRTUAL_VIEW":
        raise errors.ddl_failed(
            f"SemanticException [Error 10131]: {database}.{name} is a view: ALTER TABLE "
            "cannot change it"
        )
    return database, name, info


def run_set_tblproperties(ctx: StatementContext) -> StatementResult:
    """``ALTER TABLE t SET TBLPROPERTIES ('k' = 'v', …)``: sets the Glue table's Parameters."""
    match = match_statement(_ALTER_HEAD + r"SET\s+TBLPROPERTIES\s*\((?P<props>.*)\)", ctx.text)
    props = _properties(match.group("props"))
    if not props:
        raise errors.syntax_error(ctx.text, None, "expected TBLPROPERTIES ('name' = 'value', …)")
    database, name, info = _alter_target(ctx, match.group("name"))
    info["Parameters"] = {**(info.get("Parameters") or {}), **props}
    _update_table(ctx, database, name, info)
    return StatementResult(kind="none")


def run_add_columns(ctx: StatementContext) -> StatementResult:
    """``ALTER TABLE t ADD COLUMNS (name type [COMMENT '…'], …)``: appended to the columns."""
    match = match_statement(_ALTER_HEAD + r"ADD\s+COLUMNS\s*\((?P<cols>.*)\)", ctx.text)
    database, name, info = _alter_target(ctx, match.group("name"))
    added = _column_entries(ctx, match.group("cols"), "ADD COLUMNS")
    storage = dict(info.get("StorageDescriptor") or {})
    existing = list(storage.get("Columns") or [])
    taken = {c["Name"].lower() for c in existing} | {
        c["Name"].lower() for c in info.get("PartitionKeys") or []
    }
    clash = next((entry["Name"] for entry in added if entry["Name"] in taken), None)
    if clash is not None:
        raise _duplicate_column(clash)
    existing += added
    storage["Columns"] = existing
    info["StorageDescriptor"] = storage
    _update_table(ctx, database, name, info)
    return StatementResult(kind="none")


def run_set_location(ctx: StatementContext) -> StatementResult:
    """``ALTER TABLE t [PARTITION (…)] SET LOCATION 's3://…'``."""
    match = match_statement(
        _ALTER_HEAD
        + r"(?:PARTITION\s*\((?P<spec>(?:'(?:[^']|'')*'|[^)'])*)\)\s*)?"
        + r"SET\s+LOCATION\s+'(?P<loc>(?:[^']|'')*)'",
        ctx.text,
    )
    location = match.group("loc").replace("''", "'")
    if not location.startswith("s3://"):
        raise errors.ddl_failed(f"IllegalArgumentException: {location} is not an s3:// URI")
    database, name, info = _alter_target(ctx, match.group("name"))
    if match.group("spec") is None:
        info["StorageDescriptor"] = {**(info.get("StorageDescriptor") or {}), "Location": location}
        _update_table(ctx, database, name, info)
        return StatementResult(kind="none")
    table = ctx.glue.load(database, name)
    keys = [k.lower() for k, _ in table.partition_keys]
    values = partition_values(match.group("spec"), keys)
    glue_table = ctx.glue.backend.get_table(database, name)
    try:
        partition = glue_table.get_partition(values)
    except Exception as exc:  # moto's PartitionNotFoundException
        raise errors.ddl_failed(
            "SemanticException [Error 10006]: Partition not found " + partition_name(keys, values)
        ) from exc
    current = partition.as_dict()
    storage = {**current.get("StorageDescriptor", {}), "Location": location}
    glue_table.update_partition(
        values,
        {
            "Values": list(values),
            "StorageDescriptor": storage,
            **({"Parameters": current["Parameters"]} if current.get("Parameters") else {}),
        },
    )
    return StatementResult(kind="none")


def run_rename_table(ctx: StatementContext) -> StatementResult:
    """``ALTER TABLE t RENAME TO u``: Athena supports it for Iceberg tables only."""
    match_statement(_ALTER_HEAD + rf"RENAME\s+TO\s+{NAME_PATH}", ctx.text)
    raise errors.not_supported(
        "ALTER TABLE RENAME TO is not supported for Hive tables (Athena supports it for "
        "Iceberg tables only; the local cloud has no Iceberg tables)"
    )


def _duplicate_column(name: str) -> errors.AthenaQueryError:
    return errors.ddl_failed(
        f"HiveException: Duplicate column name {name} in the table definition."
    )


def _column_entries(ctx: StatementContext, columns_text: str, clause: str) -> list[dict]:
    """Glue column entries of a ``(name type [COMMENT '…'], …)`` list (duplicates fail)."""
    try:
        schema = parse_statement(f"CREATE EXTERNAL TABLE __t ({columns_text})").this
    except errors.AthenaQueryError as exc:
        raise errors.syntax_error(ctx.text, None, f"expected {clause} (name type, …)") from exc
    entries: list[dict] = []
    for column in schema.expressions:
        if not isinstance(column, exp.ColumnDef) or column.args.get("kind") is None:
            raise errors.syntax_error(ctx.text, None, f"expected {clause} (name type, …)")
        column_name = column.name.lower()
        if any(e["Name"] == column_name for e in entries):
            raise _duplicate_column(column_name)
        comment = ""
        for constraint in column.args.get("constraints") or []:
            if isinstance(constraint.args.get("kind"), exp.CommentColumnConstraint):
                comment = str(_literal_text(constraint.args["kind"].this))
        entries.append(
            {
                "Name": column_name,
                "Type": _glue_type(column.args["kind"]),
                **({"Comment": comment} if comment else {}),
            }
        )
    return entries


def run_replace_columns(ctx: StatementContext) -> StatementResult:
    """``ALTER TABLE t [PARTITION (…)] REPLACE COLUMNS (name type [COMMENT '…'], …)``.

    The table's (or the partition's) columns become exactly the ones listed; the partition
    keys stay. https://docs.aws.amazon.com/athena/latest/ug/alter-table-replace-columns.html
    """
    match = match_statement(
        _ALTER_HEAD
        + r"(?:PARTITION\s*\((?P<spec>(?:'(?:[^']|'')*'|[^)'])*)\)\s*)?"
        + r"REPLACE\s+COLUMNS\s*\((?P<cols>.*)\)",
        ctx.text,
    )
    database, name, info = _alter_target(ctx, match.group("name"))
    entries = _column_entries(ctx, match.group("cols"), "REPLACE COLUMNS")
    keys = {c["Name"].lower() for c in info.get("PartitionKeys") or []}
    clash = next((e["Name"] for e in entries if e["Name"] in keys), None)
    if clash is not None:
        raise errors.ddl_failed(
            f"HiveException: Partition column name {clash} conflicts with table columns."
        )
    if match.group("spec") is None:
        info["StorageDescriptor"] = {**(info.get("StorageDescriptor") or {}), "Columns": entries}
        _update_table(ctx, database, name, info)
        return StatementResult(kind="none")
    table = ctx.glue.load(database, name)
    values = partition_values(match.group("spec"), [k.lower() for k, _ in table.partition_keys])
    glue_table = ctx.glue.backend.get_table(database, name)
    try:
        partition = glue_table.get_partition(values)
    except Exception as exc:  # moto's PartitionNotFoundException
        raise errors.ddl_failed(
            "SemanticException [Error 10006]: Partition not found "
            + partition_name([k.lower() for k, _ in table.partition_keys], values)
        ) from exc
    current = partition.as_dict()
    glue_table.update_partition(
        values,
        {
            "Values": list(values),
            "StorageDescriptor": {**current.get("StorageDescriptor", {}), "Columns": entries},
            **({"Parameters": current["Parameters"]} if current.get("Parameters") else {}),
        },
    )
    return StatementResult(kind="none")


def run_set_dbproperties(ctx: StatementContext) -> StatementResult:
    """``ALTER (DATABASE|SCHEMA) db SET DBPROPERTIES ('k' = 'v', …)``: merged into the Glue
    database's Parameters (a property already set takes the new value).
    https://docs.aws.amazon.com/athena/latest/ug/alter-database-set-dbproperties.html
    """
    match = match_statement(
        rf"ALTER\s+(?:DATABASE|SCHEMA)\s+(?P<name>{IDENT})\s+SET\s+DBPROPERTIES\s*"
        r"\((?P<props>.*)\)",
        ctx.text,
    )
    props = _properties(match.group("props"))
    if not props:
        raise errors.syntax_error(ctx.text, None, "expected DBPROPERTIES ('name' = 'value', …)")
    name = split_path(match.group("name"))[0]
    if not ctx.glue.has_database(name):
        raise errors.ddl_failed(f"SemanticException [Error 10072]: Database does not exist: {name}")
    database = ctx.glue.backend.get_database(name)
    database_input = dict(database.input)
    database_input["Parameters"] = {**(database_input.get("Parameters") or {}), **props}
    ctx.glue.backend.update_database(name, database_input)
    return StatementResult(kind="none")
