"""Pure tests of the Athena engine's pieces: statement kinds, Trino rewrites, result files."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pytest
import sqlglot

from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.errors import AthenaQueryError
from infra_scripts.localcloud.services.athena.glue import (
    decode_view,
    encode_presto_view,
    trino_type_of_hive,
)
from infra_scripts.localcloud.services.athena.resources import (
    apply_configuration_updates,
    resolve_output_location,
)
from infra_scripts.localcloud.services.athena.results import (
    ResultColumn,
    athena_type,
    metadata_protobuf,
)
from infra_scripts.localcloud.services.athena.translate import (
    apply_decimal_semantics,
    bind_parameters,
    default_decimal_precision,
    name_unnamed_outputs,
    parse_statement,
    statement_kind,
    to_duckdb,
)
from infra_scripts.localcloud.services.athena.writer import (
    hive_escape,
    parse_with_clause,
    write_options,
)
from infra_scripts.localcloud.sqlengine.paging import decode_page_token, encode_page_token


@pytest.mark.parametrize(
    ("sql", "name", "statement_type"),
    [
        ("SELECT 1", "select", "DML"),
        ("  -- comment\n with x as (select 1) select * from x;", "select", "DML"),
        ("(SELECT 1) UNION (SELECT 2)", "select", "DML"),
        ("CREATE TABLE t WITH (format='PARQUET') AS SELECT 1 AS a", "ctas", "DDL"),
        ("CREATE TABLE t AS (SELECT 1 AS a)", "ctas", "DDL"),
        ("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/as select/'", "create_table", "DDL"),
        ("create database if not exists d", "create_database", "DDL"),
        ("DROP SCHEMA d CASCADE", "drop_database", "DDL"),
        ("CREATE OR REPLACE VIEW v AS SELECT 1 AS a", "create_view", "DDL"),
        ("DROP VIEW v", "drop_view", "DDL"),
        ("DROP TABLE IF EXISTS `t`", "drop_table", "DDL"),
        ("MSCK REPAIR TABLE `t`;", "msck", "DDL"),
        ("ALTER TABLE t ADD PARTITION (g='a')", "add_partition", "DDL"),
        ("ALTER TABLE t DROP IF EXISTS PARTITION (g='a')", "drop_partition", "DDL"),
        ("SHOW PARTITIONS t", "show_partitions", "UTILITY"),
        ("SHOW TABLES IN db", "show_tables", "UTILITY"),
        ("SHOW DATABASES", "show_databases", "UTILITY"),
        ("SHOW COLUMNS IN t", "show_columns", "UTILITY"),
        ("SHOW CREATE TABLE t", "show_create_table", "UTILITY"),
        ("DESCRIBE t", "describe", "UTILITY"),
        ("UNLOAD (SELECT 1) TO 's3://b/p/' WITH (format='PARQUET')", "unload", "DML"),
        ("INSERT INTO t SELECT 1", "insert", "DML"),
        ("SELEC 1", "unknown", "DML"),
    ],
)
def test_statement_kind(sql: str, name: str, statement_type: str) -> None:
    kind = statement_kind(sql)
    assert (kind.name, kind.statement_type) == (name, statement_type)


def test_syntax_errors_carry_athena_positions() -> None:
    with pytest.raises(AthenaQueryError) as caught:
        parse_statement("SELECT a,\n  b FROM t WHERE")
    assert caught.value.reason.startswith("SYNTAX_ERROR: line 2:")
    with pytest.raises(AthenaQueryError, match="Only one sql statement is allowed"):
        parse_statement("SELECT 1; SELECT 2")
    with pytest.raises(AthenaQueryError, match="SYNTAX_ERROR: line 1:8"):
        parse_statement("SELECT FROM t")


def test_bind_parameters_in_order() -> None:
    statement = bind_parameters(
        parse_statement("SELECT * FROM t WHERE a = ? AND b > ?"), ["'x'", "3"]
    )
    assert to_duckdb(statement) == "SELECT * FROM t WHERE a = 'x' AND b > 3"
    with pytest.raises(AthenaQueryError, match="expected 2 but found 1"):
        bind_parameters(parse_statement("SELECT ?, ?"), ["1"])


def test_unnamed_outputs_are_named_like_trino() -> None:
    statement = parse_statement("SELECT a, count(*), t.b, 1 + 1 AS two, upper(c) FROM t")
    assert name_unnamed_outputs(statement) == [1, 4]
    names = [e.alias_or_name for e in statement.expressions]
    assert names == ["a", "_col1", "b", "two", "_col4"]


def test_decimal_without_precision_is_38_0() -> None:
    statement = parse_statement("SELECT CAST(x AS DECIMAL), CAST(y AS DECIMAL(10, 2)) FROM t")
    default_decimal_precision(statement)
    assert "DECIMAL(38, 0)" in to_duckdb(statement)
    assert "DECIMAL(10, 2)" in to_duckdb(statement)


def _run_trino(sql: str, schema: dict[str, dict[str, str]], con: duckdb.DuckDBPyConnection) -> list:
    statement = parse_statement(sql)
    default_decimal_precision(statement)
    return con.execute(to_duckdb(apply_decimal_semantics(statement, schema))).fetchall()


def test_decimal_division_and_avg_stay_decimal_with_trino_rounding() -> None:
    con = duckdb.connect(config={"integer_division": True})
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES (1.00::DECIMAL(10,2), 1), (2.01, 2), "
        "(2.00, 3)) v(price, quantity)"
    )
    schema = {"t": {"price": "decimal(10,2)", "quantity": "integer"}}
    row = _run_trino(
        "SELECT sum(price * quantity) / sum(quantity), avg(price), price / 3, quantity / 2 "
        "FROM t GROUP BY price, quantity ORDER BY price",
        schema,
        con,
    )
    prices = [(Decimal("1.00"), 1), (Decimal("2.00"), 3), (Decimal("2.01"), 2)]
    cent = Decimal("0.01")
    expected = [
        (
            (p * q / q).quantize(cent, ROUND_HALF_UP),
            p,
            (p / 3).quantize(cent, ROUND_HALF_UP),
            int(q / 2),
        )
        for p, q in prices
    ]
    assert row == expected
    windowed = _run_trino(
        "SELECT avg(sum(price)) OVER (ORDER BY quantity ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) "
        "FROM t GROUP BY quantity ORDER BY quantity",
        schema,
        con,
    )
    assert windowed == [(Decimal("1.00"),), (Decimal("1.51"),), (Decimal("2.01"),)]  # half up
    whole = _run_trino("SELECT sum(price * quantity) / sum(quantity), 7 / 2 FROM t", schema, con)
    total = Decimal("1.00") + Decimal("4.02") + Decimal("6.00")
    assert whole == [((total / 6).quantize(cent, ROUND_HALF_UP), 3)]


def test_metadata_is_athena_protobuf() -> None:
    # The .csv.metadata of a real Athena query (query id, one ColumnInfo "ary" of type array).
    real = bytes.fromhex(
        "0a1b32303139303432335f3132353132385f30303030315f65687475722219"
        "0a046869766522036172792a03617279320561727261794803"
    )
    assert metadata_protobuf("20190423_125128_00001_ehtur", [ResultColumn("ary", "array")]) == real


def test_next_token_round_trip() -> None:
    token = encode_page_token(1000, scope="exec-1")
    assert decode_page_token(token, scope="exec-1") == 1000
    assert decode_page_token(token, scope="exec-2") is None
    assert decode_page_token("not a token", scope="exec-1") is None


def test_athena_type_names() -> None:
    con = duckdb.connect()
    relation = con.sql(
        "SELECT 1::INT, 1::BIGINT, 1::HUGEINT, 1.5::DOUBLE, 1.5::DECIMAL(12,3), 'a', "
        "DATE '2024-01-01', "
        "TIMESTAMP '2024-01-01 00:00:00', true, [1], {'a': 1}"
    )
    assert [athena_type(t) for t in relation.types] == [
        ("integer", 10, 0),
        ("bigint", 19, 0),
        ("bigint", 19, 0),
        ("double", 17, 0),
        ("decimal", 12, 3),
        ("varchar", 2147483647, 0),
        ("date", 0, 0),
        ("timestamp", 3, 0),
        ("boolean", 0, 0),
        ("array", 0, 0),
        ("row", 0, 0),
    ]


def test_presto_view_round_trip() -> None:
    text = encode_presto_view("SELECT a FROM t", "db", [("a", "integer")], "owner")
    assert text.startswith("/* Presto View: ") and text.endswith(" */")
    assert decode_view(text, "other") == ("SELECT a FROM t", "db")
    assert decode_view("SELECT 1", "db") == ("SELECT 1", "db")
    assert trino_type_of_hive("struct<a:int,b:array<string>>") == "row(a integer, b array(varchar))"


def test_write_options_from_with_properties() -> None:
    options = write_options(
        parse_with_clause("format = 'PARQUET', compression = 'GZIP', partitioned_by = ARRAY['g']"),
        default_format="TEXTFILE",
        compression_key="compression",
    )
    assert (options.format, options.compression, options.partitioned_by) == (
        "parquet",
        "gzip",
        ["g"],
    )
    unload_default = write_options({}, default_format="TEXTFILE", compression_key="compression")
    assert (unload_default.format, unload_default.compression) == ("textfile", "gzip")
    with pytest.raises(AthenaQueryError, match="ORC"):
        write_options(
            {"format": "ORC"}, default_format="PARQUET", compression_key="write_compression"
        )
    assert hive_escape("Science Fiction/a=b") == "Science Fiction%2Fa%3Db"


def test_output_location_rules() -> None:
    enforced = {
        "EnforceWorkGroupConfiguration": True,
        "ResultConfiguration": {"OutputLocation": "s3://wg/"},
    }
    assert resolve_output_location(enforced, {"OutputLocation": "s3://client/"}) == "s3://wg/"
    relaxed = {**enforced, "EnforceWorkGroupConfiguration": False}
    assert resolve_output_location(relaxed, {"OutputLocation": "s3://client/"}) == "s3://client/"
    assert resolve_output_location(relaxed, None) == "s3://wg/"
    assert resolve_output_location({"ResultConfiguration": {}}, {}) is None


def test_work_group_configuration_updates() -> None:
    configuration = {
        "ResultConfiguration": {"OutputLocation": "s3://a/", "ExpectedBucketOwner": "1"},
        "BytesScannedCutoffPerQuery": 10_000_000,
        "EnforceWorkGroupConfiguration": False,
    }
    apply_configuration_updates(
        configuration,
        {
            "EnforceWorkGroupConfiguration": True,
            "ResultConfigurationUpdates": {
                "OutputLocation": "s3://b/",
                "RemoveExpectedBucketOwner": True,
            },
            "RemoveBytesScannedCutoffPerQuery": True,
        },
    )
    assert configuration == {
        "ResultConfiguration": {"OutputLocation": "s3://b/"},
        "EnforceWorkGroupConfiguration": True,
    }


def test_duckdb_errors_become_athena_errors() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE sales AS SELECT 'a' AS title, 1 AS quantity")

    def failure(sql: str) -> str:
        with pytest.raises(duckdb.Error) as caught:
            con.execute(sql)
        return errors.from_duckdb(caught.value, sql).reason

    assert failure("SELECT titel FROM sales").startswith(
        "COLUMN_NOT_FOUND: line 1:8: Column 'titel' cannot be resolved"
    )
    assert failure("SELECT title + 1 FROM sales") == (
        "TYPE_MISMATCH: line 1:14: Cannot apply operator: varchar + integer"
    )
    assert failure("SELECT nosuchfn(title) FROM sales") == (
        "FUNCTION_NOT_FOUND: line 1:8: Function 'nosuchfn' not registered"
    )
    assert failure("SELECT title, count(*) FROM sales").startswith("MISSING_GROUP_BY")


def test_sqlglot_still_drops_what_the_engine_handles() -> None:
    """The reasons for explicit handling (a sqlglot upgrade that fixes them shows up here)."""
    ctas = "CREATE TABLE x WITH (external_location='s3://b/p', format='PARQUET') AS SELECT 1 AS a"
    assert "s3://b/p" not in sqlglot.transpile(ctas, read="athena", write="duckdb")[0]
    assert isinstance(sqlglot.parse_one("MSCK REPAIR TABLE t", read="athena"), sqlglot.exp.Command)
