"""Every SQL file parses in its engine's dialect (sqlglot), placeholders filled."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from pipeline_src.sql import fill, queries

VALUES = {
    "database": "retail",
    "table": "sales",
    "schema": "public",
    "external_schema": "lake",
    "bucket": "processed",
    "role_arn": "arn:aws:iam::123456789012:role/redshift",
    "region": "us-east-1",
    "genre": "Fiction",
}
# sqlglot cannot parse these statements; it keeps them as opaque commands.
UNPARSEABLE = {("redshift", "external_schema")}
CASES = [(engine, name) for engine in ("athena", "redshift") for name in queries(engine)]


@pytest.mark.parametrize(("engine", "name"), CASES, ids=[f"{e}/{n}" for e, n in CASES])
def test_sql_parses(engine, name):
    sql = fill(queries(engine)[name], VALUES)
    statements = [
        s for s in sqlglot.parse(sql, read="trino" if engine == "athena" else "redshift") if s
    ]
    assert statements
    commands = [s for s in statements if isinstance(s, exp.Command)]
    if (engine, name) in UNPARSEABLE:
        assert commands
    else:
        assert not commands, commands


def test_the_expected_queries_exist():
    assert {
        "revenue_by_genre",
        "revenue_by_age_group",
        "top_titles",
        "price_bands",
        "daily_trend",
        "data_quality",
    } <= set(queries("athena"))
    assert {"external_schema", "fact_sales", "copy_fact_sales"} <= set(queries("redshift"))


def test_fill_refuses_a_missing_value():
    with pytest.raises(KeyError):
        fill("SELECT * FROM ${table}", {})
