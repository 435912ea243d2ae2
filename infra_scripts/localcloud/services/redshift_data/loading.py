"""COPY (S3 → table) and UNLOAD (query → S3) on a DuckDB cursor, over the local S3.

COPY reads the objects whose keys start with the FROM prefix (or a manifest's entries),
as Redshift does: Parquet columns by position, CSV / pipe-delimited text with
IGNOREHEADER, DELIMITER, QUOTE, NULL AS, EMPTYASNULL, DATEFORMAT / TIMEFORMAT, GZIP, and
JSON 'auto'. UNLOAD writes Redshift's file names (``<prefix>0000_part_00.parquet``,
``<prefix>000`` with PARALLEL OFF), refuses a non-empty destination without ALLOWOVERWRITE,
and supports PARTITION BY, HEADER, MANIFEST and CLEANPATH.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from infra_scripts.localcloud.services.redshift_data.commands import CopyCommand, UnloadCommand
from infra_scripts.localcloud.services.redshift_data.errors import RedshiftSqlError
from infra_scripts.localcloud.sqlengine.quoting import file_list, quote_identifier, quote_literal
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror, parse_s3_uri

_NEVER_NULL = "\x01never-null\x01"
_CHAR_TYPES = ("VARCHAR", "CHAR", "TEXT", "BPCHAR")
_DATETIME_PATTERNS = [  # Redshift DATEFORMAT / TIMEFORMAT → strptime, longest first
    ("YYYY", "%Y"), ("YY", "%y"), ("MONTH", "%B"), ("MON", "%b"), ("MM", "%m"), ("DD", "%d"),
    ("HH24", "%H"), ("HH12", "%I"), ("HH", "%H"), ("MI", "%M"), ("SS", "%S"), ("AM", "%p"),
    ("PM", "%p"), ("US", "%f"),
]  # fmt: skip
_COMPRESSIONS = {"GZIP": ("gzip", ".gz"), "ZSTD": ("zstd", ".zst")}


def _strptime_format(redshift_format: str) -> str:
    out, i = "", 0
    upper = redshift_format.upper()
    while i < len(upper):
        for pattern, replacement in _DATETIME_PATTERNS:
            if upper.startswith(pattern, i):
                out += replacement
                i += len(pattern)
                break
        else:
            out += redshift_format[i].replace("%", "%%")
            i += 1
    return out


def table_columns(
    cur: duckdb.DuckDBPyConnection, parts: list[str]
) -> tuple[str, list[tuple[str, str]]]:
    """(quoted table reference, [(column, DuckDB type)]) of a table, or Redshift's error."""
    name = parts[-1]
    schema = parts[-2] if len(parts) > 1 else None
    rows = cur.execute(
        "SELECT table_catalog, table_schema, column_name, data_type "
        "FROM information_schema.columns WHERE table_name = ? "
        "AND (table_schema = coalesce(?, 'public') OR "
        "(? IS NULL AND table_catalog = 'temp')) "
        "ORDER BY table_catalog = 'temp' DESC, ordinal_position",
        [name, schema, schema],
    ).fetchall()
    if not rows:
        shown = ".".join(parts[-2:])
        raise RedshiftSqlError(f'relation "{shown}" does not exist')
    catalog, found_schema = rows[0][0], rows[0][1]
    columns = [(r[2], r[3]) for r in rows if (r[0], r[1]) == (catalog, found_schema)]
    reference = ".".join(quote_identifier(part) for part in (catalog, found_schema, name))
    return reference, columns


def _source_files(mirror: S3Mirror, command: CopyCommand) -> list[Path]:
    from moto.s3.exceptions import MissingBucket

    try:
        bucket, prefix = parse_s3_uri(command.source)
    except ValueError as exc:
        raise RedshiftSqlError(
            "LOAD source is not supported. (Hint: only S3 or DynamoDB or EMR based load is allowed)"
        ) from exc
    try:
        if command.options.get("MANIFEST"):
            return _manifest_files(mirror, bucket, prefix)
        paths = mirror.sync_prefix(bucket, prefix)
    except MissingBucket as exc:
        raise RedshiftSqlError("S3ServiceException:The specified bucket does not exist") from exc
    if not paths:
        raise RedshiftSqlError(f"The specified S3 prefix '{prefix}' does not exist")
    return paths


def _manifest_files(mirror: S3Mirror, bucket: str, key: str) -> list[Path]:
    try:
        manifest = json.loads(mirror.local_path(bucket, key).read_bytes())
    except (FileNotFoundError, ValueError) as exc:
        raise RedshiftSqlError(f"Problem reading manifest file - s3://{bucket}/{key}") from exc
    paths = []
    for entry in manifest.get("entries", []):
        entry_bucket, entry_key = parse_s3_uri(entry["url"])
        try:
            paths.append(mirror.local_path(entry_bucket, entry_key))
        except FileNotFoundError as exc:
            if entry.get("mandatory", False):
                raise RedshiftSqlError(
                    f"Manifest file entry {entry['url']} does not exist"
                ) from exc
    return paths


def _load_error(table: str, exc: Exception) -> RedshiftSqlError:
    detail = str(exc).strip().splitlines()
    reason = next((line for line in detail if "Expected Number of Columns" in line), None)
    reason = reason or (detail[0] if detail else type(exc).__name__)
    return RedshiftSqlError(
        f"Load into table '{table}' failed. Check 'sys_load_error_detail' system table for "
        f"details. ({reason.split('Error: ', 1)[-1]})"
    )


def _text_projection(command: CopyCommand, targets: list[tuple[str, str]]) -> str:
    """Typed values of the text columns c1…cn, with Redshift's NULL rules."""
    empty_as_null = bool(command.options.get("EMPTYASNULL"))
    blanks_as_null = bool(command.options.get("BLANKSASNULL"))
    date_format = command.options.get("DATEFORMAT")
    time_format = command.options.get("TIMEFORMAT")
    out = []
    for i, (_, duck_type) in enumerate(targets, start=1):
        value = f"c{i}"
        if blanks_as_null:
            value = f"NULLIF(trim({value}), '')"
        is_char = duck_type.upper().startswith(_CHAR_TYPES)
        if not is_char or empty_as_null:
            value = f"NULLIF({value}, '')"
        upper = duck_type.upper()
        if upper == "DATE" and isinstance(date_format, str) and date_format.lower() != "auto":
            fmt = quote_literal(_strptime_format(date_format))
            value = f"CAST(strptime({value}, {fmt}) AS DATE)"
        elif upper.startswith("TIMESTAMP") and isinstance(time_format, str):
            if time_format.lower() == "epochsecs":
                value = f"to_timestamp(CAST({value} AS DOUBLE))"
            elif time_format.lower() != "auto":
                value = f"strptime({value}, {quote_literal(_strptime_format(time_format))})"
        out.append(f"CAST({value} AS {duck_type})")
    return ", ".join(out)


def _text_reader(command: CopyCommand, paths: list[Path], count: int) -> str:
    csv = command.format == "CSV"
    delimiter = str(command.options.get("DELIMITER", "," if csv else "|"))
    quote = str(command.options.get("QUOTE", '"')) if csv else ""
    null_as = command.options.get("NULL")
    nullstr = str(null_as) if null_as is not None else (_NEVER_NULL if csv else "\\N")
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, count + 1))
    options = [
        f"delim = {quote_literal(delimiter)}",
        f"quote = {quote_literal(quote)}",
        f"escape = {quote_literal(quote if csv else '')}",
        "header = false",
        f"skip = {int(command.options.get('IGNOREHEADER', 0))}",
        f"columns = {{{columns}}}",
        "auto_detect = false",
        f"nullstr = {quote_literal(nullstr)}",
        f"null_padding = {'true' if command.options.get('FILLRECORD') else 'false'}",
    ]
    if command.options.get("GZIP"):
        options.append("compression = 'gzip'")
    elif command.options.get("ZSTD"):
        options.append("compression = 'zstd'")
    return f"read_csv({file_list(paths)}, {', '.join(options)})"


def _json_select(
    cur: Any, command: CopyCommand, paths: list[Path], targets: list[tuple[str, str]]
) -> str:
    argument = (command.format_argument or "auto").lower()
    if argument not in ("auto", "auto ignorecase"):
        raise RedshiftSqlError(
            "COPY from JSON with a JSONPaths file is not supported by the local cloud"
        )
    reader = f"read_json({file_list(paths)}, format = 'auto', records = true)"
    present = [row[0] for row in cur.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
    if argument == "auto ignorecase":
        keys = {p.lower(): p for p in present}
    else:
        keys = {p: p for p in present}
    values = [
        f"CAST({quote_identifier(keys[name])} AS {duck_type})"
        if name in keys
        else f"CAST(NULL AS {duck_type})"
        for name, duck_type in targets
    ]
    return f"SELECT {', '.join(values)} FROM {reader}"


def run_copy(cur: duckdb.DuckDBPyConnection, command: CopyCommand, mirror: S3Mirror) -> int:
    """Load the command's S3 objects into its table; the number of rows loaded."""
    table_ref, columns = table_columns(cur, command.table)
    table_name = command.table[-1]
    types = dict(columns)
    names = command.columns or [c for c, _ in columns]
    for name in names:
        if name not in types:
            raise RedshiftSqlError(f'column "{name}" of relation "{table_name}" does not exist')
    targets = [(n, types[n]) for n in names]
    paths = _source_files(mirror, command)
    column_list = ", ".join(quote_identifier(n) for n in names)
    if command.format == "PARQUET":
        # Redshift COPY reads the files as they are: no columns from key=value folders.
        reader = f"read_parquet({file_list(paths)}, hive_partitioning = false)"
        found = len(cur.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall())
        if found != len(targets):
            raise RedshiftSqlError(
                "Spectrum Scan Error. Unmatched number of columns between table and file. "
                f"Table columns: {len(targets)}, Data columns: {found}, File name: "
                f"{command.source}"
            )
        select = f"SELECT * FROM {reader}"
    elif command.format in ("CSV", "TEXT"):
        reader = _text_reader(command, paths, len(targets))
        select = f"SELECT {_text_projection(command, targets)} FROM {reader}"
    elif command.format == "JSON":
        select = _json_select(cur, command, paths, targets)
    else:
        raise RedshiftSqlError(
            f"COPY FORMAT AS {command.format} is not supported by the local cloud"
        )
    try:
        row = cur.execute(f"INSERT INTO {table_ref} ({column_list}) {select}").fetchone()
    except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
        raise _load_error(table_name, exc) from exc
    return int(row[0]) if row else 0


def _unload_options(command: UnloadCommand) -> tuple[str, str]:
    """(DuckDB COPY options, file extension) for the command's format."""
    opts = command.options
    extension = ".parquet" if command.format == "PARQUET" else ""
    if opts.get("EXTENSION"):
        extension = "." + str(opts["EXTENSION"]).lstrip(".")
    if command.format == "PARQUET":
        return "FORMAT parquet, COMPRESSION snappy", extension
    if command.format == "JSON":
        options = ["FORMAT json"]
    else:
        csv = command.format == "CSV"
        delimiter = str(opts.get("DELIMITER", "," if csv else "|"))
        quote = '"' if csv or opts.get("ADDQUOTES") else ""
        options = [
            "FORMAT csv",
            f"DELIMITER {quote_literal(delimiter)}",
            f"HEADER {'true' if opts.get('HEADER') else 'false'}",
            f"QUOTE {quote_literal(quote)}",
            f"NULLSTR {quote_literal(str(opts.get('NULL', '')))}",
        ]
        if opts.get("ADDQUOTES"):
            options.append("FORCE_QUOTE *")
    if opts.get("BZIP2"):
        raise RedshiftSqlError(
            "UNLOAD with BZIP2 is not supported by the local cloud; use GZIP or ZSTD"
        )
    for flag, (codec, suffix) in _COMPRESSIONS.items():
        if opts.get(flag):
            options.append(f"COMPRESSION {codec}")
            extension += suffix
    return ", ".join(options), extension


def run_unload(
    cur: duckdb.DuckDBPyConnection,
    command: UnloadCommand,
    mirror: S3Mirror,
    to_duckdb: Callable[[str], str],
) -> int:
    """Write the query's rows to S3 as Redshift's UNLOAD does; the number of rows."""
    from moto.s3.exceptions import MissingBucket

    try:
        bucket, prefix = parse_s3_uri(command.destination)
    except ValueError as exc:
        raise RedshiftSqlError(
            "UNLOAD destination must be an S3 path (s3://bucket/prefix)"
        ) from exc
    try:
        existing = mirror.list_keys(bucket, prefix)
    except MissingBucket as exc:
        raise RedshiftSqlError("S3ServiceException:The specified bucket does not exist") from exc
    if existing and command.options.get("CLEANPATH"):
        mirror.delete_prefix(bucket, prefix)
    elif existing and not command.options.get("ALLOWOVERWRITE"):
        raise RedshiftSqlError(
            "Specified unload destination on S3 is not empty. Consider using a different "
            "bucket / prefix, manually removing the target files in S3, or using the "
            "ALLOWOVERWRITE option."
        )
    query = to_duckdb(command.query)
    options, extension = _unload_options(command)
    scratch = mirror.scratch_dir()
    try:
        if command.partition_by:
            columns = ", ".join(quote_identifier(c) for c in command.partition_by)
            include = "true" if command.partition_include else "false"
            sql = (
                f"COPY ({query}) TO {quote_literal(str(scratch))} "
                f"({options}, PARTITION_BY ({columns}), WRITE_PARTITION_COLUMNS {include})"
            )
        else:
            sql = f"COPY ({query}) TO {quote_literal(str(scratch / 'data'))} ({options})"
        row = cur.execute(sql).fetchone()
        written = _upload(mirror, scratch, bucket, prefix, command, extension)
        if command.manifest:
            entries = [
                {"url": f"s3://{bucket}/{key}", "meta": {"content_length": size}}
                for key, size in written
            ]
            body = json.dumps({"entries": entries}, indent=1).encode()
            mirror.put(bucket, prefix + "manifest", body)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return int(row[0]) if row else 0


def _part_name(index: int, parallel: bool, extension: str) -> str:
    """Redshift's UNLOAD file names: 0000_part_00, 0001_part_00, … (PARALLEL OFF: 000, 001)."""
    return (f"{index:04d}_part_00" if parallel else f"{index:03d}") + extension


def _upload(
    mirror: S3Mirror,
    scratch: Path,
    bucket: str,
    prefix: str,
    command: UnloadCommand,
    extension: str,
) -> list[tuple[str, int]]:
    written = []
    folders: dict[Path, int] = {}
    for path in sorted(p for p in scratch.rglob("*") if p.is_file()):
        index = folders.get(path.parent, 0)
        folders[path.parent] = index + 1
        name = _part_name(index, command.parallel, extension)
        if command.partition_by:
            folder = path.parent.relative_to(scratch).as_posix()
            separator = "" if not prefix or prefix.endswith("/") else "/"
            key = f"{prefix}{separator}{folder}/{name}"
        else:
            key = prefix + name
        body = path.read_bytes()
        mirror.put(bucket, key, body)
        written.append((key, len(body)))
    return written
