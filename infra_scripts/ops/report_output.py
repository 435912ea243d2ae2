"""The sales report as a shop owner gets it: one self-contained HTML file, the chart PNGs, a PDF.

    rendered = render(report)                # report: infra_scripts.ops.report.SalesReport
    rendered.write(Path("reports/2026-11"))  # sales_report.html, sales_report.pdf, *.png
    show(rendered)                           # in a notebook: the report, as the owner sees it

The HTML needs nothing else to open: the CSS is in the file, the charts are ``data:`` URIs,
there is no script. :func:`show` also puts the whole document in the notebook's output
(:data:`REPORT_MIME`), so exporting the executed notebook
(``infra_scripts.notebooks.export_html``) writes exactly this file.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from infra_scripts import cost
from infra_scripts.ops import charts
from infra_scripts.ops.report import (
    SalesReport,
    change_text,
    day_label,
    money,
    small_money,
)

#: The output mime type that carries the standalone report document in a notebook.
REPORT_MIME = "application/vnd.retailkit.report+html"
HTML_NAME, PDF_NAME = "sales_report.html", "sales_report.pdf"

_EXTERNAL = re.compile(
    r"""<(?:script|img|link|iframe|audio|video|source|embed|object)\b[^>]*?"""
    r"""(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"""url\(\s*["']?\s*(?:https?:)?//|@import""", re.IGNORECASE)

CSS = """
.sales-report { --ink: #1a202c; --muted: #5a6576; --line: #e2e8f0; --accent: #2b6cb0;
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); max-width: 1000px; margin: 0 auto; padding: 32px 24px 48px;
  line-height: 1.45; font-size: 15px; }
.sales-report h1 { font-size: 28px; margin: 0 0 4px; font-weight: 650; }
.sales-report h2 { font-size: 19px; margin: 34px 0 10px; font-weight: 600; }
.sales-report .meta { color: var(--muted); margin: 0; }
.sales-report .kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr));
  gap: 12px; margin: 24px 0 8px; }
.sales-report .kpi { border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px;
  background: #f7fafc; }
.sales-report .kpi .label { display: block; color: var(--muted); font-size: 13px;
  text-transform: uppercase; letter-spacing: .04em; }
.sales-report .kpi .value { display: block; font-size: 26px; font-weight: 650; margin: 4px 0 2px;
  font-variant-numeric: tabular-nums; }
.sales-report .kpi .value.word { font-size: 21px; }
.sales-report .kpi .note { display: block; color: var(--muted); font-size: 13px; }
.sales-report .up { color: #276749; } .sales-report .down { color: #c53030; }
.sales-report .notice { border: 1px solid #f6ad55; background: #fffaf0; border-radius: 10px;
  padding: 4px 18px 10px; margin: 26px 0 0; }
.sales-report .notice h2 { margin-top: 12px; font-size: 17px; }
.sales-report .notice ul { margin: 6px 0; padding-left: 20px; }
.sales-report .notice li { margin: 6px 0; }
.sales-report .ok { color: var(--muted); margin: 18px 0 0; }
.sales-report figure { margin: 0; }
.sales-report img { max-width: 100%; height: auto; display: block; }
.sales-report figcaption, .sales-report .caption { color: var(--muted); font-size: 13px;
  margin-top: 6px; }
.sales-report .pair { display: grid; grid-template-columns: 1.25fr 1fr; gap: 24px;
  align-items: start; }
@media (max-width: 760px) { .sales-report .pair { grid-template-columns: 1fr; } }
.sales-report table { border-collapse: collapse; width: 100%; font-size: 14px;
  font-variant-numeric: tabular-nums; }
.sales-report th { text-align: left; font-weight: 600; color: var(--muted);
  border-bottom: 2px solid var(--line); padding: 6px 8px; }
.sales-report td { border-bottom: 1px solid var(--line); padding: 6px 8px; }
.sales-report .num { text-align: right; white-space: nowrap; }
.sales-report tfoot td { font-weight: 600; border-bottom: none; }
.sales-report .appendix { margin-top: 40px; border-top: 1px solid var(--line);
  color: var(--muted); font-size: 14px; }
.sales-report .appendix h2 { color: var(--ink); font-size: 16px; }
.sales-report .appendix table { max-width: 640px; font-size: 13px; }
.sales-report footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
@media print { .sales-report { padding: 0; } .sales-report section { break-inside: avoid; } }
"""


def png(fig: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _img(data: bytes, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(alt)}">'


def external_resources(document: str) -> list[str]:
    """What the document would fetch from elsewhere (scripts, images, styles, frames): [] if
    it opens offline."""
    found = [m.group(0) for m in _EXTERNAL.finditer(document)]
    return found + [m.group(0) for m in _CSS_URL.finditer(document)]


# --- figures -----------------------------------------------------------------------------
DAILY = "daily_revenue"


def chart_titles(report: SalesReport) -> dict[str, str]:
    """The PDF's title of each chart, by file stem (the HTML has headings instead)."""
    business = report.business
    titles = {DAILY: "Revenue per day", business.partition_chart.name: business.partition_label}
    if business.mix:
        mix = business.mix
        titles[mix.get("file") or mix["chart"]] = mix.get("pdf_title") or mix.get("heading", "")
    return titles


def figures(report: SalesReport) -> dict[str, Figure]:
    """The report's charts by file stem (none without sales)."""
    if report.sales == 0:
        return {}
    business = report.business
    found = {}
    if report.period and report.period.days > 1:  # one day: the cards say it all
        found[DAILY] = charts.daily_revenue(report.daily())
    if len(report.partitions):
        choice = business.partition_chart
        found[choice.name] = charts.draw(choice, report.partitions, width=5.6)
    mix = business.mix
    if mix and len(report.mix):
        found[mix.get("file") or mix["chart"]] = charts.draw(
            business.mix_chart, report.mix, width=4.6
        )
    for fig in found.values():  # the report's headings name them
        fig.axes[0].set_title("")
    return found


# --- the HTML ----------------------------------------------------------------------------
def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _e(value: object) -> str:
    return html.escape(str(value))


def _words(value: object) -> str:
    """Text between tags, escaped (quotes as they are)."""
    return html.escape(str(value), quote=False)


def _kpi(label: str, value: str, note: str = "", css: str = "") -> str:
    extra = f" {css}" if css else ""
    note_html = f'<span class="note">{note}</span>' if note else ""
    return (
        f'<div class="kpi"><span class="label">{_e(label)}</span>'
        f'<span class="value{extra}">{value}</span>{note_html}</div>'
    )


def kpi_cards(report: SalesReport) -> str:
    business = report.business
    days = report.period.days if report.period else 0
    per_day = report.revenue / days if days else 0
    units = report.units
    best_label = _capital(f"best {business.partition_word}")
    cards = [
        _kpi(
            "Revenue",
            _e(money(report.revenue)),
            _e(f"{money(per_day)} a day on average" if days > 1 else ""),
        ),
        _kpi("Sales", _e(f"{report.sales:,}"), _e(f"in {days} day{'s' if days != 1 else ''}")),
        _kpi(
            business.unit_words("card", "Items sold"),
            _e(f"{units:,}"),
            _e(f"{units / report.sales:.1f} per sale on average" if report.sales else ""),
        ),
    ]
    best = report.best_partition
    if best:
        note = f"{money(best[1])}, {best[2]:.0f}% of revenue"
        cards.append(_kpi(best_label, _e(best[0]), _e(note), "word"))
    else:
        cards.append(_kpi(best_label, "—", "no sales", "word"))
    change = report.change
    before = report.period.previous() if report.period else None
    if change is None or before is None:
        value, note, css = "—", change_text(report), "word"
    else:
        value = f"{change:+.0f}%"
        note = f"{before.label()}: {money(report.previous.revenue if report.previous else 0)}"
        css = "up" if change > 0 else "down" if change < 0 else ""
    cards.append(_kpi("Vs the period before", _e(value), _e(note), css))
    return f'<section class="kpis">{"".join(cards)}</section>'


def problems_box(report: SalesReport) -> str:
    if not report.problems:
        return '<p class="ok">Every file received for this period was loaded in full.</p>'
    items = "".join(
        f"<li><strong>{_e(p.file)}</strong>: {_e(p.what)}. {_e(p.why)}</li>"
        for p in report.problems
    )
    return (
        '<aside class="notice"><h2>Files we could not load</h2>'
        "<p>What we could not read is not in the figures of this report.</p>"
        f"<ul>{items}</ul></aside>"
    )


def daily_caption(report: SalesReport) -> str:
    parts = []
    missing = report.missing_days()
    if missing:
        listed = ", ".join(day_label(d) for d in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        parts.append(f"A day with no sales recorded is shown as zero ({listed}{more}).")
    partial = report.partial_days()
    if partial:
        listed = ", ".join(day_label(d) for d in partial[:10])
        parts.append(
            f"Hatched ({listed}): some of that day's sales were in a file we could only "
            "partly load, so the day may be short."
        )
    return " ".join(parts)


def _table(frame: pd.DataFrame, columns: dict[str, str], numeric: set[str], foot: str = "") -> str:
    """A plain table: the given columns with their headings, no index; ``numeric`` right."""

    def cell(tag: str, key: str, value: object) -> str:
        css = ' class="num"' if key in numeric else ""
        return f"<{tag}{css}>{_e(value)}</{tag}>"

    head = "".join(cell("th", key, label) for key, label in columns.items())
    rows = "".join(
        "<tr>" + "".join(cell("td", key, row[key]) for key in columns) + "</tr>"
        for _, row in frame.iterrows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>{foot}</table>"


def _best_sellers(report: SalesReport) -> list[tuple[str, str | None, int, float]]:
    """(item, its partition value or None, units, revenue) per best seller, in rank order."""
    settings = report.business.items or {}
    items = report.items.reset_index(drop=True)
    if not settings or not len(items):
        return []
    group = report.business.partition
    groups = items[group] if group in items else [None] * len(items)
    units = pd.to_numeric(items[settings["units"]]).fillna(0)
    revenue = pd.to_numeric(items["revenue"]).fillna(0)
    return [
        (str(name), None if g is None else str(g), int(n), float(r))
        for name, g, n, r in zip(items[settings["column"]], groups, units, revenue, strict=True)
    ]


def best_sellers_table(report: SalesReport) -> str:
    business = report.business
    rows = _best_sellers(report)
    frame = pd.DataFrame(
        {
            "rank": range(1, len(rows) + 1),
            "item": [r[0] for r in rows],
            "group": [r[1] for r in rows],
            "units": [f"{r[2]:,}" for r in rows],
            "revenue": [money(r[3]) for r in rows],
        }
    )
    columns = {
        "rank": "Rank",
        "item": (business.items or {}).get("heading", "Item"),
        "group": _capital(business.partition_word),
        "units": business.unit_words("heading", "Items"),
        "revenue": "Revenue",
    }
    if all(r[1] is None for r in rows):
        del columns["group"]
    return _table(frame, columns, {"rank", "units", "revenue"})


def _size(n_bytes: int | None) -> str:
    """``under 1 KB``, ``45 KB``, ``10 MB``, ``1.5 MB`` (1 KB = 1,024 bytes, as AWS counts)."""
    if n_bytes is None:
        return "—"
    if n_bytes < 1024:
        return "under 1 KB"
    if n_bytes < cost.MB:
        return f"{n_bytes / 1024:,.0f} KB"
    mb = n_bytes / cost.MB
    return f"{mb:,.0f} MB" if mb == int(mb) or mb >= 100 else f"{mb:,.1f} MB"


def cost_appendix(report: SalesReport) -> str:
    """What the report's questions and the whole pipeline cost on AWS, in plain units."""
    rows = [
        {
            "question": q.name,
            "read": _size(q.bytes_scanned),
            "billed": _size(q.billed_bytes),
            "cost": small_money(q.cost_usd or 0.0),
        }
        for q in report.queries
        if q.engine == "athena"
    ]
    parts = ['<section class="appendix"><h2>Appendix: what this report costs</h2>']
    if report.target == "local":
        parts.append(
            "<p>This report was made on a practice run of the pipeline, on this computer, "
            "where nothing is billed. The amounts below are what Amazon Web Services would "
            f"charge (their published prices of {_e(_month(cost.PRICES_AS_OF))}).</p>"
        )
    if rows:
        total = sum(q.cost_usd or 0.0 for q in report.queries if q.engine == "athena")
        minimum = cost.ATHENA_MIN_BYTES // cost.MB
        parts.append(
            f"<p>The report asks the sales records {len(rows)} questions. Each is charged "
            f"for the data it reads, at least {minimum} MB, at "
            f"{money(cost.PRICES['athena_tb'].usd)} per terabyte (about a million MB).</p>"
        )
        foot = (
            f"<tfoot><tr><td>Total</td><td></td><td></td>"
            f'<td class="num">{_e(small_money(total))}</td></tr></tfoot>'
        )
        columns = {
            "question": "Question",
            "read": "Data read",
            "billed": "Charged as",
            "cost": "Cost",
        }
        parts.append(_table(pd.DataFrame(rows), columns, {"read", "billed", "cost"}, foot))
    pipeline = pipeline_cost(report)
    if pipeline:
        parts.append(f"<p>{_e(pipeline)}</p>")
    parts.append("</section>")
    return "".join(parts)


def _month(text: str) -> str:
    try:
        return dt.date.fromisoformat(f"{text}-01").strftime("%B %Y")
    except ValueError:
        return text


def pipeline_cost(report: SalesReport) -> str:
    """One sentence: the whole pipeline's monthly cost on AWS for this shop's volume."""
    if not report.period or not report.sales or not report.files:
        return ""
    files_per_day = len(report.files) / report.period.days
    rows = max(1, round(report.sales / len(report.files)))
    queries = sum(1 for q in report.queries if q.engine == "athena")
    shop = cost.Workload(files_per_day=files_per_day, rows_per_file=rows, queries_per_day=queries)
    est = cost.estimate(shop)
    files = "one sales file" if files_per_day < 1.5 else f"{files_per_day:.0f} sales files"
    return (
        f"Running the whole pipeline for a shop like this — about {files} a day with about "
        f"{rows:,} sales each, and this report every day — costs about "
        f"{small_money(est.per_month('kit'))} a month ({small_money(est.per_file('kit'))} "
        "per file received)."
    )


def _body(report: SalesReport, images: dict[str, bytes]) -> str:
    business = report.business
    period = report.period
    prepared = report.generated.astimezone(dt.UTC)
    when = f"{period.days} day{'s' if period.days != 1 else ''}" if period else "no sales"
    head = (
        f"<header><h1>{_e(report.title)}</h1>"
        f'<p class="meta">{_e(_capital(report.scope))} · {_e(when)} · '
        f"prepared {_e(prepared.strftime('%-d %B %Y, %H:%M'))} UTC</p></header>"
    )
    parts = [head, kpi_cards(report), problems_box(report)]
    if report.sales == 0:
        parts.append("<p>No sales were recorded in this period.</p>")
    if "daily_revenue" in images:
        caption = daily_caption(report)
        parts.append(
            "<section><h2>Revenue per day</h2><figure>"
            + _img(images["daily_revenue"], "Revenue per day")
            + (f"<figcaption>{_e(caption)}</figcaption>" if caption else "")
            + "</figure></section>"
        )
    pair = []
    by_partition = business.partition_chart.name
    if by_partition in images:
        label = business.partition_label
        pair.append(f"<div><h2>{_words(label)}</h2>" + _img(images[by_partition], label) + "</div>")
    mix = business.mix or {}
    mix_file = mix.get("file") or mix.get("chart")
    if mix_file in images:
        caption = mix.get("caption")
        pair.append(
            f"<div><h2>{_words(mix.get('heading', ''))}</h2>"
            + _img(images[mix_file], mix.get("alt") or mix.get("heading", ""))
            + (f'<p class="caption">{_words(caption)}</p>' if caption else "")
            + "</div>"
        )
    if pair:
        parts.append(f'<section class="pair">{"".join(pair)}</section>')
    if _best_sellers(report):
        caption = (business.items or {}).get("caption")
        parts.append(
            f"<section><h2>{_words(business.items.get('label', 'Best sellers'))}</h2>"
            + best_sellers_table(report)
            + (f'<p class="caption">{_words(caption)}</p>' if caption else "")
            + "</section>"
        )
    parts.append(cost_appendix(report))
    parts.append(
        "<footer>Every sale the pipeline loaded for this period, each counted once. "
        f"Amounts are what the customer paid ({_words(business.revenue_words)}).</footer>"
    )
    return "".join(parts)


@dataclass
class Rendered:
    """The report's HTML (a whole document, and a fragment for a notebook) and charts."""

    title: str
    document: str
    fragment: str
    images: dict[str, bytes]
    figures: dict[str, Figure] = field(repr=False)
    report: SalesReport = field(repr=False)

    def write(self, out_dir: Path | str, *, pdf: bool = True) -> list[Path]:
        """``sales_report.html``, the chart PNGs and (``pdf``) ``sales_report.pdf``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = [out / HTML_NAME]
        written[0].write_text(self.document, encoding="utf-8")
        for name, data in self.images.items():
            path = out / f"{name}.png"
            path.write_bytes(data)
            written.append(path)
        if pdf:
            written.append(write_pdf(self, out / PDF_NAME))
        return written


def render(report: SalesReport) -> Rendered:
    """The report as HTML; its charts drawn once, as PNGs."""
    figs = figures(report)
    images = {name: png(fig) for name, fig in figs.items()}
    body = _body(report, images)
    fragment = f'<div class="sales-report"><style>{CSS}</style>{body}</div>'
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(report.title)}</title><style>body {{ margin: 0; background: #fff; }}"
        f"{CSS}</style></head>"
        f'<body><main class="sales-report">{body}</main></body></html>\n'
    )
    return Rendered(report.title, document, fragment, images, figs, report)


def show(rendered: Rendered) -> None:
    """Display the report in a notebook; the output also carries the whole document."""
    from IPython.display import display

    display({"text/html": rendered.fragment, REPORT_MIME: rendered.document}, raw=True)


# --- the PDF -----------------------------------------------------------------------------
def cover_page(report: SalesReport, images: dict[str, bytes] | None = None) -> Figure:
    """The PDF's first page (A4): the KPI figures, the files we could not load, the daily
    chart (from ``images``) and the best sellers."""
    from matplotlib.image import imread

    business = report.business
    page = Figure(figsize=(8.27, 11.69))
    page.text(0.07, 0.95, report.title, fontsize=14, weight="bold")
    page.text(0.07, 0.93, _capital(report.scope), fontsize=9, color="#5a6576")
    best = report.best_partition
    lines = [
        ("Revenue", money(report.revenue)),
        ("Sales", f"{report.sales:,}"),
        (business.unit_words("card", "Items sold"), f"{report.units:,}"),
        (
            _capital(f"best {business.partition_word}"),
            f"{best[0]} ({money(best[1])})" if best else "—",
        ),
        ("Vs the period before", change_text(report)),
    ]
    y = 0.89
    for label, value in lines:
        page.text(0.07, y, label, fontsize=10, color="#5a6576")
        page.text(0.33, y, value, fontsize=10)
        y -= 0.024
    if report.problems:
        y -= 0.012
        page.text(
            0.07, y, "Files we could not load (not in the figures)", fontsize=10, weight="bold"
        )
        y -= 0.022
        for problem in report.problems:
            for chunk in _wrap(f"{problem.file}: {problem.what}. {problem.why}", 105):
                page.text(0.09, y, chunk, fontsize=8)
                y -= 0.016
            y -= 0.004
    daily = (images or {}).get("daily_revenue")
    if daily:
        picture = imread(io.BytesIO(daily), format="png")
        height = 0.86 * picture.shape[0] / picture.shape[1] * 8.27 / 11.69
        ax = page.add_axes((0.07, y - 0.03 - height, 0.86, height))
        ax.imshow(picture)
        ax.axis("off")
        page.text(0.07, y - 0.02, "Revenue per day", fontsize=10, weight="bold")
        y -= 0.05 + height
        for chunk in _wrap(daily_caption(report), 115):
            page.text(0.07, y, chunk, fontsize=8, color="#5a6576")
            y -= 0.016
    best_sellers = _best_sellers(report)
    if best_sellers:
        y -= 0.015
        label = (business.items or {}).get("label", "Best sellers")
        page.text(0.07, y, label, fontsize=10, weight="bold")
        y -= 0.022
        many = business.unit_words("many", "items")
        for rank, (name, _, units, revenue) in enumerate(best_sellers, start=1):
            page.text(0.07, y, f"{rank}.", fontsize=8, ha="left")
            page.text(0.1, y, name[:60], fontsize=8)
            page.text(0.62, y, f"{units:,} {many}", fontsize=8, ha="right")
            page.text(0.78, y, money(revenue), fontsize=8, ha="right")
            y -= 0.016
    return page


def write_pdf(rendered: Rendered, path: Path) -> Path:
    """A PDF of the same report: a first page like the HTML's top, then the other charts."""
    report = rendered.report
    titles = chart_titles(report)
    with PdfPages(path, metadata={"Title": report.title}) as pdf:
        pdf.savefig(cover_page(report, rendered.images))
        for name, fig in rendered.figures.items():
            if name == DAILY:
                continue  # on the first page
            fig.axes[0].set_title(titles.get(name, ""))  # the HTML has headings instead
            pdf.savefig(fig)
    return path


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]
