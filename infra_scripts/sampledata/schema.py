"""Column layouts and file formats of the sample data."""

from __future__ import annotations

from typing import Literal

#: The original bookstore columns, in their original order.
SEED_COLUMNS: tuple[str, ...] = (
    "title",
    "price",
    "age_group",
    "genre",
    "book_id",
    "transaction_id",
)

#: Optional richer columns, appended after the seed columns.
EXTRA_COLUMNS: tuple[str, ...] = ("sold_at", "store_id", "quantity", "payment_method")
EXTENDED_COLUMNS: tuple[str, ...] = SEED_COLUMNS + EXTRA_COLUMNS

Schema = Literal["seed", "extended"]
Format = Literal["csv", "json", "jsonl", "xlsx"]

SCHEMAS: dict[str, tuple[str, ...]] = {"seed": SEED_COLUMNS, "extended": EXTENDED_COLUMNS}
FORMATS: tuple[str, ...] = ("csv", "json", "jsonl", "xlsx")

#: Sheet name of generated workbooks (the original XLSX files use it too).
XLSX_SHEET_TITLE = "Sales Data"


def columns_for(schema: str) -> tuple[str, ...]:
    """Return the columns of a schema name ("seed" or "extended")."""
    try:
        return SCHEMAS[schema]
    except KeyError:
        raise ValueError(f"unknown schema {schema!r}; expected one of {sorted(SCHEMAS)}") from None
