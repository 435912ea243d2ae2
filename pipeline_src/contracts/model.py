"""A checked contract document as objects: the business, its columns and keys, its codes.

Everything business-specific in the pipeline reads it from here: column names and types,
the partition and de-duplication columns, the sale-date column, measures, and the reason
codes of the value rules (``INVALID_<COLUMN>``, ``NON_FINITE_<COLUMN>``,
``NEGATIVE_<COLUMN>``, ``DUPLICATE_<KEY>``). Standard library only, Python 3.9.
"""

from __future__ import annotations

import json
import pkgutil
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from pipeline_src import contracts as _format

DEFAULT = "bookstore"
_GLUE_TYPES = {
    "string": "string",
    "integer": "int",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}


class Column(NamedTuple):
    """One column of a contract, with its rules."""

    name: str
    type: str
    required: bool
    default: Any = None
    pattern: str | None = None
    allowed: tuple[str, ...] = ()
    canonical: tuple[str, ...] = ()
    case: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    max_length: int | None = None
    description: str = ""
    invalid: str = ""  # the sentence that explains a refused value ("is not B + 6 digits")

    @property
    def is_text(self) -> bool:
        return self.type == "string"

    @property
    def is_decimal(self) -> bool:
        return self.type.startswith("decimal")

    @property
    def is_number(self) -> bool:
        return self.is_decimal or self.type == "integer"

    @property
    def precision_scale(self) -> tuple[int, int]:
        """A decimal column's precision and scale."""
        match = _format.DECIMAL.fullmatch(self.type)
        if not match:
            raise ValueError(f"{self.name} is not a decimal column")
        return int(match.group(1)), int(match.group(2))

    @property
    def glue_type(self) -> str:
        """The Glue/Athena column type (``decimal(10,2)``, ``int``, ``string`` …)."""
        return self.type if self.is_decimal else _GLUE_TYPES[self.type]

    @property
    def code(self) -> str:
        """The column's part of its reason codes (``book_id`` → ``BOOK_ID``)."""
        return self.name.upper()


class Contract:
    """A valid contract (see :func:`get`)."""

    def __init__(self, document: dict[str, Any], source: str = "(document)") -> None:
        errors = _format.check(document)
        if errors:
            raise _format.ContractInvalid(source, errors)
        self.document = document
        self.source = source
        business = document["business"]
        self.name: str = business["name"]
        self.title: str = business.get("title") or self.name
        self.columns: tuple[Column, ...] = tuple(_column(c) for c in document["columns"])
        self._by_name = {c.name: c for c in self.columns}
        self.dedup_key: tuple[str, ...] = tuple(document.get("dedup_key", ()))
        self.partition_by: tuple[str, ...] = tuple(document.get("partition_by", ()))
        sale_date = document.get("sale_date") or {}
        self.sale_date_column: str | None = sale_date.get("column")
        self.sale_date_fallbacks: tuple[str, ...] = tuple(
            sale_date.get("fallbacks", _format.SALE_DATE_FALLBACKS)
        )
        self.measures: dict[str, str] = dict(document.get("measures", {}))
        rules = document.get("rules", {})
        self.max_field_chars: int = int(rules.get("max_field_chars", 1024))
        self.formula_prefixes: tuple[str, ...] = tuple(
            rules.get("formula_prefixes", ("=", "+", "-", "@", "\t", "\r"))
        )

    def __repr__(self) -> str:
        return f"Contract({self.name!r})"

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def partition(self) -> str:
        """The (first) partition column: files are written one folder per value."""
        if not self.partition_by:
            raise ValueError(f"the {self.name} contract has no partition column")
        return self.partition_by[0]

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """The columns stored in the Parquet files (partition columns live in the path)."""
        return tuple(c for c in self.columns if c.name not in self.partition_by)

    @property
    def duplicate_code(self) -> str:
        """The reason code of a row whose de-duplication key was seen earlier in its file."""
        return "DUPLICATE_" + "_".join(name.upper() for name in self.dedup_key)

    def row_codes(self) -> dict[str, str]:
        """The value-rule reason codes of this contract → a plain-language meaning."""
        codes: dict[str, str] = {}
        for column in self.columns:
            codes.update(_column_codes(column))
        if self.dedup_key:
            key = " + ".join(self.dedup_key)
            what = f"a {key}" if len(self.dedup_key) == 1 else f"a combination of {key}"
            codes[self.duplicate_code] = (
                f"{what} already seen in an earlier valid row of the same file (the first is kept)"
            )
        return codes

    def to_json(self) -> str:
        """The document as canonical JSON (what the artifacts carry and deploy compares)."""
        return json.dumps(self.document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def column(spec: dict[str, Any]) -> Column:
    """One column of a (checked) contract document as a :class:`Column`."""
    return _column(spec)


def _column(spec: dict[str, Any]) -> Column:
    def number(key: str) -> Decimal | None:
        return Decimal(str(spec[key])) if key in spec else None

    return Column(
        name=spec["name"],
        type=spec["type"],
        required=bool(spec.get("required", False)),
        default=spec.get("default"),
        pattern=spec.get("pattern"),
        allowed=tuple(spec.get("allowed", ())),
        canonical=tuple(spec.get("canonical", ())),
        case=spec.get("case"),
        min=number("min"),
        max=number("max"),
        max_length=spec.get("max_length"),
        description=spec.get("description", ""),
        invalid=spec.get("invalid", ""),
    )


def _column_codes(column: Column) -> dict[str, str]:
    name, code = column.name, column.code
    optional = " (optional)" if not column.required else ""
    if column.is_decimal:
        _, scale = column.precision_scale
        codes = {
            f"INVALID_{code}": column.invalid
            or f"{name}{optional} is not a decimal number with at most {scale} decimal places"
            + (f", at most {column.max:,}" if column.max is not None else ""),
            f"NON_FINITE_{code}": f"{name} is NaN or infinite",
        }
        if column.min == 0:
            codes[f"NEGATIVE_{code}"] = f"{name} is below zero"
        return codes
    if column.type == "integer":
        return {
            f"INVALID_{code}": column.invalid
            or f"{name}{optional} is not a whole number{_range_words(column)}"
        }
    if column.type in ("date", "timestamp"):
        what = "date" if column.type == "date" else "date or date-time"
        return {f"INVALID_{code}": column.invalid or f"{name}{optional} is not an ISO-8601 {what}"}
    if column.type == "boolean":
        return {f"INVALID_{code}": column.invalid or f"{name}{optional} is not true or false"}
    if column.pattern or column.allowed or column.max_length:
        return {f"INVALID_{code}": column.invalid or _text_words(column)}
    return {}


def _range_words(column: Column) -> str:
    low = None if column.min is None or (column.is_decimal and column.min == 0) else column.min
    if low is not None and column.max is not None:
        return f" from {low:,} to {column.max:,}"
    if low is not None:
        return f" of at least {low:,}"
    if column.max is not None:
        return f" of at most {column.max:,}"
    return ""


def _text_words(column: Column) -> str:
    if column.allowed:
        shown = ", ".join(column.allowed[:3]) + (", …" if len(column.allowed) > 3 else "")
        return f"{column.name} is not one of {shown}"
    if column.pattern:
        return f"{column.name} does not match {column.pattern}"
    return f"{column.name} is longer than {column.max_length:,} characters"


def get(name_or_path: str | None = None) -> Contract:
    """A bundled business's contract by name, or the contract in a file (default: bookstore)."""
    name_or_path = name_or_path or DEFAULT
    path = _format.bundled().get(name_or_path) or Path(name_or_path)
    return Contract(_format.load(name_or_path), str(path))


def deployed() -> Contract:
    """The contract this artifact was deployed with: ``deployed.json`` in the package (read
    through the import system, so a zip on ``sys.path`` works too, as Glue's
    ``--extra-py-files``); the bookstore's when run from a source checkout."""
    try:
        data = pkgutil.get_data(__package__ or "pipeline_src.contracts", _format.DEPLOYED_NAME)
    except OSError:
        data = None
    if data is not None:
        return Contract(json.loads(data.decode("utf-8")), _format.DEPLOYED_NAME)
    if (_format.HERE / f"{DEFAULT}.json").is_file():  # a source checkout, not an artifact
        return get(DEFAULT)
    raise RuntimeError(
        f"this package carries no contract ({_format.DEPLOYED_NAME}): deploy it with the kit, "
        "which packages the chosen contract into the Lambda and Glue artifacts"
    )
