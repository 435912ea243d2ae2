"""Matplotlib charts for the notebooks and the report; each takes a query's DataFrame.

Every function returns a closed ``Figure``: a notebook shows it once by ending a cell with
it, and :func:`save` writes it as a PNG for the HTML report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter

from infra_scripts.contracts import of_outputs
from infra_scripts.ops import chart_choices
from infra_scripts.ops.chart_choices import Choice

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f")


def _figure(width: float = 8, height: float = 4) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    plt.close(fig)  # shown where the notebook returns it, not again by pyplot
    return fig, ax


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def _dollars(value: float, _position: object = None) -> str:
    return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"


def _tidy(ax: plt.Axes) -> None:
    """No top and right frame lines: a lighter chart for the report."""
    ax.spines[["top", "right"]].set_visible(False)


def save(fig: Figure, path: Path | str, dpi: int = 110) -> Path:
    """Write ``fig`` as a PNG (folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


# --- the notebooks' charts, drawn as a business's chart choices say --------------------
def draw(choice: Choice, frame: pd.DataFrame, width: float | None = None) -> Figure:
    """The chart ``choice`` (``infra_scripts.ops.chart_choices``) of its query's ``frame``."""
    if choice.kind in ("bar", "barh"):
        return bar(frame, choice, width)
    if choice.kind == "pie":
        return share(frame, choice, width)
    if choice.kind == "trend":
        return trend(frame, choice)
    raise ValueError(f"chart {choice.name!r} is a {choice.kind}: nothing to draw")


def _categories(frame: pd.DataFrame, choice: Choice, column: str) -> list[str]:
    """The category labels: ``choice.label`` formatted per row, else the column as text."""
    if choice.label:
        rows = frame.to_dict("records")
        return [choice.label.format(**row) for row in rows]
    names = choice.options.get("names", {})
    return [names.get(str(v).lower(), str(v)) for v in frame[column]]


def _value_text(kind: str | None) -> Callable[[float], str]:
    return _dollars if kind == "money" else lambda v: f"{v:.0f}%"


def bar(frame: pd.DataFrame, choice: Choice, width: float | None = None) -> Figure:
    """Bars of one value per category: ``barh`` horizontal (``y`` the categories, ``x`` the
    values), ``bar`` vertical (``x`` the categories, ``y`` the values)."""
    horizontal = choice.kind == "barh"
    category, value = (choice.y, choice.x) if horizontal else (choice.x, choice.y)
    data = frame.assign(**{value: _num(frame[value])})
    if choice.sort:
        data = data.sort_values(choice.sort)
    if choice.reverse:
        data = data.iloc[::-1]
    height = choice.height or (0.35 * len(data) + 1.2 if horizontal else 3.5)
    fig, ax = _figure(width or choice.width, height)
    labels, values = _categories(data, choice, category), data[value]
    color = PALETTE[choice.color % len(PALETTE)]
    bars = (
        ax.barh(labels, values, color=color) if horizontal else ax.bar(labels, values, color=color)
    )
    if choice.xlabel:
        ax.set_xlabel(choice.xlabel)
    if choice.ylabel:
        ax.set_ylabel(choice.ylabel)
    if choice.money_axis:
        (ax.xaxis if horizontal else ax.yaxis).set_major_formatter(FuncFormatter(_dollars))
    ax.set_title(choice.title.format(n=len(data)))
    if choice.values:
        text = _value_text(choice.values)
        ax.margins(**{"x" if horizontal else "y": 0.12})
        if horizontal:
            for y, amount in enumerate(values):
                ax.annotate(
                    text(amount),
                    (amount, y),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
        else:
            ax.bar_label(bars, labels=[text(v) for v in values], fontsize=8, padding=2)
    if choice.tidy:
        _tidy(ax)
    return fig


def share(frame: pd.DataFrame, choice: Choice, width: float | None = None) -> Figure:
    """A pie: each ``x`` category's share of ``y`` (``options.names`` renames categories)."""
    values = _num(frame[choice.y])
    fig, ax = _figure(width or choice.width, choice.height or 3.5)
    colors = [PALETTE[(choice.color + i) % len(PALETTE)] for i in range(len(frame))]
    ax.pie(
        values,
        labels=_categories(frame, choice, choice.x),
        colors=colors,
        autopct="%.0f%%",
        startangle=90,
        counterclock=False,
        textprops={"fontsize": 9},
    )
    ax.set_title(choice.title.format(n=len(frame)))
    ax.axis("equal")
    return fig


def trend(frame: pd.DataFrame, choice: Choice) -> Figure:
    """Bars of ``y`` per day ``x``, plus the ``second`` series as a line (``twin``: on its
    own axis, e.g. a running total)."""
    days = pd.to_datetime(frame[choice.x])
    fig, ax = _figure(choice.width, choice.height or 3.8)
    ax.bar(days, _num(frame[choice.y]), width=0.8, color=PALETTE[0], label=choice.y)
    ax.set_ylabel(choice.ylabel or f"{choice.y} ($)")
    ax.set_title(choice.title or f"Daily {choice.y}")
    second = choice.second
    if second and second in frame:
        other = ax.twinx() if choice.twin else ax
        label = choice.second_label or second
        other.plot(days, _num(frame[second]), marker="o", color=PALETTE[1], label=label)
        if choice.twin:
            other.set_ylabel(f"{label} ($)")
    fig.legend(loc="outside upper right", ncols=2, fontsize=8)
    fig.autofmt_xdate()
    return fig


# thin wrappers kept for the lessons and callers that name the bookstore's charts
def _bookstore(name: str) -> Choice:
    return chart_choices.for_contract("bookstore").chart(name)


def revenue_by_genre(frame: pd.DataFrame, width: float = 8) -> Figure:
    """The bookstore's revenue per genre (``revenue_by_genre.sql``)."""
    return bar(frame, _bookstore("revenue_by_genre"), width)


def age_group_mix(frame: pd.DataFrame, width: float = 6) -> Figure:
    """The bookstore's revenue share per buyer age group (``revenue_by_age_group.sql``)."""
    return bar(frame, _bookstore("age_group_mix"), width)


def top_titles(frame: pd.DataFrame) -> Figure:
    """The bookstore's best-selling titles (``top_titles.sql``)."""
    return bar(frame, _bookstore("top_titles"))


def price_distribution(frame: pd.DataFrame) -> Figure:
    """The bookstore's sales per price band (``price_bands.sql``)."""
    return bar(frame, _bookstore("price_distribution"))


def daily_trend(
    frame: pd.DataFrame,
    second: str | None = "revenue_7d_avg",
    label: str = "7-day average",
    *,
    twin: bool = False,
) -> Figure:
    """Revenue per day, plus a second series (``daily_trend.sql``'s 7-day average by default).

    ``twin`` puts the second series on its own axis (e.g. a running total).
    """
    choice = Choice(
        "daily_trend", "daily_trend", "trend", x="sale_date", y="revenue",
        second=second, second_label=label, twin=twin,
    )  # fmt: skip
    return trend(frame, choice)


def daily_revenue(daily: pd.DataFrame, *, average_from: int = 14) -> Figure:
    """Revenue on every day of a period, for the sales report (``report.SalesReport.daily``).

    A day without sales is drawn as zero and marked "no sales"; a day with sales from a file
    that had lines left out is hatched. From ``average_from`` days on, a 7-day average (of
    calendar days, zeros included) is drawn too.
    """
    days = pd.to_datetime(daily["sale_date"])
    revenue = _num(daily["revenue"])
    partial = daily["partial"].astype(bool) if "partial" in daily else pd.Series(False, daily.index)
    recorded = daily["recorded"].astype(bool) if "recorded" in daily else revenue > 0
    fig, ax = _figure(8, 3.6)
    bars = ax.bar(days, revenue, width=0.8, color=PALETTE[0])
    for bar, part in zip(bars, partial, strict=True):
        if part:
            bar.set_facecolor("#90cdf4")
            bar.set_hatch("///")
            bar.set_edgecolor(PALETTE[0])
    top = float(revenue.max()) if len(revenue) and revenue.max() > 0 else 1.0
    for day, seen in zip(days, recorded, strict=True):
        if not seen:
            ax.annotate(
                "no sales",
                (day, 0),
                xytext=(0, 4),
                textcoords="offset points",
                rotation=90,
                ha="center",
                va="bottom",
                fontsize=8,
                color="#718096",
            )
    handles = []
    if len(daily) >= average_from:
        average = revenue.rolling(7, min_periods=7).mean()
        ax.plot(days, average, color=PALETTE[1], lw=2, label="7-day average")
        handles.append(ax.get_lines()[-1])
    if partial.any():
        handles.append(
            Patch(
                facecolor="#90cdf4", hatch="///", edgecolor=PALETTE[0], label="some sales left out"
            )
        )
    if handles:
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0, 1),
            ncols=len(handles),
            fontsize=8,
            frameon=False,
        )
    ax.set_ylim(0, top * 1.15)
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_ylabel("revenue")
    if len(days) <= 31:
        ax.set_xticks(days, [f"{d:%a}\n{d.day} {d:%b}" for d in days], fontsize=8)
    else:
        fig.autofmt_xdate()
    _tidy(ax)
    return fig


def execution_gantt(timeline: pd.DataFrame, executions: pd.DataFrame | None = None) -> Figure:
    """One row per execution, one coloured bar per state (``ops.executions.state_timeline``).

    With ``executions`` (``ops.executions.list_executions``) rows are labelled by file name.
    """
    labels: dict[str, str] = {}
    if executions is not None:
        keys = executions["key"].fillna("").str.rsplit("/", n=1).str[-1]
        labels = dict(zip(executions["name"], keys, strict=True))
    timeline = timeline.sort_values("entered")
    executions = list(dict.fromkeys(timeline["execution"]))
    states = list(dict.fromkeys(timeline["state"]))
    colors = {state: PALETTE[i % len(PALETTE)] for i, state in enumerate(states)}
    origin = timeline["entered"].min()
    fig, ax = _figure(9, 0.4 * len(executions) + 1.5)
    for row in timeline.itertuples():
        y = executions.index(row.execution)
        start = (row.entered - origin).total_seconds()
        ax.broken_barh([(start, max(row.seconds, 0.05))], (y - 0.35, 0.7), color=colors[row.state])
    ax.set_yticks(range(len(executions)), [labels.get(e, e[:8]) for e in executions])
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the first upload's execution started")
    ax.set_title("Step Functions: time spent in each state")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[s]) for s in states]
    ax.legend(handles, states, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    return fig


# --- the architecture picture (notebook 01) ---------------------------------------------
# Boxes on a grid of columns (left edges) and rows (bottom edges), in axis units. The figure
# is 10 in wide: shown at its size (the notebook's PNG, 100 dpi) its 10 pt text is 10 pt.
ARCH_FONT_PT = 10
_ARCH_SIZE = (10.0, 6.4)  # inches
_BOX_W, _BOX_H = 1.9, 0.95
_COL = (0.0, 2.3, 4.6, 6.9, 9.2, 11.5)
_ROW = {"data": 7.55, "valid": 5.75, "main": 3.95, "invalid": 2.15, "note": 0.55}
_KINDS = {  # fill and edge colour per kind of service
    "s3": ("#e6f4ea", PALETTE[2]),
    "events": ("#fdecef", PALETTE[4]),
    "lambda": ("#fdf0e6", PALETTE[1]),
    "glue": ("#f1ebfa", PALETTE[3]),
    "sns": ("#fdecef", PALETTE[4]),
    "query": ("#e8f1fb", PALETTE[0]),
}
# name: (column, row, kind, text); the Step Functions states carry their names in the ASL
ARCH_BOXES = {
    "raw": (0, "main", "s3", "S3 raw bucket\nincoming/\n(versioned)"),
    "events": (1, "main", "events", "EventBridge\nrule: Object\nCreated"),
    "ValidateFile": (2, "main", "lambda", "ValidateFile\nLambda: format,\nheader, values"),
    "TransformFile": (3, "valid", "glue", "TransformFile\nGlue Python\nshell job"),
    "NotifySuccess": (4, "valid", "lambda", "NotifySuccess\nLambda: mails\nthe summary"),
    "Quarantine": (3, "invalid", "s3", "Quarantine\nS3 copy with the\nreason in its tags"),
    "NotifyRejected": (4, "invalid", "lambda", "NotifyRejected\nLambda: mails\nthe reason"),
    "sns": (5, "main", "sns", "SNS topic\ne-mail to the\nshop owner"),
    "catalog": (2, "data", "glue", "Glue Data\nCatalog: table,\npartitions"),
    "processed": (3, "data", "s3", "S3 processed\nParquet, one folder\nper partition value"),
    "query": (4, "data", "query", "Athena and\nRedshift\nServerless: SQL"),
}
ARCH_CHOICE = "IsValid"  # the Choice state, a diamond between ValidateFile and its branches
_CHOICE_W, _CHOICE_H = 0.8, 0.55  # half-width, half-height
ARCH_FLOWS = (  # the arrows that are not state transitions
    ("raw", "events"),
    ("events", "ValidateFile"),
    ("TransformFile", "processed"),
    ("TransformFile", "catalog"),
    ("processed", "query"),
    ("NotifySuccess", "sns"),
    ("NotifyRejected", "sns"),
)


def state_transitions(asl: Mapping) -> list[tuple[str, str, str]]:
    """(from, to, label) for every ``Next``, Choice branch (``"valid"``) and ``Default``
    (``"invalid"``) of a state machine definition. ``Catch`` transitions are left out: the
    figure says in words where a failing task goes."""
    edges = []
    for name, state in asl["States"].items():
        if state.get("Next"):
            edges.append((name, state["Next"], ""))
        edges += [(name, choice["Next"], "valid") for choice in state.get("Choices", [])]
        if state.get("Default"):
            edges.append((name, state["Default"], "invalid"))
    return edges


def _center(name: str) -> tuple[float, float]:
    if name == ARCH_CHOICE:
        return _COL[3] + _BOX_W / 2, _ROW["main"] + _BOX_H / 2
    column, row, _, _ = ARCH_BOXES[name]
    return _COL[column] + _BOX_W / 2, _ROW[row] + _BOX_H / 2


def _edge_point(name: str, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the straight line from ``name``'s centre to ``toward`` leaves its outline."""
    (x, y), (tx, ty) = _center(name), toward
    dx, dy = tx - x, ty - y
    if name == ARCH_CHOICE:  # the diamond |dx|/w + |dy|/h = 1
        scale = 1 / (abs(dx) / _CHOICE_W + abs(dy) / _CHOICE_H)
    else:
        w, h = _BOX_W / 2 + 0.04, _BOX_H / 2 + 0.04
        scale = min(w / abs(dx) if dx else float("inf"), h / abs(dy) if dy else float("inf"))
    return x + dx * scale, y + dy * scale


def architecture(
    outputs: Mapping[str, str] | None = None,
    asl: Mapping | None = None,
    partition: str | None = None,
) -> Figure:
    """The pipeline's services, with its state machine branching as its definition does.

    A file lands in S3 and EventBridge starts the state machine. ValidateFile's report goes
    to the Choice state IsValid, whose two branches are drawn apart: a valid file goes to
    the Glue job (Parquet partitioned by the contract's column, the catalog, then Athena and
    Redshift), a rejected one to quarantine; each branch mails the owner through SNS. The
    arrows between states are the ``Next``, ``Choices`` and ``Default`` of ``asl`` (default:
    the pipeline's ``pipeline.asl.json``). With a stack's ``outputs`` its bucket names are
    listed below. ``partition`` names the contract's partition column (else the stack's).
    """
    import json

    from matplotlib.patches import Polygon

    if asl is None:
        from pipeline_src.statemachine import TEMPLATE

        asl = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    fig, ax = _figure(*_ARCH_SIZE)
    grey = "#4a5568"
    centred = {"fontsize": ARCH_FONT_PT, "ha": "center", "va": "center"}

    # the state machine's frame, and where a task that fails goes
    left, bottom = _COL[2] - 0.25, _ROW["note"] - 0.2
    right, top = _COL[4] + _BOX_W + 0.25, _ROW["valid"] + _BOX_H + 0.5
    frame = FancyBboxPatch(
        (left, bottom),
        right - left,
        top - bottom,
        boxstyle="round,pad=0.02",
        facecolor="#f7fafc",
        edgecolor="#718096",
        linestyle="--",
        lw=1.2,
    )
    ax.add_patch(frame)
    ax.text(
        left + 0.15,
        top - 0.4,
        "Step Functions\nstate machine",
        fontsize=ARCH_FONT_PT + 1,
        fontweight="bold",
        ha="left",
        va="center",
        color="#2d3748",
    )
    ax.text(
        (left + right) / 2,
        _ROW["note"] + _BOX_H / 2,
        "Any task that fails (Catch) goes to NotifyFailure:\n"
        "the error is mailed, the run ends PipelineFailed.",
        color=grey,
        style="italic",
        **centred,
    )
    if partition is None and outputs and outputs.get("contract_json"):
        partition = of_outputs(outputs).partition
    for name, (column, row, kind, text) in ARCH_BOXES.items():
        if name == "processed" and partition:
            text = f"S3 processed\nParquet partitioned\nby {partition}"
        fill, edge = _KINDS[kind]
        x, y = _COL[column], _ROW[row]
        box = FancyBboxPatch(
            (x, y), _BOX_W, _BOX_H, boxstyle="round,pad=0.04", facecolor=fill, edgecolor=edge
        )
        box.set_linewidth(1.4)
        ax.add_patch(box)
        ax.text(x + _BOX_W / 2, y + _BOX_H / 2, text, linespacing=1.15, **centred)
    cx, cy = _center(ARCH_CHOICE)
    corners = [
        (cx - _CHOICE_W, cy),
        (cx, cy + _CHOICE_H),
        (cx + _CHOICE_W, cy),
        (cx, cy - _CHOICE_H),
    ]
    ax.add_patch(Polygon(corners, facecolor="#fffbea", edgecolor=PALETTE[6], lw=1.4))
    ax.text(cx, cy, f"{ARCH_CHOICE}?\n(Choice)", linespacing=1.1, **centred)

    drawn = {*ARCH_BOXES, ARCH_CHOICE}
    edges = [(a, b, "") for a, b in ARCH_FLOWS] + [
        edge for edge in state_transitions(asl) if edge[0] in drawn and edge[1] in drawn
    ]
    arrow = {"arrowstyle": "-|>", "color": grey, "lw": 1.3, "shrinkA": 0, "shrinkB": 0}
    for source, target, label in edges:
        start = _edge_point(source, _center(target))
        end = _edge_point(target, _center(source))
        ax.annotate("", xy=end, xytext=start, arrowprops=arrow)
        if label:
            middle = ((start[0] + end[0]) / 2 + 0.12, (start[1] + end[1]) / 2)
            ax.text(*middle, label, fontsize=ARCH_FONT_PT, fontweight="bold", color=PALETTE[6])
    ax.text(
        _COL[0],
        _ROW["note"] + _BOX_H / 2,
        "CloudWatch: every service's\nlogs, an alarm on failed\nruns, a dashboard",
        fontsize=ARCH_FONT_PT,
        ha="left",
        va="center",
        color=grey,
    )
    floor = _ROW["note"] - 0.35
    buckets = [(kind, (outputs or {}).get(f"{kind}_bucket")) for kind in ("raw", "processed")]
    buckets.append(("quarantine", (outputs or {}).get("quarantine_bucket")))
    named = [f"{kind} bucket: {name}" for kind, name in buckets if name]
    if named:  # this stack's buckets, under the picture
        ax.text(_COL[0], floor, "\n".join(named), fontsize=ARCH_FONT_PT, va="top", color=grey)
        floor -= 0.32 * len(named) + 0.1
    ax.set_xlim(-0.15, _COL[5] + _BOX_W + 0.15)
    ax.set_ylim(floor, _ROW["data"] + _BOX_H + 0.15)
    ax.axis("off")
    ax.set_title(
        "Retail pipeline: upload → validate → load or quarantine → query, with e-mail",
        fontsize=ARCH_FONT_PT + 2,
    )
    return fig
