"""The pure parts of the helpers the notebooks call: query text, cost, charts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from matplotlib.figure import Figure

from infra_scripts.contracts import outputs_entry
from infra_scripts.ops import charts
from infra_scripts.ops.queries import (
    MB,
    QueryResult,
    athena_billed_bytes,
    athena_cost_usd,
    athena_sql,
    cost_table,
    redshift_sql,
    sales_filter,
    split_statements,
)
from pipeline_src.contracts import model
from pipeline_src.sql import queries

OUTPUTS = {
    "glue_database": "shop",
    "glue_table": "sales",
    "processed_bucket": "shop-processed",
    "redshift_role_arn": "arn:aws:iam::123456789012:role/shop-redshift",
    "region": "eu-west-1",
}
CAFE_OUTPUTS = {**OUTPUTS, **outputs_entry(model.get("cafe"))}
STACKS = {"bookstore": OUTPUTS, "cafe": CAFE_OUTPUTS}


def test_athena_bills_whole_megabytes_with_a_10_mb_minimum():
    assert athena_billed_bytes(1) == 10 * MB
    assert athena_billed_bytes(10 * MB + 1) == 11 * MB
    assert athena_cost_usd(1024**4) == pytest.approx(5.0)
    assert athena_cost_usd(300_000) == pytest.approx(10 * MB / 1024**4 * 5)


def test_sales_filter_builds_a_safe_condition():
    assert sales_filter() is None
    assert sales_filter("2026-10-27", dt.date(2026, 10, 29)) == (
        "sale_date >= DATE '2026-10-27' AND sale_date <= DATE '2026-10-29'"
    )
    with pytest.raises(ValueError):
        sales_filter(start_date="yesterday")


def test_athena_sql_fills_the_stack_and_narrows_what_it_reads():
    plain = athena_sql("revenue_by_genre", OUTPUTS)
    assert 'FROM "shop"."sales_curated"' in plain and "${" not in plain
    narrowed = athena_sql("revenue_by_genre", OUTPUTS, where="genre = 'Fiction'")
    assert (
        """(SELECT * FROM "shop"."sales_curated" WHERE genre = 'Fiction') AS sales_curated"""
        in narrowed
    )
    quality = athena_sql("data_quality", OUTPUTS, where="store_id = 'S01'")
    assert quality.count("""(SELECT * FROM "shop"."sales" WHERE store_id = 'S01') AS sales""") == 6


def test_athena_sql_is_the_stacks_business():
    assert "GROUP BY genre" in athena_sql("revenue_by_partition", OUTPUTS)
    assert "GROUP BY category" in athena_sql("revenue_by_partition", CAFE_OUTPUTS)
    assert "PARTITION BY s.order_id, s.item" in athena_sql("curated_sales", CAFE_OUTPUTS)
    with pytest.raises(KeyError):
        athena_sql("top_titles", CAFE_OUTPUTS)


ANALYTICS = [
    (business, name)
    for business in STACKS
    for name in sorted(set(queries("athena", model.get(business))) - {"curated_sales"})
]


@pytest.mark.parametrize(("business", "name"), ANALYTICS, ids=["/".join(c) for c in ANALYTICS])
def test_analytics_read_the_curated_view_and_checks_read_the_table(business, name):
    sql = athena_sql(name, STACKS[business])
    reads_view = '"shop"."sales_curated"' in sql
    assert reads_view is (name not in {"data_quality", "cross_file_duplicates"}), name


@pytest.mark.parametrize(
    ("outputs", "value", "folder", "literal"),
    [
        (OUTPUTS, {"partition_value": "Fiction"}, "genre=Fiction", "'Fiction'"),
        # the folder as the job writes it (Hive-escaped), the value as an SQL literal
        (OUTPUTS, {"genre": "Children's"}, "genre=Children%27s", "'Children''s'"),
        (CAFE_OUTPUTS, {"partition_value": "Coffee"}, "category=Coffee", "'Coffee'"),
    ],
)
def test_redshift_scripts_split_into_statements_with_values(outputs, value, folder, literal):
    statements = split_statements(redshift_sql("copy_fact_sales", outputs, **value))
    assert [s.split()[0] for s in statements] == [
        *("CREATE", "COPY", "CREATE", "DELETE", "INSERT", "DROP", "DROP")
    ]
    assert f"s3://shop-processed/sales/{folder}/" in statements[1]
    assert "JOIN lake.sales_loads AS l" in statements[2]
    assert "mart.fact_sales" in statements[3]
    assert f"{literal}," in statements[4]  # the partition column's value


def test_cost_table_has_one_row_per_query():
    frame = pd.DataFrame({"n": [1, 2]})
    table = cost_table(
        [QueryResult("a", "athena", frame, 0.5, 2 * MB), QueryResult("b", "redshift", frame, 1.0)]
    )
    assert table["query"].tolist() == ["a", "b"]
    assert table.loc[0, "billed_mb"] == 10 and table.loc[0, "rows"] == 2
    assert pd.isna(table.loc[1, "cost_usd"])


def test_charts_draw_from_query_frames(tmp_path):
    genre = pd.DataFrame({"genre": ["Fiction", "Classic"], "revenue": [Decimal("10.5"), 3]})
    days = pd.DataFrame(
        {
            "sale_date": [dt.date(2026, 10, 26), dt.date(2026, 10, 27)],
            "revenue": [Decimal("5"), Decimal("7")],
            "revenue_7d_avg": [5.0, 6.0],
        }
    )
    timeline = pd.DataFrame(
        {
            "execution": ["e1", "e1", "e2"],
            "state": ["Validate", "Transform", "Validate"],
            "entered": pd.to_datetime(
                ["2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z", "2026-01-01T00:00:01Z"]
            ),
            "seconds": [2.0, 3.0, 1.0],
        }
    )
    executions = pd.DataFrame({"name": ["e1", "e2"], "key": ["incoming/a.csv", "incoming/b.csv"]})
    figures = [
        charts.revenue_by_genre(genre),
        charts.daily_trend(days),
        charts.execution_gantt(timeline, executions),
        charts.architecture({"raw_bucket": "shop-raw"}),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    assert [t.get_text() for t in figures[2].axes[0].get_yticklabels()] == ["a.csv", "b.csv"]
    assert charts.save(figures[0], tmp_path / "out" / "g.png").stat().st_size > 1000
