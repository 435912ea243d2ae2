"""Which query feeds which chart, per business, and the report's wording: data, not code.

    choices = for_contract(contract)       # or for_contract("cafe")
    for choice in choices.athena:          # in the order notebook 04 shows them
        frame = athena_query(session, choice.query, outputs).frame
        charts.draw(choice, frame)

One JSON file per business beside this module (``<business>.json``): ``athena`` and
``redshift`` list the charts of notebooks 04 and 05 (a :class:`Choice` each), ``report`` the
sales report's business words (which query gives the revenue per partition, the best
sellers and the mix chart, how units are called, which column is a "place", the owner's
wording of the business's reason codes). A business without a file gets :func:`generic`
choices from its contract alone.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_src.contracts import model
from pipeline_src.contracts.model import Contract

CHOICES_DIR = Path(__file__).resolve().parent
KINDS = ("bar", "barh", "pie", "trend", "table")


@dataclass(frozen=True)
class Choice:
    """One chart (or table) of a notebook: the query that feeds it and how it is drawn.

    ``x`` and ``y`` are the query's columns on each axis (``barh``: ``y`` the categories,
    ``x`` the values; ``pie``: ``x`` the slices, ``y`` their sizes; ``trend``: ``x`` the day,
    ``y`` the bars, ``second`` a line). ``label`` formats a category from several columns
    (``"${band_from}-{band_to}"``); ``title`` may use ``{n}``, the number of rows.
    """

    name: str
    query: str
    kind: str
    heading: str = ""
    x: str | None = None
    y: str | None = None
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    label: str | None = None
    second: str | None = None
    second_label: str = ""
    twin: bool = False
    sort: str | None = None  # a column: ascending, so the largest bar is drawn on top
    reverse: bool = False  # draw the rows bottom-up in the query's order (rank 1 on top)
    values: str | None = None  # "money" or "percent": each bar labelled with its value
    money_axis: bool = False  # the value axis in dollars
    tidy: bool = False  # no top and right frame lines
    show_frame: bool = False  # the notebook shows the query's table before the chart
    color: int = 0
    width: float = 8.0
    height: float | None = None  # None: 0.35 in per bar + 1.2 in
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"chart {self.name!r}: kind {self.kind!r} is not one of {KINDS}")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every query column the choice reads (for checks against the query's output)."""
        names = [self.x, self.y, self.second, self.sort]
        if self.label:
            names += [field for _, field, _, _ in string.Formatter().parse(self.label) if field]
        return tuple(dict.fromkeys(n for n in names if n))


@dataclass(frozen=True)
class Choices:
    """A business's charts for notebooks 04 (Athena) and 05 (Redshift) and its report words."""

    business: str
    athena: tuple[Choice, ...]
    redshift: tuple[Choice, ...]
    report: Mapping[str, Any]

    def chart(self, name: str) -> Choice:
        """The choice called ``name`` (Athena first, then Redshift)."""
        for choice in (*self.athena, *self.redshift):
            if choice.name == name:
                return choice
        raise KeyError(f"the {self.business} charts have no {name!r}")


def _choice(spec: Mapping[str, Any]) -> Choice:
    known = {f for f in Choice.__dataclass_fields__ if f != "options"}
    return Choice(
        **{k: v for k, v in spec.items() if k in known},
        options={k: v for k, v in spec.items() if k not in known},
    )


def from_document(document: Mapping[str, Any]) -> Choices:
    """Choices from a parsed ``<business>.json``."""
    return Choices(
        business=document["business"],
        athena=tuple(_choice(c) for c in document.get("athena", ())),
        redshift=tuple(_choice(c) for c in document.get("redshift", ())),
        report=document.get("report", {}),
    )


def bundled() -> dict[str, Path]:
    """Business name → its choices file."""
    return {path.stem: path for path in sorted(CHOICES_DIR.glob("*.json"))}


def for_contract(contract: Contract | str | None = None) -> Choices:
    """The choices of ``contract`` (a :class:`Contract` or a business name; None: bookstore)."""
    if not isinstance(contract, Contract):
        contract = model.get(contract)
    path = bundled().get(contract.name)
    if path is None:
        return generic(contract)
    return from_document(json.loads(path.read_text(encoding="utf-8")))


def generic(contract: Contract) -> Choices:
    """What every business has (the generic SQL's ``revenue_by_partition``, ``daily_trend``,
    ``partition_ranking``): revenue per partition value and the daily trend."""
    partition = contract.partition
    by_partition = "revenue_by_partition"
    words = partition.replace("_", " ")
    bars = {
        "kind": "barh",
        "y": partition,
        "x": "revenue",
        "sort": "revenue",
        "values": "money",
        "money_axis": True,
        "tidy": True,
        "title": f"Revenue by {words}",
        "xlabel": "revenue",
    }
    trend = {"kind": "trend", "x": "sale_date", "y": "revenue"}
    document = {
        "business": contract.name,
        "athena": [
            {
                "name": by_partition,
                "query": by_partition,
                "heading": bars["title"],
                "show_frame": True,
                **bars,
            },
            {
                **trend,
                "name": "daily_trend",
                "query": "daily_trend",
                "heading": "Daily trend",
                "second": "revenue_7d_avg",
                "second_label": "7-day average",
            },
        ],
        "redshift": [
            {
                "name": "partition_ranking",
                "query": "partition_ranking",
                "heading": bars["title"],
                "show_frame": True,
                **bars,
            },
        ],
        "report": {
            "partition": {
                "query": by_partition,
                "chart": by_partition,
                "word": words,
                "label": bars["title"],
            },
        },
    }
    return from_document(document)
