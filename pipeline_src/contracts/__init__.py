"""Data contracts: one declarative JSON file per business says what its sales files hold.

A contract names the business, its columns (type, required, default, value rules), the
de-duplication key, the partition column(s), the sale-date column and its fall-backs, the
measures the analytics use, and the file-wide rules (field length, formula injection). The
format is published as ``contract.schema.json`` beside the contracts; :func:`check` reads a
document and names every problem with its place (``columns[3].pattern``), one per line.

Standard library only, Python 3.9: the contract travels with the Lambda and Glue artifacts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
FORMAT = 1
SCHEMA_FILE = HERE / "contract.schema.json"
DEPLOYED_NAME = "deployed.json"  # the contract an artifact carries (not a bundled business)
TYPES = ("string", "integer", "date", "timestamp", "boolean")  # and decimal(p,s)
DECIMAL = re.compile(r"decimal\((\d{1,2}),(\d{1,2})\)")
CASES = ("lower", "upper")
UNKNOWN = "?"  # the type of a column whose type is invalid (already reported)
SALE_DATE_FALLBACKS = ("file_name_date", "upload_date")
#: The measures every analysis reads (a business may add its own).
REQUIRED_MEASURES = {
    "revenue": "what the sales bring in, such as price * quantity",
    "units": "how many things were sold, such as quantity (or 1)",
}
#: Added to every stored row by the pipeline: a contract cannot name a column so.
LINEAGE_COLUMNS = (
    "sale_date",
    "source_key",
    "source_version",
    "source_row",
    "ingested_at",
    "load_id",
)
#: Names a column cannot take: the rejects file's own columns and record-shape codes
#: (``INVALID_RECORD``), and SQL words the generated Athena/Redshift SQL would need quoted.
RESERVED_NAMES = frozenset(
    {"row", "reason", "reason_code", "column", "record", "occurrence"}
    | {"all", "and", "as", "by", "case", "cast", "date", "day", "desc", "distinct", "end"}
    | {"from", "group", "having", "in", "join", "limit", "not", "null", "on", "or", "order"}
    | {"select", "table", "time", "timestamp", "to", "union", "user", "values", "when", "where"}
)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_MEASURE_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_]*)|([0-9]+(?:\.[0-9]+)?)|([-+*/()]))")

TOP_LEVEL = {
    "$schema",
    "format",
    "business",
    "columns",
    "dedup_key",
    "partition_by",
    "sale_date",
    "measures",
    "rules",
}
COLUMN_KEYS = {
    "name",
    "type",
    "required",
    "default",
    "description",
    "pattern",
    "allowed",
    "canonical",
    "case",
    "min",
    "max",
    "max_length",
    "invalid",
}


class ContractError(NamedTuple):
    """One problem: where in the file (a path such as ``columns[2].type``) and what."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}"


class ContractInvalid(ValueError):
    """A contract file that cannot be used; ``errors`` lists every problem found."""

    def __init__(self, source: str, errors: list[ContractError]) -> None:
        self.source = source
        self.errors = errors
        lines = "\n".join(f"  {error}" for error in errors)
        super().__init__(f"{source}: {len(errors)} problem(s) in the contract:\n{lines}")


def bundled() -> dict[str, Path]:
    """The contracts shipped with the kit, by business name."""
    skip = {SCHEMA_FILE.name, DEPLOYED_NAME}
    return {p.stem: p for p in sorted(HERE.glob("*.json")) if p.name not in skip}


def load(name_or_path: str) -> dict[str, Any]:
    """A checked contract document: a bundled business's name, or a path to a file."""
    path = bundled().get(name_or_path) or Path(name_or_path)
    if not path.is_file():
        names = ", ".join(bundled()) or "none"
        raise ContractInvalid(
            str(path), [ContractError("(file)", f"no such contract (bundled: {names})")]
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        place = f"line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else "(file)"
        raise ContractInvalid(str(path), [ContractError(place, f"not JSON: {exc}")]) from None
    errors = check(document)
    if errors:
        raise ContractInvalid(str(path), errors)
    return document


def check(document: Any) -> list[ContractError]:
    """Every problem of a contract document (empty: it is valid)."""
    if not isinstance(document, dict):
        return [ContractError("(top)", "a contract is a JSON object")]
    errors: list[ContractError] = []
    for key in sorted(set(document) - TOP_LEVEL):
        errors.append(ContractError(key, f"unknown key (known: {', '.join(sorted(TOP_LEVEL))})"))
    if document.get("format") != FORMAT:
        errors.append(ContractError("format", f"must be {FORMAT}"))
    business = document.get("business")
    if not isinstance(business, dict) or not _is_name(business.get("name")):
        errors.append(ContractError("business.name", "required: lower-case letters, digits and _"))
    columns = document.get("columns")
    if not isinstance(columns, list) or not columns:
        errors.append(ContractError("columns", "required: a non-empty list of columns"))
        columns = []
    types: dict[str, str] = {}
    for index, column in enumerate(columns):
        errors.extend(_check_column(f"columns[{index}]", column, types))
    errors.extend(_check_keys(document, types))
    return errors


def _check_column(place: str, column: Any, types: dict[str, str]) -> list[ContractError]:
    if not isinstance(column, dict):
        return [ContractError(place, "a column is an object with name and type")]
    errors = [
        ContractError(f"{place}.{key}", "unknown key") for key in sorted(set(column) - COLUMN_KEYS)
    ]
    name = column.get("name")
    if not _is_name(name):
        errors.append(ContractError(f"{place}.name", "required: lower-case letters, digits and _"))
        return errors
    if name in types:
        errors.append(ContractError(f"{place}.name", f"duplicate column {name!r}"))
    if name in LINEAGE_COLUMNS:
        errors.append(
            ContractError(f"{place}.name", f"{name!r} is a lineage column the pipeline adds")
        )
    elif name in RESERVED_NAMES:
        errors.append(ContractError(f"{place}.name", f"{name!r} is reserved: name it otherwise"))
    kind = column.get("type")
    if not is_type(kind):
        errors.append(
            ContractError(
                f"{place}.type",
                f"unknown type {kind!r} (one of {', '.join(TYPES)}, decimal(p,s))",
            )
        )
        kind = UNKNOWN  # reported once: checks that depend on the type are skipped
    types.setdefault(name, kind)
    if "required" in column and not isinstance(column["required"], bool):
        errors.append(ContractError(f"{place}.required", "must be true or false"))
    if "pattern" in column and kind != UNKNOWN:
        errors.extend(_check_pattern(f"{place}.pattern", column["pattern"], kind))
    for key in ("allowed", "canonical"):
        if key in column:
            values = column[key]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                errors.append(ContractError(f"{place}.{key}", "must be a list of strings"))
            elif len({v.lower() for v in values}) != len(values):
                errors.append(ContractError(f"{place}.{key}", "a value is listed twice"))
    for key in ("description", "invalid"):
        if key in column and not isinstance(column[key], str):
            errors.append(ContractError(f"{place}.{key}", "must be text"))
    if "case" in column and column["case"] not in CASES:
        errors.append(ContractError(f"{place}.case", f"one of {', '.join(CASES)}"))
    for key in ("min", "max"):
        if (
            key in column
            and kind != UNKNOWN
            and (
                (kind not in ("integer",) and not kind.startswith("decimal"))
                or not _is_number(column[key])
            )
        ):
            errors.append(
                ContractError(f"{place}.{key}", "a number, for integer and decimal columns")
            )
    if "max_length" in column and not (
        isinstance(column["max_length"], int)
        and not isinstance(column["max_length"], bool)
        and column["max_length"] > 0
    ):
        errors.append(ContractError(f"{place}.max_length", "a positive whole number"))
    if column.get("required") and "default" in column:
        errors.append(ContractError(f"{place}.default", "a required column has no default"))
    elif kind != UNKNOWN and not errors:
        from pipeline_src.schema import default_problem  # the value rules live there

        problem = default_problem(column)
        if problem:
            errors.append(ContractError(f"{place}.default", problem))
    return errors


def _check_pattern(place: str, pattern: Any, kind: str) -> list[ContractError]:
    if kind != "string":
        return [ContractError(place, "a pattern applies to string columns")]
    if not isinstance(pattern, str):
        return [ContractError(place, "a regular expression, as text")]
    try:
        re.compile(pattern)
    except re.error as exc:
        return [ContractError(place, f"not a regular expression: {exc}")]
    return []


def _check_keys(document: dict[str, Any], types: dict[str, str]) -> list[ContractError]:
    """The document's references to columns: dedup key, partitions, sale date, measures."""
    errors: list[ContractError] = []
    columns = document.get("columns") if isinstance(document.get("columns"), list) else []
    required = {c.get("name") for c in columns if isinstance(c, dict) and c.get("required")}
    partitions = (
        document.get("partition_by") if isinstance(document.get("partition_by"), list) else []
    )
    for key, what in (("dedup_key", "de-duplication key"), ("partition_by", "partition")):
        names = document.get(key, [])
        if not isinstance(names, list):
            errors.append(ContractError(key, "a list of column names"))
            continue
        if key == "partition_by" and len(names) != 1:
            errors.append(ContractError(key, "exactly one partition column (format 1)"))
        if key == "dedup_key" and not names:
            errors.append(ContractError(key, "at least one column: what makes a sale unique"))
        for index, name in enumerate(names):
            place = f"{key}[{index}]"
            if name not in types:
                errors.append(ContractError(place, f"{what} column {name!r} is not a column"))
            elif names.index(name) != index:
                errors.append(ContractError(place, f"{name!r} is listed twice"))
            elif key == "partition_by" and types[name] not in ("string", UNKNOWN):
                errors.append(ContractError(place, f"partition column {name!r} is not a string"))
            elif name not in required:
                errors.append(
                    ContractError(
                        place, f"{what} column {name!r} must be required (every row has it)"
                    )
                )
            elif key == "dedup_key" and name in partitions:
                errors.append(
                    ContractError(
                        place, f"{name!r} is the partition column: it cannot be in the key"
                    )
                )
    sale_date = document.get("sale_date")
    if sale_date is not None:
        if not isinstance(sale_date, dict):
            errors.append(ContractError("sale_date", "an object with column and fallbacks"))
        else:
            column = sale_date.get("column")
            if column is not None and column not in types:
                errors.append(ContractError("sale_date.column", f"{column!r} is not a column"))
            elif column is not None and types.get(column) not in ("date", "timestamp", UNKNOWN):
                errors.append(
                    ContractError(
                        "sale_date.column", f"{column!r} is not a date or timestamp column"
                    )
                )
            for index, fallback in enumerate(sale_date.get("fallbacks", [])):
                if fallback not in SALE_DATE_FALLBACKS:
                    errors.append(
                        ContractError(
                            f"sale_date.fallbacks[{index}]",
                            f"unknown fall-back {fallback!r} (one of "
                            f"{', '.join(SALE_DATE_FALLBACKS)})",
                        )
                    )
    measures = document.get("measures", {})
    if not isinstance(measures, dict):
        errors.append(ContractError("measures", "an object: measure name → expression"))
        measures = {}
    for name, meaning in REQUIRED_MEASURES.items():
        if name not in measures:
            errors.append(ContractError(f"measures.{name}", f"required: {meaning}"))
    for name, expression in measures.items():
        problem = _measure_problem(expression, types)
        if problem:
            errors.append(ContractError(f"measures.{name}", problem))
    return errors


def _measure_problem(expression: Any, types: dict[str, str]) -> str | None:
    """Why a measure (``price * quantity``) is not arithmetic over numeric columns."""
    if not isinstance(expression, str) or not expression.strip():
        return "an arithmetic expression over columns, as text"
    position = 0
    while position < len(expression):
        match = _MEASURE_TOKEN.match(expression, position)
        if match is None or match.end() == position:
            if expression[position:].strip() == "":
                break
            return f"cannot read {expression[position:].strip()!r}"
        name = match.group(1)
        if name is not None:
            if name not in types:
                return f"{name!r} is not a column"
            kind = types[name]
            if kind != UNKNOWN and not (kind == "integer" or kind.startswith("decimal")):
                return f"{name!r} is not a number column"
        position = match.end()
    return None


def is_type(kind: Any) -> bool:
    """A column type of the contract format."""
    if not isinstance(kind, str):
        return False
    match = DECIMAL.fullmatch(kind)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        return 1 <= precision <= 38 and scale <= precision
    return kind in TYPES


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value) is not None


from pipeline_src.contracts import model as model  # noqa: E402 (objects over the format)
