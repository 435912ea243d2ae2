"""A business's sample-data settings: its catalogue, tills, calendar and bad corpus, as data.

Every business but the bookstore (whose vectorised generator predates contracts and must
keep its bytes) is described by its contract (``pipeline_src/contracts/<name>.json``) and one
settings file, ``infra_scripts/sampledata/settings/<name>.json``:

- ``catalogue``: what is sold. ``key_column`` names the column that identifies an entry (part
  of the de-duplication key: the lines of one order are distinct entries), ``group_column``
  the column the daypart boosts refer to, ``price_column`` the decimal column variants change;
  ``entries`` give each entry's column values and a relative ``weight`` (its popularity).
- ``variants``: named sets of choices for one column (a drink's size), each with a weight
  and a ``price_change``; an entry names the set it takes.
- ``orders``: the order-id column and format (``{till}``, ``{counter}``), the tills with their
  share and first counter, the share of orders with 1, 2, ... lines, the quantity column and
  its weights for 1, 2, ..., and per-order columns with weighted values.
- ``calendar``: opening hours (first hour and a weight per hour), relative volume Monday ..
  Sunday, orders on an average day, day-to-day noise and daypart boosts of groups.
- ``seed_files``: the committed seed files (seed, first day, one format per day).
- ``corpus`` and ``bad_files``: the bad-file corpus, each file with its expected verdict.

The contract's sale-date column is the order's time; its column types say how values are
typed and written. Nothing here names a business's columns: they come from the two files.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline_src.contracts import model
from pipeline_src.contracts.model import Column, Contract

SETTINGS_DIR = Path(__file__).resolve().parent / "settings"
SPECIALISED = "bookstore"  # the generator of seed_files/bad_files/generate predates settings


@dataclass(frozen=True)
class Entry:
    """One catalogue entry: its typed column values, popularity and variant set."""

    values: dict[str, Any]
    weight: float
    variants: str | None


@dataclass(frozen=True)
class Choice:
    """One variant: the column's value, its weight and what it adds to the price."""

    value: Any
    weight: float
    price_change: Decimal


@dataclass(frozen=True)
class VariantSet:
    """Named choices for one column."""

    column: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Till:
    """A till: its number, share of the orders and first order counter."""

    number: int
    share: float
    first_counter: int


@dataclass(frozen=True)
class Daypart:
    """Hours ``from_hour`` .. ``to_hour - 1`` multiply some groups' weights."""

    from_hour: int
    to_hour: int
    boost: dict[str, float]


@dataclass(frozen=True)
class Settings:
    """A business's generator settings, checked against its contract."""

    name: str
    contract: Contract
    about: str
    key: str
    group: str
    price: str
    entries: tuple[Entry, ...]
    variants: dict[str, VariantSet]
    id_column: str
    id_format: str
    tills: tuple[Till, ...]
    line_weights: tuple[float, ...]
    quantity_column: str
    quantity_weights: tuple[float, ...]
    per_order: dict[str, tuple[tuple[Any, float], ...]]
    first_hour: int
    hour_weights: tuple[float, ...]
    weekday_factors: tuple[float, ...]
    orders_per_day: float
    day_noise: float
    dayparts: tuple[Daypart, ...]
    seed: int
    seed_start: date
    seed_formats: tuple[str, ...]
    corpus_seed: int
    corpus_day: date
    bad_files: tuple[dict[str, Any], ...]
    document: dict[str, Any]

    @property
    def time_column(self) -> str:
        """The contract's sale-date column: every line of an order has the order's time."""
        column = self.contract.sale_date_column
        if column is None:
            raise ValueError(f"contract {self.name} has no sale-date column")
        return column

    @property
    def covered(self) -> frozenset[str]:
        """The columns the generator gives a value."""
        columns = {self.id_column, self.quantity_column, self.time_column, *self.per_order}
        columns |= {name for entry in self.entries for name in entry.values}
        columns |= {variant.column for variant in self.variants.values()}
        return frozenset(columns)


def settings_path(name: str) -> Path:
    """Where a business's settings live."""
    return SETTINGS_DIR / f"{name}.json"


def names() -> list[str]:
    """Every business with sample data: the bookstore and each settings file."""
    return sorted({SPECIALISED, *(p.stem for p in SETTINGS_DIR.glob("*.json"))})


def typed(column: Column, value: Any) -> Any:
    """A settings value as the Python value of the column's type (None stays None)."""
    if value is None:
        return None
    if column.is_decimal:
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-column.precision_scale[1]))
    if column.type == "integer":
        return int(value)
    if column.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{column.name}: {value!r} is not true or false")
        return value
    if column.type == "date":
        return date.fromisoformat(value)
    if column.type == "timestamp":
        raise ValueError(f"{column.name}: timestamps come from the calendar, not the settings")
    return str(value)


@functools.lru_cache(maxsize=8)
def load(name: str) -> Settings:
    """The settings of a business (ValueError when they do not fit its contract)."""
    path = settings_path(name)
    if not path.is_file():
        raise ValueError(f"no sample-data settings for {name!r} (expected {path})")
    document = json.loads(path.read_text(encoding="utf-8"))
    contract = model.get(document["contract"])
    settings = _settings(name, contract, document)
    _check(settings)
    return settings


def _settings(name: str, contract: Contract, doc: dict[str, Any]) -> Settings:
    catalogue, orders, calendar = doc["catalogue"], doc["orders"], doc["calendar"]

    def entry(spec: dict[str, Any]) -> Entry:
        values = {
            column: typed(contract.column(column), value)
            for column, value in spec.items()
            if column not in ("weight", "variants")
        }
        return Entry(values, float(spec["weight"]), spec.get("variants"))

    def variant_set(spec: dict[str, Any]) -> VariantSet:
        column = contract.column(spec["column"])
        choices = tuple(
            Choice(typed(column, c["value"]), float(c["weight"]), Decimal(c["price_change"]))
            for c in spec["choices"]
        )
        return VariantSet(column.name, choices)

    per_order = {
        column: tuple((typed(contract.column(column), v), float(w)) for v, w in choices)
        for column, choices in orders.get("per_order", {}).items()
    }
    seed_files, corpus = doc["seed_files"], doc["corpus"]
    return Settings(
        name=name,
        contract=contract,
        about=doc.get("about", ""),
        key=catalogue["key_column"],
        group=catalogue["group_column"],
        price=catalogue["price_column"],
        entries=tuple(entry(spec) for spec in catalogue["entries"]),
        variants={key: variant_set(spec) for key, spec in doc.get("variants", {}).items()},
        id_column=orders["id_column"],
        id_format=orders["id_format"],
        tills=tuple(
            Till(t["till"], float(t["share"]), t["first_counter"]) for t in orders["tills"]
        ),
        line_weights=tuple(orders["line_weights"]),
        quantity_column=orders["quantity_column"],
        quantity_weights=tuple(orders["quantity_weights"]),
        per_order=per_order,
        first_hour=calendar["first_hour"],
        hour_weights=tuple(calendar["hour_weights"]),
        weekday_factors=tuple(calendar["weekday_factors"]),
        orders_per_day=float(calendar["orders_per_day"]),
        day_noise=float(calendar.get("day_noise", 0.0)),
        dayparts=tuple(
            Daypart(d["from_hour"], d["to_hour"], dict(d["boost"]))
            for d in calendar.get("dayparts", [])
        ),
        seed=seed_files["seed"],
        seed_start=date.fromisoformat(seed_files["start"]),
        seed_formats=tuple(seed_files["formats"]),
        corpus_seed=corpus["seed"],
        corpus_day=date.fromisoformat(corpus["day"]),
        bad_files=tuple(doc.get("bad_files", [])),
        document=doc,
    )


def _till(spec: dict[str, Any]) -> Till:
    return Till(spec["till"], float(spec["share"]), spec["first_counter"])


def _check(settings: Settings) -> None:
    contract = settings.contract
    missing = [name for name in contract.required if name not in settings.covered]
    if missing:
        raise ValueError(f"{settings.name}: the settings give no value for {missing}")
    unknown = sorted(settings.covered - set(contract.names))
    if unknown:
        raise ValueError(f"{settings.name}: columns {unknown} are not in the contract")
    if len(settings.weekday_factors) != 7:
        raise ValueError(f"{settings.name}: weekday_factors needs 7 values, Monday .. Sunday")
    if settings.first_hour + len(settings.hour_weights) > 24:
        raise ValueError(f"{settings.name}: opening hours run past midnight")
    for entry in settings.entries:
        if entry.variants is not None and entry.variants not in settings.variants:
            raise ValueError(f"{settings.name}: unknown variant set {entry.variants!r}")
    if len({entry.values[settings.key] for entry in settings.entries}) != len(settings.entries):
        raise ValueError(f"{settings.name}: two catalogue entries share a {settings.key}")
    if len(settings.line_weights) > len(settings.entries):
        raise ValueError(f"{settings.name}: more lines per order than catalogue entries")
