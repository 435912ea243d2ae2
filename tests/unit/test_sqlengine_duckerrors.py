"""DuckDB's error messages, recognised once (sqlengine) and worded by each engine."""

from __future__ import annotations

import base64

import duckdb
import pytest

from infra_scripts.localcloud.services.athena import errors as athena_errors
from infra_scripts.localcloud.services.redshift_data.errors import from_duckdb_error
from infra_scripts.localcloud.sqlengine import duckerrors
from infra_scripts.localcloud.sqlengine.paging import decode_page_token, encode_page_token


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INT, b VARCHAR)")
    return con


def failure(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Error:
    with pytest.raises(duckdb.Error) as caught:
        con.execute(sql)
    return caught.value


def test_the_message_loses_its_error_class_and_statement_line(con) -> None:
    exc = failure(con, "SELECT zz FROM t")
    assert str(exc).startswith("Binder Error: ") and "\nLINE 1:" in str(exc)
    message = duckerrors.error_message(exc)
    assert message.startswith('Referenced column "zz" not found')
    assert "LINE 1" not in message


# (SQL, what Athena says, what Redshift says): both read the same DuckDB message
CASES = [
    (
        "SELECT zz FROM t",
        "COLUMN_NOT_FOUND: line 1:8: Column 'zz' cannot be resolved",
        'ERROR: column "zz" does not exist in t',
    ),
    (
        "SELECT t.zz FROM t",
        "COLUMN_NOT_FOUND: line 1:10: Column 'zz' cannot be resolved",
        'ERROR: column "zz" does not exist in t',
    ),
    (
        "SELECT v.zz FROM (VALUES (1)) AS v(x)",
        "COLUMN_NOT_FOUND: line 1:10: Column 'zz' cannot be resolved",
        'ERROR: column "zz" does not exist in v',
    ),
    (
        "SELECT nosuchfn(a) FROM t",
        "FUNCTION_NOT_FOUND: line 1:8: Function 'nosuchfn' not registered",
        "ERROR: function nosuchfn does not exist",
    ),
    (
        "SELECT CAST('x' AS INT)",
        "INVALID_CAST_ARGUMENT: Cannot cast 'x' to INTEGER",
        'ERROR: invalid input syntax for integer: "x"',
    ),
    (
        "SELECT CAST('it''s' AS INT)",
        "INVALID_CAST_ARGUMENT: Cannot cast 'it's' to INTEGER",
        'ERROR: invalid input syntax for integer: "it\'s"',
    ),
    (
        "SELECT CAST(b AS INT) FROM (SELECT 'x' AS b)",
        "TYPE_MISMATCH: line 1:13: Cannot apply operator: column 'b' is varchar",
        'ERROR: invalid input syntax for integer: "x"',
    ),
    (
        "SELECT a, count(*) FROM t GROUP BY b",
        "MISSING_GROUP_BY: line 1:8: 'a' must be an aggregate expression",
        'ERROR: column "a" must appear in the GROUP BY clause or be used in an aggregate function',
    ),
    (
        "SELECT 1 // 0",
        "DIVISION_BY_ZERO: Division by zero",
        "ERROR: division by zero",
    ),
]


@pytest.mark.parametrize(("sql", "athena", "redshift"), CASES)
def test_both_engines_recognise_the_same_failures(con, sql, athena, redshift) -> None:
    exc = failure(con, sql)
    assert athena_errors.from_duckdb(exc, sql).reason.startswith(athena)
    assert str(from_duckdb_error(exc, ["t"])) == redshift


def test_sandbox_refusals_are_permission_errors() -> None:
    con = duckdb.connect()
    con.execute("SET enable_external_access = false")
    exc = failure(con, "SELECT * FROM read_csv('/etc/passwd')")
    assert duckerrors.is_permission_error(exc)
    assert athena_errors.from_duckdb(exc, "").reason.startswith("PERMISSION_DENIED")
    assert str(from_duckdb_error(exc)).startswith("ERROR: permission denied")


def test_page_tokens_round_trip_in_their_scope() -> None:
    assert decode_page_token(encode_page_token(100)) == 100  # Redshift: any page of a list
    token = encode_page_token(1000, scope="exec-1")  # Athena: one query's results
    assert decode_page_token(token, scope="exec-1") == 1000
    assert decode_page_token(token) is None
    assert decode_page_token(encode_page_token(5), scope="exec-1") is None


@pytest.mark.parametrize("text", ["not a token", "", "////"])
def test_page_tokens_that_are_not_base64_are_invalid(text) -> None:
    assert decode_page_token(text) is None


@pytest.mark.parametrize("payload", [":-1", ":x", "5", ":1.5", ":²", "exec-1:"])
def test_page_tokens_with_no_offset_are_invalid(payload) -> None:
    token = base64.urlsafe_b64encode(payload.encode()).decode()
    assert decode_page_token(token) is None
    assert decode_page_token(token, scope="exec-1") is None
