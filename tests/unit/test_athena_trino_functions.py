"""Trino functions and ALTER TABLE statements in the Athena translation (no engine, no AWS)."""

from __future__ import annotations

import pytest

from infra_scripts.localcloud.services.athena.errors import AthenaQueryError
from infra_scripts.localcloud.services.athena.translate import (
    TRINO_FUNCTIONS,
    apply_trino_functions,
    check_functions,
    java_format_to_fmt,
    java_replacement_to_re2,
    joda_to_strftime,
    parse_statement,
    statement_kind,
    to_duckdb,
)


@pytest.mark.parametrize(
    "joda, strftime",
    [
        ("yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S"),
        ("yyyy-MM-dd HH:mm:ss.SSS", "%Y-%m-%d %H:%M:%S.%g"),
        ("EEEE, MMMM d, yyyy h:mm a", "%A, %B %-d, %Y %-I:%M %p"),
        ("yy/M/d", "%y/%-m/%-d"),
        ("'week' ww, D", "week %V, %-j"),
        ("HH'h' 100%", "%Hh 100%%"),
        ("''yyyy''", "'%Y'"),
    ],
)
def test_joda_patterns_become_strftime_formats(joda: str, strftime: str) -> None:
    assert joda_to_strftime(joda) == strftime


def test_an_unknown_joda_letter_fails() -> None:
    with pytest.raises(AthenaQueryError) as raised:
        joda_to_strftime("yyyy G")
    assert raised.value.code == "INVALID_FUNCTION_ARGUMENT"


@pytest.mark.parametrize(
    "sql, name, substatement",
    [
        (
            "ALTER TABLE `db`.`t` SET TBLPROPERTIES ('classification' = 'parquet')",
            "set_tblproperties",
            "ALTER_TABLE_SET_TBLPROPERTIES",
        ),
        ("ALTER TABLE t ADD COLUMNS (b string)", "add_columns", "ALTER_TABLE_ADD_COLUMNS"),
        ("ALTER TABLE t ADD PARTITION (p = '1')", "add_partition", "ALTER_TABLE_ADD_PARTITION"),
        ("ALTER TABLE t SET LOCATION 's3://b/x/'", "set_location", "ALTER_TABLE_SET_LOCATION"),
        ("ALTER TABLE t RENAME TO u", "rename_table", "ALTER_TABLE_RENAME"),
        ("SHOW TBLPROPERTIES t", "show_tblproperties", "SHOW_TBLPROPERTIES"),
    ],
)
def test_alter_table_statement_kinds(sql: str, name: str, substatement: str) -> None:
    kind = statement_kind(sql)
    assert (kind.name, kind.substatement_type) == (name, substatement)


def test_functions_trino_lacks_are_not_found() -> None:
    sql = "SELECT a, list_value(1) FROM t"
    with pytest.raises(AthenaQueryError) as raised:
        check_functions(parse_statement(sql), sql)
    assert (
        raised.value.reason == "FUNCTION_NOT_FOUND: line 1:11: Function 'list_value' not registered"
    )


def test_trino_functions_and_table_functions_pass() -> None:
    sql = (
        "SELECT format_datetime(x, 'yyyy'), typeof(x), date_add('day', 1, x) FROM range(3) AS r(x)"
    )
    check_functions(parse_statement(sql), sql)


def _duckdb(sql: str) -> str:
    return to_duckdb(apply_trino_functions(parse_statement(sql), {}))


@pytest.mark.parametrize(
    "java, fmt",
    [
        ("%s%%", "{0}%"),
        ("%.5f", "{0:.5f}"),
        ("%03d", "{0:03d}"),
        ("%,.2f", "{0:,.2f}"),
        ("%-7s,%7s", "{0:<7},{1:>7}"),
        ("%2$s %3$s %1$s", "{1} {2} {0}"),
        ("{%s} %x", "{{{0}}} {1:x}"),
    ],
)
def test_java_format_patterns_become_fmt_patterns(java: str, fmt: str) -> None:
    assert java_format_to_fmt(java) == fmt


def test_a_date_format_specifier_is_not_supported() -> None:
    with pytest.raises(AthenaQueryError) as raised:
        java_format_to_fmt("%1$tA")
    assert raised.value.code == "NOT_SUPPORTED"


@pytest.mark.parametrize(
    "java, re2", [("3c$2 ", "3c\\2 "), ("\\$1 $10", "$1 \\10"), ("a\\\\b", "a\\\\b")]
)
def test_java_replacements_become_re2_replacements(java: str, re2: str) -> None:
    assert java_replacement_to_re2(java) == re2


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT strpos('abcb', 'b', 2)",
        "SELECT split('a,b,c', ',', 2)",
        "SELECT reduce(ARRAY[1], 0, (s, x) -> s + x, s -> s * 2)",
        "SELECT array_sort(ARRAY[1, 2], (x, y) -> 0)",
        "SELECT regexp_replace('a', '(a)', '${name}')",
        "SELECT json_value('{}', 'strict $.a')",
    ],
)
def test_arguments_duckdb_would_ignore_are_refused(sql: str) -> None:
    with pytest.raises(AthenaQueryError) as raised:
        _duckdb(sql)
    assert raised.value.code == "NOT_SUPPORTED"


@pytest.mark.parametrize(
    "sql, duckdb",
    [
        ("SELECT every(b) FROM t", "BOOL_AND(b)"),
        ("SELECT slice(a, 2, 3) FROM t", "LIST_SLICE(a, 2, 2 + 3 - 1)"),
        ("SELECT repeat('ab', 2)", "REPEAT(['ab'], 2)"),
        ("SELECT ARRAY[1] || 2", "LIST_APPEND([1], 2)"),
        ("SELECT DATE '2012-08-08' + INTERVAL '2' DAY", "AS DATE)"),
        ("SELECT CAST(json_parse(j) AS varchar) FROM t", "JSON_EXTRACT_STRING(JSON(j), '$')"),
    ],
)
def test_trino_calls_are_rewritten_for_duckdb(sql: str, duckdb: str) -> None:
    assert duckdb in _duckdb(sql)


@pytest.mark.parametrize(
    "sql, name",
    [
        ("SELECT sha512(to_utf8('a'))", "sha512"),  # sqlglot would write sha256
        ("SELECT array_distinct(ARRAY[2, 1, 2])", "array_distinct"),  # DuckDB's reorders
        ("SELECT url_decode('a+b')", "url_decode"),  # DuckDB's keeps the +
        ("SELECT current_schema", "current_schema"),  # DuckDB's says main
        ("-- c\nSELECT\n  sha512(x) FROM t", "sha512"),
    ],
)
def test_functions_duckdb_has_with_other_semantics_are_not_found(sql: str, name: str) -> None:
    assert name not in TRINO_FUNCTIONS
    with pytest.raises(AthenaQueryError) as raised:
        check_functions(parse_statement(sql), sql)
    assert raised.value.code == "FUNCTION_NOT_FOUND"
    assert f"Function '{name}' not registered" in raised.value.reason


def test_a_position_comes_from_the_written_call() -> None:
    sql = "-- c\nSELECT\n  sha512(x) FROM t"
    with pytest.raises(AthenaQueryError) as raised:
        check_functions(parse_statement(sql), sql)
    assert raised.value.reason.startswith("FUNCTION_NOT_FOUND: line 3:3: ")


def test_a_column_named_like_a_function_still_resolves() -> None:
    sql = 'SELECT "current_schema", sha256(x) FROM t'
    check_functions(parse_statement(sql), sql)
