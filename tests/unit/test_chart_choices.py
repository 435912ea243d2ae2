"""The charts each business's notebooks and report draw: which query, which columns, how.

Every choice must name a query the business has (``pipeline_src.sql.queries``) and only
columns that query returns (read from the SQL with sqlglot, not by running it); the charts
are drawn from small hand-made frames.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pandas as pd
import pytest
import sqlglot
from matplotlib.figure import Figure

from infra_scripts.ops import chart_choices, charts
from infra_scripts.ops.chart_choices import Choice
from infra_scripts.ops.report import Business
from pipeline_src import contracts
from pipeline_src.contracts import model
from pipeline_src.sql import fill, queries

BUSINESSES = sorted(contracts.bundled())
DIALECT = {"athena": "trino", "redshift": "redshift"}
RUNTIME = {
    "database": "db",
    "table": "sales",
    "schema": "mart",
    "external_schema": "lake",
    "bucket": "b",
    "role_arn": "arn:aws:iam::1:role/r",
    "region": "us-east-1",
    "partition_value": "x",
}


def output_columns(engine: str, contract: model.Contract, stem: str) -> list[str]:
    """The names of the columns query ``stem`` returns, from its SQL."""
    sql = fill(queries(engine, contract)[stem], RUNTIME)
    return sqlglot.parse_one(sql, read=DIALECT[engine]).named_selects


def every_choice() -> list[tuple[str, str, Choice]]:
    return [
        (business, engine, choice)
        for business in BUSINESSES
        for engine in DIALECT
        for choice in getattr(chart_choices.for_contract(business), engine)
    ]


def test_every_bundled_business_has_its_own_choices():
    assert set(chart_choices.bundled()) == set(BUSINESSES)
    for business in BUSINESSES:
        choices = chart_choices.for_contract(business)
        assert choices.business == business
        assert choices.athena and choices.redshift


@pytest.mark.parametrize(
    ("business", "engine", "choice"),
    every_choice(),
    ids=lambda v: v.name if isinstance(v, Choice) else v,
)
def test_each_chart_reads_a_query_of_its_business_and_columns_it_returns(business, engine, choice):
    contract = model.get(business)
    assert choice.query in queries(engine, contract), f"{business} has no {engine} {choice.query}"
    if choice.kind != "table":
        assert choice.x and choice.y, choice.name
    returned = output_columns(engine, contract, choice.query)
    missing = [c for c in choice.columns if c not in returned]
    assert not missing, f"{choice.query} returns {returned}, not {missing}"


@pytest.mark.parametrize("business", BUSINESSES)
def test_the_reports_queries_return_what_the_report_reads(business):
    biz = Business.of(business)
    contract = biz.contract
    partition = output_columns("athena", contract, biz.partition_query)
    assert {contract.partition, "revenue"} <= set(partition)
    assert set(biz.partition_chart.columns) <= set(partition)
    items = output_columns("athena", contract, biz.items["query"])
    assert {biz.items["column"], biz.items["units"], "revenue"} <= set(items)
    mix = output_columns("athena", contract, biz.mix["query"])
    assert set(biz.mix_chart.columns) <= set(mix)


def test_the_bookstores_charts_are_todays_in_todays_order():
    choices = chart_choices.for_contract("bookstore")
    assert [c.query for c in choices.athena] == [
        "revenue_by_genre",
        "revenue_by_age_group",
        "top_titles",
        "price_bands",
        "daily_trend",
    ]
    assert [c.query for c in choices.redshift] == [
        "genre_ranking",
        "top_titles_per_genre",
        "daily_running_total",
    ]


def test_the_cafes_charts_tell_its_story():
    choices = chart_choices.for_contract("cafe")
    assert [c.query for c in choices.athena] == [
        "revenue_by_category",
        "top_items",
        "orders_by_hour",
        "size_mix",
        "eat_in_share",
        "daily_trend",
    ]
    assert {c.kind for c in choices.athena} == {"barh", "bar", "pie", "trend"}


def test_revenue_bars_put_the_best_on_top_with_dollar_labels():
    frame = pd.DataFrame(
        {"genre": ["Fiction", "Classic", "History"], "revenue": ["10.5", "3", "7"]}
    )
    fig = charts.revenue_by_genre(frame)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Classic", "History", "Fiction"]
    assert [t.get_text() for t in ax.texts] == ["$3", "$7", "$10"]  # round half to even
    assert ax.get_title() == "Revenue by genre"


def test_a_label_template_formats_each_category():
    bands = pd.DataFrame({"band_from": [10, 20], "band_to": [20, 30], "sales": [4, 7]})
    fig = charts.price_distribution(bands)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["$10-20", "$20-30"]
    hours = pd.DataFrame({"hour": [7, 8, 9], "orders": [12, 30, 18]})
    rush = chart_choices.for_contract("cafe").chart("morning_rush")
    assert rush.columns == ("hour", "orders")
    labels = [t.get_text() for t in charts.draw(rush, hours).axes[0].get_xticklabels()]
    assert labels == ["07:00", "08:00", "09:00"]


def test_top_items_are_drawn_rank_one_on_top_and_counted_in_the_title():
    frame = pd.DataFrame({"item": ["Flat white", "Croissant"], "items": [40, 25]})
    fig = charts.draw(chart_choices.for_contract("cafe").chart("top_items"), frame)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Croissant", "Flat white"]
    assert ax.get_title() == "Top 2 items by number sold"


def test_a_pie_shows_shares_with_renamed_slices():
    frame = pd.DataFrame({"size": ["none", "regular", "large"], "items": [50, 30, 20]})
    fig = charts.draw(chart_choices.for_contract("cafe").chart("size_mix"), frame)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"no size", "regular", "large", "50%", "30%", "20%"} <= set(texts)


def test_percent_bars_are_labelled_with_their_share():
    frame = pd.DataFrame({"category": ["Coffee", "Cakes"], "eat_in_pct": ["62.5", "40.0"]})
    fig = charts.draw(chart_choices.for_contract("cafe").chart("eat_in_share"), frame)
    assert [t.get_text() for t in fig.axes[0].texts] == ["62%", "40%"]  # round half to even


def test_trends_draw_the_second_series_on_its_own_axis_when_twin():
    days = pd.DataFrame(
        {
            "sale_date": [dt.date(2026, 11, 2), dt.date(2026, 11, 3)],
            "revenue": [5, 7],
            "running_total": [5, 12],
        }
    )
    choice = chart_choices.for_contract("cafe").chart("daily_running_total")
    fig = charts.draw(choice, days)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "running total ($)"
    assert fig.axes[0].get_title() == "Daily revenue"


def test_a_table_choice_is_not_drawn():
    table = chart_choices.for_contract("bookstore").chart("top_titles_per_genre")
    with pytest.raises(ValueError, match="nothing to draw"):
        charts.draw(table, pd.DataFrame())
    with pytest.raises(ValueError, match="kind"):
        Choice("x", "q", "donut")


def test_a_business_without_a_choices_file_gets_the_generic_charts():
    document = copy.deepcopy(json.loads(model.get("cafe").to_json()))
    document["business"]["name"] = "pharmacy"
    pharmacy = model.Contract(document)
    choices = chart_choices.for_contract(pharmacy)
    assert [c.query for c in choices.athena] == ["revenue_by_partition", "daily_trend"]
    for engine in DIALECT:
        for choice in getattr(choices, engine):
            returned = output_columns(engine, pharmacy, choice.query)
            assert set(choice.columns) <= set(returned), (choice.name, returned)
    fig = charts.draw(choices.athena[0], pd.DataFrame({"category": ["Tea"], "revenue": [4.5]}))
    assert isinstance(fig, Figure) and fig.axes[0].get_title() == "Revenue by category"
