"""The sales report (``ops.report``, ``ops.report_output``) on hand-made numbers: no cloud.

What a shop owner reads: a real title, KPI cards with formatted money, the files we could
not load in plain words, every day of the period (missing days as zero), no code, no
developer terms, nothing fetched from the network.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from infra_scripts.ops import report_output
from infra_scripts.ops.queries import QueryResult
from infra_scripts.ops.report import (
    FILE_REASONS,
    Business,
    Period,
    Problem,
    RejectedFile,
    SalesReport,
    Totals,
    by_day_file_sql,
    file_reason,
    money,
    problems_for_period,
    small_money,
    totals_sql,
)
from pipeline_src import contracts
from pipeline_src.schema import FILE_LEVEL, named

D = dt.date
RECEIVED = dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.UTC)
DEVELOPER_TEXT = (
    "retailkit",
    "NBVAL",
    "Target <=",
    "crawler",
    "Spark",
    "scanned_kb",
    "billed_mb",
    "cost_usd",
    "source_key",
    "MISSING_COLUMNS",
    "INVALID_QUANTITY",
    "Athena",
    "papermill",
    "notebook",
    "In [",
    "Out[",
)


def summaries(*rows: tuple[str, int, int, dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "file": f,
                "rows_read": read,
                "rows_accepted": read - rejected,
                "rows_rejected": rejected,
                "rejected_by_reason": reasons,
            }
            for f, read, rejected, reasons in rows
        ]
    )


def make_report(**changes) -> SalesReport:
    """Oct 26-29 2026: a good file each on the 26th and 27th, nothing on the 28th, and on the
    29th the good rows of a file that had 4 of its 10 lines left out; one refused file."""
    by_day_file = pd.DataFrame(
        {
            "sale_date": [D(2026, 10, 26), D(2026, 10, 27), D(2026, 10, 29)],
            "source_key": [
                "incoming/sales_2026-10-26.csv",
                "incoming/sales_2026-10-27.csv",
                "incoming/partly_bad.jsonl",
            ],
            "sales": [100, 100, 6],
            "units": [100, 101, 7],
            "revenue": ["1973.47", "1999.75", "123.56"],  # Athena decimals arrive as text
        }
    )
    period = Period(D(2026, 10, 26), D(2026, 10, 29))
    problems = problems_for_period(
        [
            RejectedFile(
                "missing_column.csv",
                "MISSING_COLUMNS",
                "the header lacks the required column(s) genre (found: title, price)",
                RECEIVED,
            )
        ],
        summaries(
            ("sales_2026-10-26.csv", 100, 0, {}),
            ("partly_bad.jsonl", 10, 4, {"INVALID_QUANTITY": 4}),
        ),
        period,
        by_day_file["source_key"],
    )
    values = {
        "period": period,
        "place": None,
        "by_day_file": by_day_file,
        "partitions": pd.DataFrame(
            {
                "genre": ["Fiction", "Self-Help"],
                "sales": [80, 126],
                "copies": [81, 127],
                "revenue": ["1600.00", "2496.78"],
                "avg_price": ["20.00", "19.80"],
            }
        ),
        "items": pd.DataFrame(
            {
                "title": ["Atomic Habits", "Dune"],
                "genre": ["Self-Help", "Science Fiction"],
                "copies": [68, 22],
                "revenue": ["1773.90", "385.20"],
            }
        ),
        "mix": pd.DataFrame(
            {
                "age_group": ["20s", "30s"],
                "sales": [100, 106],
                "revenue": ["2000.00", "2096.78"],
                "revenue_pct": ["48.8", "51.2"],
            }
        ),
        "previous": Totals(150, 150, 3000.0),
        "problems": problems,
        "queries": [
            QueryResult(name, "athena", pd.DataFrame(), 0.1, bytes_scanned=220_000)
            for name in ("Sales by day", "Revenue by genre")
        ],
        "generated": dt.datetime(2026, 11, 3, 6, 30, tzinfo=dt.UTC),
    }
    values.update(changes)
    return SalesReport(**values)


@pytest.fixture(scope="module")
def rendered() -> report_output.Rendered:
    return report_output.render(make_report())


# --- words and numbers -------------------------------------------------------------------
def test_money_has_the_currency_thousands_and_cents():
    assert money(11987.931) == "$11,987.93"
    assert money(5) == "$5.00"
    assert money(-5) == "-$5.00"
    assert money(1234.5, cents=False) == "$1,234"
    assert money(None) == "—"
    assert small_money(0.000262) == "$0.00026"
    assert small_money(0.0000524) == "$0.000052"
    assert small_money(0.5) == "$0.50"


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (D(2026, 10, 26), D(2026, 11, 2), "26 October – 2 November 2026"),
        (D(2026, 11, 2), D(2026, 11, 8), "2–8 November 2026"),
        (D(2026, 11, 2), D(2026, 11, 2), "Monday 2 November 2026"),
        (D(2026, 12, 28), D(2027, 1, 3), "28 December 2026 – 3 January 2027"),
    ],
)
def test_period_labels(start, end, label):
    assert Period(start, end).label() == label


def test_the_period_before_has_the_same_length():
    period = Period(D(2026, 10, 26), D(2026, 11, 2))
    assert period.days == 8
    assert period.previous() == Period(D(2026, 10, 18), D(2026, 10, 25))
    with pytest.raises(ValueError):
        Period(D(2026, 11, 2), D(2026, 11, 1))


@pytest.mark.parametrize("business", sorted(contracts.bundled()))
def test_every_reason_code_of_the_pipeline_has_plain_words(business):
    assert set(FILE_LEVEL) <= set(FILE_REASONS), "add the owner's wording to FILE_REASONS"
    own = Business.of(business).settings["row_reasons"]
    generic = set(named(business).row_level) - set(own)
    assert generic <= {
        "WRONG_FIELD_COUNT",
        "MALFORMED_JSON_LINE",
        "INVALID_RECORD",
        "MISSING_VALUE",
        "NESTED_VALUE",
        "FIELD_TOO_LONG",
        "FORMULA_INJECTION",
    }, f"add the owner's wording of {business}'s codes to its report choices' row_reasons"
    words = Business.of(business).row_words
    for text in (*FILE_REASONS.values(), *words.values()):
        assert not re.search(r"[A-Z]{3,}_[A-Z]", text), text  # no reason codes
        assert "_" not in text, text  # no column names


def test_a_missing_column_is_named():
    message = "the header lacks the required column(s) genre (found: title, price)"
    assert file_reason("MISSING_COLUMNS", message) == "the genre column is missing"
    message = "no record has the required key(s) age_group, genre"
    assert file_reason("MISSING_COLUMNS", message) == "the age_group and genre columns are missing"
    assert file_reason("MISSING_COLUMNS", "") == "a column we need is missing"
    assert file_reason("SOMETHING_NEW") == "the file could not be read"


# --- which files are listed --------------------------------------------------------------
def test_refused_files_are_listed_for_the_period_they_belong_to():
    period = Period(D(2026, 11, 2), D(2026, 11, 8))
    refused = [
        RejectedFile("sales_2026-11-03.csv", "EMPTY_FILE", "", RECEIVED),  # dated inside
        RejectedFile("sales_2026-10-20.csv", "EMPTY_FILE", "", RECEIVED),  # dated before
        RejectedFile("undated_late.csv", "EMPTY_FILE", "", RECEIVED),  # arrived in the period
        RejectedFile(
            "undated_early.csv", "EMPTY_FILE", "", dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        ),
        RejectedFile("fixed_2026-11-04.csv", "EMPTY_FILE", "", RECEIVED, loaded_since=True),
        RejectedFile("reupload_2026-11-05.csv", "EMPTY_FILE", "", RECEIVED, loaded_before=True),
    ]
    listed = {p.file: p for p in problems_for_period(refused, summaries(), period, [])}
    assert set(listed) == {"sales_2026-11-03.csv", "undated_late.csv", "reupload_2026-11-05.csv"}
    assert all(p.whole_file and p.what == "not loaded" for p in listed.values())
    assert listed["sales_2026-11-03.csv"].why.startswith("The file is empty.")
    assert "earlier copy of this file are counted" in listed["reupload_2026-11-05.csv"].why


def test_a_file_loaded_in_part_is_listed_only_when_its_sales_are_in_the_period():
    table = summaries(("partly_bad.jsonl", 10, 4, {"INVALID_QUANTITY": 3, "INVALID_PRICE": 1}))
    period = Period(D(2026, 11, 2), D(2026, 11, 2))
    assert problems_for_period([], table, period, ["incoming/other.csv"]) == []
    [problem] = problems_for_period([], table, period, ["incoming/partly_bad.jsonl"])
    assert problem == Problem(
        "partly_bad.jsonl",
        "4 of its 10 sales left out",
        "The quantity was not a whole number of at least 1; the price was not an amount of "
        "money. The other 6 are counted.",
        rows_left_out=4,
    )


# --- the figures -------------------------------------------------------------------------
def test_kpis_count_only_the_loaded_sales():
    report = make_report()
    assert report.sales == 206 and report.units == 208
    assert report.revenue == pytest.approx(1973.47 + 1999.75 + 123.56)
    assert report.best_partition == ("Self-Help", 2496.78, pytest.approx(100 * 2496.78 / 4096.78))
    assert report.change == pytest.approx(100 * (4096.78 / 3000 - 1))
    assert report.files == ["partly_bad.jsonl", "sales_2026-10-26.csv", "sales_2026-10-27.csv"]
    assert report.title == "Sales report: all stores, 26–29 October 2026"
    assert make_report(place="S01").title == "Sales report: store S01, 26–29 October 2026"


def test_every_day_of_the_period_is_a_row_and_a_day_without_sales_is_zero():
    daily = make_report().daily()
    assert list(daily["sale_date"]) == [D(2026, 10, d) for d in (26, 27, 28, 29)]
    assert list(daily["sales"]) == [100, 100, 0, 6]
    assert list(daily["recorded"]) == [True, True, False, True]
    assert list(daily["partial"]) == [False, False, False, True]
    assert make_report().missing_days() == [D(2026, 10, 28)]


def test_without_a_previous_period_the_change_says_so():
    report = make_report(previous=Totals())
    assert report.change is None
    assert "no sales recorded in 22–25 October 2026" in report.headline()


# --- the HTML ----------------------------------------------------------------------------
def test_the_html_is_titled_by_store_and_period(rendered):
    title = re.search(r"<title>(.*?)</title>", rendered.document).group(1)
    assert title == "Sales report: all stores, 26–29 October 2026"
    assert "Notebook" not in title
    assert "<h1>Sales report: all stores, 26–29 October 2026</h1>" in rendered.document


def test_the_html_opens_offline(rendered):
    document = rendered.document
    assert report_output.external_resources(document) == []
    assert "<script" not in document.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", document, re.I)
    assert not re.search(r"https?://", document)
    images = re.findall(r'<img src="([^"]{0,30})', document)
    assert images and all(src.startswith("data:image/png;base64,") for src in images)
    assert "<link" not in document.lower()


def test_the_offline_check_finds_network_resources():
    found = report_output.external_resources(
        '<script src="https://cdn.example/require.js"></script><img src=//x/y.png>'
        '<style>@import "https://fonts.example/a.css"</style>'
    )
    assert len(found) == 3


def test_the_html_has_no_code_or_developer_text(rendered):
    text = rendered.document
    for word in DEVELOPER_TEXT:
        assert word not in text, word
    assert "<pre" not in text and "<code" not in text


def test_tables_have_no_index_column(rendered):
    document = rendered.document
    assert 'class="dataframe"' not in document
    assert not re.search(r"<tbody>\s*<tr>\s*<th", document)  # pandas' row labels
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", document)
    assert all(h.strip() for h in headers), headers


def test_money_is_formatted_with_the_currency(rendered):
    document = rendered.document
    assert "$4,096.78" in document  # revenue card
    assert "$1,773.90" in document  # best sellers
    assert "4096.78" not in document and "1773.9<" not in document


def test_kpi_cards_lead_the_report(rendered):
    document = rendered.document
    cards = re.search(r'<section class="kpis">(.*?)</section>', document).group(1)
    labels = re.findall(r'<span class="label">(.*?)</span>', cards)
    assert labels == ["Revenue", "Sales", "Copies sold", "Best genre", "Vs the period before"]
    assert "$4,096.78" in cards and ">206<" in cards and ">208<" in cards
    assert "Self-Help" in cards and "+37%" in cards
    assert document.index('class="kpis"') < document.index("Revenue per day")


def test_the_could_not_load_box_names_the_files_in_plain_words(rendered):
    box = re.search(r'<aside class="notice">(.*?)</aside>', rendered.document).group(1)
    assert "Files we could not load" in box
    assert "<strong>missing_column.csv</strong>: not loaded. The genre column is missing." in box
    assert "<strong>partly_bad.jsonl</strong>: 4 of its 10 sales left out." in box
    assert "sales_2026-10-26.csv" not in box


def test_missing_days_are_shown_as_zero_and_named(rendered):
    assert "A day with no sales recorded is shown as zero (Wed 28 Oct)." in rendered.document
    assert "Hatched (Thu 29 Oct)" in rendered.document


def test_costs_are_an_appendix_in_plain_units(rendered):
    document = rendered.document
    appendix = document[document.index("Appendix: what this report costs") :]
    assert document.index("Best sellers") < document.index("Appendix")
    assert "215 KB" in appendix and "10 MB" in appendix and "$0.000048" in appendix
    assert "a month" in appendix


def test_a_period_without_sales_still_renders():
    empty = pd.DataFrame(columns=["sale_date", "source_key", "sales", "units", "revenue"])
    report = make_report(
        by_day_file=empty,
        partitions=pd.DataFrame(columns=["genre", "sales", "copies", "revenue"]),
        items=pd.DataFrame(columns=["title", "genre", "copies", "revenue"]),
        mix=pd.DataFrame(columns=["age_group", "sales", "revenue", "revenue_pct"]),
        problems=[],
        previous=Totals(),
    )
    rendered = report_output.render(report)
    assert "No sales were recorded in this period." in rendered.document
    assert "Every file received for this period was loaded in full." in rendered.document
    assert rendered.images == {}
    assert list(report.daily()["sales"]) == [0, 0, 0, 0]


def test_write_saves_the_html_the_pngs_and_a_pdf(rendered, tmp_path):
    written = rendered.write(tmp_path)
    names = sorted(p.name for p in written)
    assert names == [
        "age_groups.png",
        "daily_revenue.png",
        "revenue_by_genre.png",
        "sales_report.html",
        "sales_report.pdf",
    ]
    assert (tmp_path / "sales_report.html").read_text() == rendered.document
    assert (tmp_path / "sales_report.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "daily_revenue.png").read_bytes() == rendered.images["daily_revenue"]


# --- another business: the café ------------------------------------------------------------
CAFE = Business.of("cafe")


def cafe_report(**changes) -> SalesReport:
    """2-3 Nov 2026 at the café: 5 order lines (7 items, $21.90), one line of the 3rd's file
    left out for its order number."""
    by_day_file = pd.DataFrame(
        {
            "sale_date": [D(2026, 11, 2), D(2026, 11, 3)],
            "source_key": ["incoming/sales_2026-11-02.csv", "incoming/sales_2026-11-03.json"],
            "sales": [3, 2],
            "units": [5, 2],
            "revenue": ["14.60", "7.30"],
        }
    )
    period = Period(D(2026, 11, 2), D(2026, 11, 3))
    problems = problems_for_period(
        [],
        summaries(("sales_2026-11-03.json", 3, 1, {"INVALID_ORDER_ID": 1})),
        period,
        by_day_file["source_key"],
        CAFE,
    )
    values = {
        "period": period,
        "place": None,
        "by_day_file": by_day_file,
        "partitions": pd.DataFrame(
            {"category": ["Pastries", "Coffee"], "items": [3, 4], "revenue": ["9.50", "12.40"]}
        ),
        "items": pd.DataFrame(
            {
                "item": ["Flat white", "Croissant"],
                "category": ["Coffee", "Pastries"],
                "items": [4, 3],
                "revenue": ["12.40", "9.50"],
            }
        ),
        "mix": pd.DataFrame({"category": ["Coffee", "Pastries"], "eat_in_pct": ["50.0", "33.3"]}),
        "previous": Totals(4, 5, 18.25),
        "problems": problems,
        "generated": dt.datetime(2026, 11, 4, 6, 30, tzinfo=dt.UTC),
        "business": CAFE,
    }
    values.update(changes)
    return SalesReport(**values)


def test_the_cafes_figures_come_from_its_measures_and_category():
    report = cafe_report()
    assert (report.sales, report.units) == (5, 7)
    assert report.revenue == pytest.approx(21.90)
    assert report.best_partition == ("Coffee", 12.40, pytest.approx(100 * 12.40 / 21.90))
    assert report.title == "Sales report: 2–3 November 2026"  # the café has no stores
    assert report.headline().splitlines() == [
        "Sales report: 2–3 November 2026",
        "revenue $21.90 from 5 sales (7 items), 2 files",
        "best category Coffee: $12.40 (57% of revenue)",
        "vs the previous 2 days: +20% (was $18.25)",
    ]


def test_the_cafes_set_aside_lines_are_worded_for_the_owner():
    [problem] = cafe_report().problems
    assert problem.what == "1 of its 3 sales left out"
    assert problem.why == (
        "The order number was not the till's 2 digits, a dash and 6 digits "
        "(such as 01-000042). The other 2 are counted."
    )


def test_the_cafes_report_speaks_of_items_and_categories():
    rendered = report_output.render(cafe_report())
    document = rendered.document
    cards = re.search(r'<section class="kpis">(.*?)</section>', document).group(1)
    labels = re.findall(r'<span class="label">(.*?)</span>', cards)
    assert labels == ["Revenue", "Sales", "Items sold", "Best category", "Vs the period before"]
    assert "$21.90" in cards and ">7<" in cards and "Coffee" in cards and "+20%" in cards
    assert "A neighbourhood café&#x27;s till exports · 2 days" in document
    table = re.search(r"<h2>Best sellers</h2><table>(.*?)</table>", document).group(1)
    assert re.findall(r"<th[^>]*>([^<]*)</th>", table) == [
        "Rank",
        "Item",
        "Category",
        "Items",
        "Revenue",
    ]
    assert "<td>Flat white</td><td>Coffee</td>" in table and "$12.40" in table
    assert "<h2>Revenue by category</h2>" in document and "<h2>Eaten in</h2>" in document
    assert "(unit price × quantity)" in document
    text = re.sub(r"<[^>]*>", " ", document).lower()  # what the owner reads
    for word in ("genre", "copies", "store", "title", "age group"):
        assert word not in text, word
    assert sorted(rendered.images) == ["daily_revenue", "eaten_in", "revenue_by_category"]


def test_the_cafes_pdf_and_pngs_are_written(tmp_path):
    written = report_output.render(cafe_report()).write(tmp_path)
    assert sorted(p.name for p in written) == [
        "daily_revenue.png",
        "eaten_in.png",
        "revenue_by_category.png",
        "sales_report.html",
        "sales_report.pdf",
    ]


def test_a_place_narrows_the_sales_only_where_the_business_has_places():
    assert Business.of("bookstore").place_filter("S01") == "store_id = 'S01'"
    assert Business.of("bookstore").place_filter(None) is None
    with pytest.raises(ValueError, match="not a store_id"):
        Business.of("bookstore").place_filter("S01' OR 1=1")
    with pytest.raises(ValueError, match="no place"):
        CAFE.place_filter("01")


def test_the_report_sql_sums_the_contracts_measures():
    outputs = {"glue_database": "db", "glue_table": "sales"}
    sql = by_day_file_sql(outputs, None, CAFE)
    assert "SUM(quantity) AS units, SUM(unit_price * quantity) AS revenue" in sql
    assert 'FROM "db"."sales_curated"' in sql
    assert "SUM(price * quantity) AS revenue" in totals_sql(outputs)  # the bookstore's
