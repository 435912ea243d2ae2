"""Matplotlib charts for the notebooks and the report; each takes a query's DataFrame.

Every function returns a closed ``Figure``: a notebook shows it once by ending a cell with
it, and :func:`save` writes it as a PNG for the HTML report.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f")


def _figure(width: float = 8, height: float = 4) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    plt.close(fig)  # shown where the notebook returns it, not again by pyplot
    return fig, ax


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def save(fig: Figure, path: Path | str, dpi: int = 110) -> Path:
    """Write ``fig`` as a PNG (folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def revenue_by_genre(frame: pd.DataFrame) -> Figure:
    """Horizontal bars: revenue per genre (``revenue_by_genre.sql``)."""
    data = frame.assign(revenue=_num(frame["revenue"])).sort_values("revenue")
    fig, ax = _figure(8, 0.35 * len(data) + 1.2)
    ax.barh(data["genre"], data["revenue"], color=PALETTE[0])
    ax.set_xlabel("revenue ($)")
    ax.set_title("Revenue by genre")
    for y, value in enumerate(data["revenue"]):
        ax.annotate(
            f"{value:,.0f}",
            (value, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    return fig


def age_group_mix(frame: pd.DataFrame) -> Figure:
    """Bars of revenue share per buyer age group (``revenue_by_age_group.sql``)."""
    fig, ax = _figure(6, 3.5)
    ax.bar(frame["age_group"], _num(frame["revenue_pct"]), color=PALETTE[1])
    ax.set_ylabel("share of revenue (%)")
    ax.set_title("Who buys: revenue by age group")
    return fig


def top_titles(frame: pd.DataFrame, value: str = "copies") -> Figure:
    """Horizontal bars of the best-selling titles (``top_titles.sql``)."""
    data = frame.assign(**{value: _num(frame[value])}).iloc[::-1]
    fig, ax = _figure(8, 0.35 * len(data) + 1.2)
    ax.barh(data["title"], data[value], color=PALETTE[2])
    ax.set_xlabel(value)
    ax.set_title(f"Top {len(data)} titles by {value}")
    return fig


def price_distribution(frame: pd.DataFrame) -> Figure:
    """Sales per price band (``price_bands.sql``: band_from, band_to, sales)."""
    labels = [f"${a}-{b}" for a, b in zip(frame["band_from"], frame["band_to"], strict=True)]
    fig, ax = _figure(6, 3.5)
    ax.bar(labels, _num(frame["sales"]), color=PALETTE[3])
    ax.set_ylabel("sales")
    ax.set_title("Price distribution")
    return fig


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
    days = pd.to_datetime(frame["sale_date"])
    fig, ax = _figure(8, 3.8)
    ax.bar(days, _num(frame["revenue"]), width=0.8, color=PALETTE[0], label="revenue")
    ax.set_ylabel("revenue ($)")
    ax.set_title("Daily revenue")
    if second and second in frame:
        other = ax.twinx() if twin else ax
        other.plot(days, _num(frame[second]), marker="o", color=PALETTE[1], label=label)
        if twin:
            other.set_ylabel(f"{label} ($)")
    fig.legend(loc="outside upper right", ncols=2, fontsize=8)
    fig.autofmt_xdate()
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


_BOXES = {
    "raw": (0.0, 2.0, "S3 raw bucket\nincoming/ (versioned)"),
    "events": (1.6, 2.0, "EventBridge\nObject Created rule"),
    "sfn": (3.2, 2.0, "Step Functions\nstate machine"),
    "lambda": (4.8, 3.0, "Lambda\nValidateFile"),
    "glue": (4.8, 2.0, "Glue Python shell\nETL job"),
    "quarantine": (4.8, 1.0, "S3 quarantine\n(+ reason tags)"),
    "processed": (6.4, 2.0, "S3 processed\nParquet, genre=…"),
    "catalog": (6.4, 3.0, "Glue Data\nCatalog"),
    "athena": (8.0, 3.0, "Athena\nworkgroup"),
    "redshift": (8.0, 2.0, "Redshift\nServerless"),
    "sns": (3.2, 0.6, "SNS topic\ne-mail"),
    "cloudwatch": (6.4, 0.6, "CloudWatch: every service\nlogs; alarm, dashboard"),
}
_ARROWS = (
    ("raw", "events"),
    ("events", "sfn"),
    ("sfn", "lambda"),
    ("sfn", "glue"),
    ("sfn", "quarantine"),
    ("sfn", "sns"),
    ("glue", "processed"),
    ("glue", "catalog"),
    ("catalog", "athena"),
    ("catalog", "redshift"),
    ("processed", "redshift"),
)


def architecture(outputs: Mapping[str, str] | None = None) -> Figure:
    """The pipeline's services and data flow, drawn with boxes and arrows.

    With a stack's ``outputs`` the S3 boxes also show the bucket names.
    """
    boxes = dict(_BOXES)
    if outputs:
        for key in ("raw", "processed", "quarantine"):
            x, y, text = boxes[key]
            bucket = outputs.get(f"{key}_bucket", "")
            boxes[key] = (x, y, f"{text}\n{bucket[:30]}")
    fig, ax = _figure(12, 4.6)
    width, height = 1.35, 0.72
    for x, y, text in boxes.values():
        ax.add_patch(
            FancyBboxPatch(
                (x, y),
                width,
                height,
                boxstyle="round,pad=0.04",
                facecolor="#ebf4ff",
                edgecolor=PALETTE[0],
            )
        )
        ax.text(x + width / 2, y + height / 2, text, ha="center", va="center", fontsize=7.5)
    for source, target in _ARROWS:
        (x1, y1, _), (x2, y2, _) = boxes[source], boxes[target]
        start = (x1 + width, y1 + height / 2) if x2 > x1 else (x1 + width / 2, y1)
        end = (x2, y2 + height / 2) if x2 > x1 else (x2 + width / 2, y2 + height)
        ax.annotate(
            "", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "#4a5568", "lw": 1.1}
        )
    ax.set_xlim(-0.2, 9.6)
    ax.set_ylim(0.3, 4.0)
    ax.axis("off")
    ax.set_title("Retail pipeline: upload → validate → convert → query, with e-mail and logs")
    return fig
