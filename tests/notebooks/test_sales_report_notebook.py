"""Notebook 06 end to end: the tour's uploads, the notebook run headless, the HTML it exports.

The same files as notebook 02 (the six seed files, ``missing_column.csv`` which the
validator refuses, ``extended_bad_quantity.jsonl`` of which 4 of 10 lines are set aside) go
through the real pipeline in the local cloud; then ``06_sales_report`` runs with papermill
and ``export_html`` writes what ``retailkit notebooks run --html`` would. The expected
figures are worked out from the sample files here, independently of the pipeline.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from infra_scripts import notebooks
from infra_scripts.config import PROJECT_ROOT
from infra_scripts.ops.inspection import wait_for_all, wait_for_started
from infra_scripts.ops.report_output import external_resources
from infra_scripts.ops.uploads import upload_files
from infra_scripts.provision import deploy
from tests.helpers import unique

pytestmark = pytest.mark.localcloud

SAMPLES = PROJECT_ROOT / "sample_data"
REFUSED, PARTLY = "missing_column.csv", "extended_bad_quantity.jsonl"


def rows_of(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str).to_dict("records")
    if path.suffix == ".json":
        return json.loads(path.read_text())
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    header, *body = sheet.iter_rows(values_only=True)
    return [dict(zip(header, values, strict=True)) for values in body]


def good_quantity(row: dict) -> int | None:
    quantity = row.get("quantity", 1)
    ok = isinstance(quantity, int) and not isinstance(quantity, bool) and quantity >= 1
    return quantity if ok else None


def totals(paths: list[Path]) -> tuple[int, Decimal]:
    """Sales and revenue of the rows a correct pipeline keeps (seed rows are all valid)."""
    rows = [r for p in paths for r in rows_of(p) if good_quantity(r)]
    revenue = sum(Decimal(str(r["price"])) * good_quantity(r) for r in rows)
    return len(rows), revenue


@pytest.fixture(scope="module")
def tour(local_cloud, session, tmp_path_factory):
    settings = dataclasses.replace(local_cloud.settings, stack_name=unique("report"))
    log = Path(settings.state_dir) / "localcloud.log"
    log_start = log.stat().st_size if log.exists() else 0
    outputs = deploy(settings, session, progress=lambda _: None).outputs
    seed = sorted((SAMPLES / "seed").glob("sales_*"))
    files = [*seed, SAMPLES / "bad" / REFUSED, SAMPLES / "bad" / PARTLY]
    since = datetime.now(UTC) - timedelta(seconds=1)
    upload_files(session, outputs["raw_bucket"], files, show_progress=False)
    wait_for_started(session, outputs["state_machine_arn"], count=len(files), since=since)
    wait_for_all(session, outputs["state_machine_arn"], deadline_s=180)

    tmp = tmp_path_factory.mktemp("report")
    env = {
        **notebooks.kernel_environment(settings),
        "RETAIL_KIT_LOCAL_PORT": str(settings.local_port),
        "RETAIL_KIT_STATE_DIR": str(settings.state_dir),
    }
    source = notebooks.NOTEBOOKS_DIR / f"{notebooks.REPORT_NOTEBOOK}.ipynb"
    params = {"stack_name": settings.stack_name, "report_dir": str(tmp / "charts")}
    notebooks.run_notebooks([source], tmp / "run", parameters=params, prewarm=0, kernel_env=env)
    html = notebooks.export_html(tmp / "run" / source.name, tmp / "export")
    with log.open("rb") as written:
        written.seek(log_start)
        log_lines = written.read().decode("utf-8", "replace").splitlines()
    return {
        "html": html.read_text(encoding="utf-8"),
        "files": files,
        "charts": tmp / "charts",
        "log": log_lines,
    }


def test_the_report_has_a_real_title(tour):
    title = re.search(r"<title>(.*?)</title>", tour["html"]).group(1)
    assert title == "Sales report: all stores, 26 October – 2 November 2026"


def test_the_report_opens_offline(tour):
    html = tour["html"]
    assert external_resources(html) == []
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)
    assert not re.search(r"https?://", html)


@pytest.mark.parametrize(
    "text",
    ["retailkit", "NBVAL", "Target <=", "crawler", "scanned_kb", "billed_mb", "sales: 606"],
)
def test_no_code_or_developer_text(tour, text):
    assert text not in tour["html"]


def test_no_pandas_index_column(tour):
    html = tour["html"]
    assert 'class="dataframe"' not in html
    assert not re.search(r"<tbody>\s*<tr>\s*<th", html)
    assert all(h.strip() for h in re.findall(r"<th[^>]*>([^<]*)</th>", html))


def test_the_refused_file_is_named_and_its_rows_are_not_counted(tour):
    box = re.search(r'<aside class="notice">(.*?)</aside>', tour["html"]).group(1)
    assert f"<strong>{REFUSED}</strong>: not loaded. The genre column is missing." in box
    assert f"<strong>{PARTLY}</strong>: 4 of its 10 sales left out." in box

    loaded = [p for p in tour["files"] if p.name != REFUSED]
    sales, revenue = totals(loaded)
    assert (sales, revenue) == (606, Decimal("11987.93"))
    refused_rows = len(rows_of(SAMPLES / "bad" / REFUSED))
    assert refused_rows > 0
    cards = re.search(r'<section class="kpis">(.*?)</section>', tour["html"]).group(1)
    assert f">${revenue:,.2f}<" in cards  # money formatted with the currency
    assert f">{sales:,}<" in cards
    assert f">{sales + refused_rows:,}<" not in cards


def test_the_missing_day_is_shown_as_zero_and_the_partial_day_marked(tour):
    assert "A day with no sales recorded is shown as zero (Sun 1 Nov)." in tour["html"]
    assert "Hatched (Mon 2 Nov)" in tour["html"]


def test_the_charts_and_the_pdf_are_written_beside(tour):
    names = sorted(p.name for p in tour["charts"].iterdir())
    assert names == [
        "age_groups.png",
        "daily_revenue.png",
        "revenue_by_genre.png",
        "sales_report.html",
        "sales_report.pdf",
    ]


def test_the_local_clouds_log_of_the_tour_is_readable(tour):
    """Deploy, the uploads (one refused, one partly loaded) and the report: one line per
    record, none over 2,000 characters, no Python reprs."""
    assert tour["log"], "the tour wrote nothing to the local cloud's log"
    assert [line[:120] for line in tour["log"] if len(line) > 2000] == []
    assert [line[:200] for line in tour["log"] if "object at 0x" in line] == []


# --- the café: the same notebook with contract="cafe", on its own stack -------------------
CAFE = SAMPLES / "cafe"


def sold_on(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@pytest.fixture(scope="module")
def cafe_tour(local_cloud, session, tmp_path_factory):
    settings = dataclasses.replace(
        local_cloud.settings, stack_name=unique("cafe-report"), contract="cafe"
    )
    outputs = deploy(settings, session, progress=lambda _: None).outputs
    seed = sorted((CAFE / "seed").glob("sales_*"))
    files = [*seed, CAFE / "bad" / REFUSED]
    since = datetime.now(UTC) - timedelta(seconds=1)
    upload_files(session, outputs["raw_bucket"], files, show_progress=False)
    wait_for_started(session, outputs["state_machine_arn"], count=len(files), since=since)
    wait_for_all(session, outputs["state_machine_arn"], deadline_s=180)

    tmp = tmp_path_factory.mktemp("cafe-report")
    env = {
        **notebooks.kernel_environment(settings),
        "RETAIL_KIT_LOCAL_PORT": str(settings.local_port),
        "RETAIL_KIT_STATE_DIR": str(settings.state_dir),
    }
    source = notebooks.NOTEBOOKS_DIR / f"{notebooks.REPORT_NOTEBOOK}.ipynb"
    analyses = [notebooks.NOTEBOOKS_DIR / f"{name}.ipynb" for name in CAFE_ANALYSES]
    params = {
        "stack_name": settings.stack_name,
        "contract": "cafe",
        "report_dir": str(tmp / "charts"),
    }
    notebooks.run_notebooks(
        [*analyses, source], tmp / "run", parameters=params, prewarm=0, kernel_env=env
    )
    html = notebooks.export_html(tmp / "run" / source.name, tmp / "export")
    executed = {p.stem: _outputs_text(tmp / "run" / p.name) for p in analyses}
    return {
        "html": html.read_text(encoding="utf-8"),
        "seed": seed,
        "charts": tmp / "charts",
        "executed": executed,
    }


CAFE_ANALYSES = ("04_athena_sales_analysis", "05_redshift_bi_analysis")


def _outputs_text(path: Path) -> str:
    """Everything an executed notebook's cells showed (text and errors), as one text."""
    shown = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                shown.append(f"ERROR {output['ename']}: {output['evalue']}")
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            shown.append(text if isinstance(text, str) else "".join(text))
    return "\n".join(shown)


def test_the_cafes_athena_and_redshift_notebooks_run_its_own_queries(cafe_tour):
    athena_run, redshift_run = (cafe_tour["executed"][name] for name in CAFE_ANALYSES)
    for stem in ("top_items", "orders_by_hour", "revenue_by_category"):
        assert stem in athena_run, stem
    assert "lake and warehouse agree on every one: True" in redshift_run
    assert "category_ranking" in redshift_run
    for run in (athena_run, redshift_run):
        assert "ERROR" not in run
        assert "genre" not in run.lower()


def test_the_cafes_report_counts_its_seed_sales_with_its_measures(cafe_tour):
    """Every café seed line is valid: revenue is the sum of unit_price × quantity."""
    rows = [r for p in cafe_tour["seed"] for r in rows_of(p)]
    revenue = sum(Decimal(str(r["unit_price"])) * int(r["quantity"]) for r in rows)
    items = sum(int(r["quantity"]) for r in rows)
    days = sorted({sold_on(r["sold_at"]).date() for r in rows})
    html = cafe_tour["html"]
    cards = re.search(r'<section class="kpis">(.*?)</section>', html).group(1)
    assert f">${revenue:,.2f}<" in cards
    assert f">{len(rows):,}<" in cards and f">{items:,}<" in cards
    labels = re.findall(r'<span class="label">(.*?)</span>', cards)
    assert labels == ["Revenue", "Sales", "Items sold", "Best category", "Vs the period before"]
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith("Sales report: ") and str(days[-1].year) in title
    assert "all stores" not in html and "genre" not in html.lower()


def test_the_cafes_refused_file_is_named(cafe_tour):
    box = re.search(r'<aside class="notice">(.*?)</aside>', cafe_tour["html"]).group(1)
    assert f"<strong>{REFUSED}</strong>: not loaded. The category column is missing." in box


def test_the_cafes_charts_are_its_own(cafe_tour):
    names = sorted(p.name for p in cafe_tour["charts"].iterdir())
    assert names == [
        "daily_revenue.png",
        "eaten_in.png",
        "revenue_by_category.png",
        "sales_report.html",
        "sales_report.pdf",
    ]
