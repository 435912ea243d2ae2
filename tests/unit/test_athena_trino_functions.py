"""Trino functions and ALTER TABLE statements in the Athena translation (no engine, no AWS)."""

from __future__ import annotations

import pytest

from infra_scripts.localcloud.services.athena.errors import AthenaQueryError
from infra_scripts.localcloud.services.athena.translate import (
    check_functions,
    joda_to_strftime,
    parse_statement,
    statement_kind,
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
