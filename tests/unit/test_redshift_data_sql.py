"""Pure parts of the local Redshift: SQL text, COPY/UNLOAD parsing, translation, types, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from sqlglot import exp

from infra_scripts.localcloud.services.redshift_data import commands, numeric, sqltext, translate
from infra_scripts.localcloud.services.redshift_data.errors import (
    RedshiftSqlError,
    from_duckdb_error,
)
from infra_scripts.localcloud.services.redshift_data.results import redshift_type, to_field


def one(sql: str) -> sqltext.Statement:
    statements = sqltext.split_statements(sql)
    assert len(statements) == 1
    return statements[0]


def duck(sql: str) -> str:
    return translate.prepare(one(sql)).duckdb_sql()


def test_split_statements_respects_quotes_comments_and_unload():
    sql = "SELECT 'a;b' -- c;\n; UNLOAD ('select '';''') TO 's3://b/p/' IAM_ROLE 'r'; ;VACUUM t"
    texts = [s.text for s in sqltext.split_statements(sql)]
    assert texts == [
        "SELECT 'a;b'",
        "UNLOAD ('select '';''') TO 's3://b/p/' IAM_ROLE 'r'",
        "VACUUM t",
    ]
    with pytest.raises(RedshiftSqlError, match="unterminated quoted string"):
        sqltext.split_statements("SELECT 'open")


def test_create_table_physical_design_is_accepted():
    sql = duck(
        "CREATE TABLE s (id INT ENCODE az64 DISTKEY SORTKEY, name VARCHAR(50) NOT NULL ENCODE lzo, "
        "n NUMERIC, PRIMARY KEY (id)) DISTSTYLE KEY BACKUP NO INTERLEAVED SORTKEY (id, name)"
    )
    assert sql == "CREATE TABLE s (id INT, name TEXT(50) NOT NULL, n DECIMAL(18, 0))"
    ctas = duck("CREATE TABLE x DISTKEY(a) SORTKEY(a) AS SELECT a AS sortkey FROM t")
    assert ctas == "CREATE TABLE x AS SELECT a AS sortkey FROM t"


def test_identity_column_gets_a_sequence():
    prepared = translate.prepare(one("CREATE TABLE s (id BIGINT IDENTITY(0, 1), a INT)"))
    assert prepared.setup_sql == [
        "CREATE SEQUENCE IF NOT EXISTS s_id_seq START WITH 0 INCREMENT BY 1"
    ]
    assert "DEFAULT NEXTVAL('s_id_seq')" in prepared.duckdb_sql()


def test_redshift_functions_and_labels():
    sql = duck(
        "SELECT TOP 3 NVL(a, 0), DECODE(b, 1, 'x', 'y'), DATEADD(day, 1, d), DATEDIFF(day, d, e), "
        "COUNT(*), a + 1, GETDATE(), Label FROM T"
    )
    assert sql == (
        "SELECT COALESCE(a, 0) AS \"coalesce\", CASE WHEN b = 1 THEN 'x' ELSE 'y' END AS \"case\", "
        'CAST(d AS TIMESTAMP) + INTERVAL 1 DAY AS "date_add", '
        "DATE_DIFF('DAY', CAST(d AS TIMESTAMP), CAST(e AS TIMESTAMP)) AS \"date_diff\", "
        'COUNT(*) AS "count", a + 1 AS "?column?", '
        "CAST(DATE_TRUNC('SECOND', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AS TIMESTAMP) "
        'AS "getdate", '
        "label FROM t LIMIT 3"
    )


def test_listagg_distinct_and_default_delimiter():
    assert duck("SELECT LISTAGG(DISTINCT g, ', ') WITHIN GROUP (ORDER BY g) FROM t") == (
        "SELECT LISTAGG(DISTINCT g, ', ' ORDER BY g) AS \"listagg\" FROM t"
    )
    assert duck("SELECT LISTAGG(g) FROM t") == "SELECT LISTAGG(g, '') AS \"listagg\" FROM t"


def test_parameters_become_literals_never_sql():
    prepared = translate.prepare(
        one("SELECT a + :n FROM t WHERE name = :name LIMIT :n"),
        {"n": "2", "name": "x'; DROP TABLE t; --"},
    )
    assert prepared.duckdb_sql() == (
        "SELECT a + 2 AS \"?column?\" FROM t WHERE name = 'x''; DROP TABLE t; --' LIMIT 2"
    )
    assert translate.parameter_names(one("SELECT :a, x::int, :b_2 FROM t")) == ["a", "b_2"]
    with pytest.raises(RedshiftSqlError, match="syntax error"):
        translate.prepare(one("SELECT :missing"), {})


def test_syntax_errors_name_the_token():
    with pytest.raises(RedshiftSqlError, match='syntax error at or near "SELEC"'):
        translate.prepare(one("SELEC 1"))


def test_decimal_result_types_follow_redshift():
    dec = numeric.NumType("numeric", 8, 2)
    assert numeric.decimal_result(exp.Div, dec, dec) == numeric.NumType("numeric", 17, 9)
    assert numeric.decimal_result(exp.Mul, dec, dec) == numeric.NumType("numeric", 17, 4)
    assert numeric.decimal_result(exp.Add, dec, numeric.NumType("int4")) == numeric.NumType(
        "numeric", 13, 2
    )


def test_numeric_semantics_on_duckdb():
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    con.execute("SET integer_division = true")
    con.execute("CREATE TABLE t (q INTEGER, p DECIMAL(8,2))")
    con.execute("INSERT INTO t VALUES (1, 1.00), (2, 2.00), (4, 2.50)")
    schema = {"memory": {"public": {"t": {"q": "INTEGER", "p": "DECIMAL(8,2)"}}}}
    prepared = translate.prepare(one("SELECT AVG(q), AVG(p), SUM(p) / 3, 7 / 2 FROM t"))
    numeric.apply(prepared.tree, schema, "memory")
    rows = con.execute(prepared.duckdb_sql()).fetchall()
    assert rows == [(2, Decimal("1.83"), Decimal("1.8333333333333"), 3)]
    types = [str(d[1]) for d in con.description]
    assert types == ["BIGINT", "DECIMAL(38,2)", "DECIMAL(38,13)", "INTEGER"]


def test_copy_unload_and_external_schema_parsing():
    copy = commands.parse_copy(
        one(
            "COPY public.sales (a, b) FROM 's3://bucket/in/' IAM_ROLE 'arn:role' "
            "FORMAT AS CSV DELIMITER AS ';' IGNOREHEADER 1 EMPTYASNULL GZIP REGION 'eu-west-1'"
        )
    )
    assert (copy.table, copy.columns, copy.source, copy.format) == (
        ["public", "sales"],
        ["a", "b"],
        "s3://bucket/in/",
        "CSV",
    )
    assert copy.options == {
        "IAM_ROLE": "arn:role",
        "DELIMITER": ";",
        "IGNOREHEADER": 1,
        "EMPTYASNULL": True,
        "GZIP": True,
        "REGION": "eu-west-1",
    }
    unload = commands.parse_unload(
        one(
            "UNLOAD ('SELECT * FROM t WHERE g = ''x''') TO 's3://b/out/' IAM_ROLE DEFAULT "
            "FORMAT PARQUET PARTITION BY (g) INCLUDE PARALLEL OFF ALLOWOVERWRITE"
        )
    )
    assert unload.query == "SELECT * FROM t WHERE g = 'x'"
    assert (unload.format, unload.partition_by, unload.partition_include, unload.parallel) == (
        "PARQUET",
        ["g"],
        True,
        False,
    )
    schema = commands.parse_external_schema(
        one(
            "CREATE EXTERNAL SCHEMA IF NOT EXISTS Spectrum FROM DATA CATALOG DATABASE 'Retail' "
            "IAM_ROLE 'arn:r' CREATE EXTERNAL DATABASE IF NOT EXISTS"
        )
    )
    assert schema == commands.ExternalSchemaCommand("spectrum", "retail", True, None, "arn:r", True)
    with pytest.raises(RedshiftSqlError, match='syntax error at or near "BOGUS"'):
        commands.parse_copy(one("COPY t FROM 's3://b/k' BOGUS"))


def test_fields_are_typed_as_redshift_types_them():
    assert redshift_type("INTEGER").name == "int4"
    assert redshift_type("HUGEINT").name == "int8"
    assert (redshift_type("DECIMAL(10,2)").precision, redshift_type("DECIMAL(10,2)").scale) == (
        10,
        2,
    )
    assert to_field(5, redshift_type("BIGINT")) == {"longValue": 5}
    assert to_field(Decimal("1.50"), redshift_type("DECIMAL(10,2)")) == {"stringValue": "1.50"}
    assert to_field(1.5, redshift_type("DOUBLE")) == {"doubleValue": 1.5}
    assert to_field(True, redshift_type("BOOLEAN")) == {"booleanValue": True}
    assert to_field(None, redshift_type("VARCHAR")) == {"isNull": True}
    stamp = dt.datetime(2024, 1, 2, 3, 4, 5, 500000)
    assert to_field(stamp, redshift_type("TIMESTAMP")) == {"stringValue": "2024-01-02 03:04:05.5"}
    assert to_field(dt.date(2024, 1, 2), redshift_type("DATE")) == {"stringValue": "2024-01-02"}


def test_duckdb_errors_are_worded_as_redshift():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INT)")
    cases = {
        "SELECT * FROM nope": 'ERROR: relation "nope" does not exist',
        "SELECT y FROM t": 'ERROR: column "y" does not exist in t',
        "SELECT 'x'::INT": 'ERROR: invalid input syntax for integer: "x"',
        "CREATE TABLE t (a INT)": 'ERROR: relation "t" already exists',
    }
    for sql, message in cases.items():
        with pytest.raises(duckdb.Error) as excinfo:
            con.execute(sql)
        assert str(from_duckdb_error(excinfo.value, ["t"])) == message
