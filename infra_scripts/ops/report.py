"""The sales report's numbers: period, KPIs, daily series, and the files we could not load.

    report = gather(session, outputs, start_date="2026-11-02", end_date="2026-11-08")
    report.revenue, report.sales, report.best_partition, report.change, report.problems

Everything is read from the stack: the sales from the curated view (committed loads, each
sale once, as every analytics query reads them), the files the pipeline refused from the
quarantine bucket (the reason code and message the validator attached to each copy), the
rows it set aside from the data-quality summary of each loaded file. Rendering is
:mod:`infra_scripts.ops.report_output`; the charts are :mod:`infra_scripts.ops.charts`.

A rejected file is in no number: its sales never reached the table. A file loaded in part
counts the rows that passed and is listed with how many it left out and why.

The business is the stack's data contract: revenue and units are its measures, the
breakdowns are by its partition column, its best sellers and its mix chart; the words for
them ("copies", "best genre", "store S01") are its report choices
(``infra_scripts/ops/chart_choices/<business>.json``, see :class:`Business`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pandas as pd

from infra_scripts import contracts
from infra_scripts.ops import chart_choices
from infra_scripts.ops.chart_choices import Choice, Choices
from infra_scripts.ops.inspection import quality_summaries, quarantined_objects
from infra_scripts.ops.queries import QueryResult, athena_query, sales_filter
from pipeline_src import naming
from pipeline_src.contracts import model
from pipeline_src.contracts.model import Contract
from pipeline_src.etl.table import curated_view_name
from pipeline_src.schema import FILE_LEVEL, Schema

CURRENCY = "$"

#: What each refused-file reason code means for the person who sent the file.
FILE_REASONS: dict[str, str] = {
    "UNSUPPORTED_FORMAT": "it is not a type of file we read (we read .csv, .json, .jsonl "
    "and .xlsx files)",
    "FILE_TOO_LARGE": "it is larger than the pipeline accepts",
    "EMPTY_FILE": "the file is empty",
    "UNREADABLE_FILE": "the file is damaged, or is not the type of file its name says",
    "UNSUPPORTED_ENCODING": "its text is not saved as UTF-8 (save or export it as UTF-8)",
    "DELIMITER_NOT_DETECTED": "we could not tell how its columns are separated (use commas)",
    "MISSING_COLUMNS": "a column we need is missing",
    "DUPLICATE_COLUMNS": "two of its columns have the same name",
    "HEADER_ONLY": "it has column names but no sales",
    "MALFORMED_JSON": "the file is damaged (it is not valid JSON)",
    "NOT_A_JSON_ARRAY": "the file is not a list of sales",
    "NO_VALID_ROWS": "none of its sales could be read",
}

#: What each set-aside-row reason code of every business means, as the end of
#: "… left out: <reason>". A business's own codes (one per column rule) are worded in its
#: report choices (``row_reasons``, see :attr:`Business.row_words`).
ROW_REASONS: dict[str, str] = {
    "WRONG_FIELD_COUNT": "a line had more or fewer values than there are columns",
    "MALFORMED_JSON_LINE": "a line was damaged",
    "INVALID_RECORD": "an entry was not a sale",
    "MISSING_VALUE": "a value we need was empty",
    "NESTED_VALUE": "a value held a list where one value belongs",
    "FIELD_TOO_LONG": "a value was far too long",
    "FORMULA_INJECTION": "a value started like a spreadsheet formula",
}

_MISSING = re.compile(r"required (?:column|key)\(s\) ([^()]+?)(?:\s*\(|$)")
_PLACE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


# --- the business ------------------------------------------------------------------------
@dataclass(frozen=True)
class Business:
    """What the report says of one business: its contract and its report choices.

    The choices' ``report`` part names the queries (``partition``, ``items``, ``mix``: stem,
    label, columns), the words for units (``units``: one, many, card, heading), the column
    that names a place (``place``: column, one, all; none: the report is the whole
    business) and the owner's wording of the business's row codes (``row_reasons``).
    """

    contract: Contract
    choices: Choices

    @classmethod
    def of(cls, contract: Contract | str | None = None) -> Business:
        """A business by contract (or bundled name; None: the bookstore)."""
        if not isinstance(contract, Contract):
            contract = model.get(contract)
        return cls(contract, chart_choices.for_contract(contract))

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.choices.report)

    def _part(self, name: str) -> dict[str, Any]:
        return dict(self.settings.get(name) or {})

    # measures
    @property
    def revenue(self) -> str:
        """The revenue measure as SQL (``price * quantity``)."""
        return self.contract.measures["revenue"]

    @property
    def units(self) -> str:
        """The units measure as SQL (``quantity``; 1 per sale without one)."""
        return self.contract.measures.get("units", "1")

    @property
    def revenue_words(self) -> str:
        """The revenue measure in words: ``price × quantity``."""
        return self.revenue.replace("_", " ").replace("*", "×")

    # the partition
    @property
    def partition(self) -> str:
        return self.contract.partition

    @property
    def partition_word(self) -> str:
        return self._part("partition").get("word") or self.partition.replace("_", " ")

    @property
    def partition_plural(self) -> str:
        return self._part("partition").get("plural") or f"{self.partition_word} values"

    @property
    def partition_query(self) -> str:
        return self._part("partition").get("query") or "revenue_by_partition"

    @property
    def partition_label(self) -> str:
        return self._part("partition").get("label") or f"Revenue by {self.partition_word}"

    @property
    def partition_chart(self) -> Choice:
        name = self._part("partition").get("chart") or self.partition_query
        return self.choices.chart(name)

    # units
    def unit_words(self, key: str, default: str) -> str:
        return self._part("units").get(key) or default

    def units_text(self, count: int) -> str:
        """``1 copy``, ``607 copies`` (the business's words; default item/items)."""
        return plural(count, self.unit_words("one", "item"), self.unit_words("many", "items"))

    # the best sellers and the mix chart (None: the business has none)
    @property
    def items(self) -> dict[str, Any] | None:
        return self._part("items") or None

    @property
    def mix(self) -> dict[str, Any] | None:
        return self._part("mix") or None

    @property
    def mix_chart(self) -> Choice | None:
        return self.choices.chart(self.mix["chart"]) if self.mix else None

    # the place
    @property
    def place_column(self) -> str | None:
        return self._part("place").get("column")

    def place_label(self, place: str | None) -> str:
        """``store S01`` / ``all stores``; without a place column the business's title."""
        words = self._part("place")
        if not self.place_column:
            return self.contract.title
        return words.get("one", "{}").format(place) if place else words.get("all", "all")

    def place_filter(self, place: str | None) -> str | None:
        """The WHERE condition of one place's sales (None: every place)."""
        if not place:
            return None
        if not self.place_column:
            raise ValueError(f"the {self.contract.name} report has no place to narrow it to")
        if not _PLACE.match(place):
            raise ValueError(f"not a {self.place_column}: {place!r}")
        return f"{self.place_column} = '{place}'"

    @property
    def row_words(self) -> dict[str, str]:
        """Every row code of the business → the owner's words (its own, else the meaning)."""
        codes = Schema(self.contract).row_level
        own = {**ROW_REASONS, **(self.settings.get("row_reasons") or {})}
        return {code: own.get(code, meaning) for code, meaning in codes.items()} | own


# --- money, dates and periods ------------------------------------------------------------
def money(value: float | None, *, cents: bool = True) -> str:
    """``$11,987.93`` (``$11,988`` without cents); ``-$5.00``; ``—`` for no value."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{abs(float(value)):,.{2 if cents else 0}f}"
    return f"{'-' if value < 0 else ''}{CURRENCY}{text}"


def small_money(value: float) -> str:
    """An amount under a cent with two significant digits (``$0.00026``); else :func:`money`."""
    if value >= 0.01 or value <= 0:
        return money(value)
    digits = 1 - math.floor(math.log10(value))
    return f"{CURRENCY}{value:.{digits}f}"


def day_label(day: dt.date, *, weekday: bool = True, year: bool = False) -> str:
    """``Mon 2 Nov`` (``2 Nov 2026`` with the year, without the weekday)."""
    text = f"{day.day} {day:%b}" + (f" {day.year}" if year else "")
    return f"{day:%a} {text}" if weekday else text


@dataclass(frozen=True)
class Period:
    """A run of whole days, both ends included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.end - length)

    def label(self) -> str:
        """``26 October – 2 November 2026``, ``2–8 November 2026``, ``Monday 2 November 2026``."""
        a, b = self.start, self.end
        if a == b:
            return f"{a:%A} {a.day} {a:%B} {a.year}"
        if (a.year, a.month) == (b.year, b.month):
            return f"{a.day}–{b.day} {b:%B} {b.year}"
        if a.year == b.year:
            return f"{a.day} {a:%B} – {b.day} {b:%B} {b.year}"
        return f"{a.day} {a:%B} {a.year} – {b.day} {b:%B} {b.year}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


def _date(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# --- the files we could not load ---------------------------------------------------------
@dataclass(frozen=True)
class RejectedFile:
    """A file the validator refused: its copy in quarantine, as the pipeline tagged it."""

    file: str  # the key below incoming/
    code: str
    message: str  # the validator's sentence, without the code
    received: dt.datetime
    loaded_since: bool = False  # a later upload of the same key was loaded
    loaded_before: bool = False  # an earlier upload of the same key is what the table holds


@dataclass(frozen=True)
class Problem:
    """One line of the report's "Files we could not load" box."""

    file: str
    what: str  # "not loaded" or "4 of its 10 sales left out"
    why: str  # plain words
    rows_left_out: int | None = None  # None: the whole file

    @property
    def whole_file(self) -> bool:
        return self.rows_left_out is None

    def sentence(self) -> str:
        return f"{self.file}: {self.what} — {self.why}"


def file_reason(code: str, message: str = "") -> str:
    """The owner's wording for a refused file, naming the missing columns when known."""
    reason = FILE_REASONS.get(code) or FILE_LEVEL.get(code) or "the file could not be read"
    if code == "MISSING_COLUMNS" and (match := _MISSING.search(message)):
        columns = [c.strip() for c in match.group(1).split(",") if c.strip()]
        listed = " and ".join(columns) if len(columns) < 3 else ", ".join(columns)
        reason = f"the {listed} column{'s are' if len(columns) > 1 else ' is'} missing"
    return reason


def row_reasons(by_reason: Mapping[str, int], words: Mapping[str, str] | None = None) -> str:
    """``the quantity was not a whole number of at least 1`` (several: joined, commonest first).

    ``words``: the business's (:attr:`Business.row_words`; default the bookstore's).
    """
    words = Business.of().row_words if words is None else words
    ordered = sorted(by_reason.items(), key=lambda item: (-item[1], item[0]))
    parts = [words.get(code) or code for code, _ in ordered]
    return "; ".join(parts) or "some of its lines could not be read"


def problems_for_period(
    rejected: Iterable[RejectedFile],
    summaries: pd.DataFrame,
    period: Period | None,
    files_in_period: Iterable[str],
    business: Business | None = None,
) -> list[Problem]:
    """The box's lines: refused files that belong to the period, then files loaded in part.

    A refused file belongs to the period when the date in its name falls in it; a name
    without a date could hold any day's sales, so it is listed when the file arrived on or
    after the period's first day. A file whose later upload was loaded is not listed. A file
    loaded in part is listed when some of its counted sales fall in the period.
    ``business`` words the set-aside rows (default: the bookstore).
    """
    words = (business or Business.of()).row_words
    problems = []
    for item in sorted(rejected, key=lambda r: r.file):
        if item.loaded_since:
            continue
        day = naming.date_in_key(item.file)
        if period is not None:
            if day is not None and day not in period:
                continue
            if day is None and item.received.date() < period.start:
                continue
        why = file_reason(item.code, item.message).capitalize() + "."
        if item.loaded_before:
            why += " The sales of an earlier copy of this file are counted."
        else:
            why += " None of its sales are in this report: fix the file and send it again."
        problems.append(Problem(item.file, "not loaded", why))
    counted = {naming.relative_key(key) for key in files_in_period}
    if len(summaries):
        partial = summaries[summaries["rows_rejected"].fillna(0).astype(int) > 0]
        for row in partial.sort_values("file").itertuples():
            if row.file not in counted:
                continue
            left_out, read = int(row.rows_rejected), int(row.rows_read)
            sales = "sale" if read == 1 else "sales"
            why = f"{row_reasons(row.rejected_by_reason or {}, words)}.".capitalize()
            why += f" The other {int(row.rows_accepted):,} are counted."
            what = f"{left_out:,} of its {read:,} {sales} left out"
            problems.append(Problem(row.file, what, why, rows_left_out=left_out))
    return problems


def rejected_files(
    session: boto3.Session, quarantine_bucket: str, processed_bucket: str | None = None
) -> list[RejectedFile]:
    """Every refused original in quarantine, with its reason and when it arrived.

    With ``processed_bucket``, each is compared with its key's commit marker (``loads/``):
    a marker written after the refusal means a corrected upload was loaded since.
    """
    s3 = session.client("s3")
    found = []
    for obj, meta in quarantined_objects(session, quarantine_bucket):
        source = meta.get("source-key") or naming.INCOMING_PREFIX + obj["Key"].removeprefix(
            naming.QUARANTINE_PREFIX
        )
        code = meta.get("reject-reason") or "UNKNOWN"
        message = (meta.get("reject-message") or "").removeprefix(f"{code}:").strip()
        since = before = False
        if processed_bucket:
            try:
                marker = s3.head_object(Bucket=processed_bucket, Key=naming.load_marker_key(source))
            except s3.exceptions.ClientError:
                marker = None
            if marker is not None:
                since = marker["LastModified"] > obj["LastModified"]
                before = not since
        found.append(
            RejectedFile(
                naming.relative_key(source),
                code,
                message,
                obj["LastModified"],
                loaded_since=since,
                loaded_before=before,
            )
        )
    return found


# --- the report --------------------------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    sales: int = 0
    units: int = 0
    revenue: float = 0.0


def _numeric(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in dict.fromkeys(columns):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0)
    return frame


@dataclass
class SalesReport:
    """Everything the report shows, for one period and place (or the whole business)."""

    period: Period | None  # None: no sale recorded and no dates asked for
    place: str | None  # a value of the business's place column (None: every place)
    by_day_file: pd.DataFrame  # sale_date, source_key, sales, units, revenue
    partitions: pd.DataFrame  # the partition query: <partition>, revenue, …
    items: pd.DataFrame  # the best sellers query: <item>, <partition>, <units>, revenue
    mix: pd.DataFrame  # the mix chart's query (empty: the business has none)
    previous: Totals | None = None  # the same length of time just before
    problems: list[Problem] = field(default_factory=list)
    queries: list[QueryResult] = field(default_factory=list)
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    target: str = "local"
    business: Business = field(default_factory=Business.of)

    def __post_init__(self) -> None:
        frame = _numeric(self.by_day_file, ("sales", "units", "revenue"))
        frame["sale_date"] = pd.to_datetime(frame["sale_date"]).dt.date
        self.by_day_file = frame
        partitions = _numeric(self.partitions, ("sales", "units", "revenue"))
        self.partitions = partitions.sort_values("revenue", ascending=False, ignore_index=True)

    # headline figures
    @property
    def revenue(self) -> float:
        return float(self.by_day_file["revenue"].sum())

    @property
    def sales(self) -> int:
        return int(self.by_day_file["sales"].sum())

    @property
    def units(self) -> int:
        return int(self.by_day_file["units"].sum())

    @property
    def scope(self) -> str:
        """``store S01``, ``all stores``, or the business's title when it has no places."""
        return self.business.place_label(self.place)

    @property
    def title(self) -> str:
        when = self.period.label() if self.period else "no sales recorded yet"
        if not self.business.place_column:
            return f"Sales report: {when}"
        return f"Sales report: {self.scope}, {when}"

    @property
    def best_partition(self) -> tuple[str, float, float] | None:
        """(partition value, revenue, share of revenue in %), or None without sales."""
        if not len(self.partitions) or self.revenue <= 0:
            return None
        top = self.partitions.iloc[0]
        name = str(top[self.business.partition])
        return name, float(top["revenue"]), 100 * float(top["revenue"]) / self.revenue

    @property
    def change(self) -> float | None:
        """Revenue change vs the previous period in %; None when that period sold nothing."""
        if self.previous is None or self.previous.revenue <= 0:
            return None
        return 100 * (self.revenue / self.previous.revenue - 1)

    @property
    def files(self) -> list[str]:
        """The files whose sales are counted, below incoming/."""
        keys = self.by_day_file["source_key"].dropna().unique()
        return sorted(naming.relative_key(str(k)) for k in keys)

    def daily(self) -> pd.DataFrame:
        """Every day of the period: sales, units, revenue (0 on a day without sales),
        ``recorded`` (any sale that day) and ``partial`` (some of that day's sales came
        from a file that had lines left out)."""
        columns = ["sale_date", "sales", "units", "revenue", "recorded", "partial"]
        if self.period is None:
            return pd.DataFrame(columns=columns)
        per_day = self.by_day_file.groupby("sale_date")[["sales", "units", "revenue"]].sum()
        frame = per_day.reindex(self.period.dates(), fill_value=0)
        frame.index.name = "sale_date"
        frame = frame.reset_index()
        frame["recorded"] = frame["sales"] > 0
        partial_files = {p.file for p in self.problems if not p.whole_file}
        keys = self.by_day_file["source_key"].fillna("").map(naming.relative_key)
        partial_days = set(self.by_day_file.loc[keys.isin(partial_files), "sale_date"])
        frame["partial"] = frame["sale_date"].isin(partial_days)
        frame["sales"] = frame["sales"].astype(int)
        frame["units"] = frame["units"].astype(int)
        return frame[columns]

    def missing_days(self) -> list[dt.date]:
        daily = self.daily()
        return list(daily.loc[~daily["recorded"], "sale_date"])

    def partial_days(self) -> list[dt.date]:
        daily = self.daily()
        return list(daily.loc[daily["partial"], "sale_date"])

    def headline(self) -> str:
        """The report's first lines as plain text (what the notebook prints and nbval checks)."""
        lines = [
            self.title,
            f"revenue {money(self.revenue)} from {plural(self.sales, 'sale')} "
            f"({self.business.units_text(self.units)}), {plural(len(self.files), 'file')}",
        ]
        best = self.best_partition
        if best:
            lines.append(
                f"best {self.business.partition_word} {best[0]}: {money(best[1])} "
                f"({best[2]:.0f}% of revenue)"
            )
        if self.period:
            length = "day" if self.period.days == 1 else f"{self.period.days} days"
            lines.append(f"vs the previous {length}: {change_text(self)}")
        return "\n".join(lines)


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 sale``, ``606 sales``, ``1 copy``, ``2 copies``."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def change_text(report: SalesReport) -> str:
    """``+12% (was $10,700.00)`` or ``no sales recorded in 18–25 October 2026``."""
    if report.period is None:
        return "no earlier period"
    before = report.period.previous()
    change = report.change
    if change is None:
        on = "on" if before.days == 1 else "in"
        return f"no sales recorded {on} {before.label()}"
    return f"{change:+.0f}% (was {money(report.previous.revenue if report.previous else 0)})"


# --- reading it from the stack -----------------------------------------------------------
def _curated(outputs: Mapping[str, str], where: str | None) -> str:
    view = curated_view_name(outputs["glue_table"])
    source = f'"{outputs["glue_database"]}"."{view}"'
    return f"(SELECT * FROM {source} WHERE {where}) AS {view}" if where else source


def by_day_file_sql(
    outputs: Mapping[str, str], where: str | None = None, business: Business | None = None
) -> str:
    """Sales, units and revenue per day and source file (the KPIs and the daily chart)."""
    business = business or Business.of()
    return (
        f"SELECT sale_date, source_key, COUNT(*) AS sales, SUM({business.units}) AS units, "
        f"SUM({business.revenue}) AS revenue FROM {_curated(outputs, where)} "
        "GROUP BY sale_date, source_key ORDER BY sale_date, source_key"
    )


def totals_sql(
    outputs: Mapping[str, str], where: str | None = None, business: Business | None = None
) -> str:
    business = business or Business.of()
    return (
        f"SELECT COUNT(*) AS sales, SUM({business.units}) AS units, "
        f"SUM({business.revenue}) AS revenue FROM {_curated(outputs, where)}"
    )


def _number(value: object) -> float:
    """An Athena aggregate as a number: SUM over no rows is NULL, i.e. 0 here."""
    return 0.0 if value is None or pd.isna(value) else float(value)


def _totals(frame: pd.DataFrame) -> Totals:
    if not len(frame):
        return Totals()
    row = frame.iloc[0]
    return Totals(int(_number(row["sales"])), int(_number(row["units"])), _number(row["revenue"]))


def _where(*parts: str | None) -> str | None:
    return " AND ".join(p for p in parts if p) or None


def _breakdowns(business: Business) -> dict[str, tuple[str, str]]:
    """The report's own queries of the business: part → (query stem, cost label)."""
    parts = {"partitions": (business.partition_query, business.partition_label)}
    for part, settings in (("items", business.items), ("mix", business.mix)):
        if settings:
            parts[part] = (settings["query"], settings.get("label") or settings["query"])
    return parts


def gather(
    session: boto3.Session,
    outputs: Mapping[str, str],
    *,
    start_date: str | dt.date | None = None,
    end_date: str | dt.date | None = None,
    place: str | None = None,
    target: str = "local",
) -> SalesReport:
    """Run the report's Athena queries and read the refused and part-loaded files.

    The business is the stack's contract. Without ``start_date`` / ``end_date`` the period
    runs from the first to the last sale recorded (for ``place`` — a value of the business's
    place column, e.g. the bookstore's store_id — or every place).
    """
    business = Business.of(contracts.of_outputs(dict(outputs)))
    at_place = business.place_filter(place)
    start, end = _date(start_date), _date(end_date)
    where = _where(sales_filter(start, end), at_place)
    days = athena_query(
        session,
        "by_day_file",
        outputs,
        sql=by_day_file_sql(outputs, where, business),
        label="Sales by day",
    )
    recorded = pd.to_datetime(days.frame["sale_date"]).dt.date
    if start is None and len(recorded):
        start = min(recorded.min(), end) if end else recorded.min()
    if end is None and len(recorded):
        end = max(recorded.max(), start) if start else recorded.max()
    if start is not None and end is None:
        end = start
    if end is not None and start is None:
        start = end
    period = Period(start, end) if start and end else None
    where = _where(sales_filter(start, end), at_place)
    queries = [days]
    frames = {"items": pd.DataFrame(), "mix": pd.DataFrame()}
    for part, (name, label) in _breakdowns(business).items():
        result = athena_query(session, name, outputs, where=where, label=label)
        queries.append(result)
        frames[part] = result.frame
    previous = None
    if period is not None:
        before = period.previous()
        result = athena_query(
            session,
            "previous_totals",
            outputs,
            sql=totals_sql(
                outputs, _where(sales_filter(before.start, before.end), at_place), business
            ),
            label="The period before",
        )
        queries.append(result)
        previous = _totals(result.frame)
    problems = problems_for_period(
        rejected_files(session, outputs["quarantine_bucket"], outputs["processed_bucket"]),
        quality_summaries(session, outputs["processed_bucket"]),
        period,
        days.frame["source_key"].dropna().astype(str),
        business,
    )
    return SalesReport(
        period=period,
        place=place,
        by_day_file=days.frame,
        partitions=frames["partitions"],
        items=frames["items"],
        mix=frames["mix"],
        previous=previous,
        problems=problems,
        queries=queries,
        target=target,
        business=business,
    )
