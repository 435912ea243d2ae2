"""Trino's documented examples, run through the local Athena engine (in-process, no AWS).

Each case is an example from Trino's function documentation (trinodb/trino
``docs/src/main/sphinx/functions/<page>.md``) with the result the page gives, written as the
page writes it. Results are compared as Athena writes them in its CSV, after
``_doc_form``: the docs quote strings (``'zbd'``) and write maps as ``{1 -> 2}``, Athena
writes ``zbd`` and ``{1=2}``. Plus: the function data file's "not supported" functions fail
with FUNCTION_NOT_FOUND, and it lists every name check_functions accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest

from infra_scripts.devtools import trino_coverage
from infra_scripts.localcloud.services.athena import translate
from infra_scripts.localcloud.services.athena.errors import AthenaQueryError

# (SQL, result as the documentation gives it, page and function)
DOC_EXAMPLES: list[tuple[str, str, str]] = [
    # string.md
    ("SELECT translate('abcd', '', '')", "'abcd'", "string.md translate"),
    ("SELECT translate('abcd', 'a', 'z')", "'zbcd'", "string.md translate"),
    ("SELECT translate('abcda', 'a', 'z')", "'zbcdz'", "string.md translate"),
    ("SELECT translate('Palhoça', 'ç','c')", "'Palhoca'", "string.md translate"),
    ("SELECT translate('abcd', 'a', '')", "'bcd'", "string.md translate"),
    ("SELECT translate('abcd', 'a', 'zy')", "'zbcd'", "string.md translate"),
    ("SELECT translate('abcd', 'ac', 'z')", "'zbd'", "string.md translate"),
    ("SELECT translate('abcd', 'aac', 'zq')", "'zbd'", "string.md translate"),
    ("SELECT trim('!' FROM '!foo!')", "'foo'", "string.md trim"),
    ("SELECT trim(LEADING FROM '  abcd')", "'abcd'", "string.md trim"),
    ("SELECT trim(BOTH '$' FROM '$var$')", "'var'", "string.md trim"),
    ("SELECT trim(TRAILING 'ER' FROM upper('worker'))", "'WORK'", "string.md trim"),
    ("SELECT overlay('Txxxxas' PLACING 'hom' FROM 2 FOR 4)", "Thomas", "string.md overlay"),
    ("SELECT overlay('abc' PLACING 'XYZ' FROM 3)", "abXYZ", "string.md overlay"),
    # conversion.md
    ("SELECT format('%s%%', 123)", "'123%'", "conversion.md format"),
    ("SELECT format('%.5f', pi())", "'3.14159'", "conversion.md format"),
    ("SELECT format('%03d', 8)", "'008'", "conversion.md format"),
    ("SELECT format('%,.2f', 1234567.89)", "'1,234,567.89'", "conversion.md format"),
    ("SELECT format('%-7s,%7s', 'hello', 'world')", "'hello  ,  world'", "conversion.md format"),
    ("SELECT format('%2$s %3$s %1$s', 'a', 'b', 'c')", "'b c a'", "conversion.md format"),
    ("SELECT typeof(123)", "integer", "conversion.md typeof"),
    ("SELECT typeof('cat')", "varchar(3)", "conversion.md typeof"),
    ("SELECT typeof(cos(2) + 1.5)", "double", "conversion.md typeof"),
    # math.md
    (
        "SELECT cosine_distance(ARRAY[1.0, 2.0], ARRAY[3.0, 4.0])",
        "0.01613008990009257",
        "math.md cosine_distance",
    ),
    # regexp.md
    ("SELECT regexp_count('1a 2b 14m', '\\s*[a-z]+\\s*')", "3", "regexp.md regexp_count"),
    ("SELECT regexp_extract_all('1a 2b 14m', '\\d+')", "[1, 2, 14]", "regexp.md"),
    (
        "SELECT regexp_extract_all('1a 2b 14m', '(\\d+)([a-z]+)', 2)",
        "['a', 'b', 'm']",
        "regexp.md regexp_extract_all",
    ),
    ("SELECT regexp_extract('1a 2b 14m', '\\d+')", "1", "regexp.md regexp_extract"),
    ("SELECT regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)", "'a'", "regexp.md"),
    ("SELECT regexp_like('1a 2b 14m', '\\d+b')", "true", "regexp.md regexp_like"),
    ("SELECT regexp_replace('1a 2b 14m', '\\d+[ab] ')", "'14m'", "regexp.md regexp_replace"),
    (
        "SELECT regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')",
        "'3ca 3cb 14m'",
        "regexp.md regexp_replace",
    ),
    ("SELECT regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*')", "[1, 2, 14, ]", "regexp.md"),
    # datetime.md
    ("SELECT date '2012-08-08' + interval '2' day", "2012-08-10", "datetime.md operators"),
    (
        "SELECT timestamp '2012-08-08 01:00' + interval '29' hour",
        "2012-08-09 06:00:00.000",
        "datetime.md operators",
    ),
    (
        "SELECT timestamp '2012-10-31 01:00' + interval '1' month",
        "2012-11-30 01:00:00.000",
        "datetime.md operators",
    ),
    ("SELECT date '2012-08-08' - interval '2' day", "2012-08-06", "datetime.md operators"),
    ("SELECT from_iso8601_date('2020-05-11')", "2020-05-11", "datetime.md from_iso8601_date"),
    ("SELECT from_iso8601_date('2020-W10')", "2020-03-02", "datetime.md from_iso8601_date"),
    ("SELECT from_iso8601_date('2020-123')", "2020-05-02", "datetime.md from_iso8601_date"),
    (
        "SELECT date_trunc('day' , TIMESTAMP '2022-10-20 05:10:00')",
        "2022-10-20 00:00:00.000",
        "datetime.md date_trunc",
    ),
    (
        "SELECT date_trunc('month' , TIMESTAMP '2022-10-20 05:10:00')",
        "2022-10-01 00:00:00.000",
        "datetime.md date_trunc",
    ),
    (
        "SELECT date_trunc('year', TIMESTAMP '2022-10-20 05:10:00')",
        "2022-01-01 00:00:00.000",
        "datetime.md date_trunc",
    ),
    (
        "SELECT date_add('second', 86, TIMESTAMP '2020-03-01 00:00:00')",
        "2020-03-01 00:01:26.000",
        "datetime.md date_add",
    ),
    (
        "SELECT date_add('hour', 9, TIMESTAMP '2020-03-01 00:00:00')",
        "2020-03-01 09:00:00.000",
        "datetime.md date_add",
    ),
    (
        "SELECT date_add('day', -1, TIMESTAMP '2020-03-01 00:00:00 UTC')",
        "2020-02-29 00:00:00.000 UTC",
        "datetime.md date_add",
    ),
    (
        "SELECT date_diff('second', TIMESTAMP '2020-03-01 00:00:00', "
        "TIMESTAMP '2020-03-02 00:00:00')",
        "86400",
        "datetime.md date_diff",
    ),
    (
        "SELECT date_diff('hour', TIMESTAMP '2020-03-01 00:00:00 UTC', "
        "TIMESTAMP '2020-03-02 00:00:00 UTC')",
        "24",
        "datetime.md date_diff",
    ),
    ("SELECT date_diff('day', DATE '2020-03-01', DATE '2020-03-02')", "1", "datetime.md"),
    (
        "SELECT date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')",
        "10-20-2022 05",
        "datetime.md date_format",
    ),
    (
        "SELECT date_parse('2022/10/20/05', '%Y/%m/%d/%H')",
        "2022-10-20 05:00:00.000",
        "datetime.md date_parse",
    ),
    (
        "SELECT extract(YEAR FROM TIMESTAMP '2022-10-20 05:10:00')",
        "2022",
        "datetime.md extract",
    ),
    # array.md
    ("SELECT ARRAY[1, 2, 4]", "[1, 2, 4]", "array.md"),
    ("SELECT ARRAY['foo', 'bar', 'bazz']", "[foo, bar, bazz]", "array.md"),
    ("SELECT ARRAY[1, 2, NULL, -4, NULL]", "[1, 2, NULL, -4, NULL]", "array.md"),
    ("SELECT ARRAY[1] || ARRAY[2]", "[1, 2]", "array.md concatenation"),
    ("SELECT ARRAY[1] || 2", "[1, 2]", "array.md concatenation"),
    ("SELECT 2 || ARRAY[1]", "[2, 1]", "array.md concatenation"),
    (
        "SELECT array_sort(ARRAY[3, 2, 5, 1, 2], (x, y) -> IF(x < y, 1, IF(x = y, 0, -1)))",
        "[5, 3, 2, 2, 1]",
        "array.md array_sort",
    ),
    ("SELECT filter(ARRAY[5, -6, NULL, 7], x -> x > 0)", "[5, 7]", "array.md filter"),
    ("SELECT filter(ARRAY[5, NULL, 7, NULL], x -> x IS NOT NULL)", "[5, 7]", "array.md filter"),
    ("SELECT reduce(ARRAY[5, 20, 50], 0, (s, x) -> s + x, s -> s)", "75", "array.md reduce"),
    (
        "SELECT reduce(ARRAY[5, 20, NULL, 50], 0, (s, x) -> s + x, s -> s)",
        "NULL",
        "array.md reduce",
    ),
    (
        "SELECT reduce(ARRAY[5, 20, NULL, 50], 0, (s, x) -> s + coalesce(x, 0), s -> s)",
        "75",
        "array.md reduce",
    ),
    (
        "SELECT reduce(ARRAY[5, 20, NULL, 50], 0, (s, x) -> IF(x IS NULL, s, s + x), s -> s)",
        "75",
        "array.md reduce",
    ),
    (
        "SELECT reduce(ARRAY[2147483647, 1], BIGINT '0', (s, x) -> s + x, s -> s)",
        "2147483648",
        "array.md reduce",
    ),
    ("SELECT trim_array(ARRAY[1, 2, 3, 4], 1)", "[1, 2, 3]", "array.md trim_array"),
    ("SELECT trim_array(ARRAY[1, 2, 3, 4], 2)", "[1, 2]", "array.md trim_array"),
    ("SELECT transform(ARRAY[5, 6], x -> x + 1)", "[6, 7]", "array.md transform"),
    (
        "SELECT transform(ARRAY[5, NULL, 6], x -> coalesce(x, 0) + 1)",
        "[6, 1, 7]",
        "array.md transform",
    ),
    (
        "SELECT transform(ARRAY['x', 'abc', 'z'], x -> x || '0')",
        "['x0', 'abc0', 'z0']",
        "array.md transform",
    ),
    (
        "SELECT transform(ARRAY[ARRAY[1, NULL, 2], ARRAY[3, NULL]],"
        " a -> filter(a, x -> x IS NOT NULL))",
        "[[1, 2], [3]]",
        "array.md transform",
    ),
    (
        "SELECT euclidean_distance(ARRAY[1.0, 2.0], ARRAY[3.0, 4.0])",
        "2.8284271247461903",
        "array.md euclidean_distance",
    ),
    # map.md
    (
        "SELECT MAP(ARRAY['key1', 'key2', 'key3' ], ARRAY[2373, 3463, 45837])",
        "{key1=2373, key2=3463, key3=45837}",
        "map.md",
    ),
    (
        "SELECT MAP(ARRAY['key1', 'key2', 'key3' ], ARRAY['v1', NULL, 'v3'])",
        "{key1=v1, key2=NULL, key3=v3}",
        "map.md",
    ),
    (
        "SELECT MAP(ARRAY['key1', 'key2', 'key3' ], ARRAY['v1', 'v2', 'v3'])['key2']",
        "v2",
        "map.md subscript",
    ),
    ("SELECT map(ARRAY[1,3], ARRAY[2,4])", "{1 -> 2, 3 -> 4}", "map.md map"),
    ("SELECT map_from_entries(ARRAY[(1, 'x'), (2, 'y')])", "{1 -> 'x', 2 -> 'y'}", "map.md"),
    # json.md
    ("SELECT json_array_length('[1, 2, 3]')", "3", "json.md json_array_length"),
    ("SELECT json_format(JSON '[1, 2, 3]')", "'[1,2,3]'", "json.md json_format"),
    ("SELECT json_format(JSON '\"a\"')", "'\"a\"'", "json.md json_format"),
    ('SELECT json_format(JSON \'{"a": 1, "b": 2}\')', '\'{"a":1,"b":2}\'', "json.md"),
    ("SELECT json_format(JSON '42')", "'42'", "json.md json_format"),
    ("SELECT json_format(JSON 'true')", "'true'", "json.md json_format"),
    ("SELECT json_parse('[1, 2, 3]')", "JSON '[1,2,3]'", "json.md json_parse"),
    ("SELECT json_parse('\"abc\"')", "JSON '\"abc\"'", "json.md json_parse"),
    ("SELECT json_parse('42')", "JSON '42'", "json.md json_parse"),
    ("SELECT CAST(1 AS JSON)", "JSON '1'", "json.md cast to JSON"),
    ("SELECT CAST(ARRAY[1, 23, 456] AS JSON)", "JSON '[1,23,456]'", "json.md cast to JSON"),
    ("SELECT CAST(JSON '1' AS INTEGER)", "1", "json.md cast from JSON"),
    ("SELECT CAST(JSON '\"abc\"' AS VARCHAR)", "abc", "json.md cast from JSON"),
    ("SELECT CAST(JSON '[1,23,456]' AS ARRAY(INTEGER))", "[1, 23, 456]", "json.md"),
    ("SELECT json_object('x' : null, 'y' : 1)", '\'{"x":null,"y":1}\'', "json.md json_object"),
    ("SELECT json_object()", "'{}'", "json.md json_object"),
    # conditional.md, aggregate.md
    (
        "SELECT COALESCE(TRY(total_cost / packages), 0) FROM (VALUES (155, 0)) "
        "AS shipping(total_cost, packages)",
        "0",
        "conditional.md try",
    ),
    (
        "SELECT TRY(CAST(origin_zip AS BIGINT)) FROM (VALUES 'P332a') AS shipping(origin_zip)",
        "NULL",
        "conditional.md try",
    ),
    (
        "SELECT listagg(value, ',') WITHIN GROUP (ORDER BY value) csv_value "
        "FROM (VALUES 'a', 'c', 'b') t(value)",
        "'a,b,c'",
        "aggregate.md listagg",
    ),
    (
        "SELECT listagg(value, ',') WITHIN GROUP (ORDER BY o) csv_value FROM (VALUES "
        "(100, 1, 'a'), (200, 3, 'c'), (200, 2, 'b')) t(id, o, value) WHERE id = 200",
        "b,c",
        "aggregate.md listagg",
    ),
    # bitwise.md (the results are in the prose)
    ("SELECT bitwise_and(19,25)", "17", "bitwise.md bitwise_and"),
    ("SELECT bitwise_or(19,25)", "27", "bitwise.md bitwise_or"),
    ("SELECT bitwise_xor(19,25)", "10", "bitwise.md bitwise_xor"),
]

# Examples the local engine gets wrong, known: (SQL → why). They must keep failing (strict).
KNOWN_DIFFERENCES = {
    "SELECT regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*')": (
        "the results file writes an empty array element as ''"
    ),
    "SELECT from_iso8601_date('2020-W10')": "DuckDB reads calendar dates only",
    "SELECT from_iso8601_date('2020-123')": "DuckDB reads calendar dates only",
}
# Examples the local engine refuses (NOT_SUPPORTED) rather than answer differently.
REFUSED = {
    "SELECT array_sort(ARRAY[3, 2, 5, 1, 2], (x, y) -> IF(x < y, 1, IF(x = y, 0, -1)))",
}


def _nulls(value: str) -> str:
    return re.sub(r"\bnull\b", "NULL", value)


def _doc_form(value: str) -> str:
    """A documented result as Athena writes it: no JSON '…' / '…' quoting, maps a=b."""
    value = value.strip()
    if value.startswith("JSON '") and value.endswith("'"):
        value = value[6:-1]
    elif len(value) >= 2 and value[0] == value[-1] == "'":
        value = value[1:-1]
    if value[:1] in "[{":
        value = value.replace(" -> ", "=")
        value = re.sub(r"'([^']*)'", r"\1", value)
    return _nulls(value)


def _functions() -> dict[str, dict[str, str]]:
    data = json.loads(translate.FUNCTIONS_FILE.read_text(encoding="utf-8"))
    return {entry["name"]: entry for entry in data["functions"]}


@pytest.fixture(scope="module")
def run() -> Iterator[Callable[[str], tuple[bool, str]]]:
    with trino_coverage.engine_runner() as runner:
        yield runner


def _case(sql: str, documented: str, ref: str) -> object:
    reason = KNOWN_DIFFERENCES.get(sql)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(sql, documented, id=f"{ref}: {sql[7:60]}", marks=marks)


def test_there_are_enough_documented_examples() -> None:
    assert len(DOC_EXAMPLES) >= 60
    pages = {ref.split()[0] for _, _, ref in DOC_EXAMPLES}
    assert {"string.md", "math.md", "datetime.md", "array.md", "map.md", "json.md"} <= pages
    assert {"regexp.md", "conditional.md", "aggregate.md"} <= pages


@pytest.mark.parametrize("sql, documented", [_case(*case) for case in DOC_EXAMPLES])
def test_documented_example(
    run: Callable[[str], tuple[bool, str]], sql: str, documented: str
) -> None:
    ok, text = run(sql)
    if sql in REFUSED:
        assert not ok and text.startswith("NOT_SUPPORTED"), text
        return
    assert ok, text
    assert _nulls(text) == _doc_form(documented)


def test_examples_use_supported_functions() -> None:
    functions = _functions()
    called = {
        name.lower()
        for sql, _, _ in DOC_EXAMPLES
        for name in re.findall(r"\b([a-z_0-9]+)\s*\(", sql.lower())
    }
    documented_called = called & set(functions)
    assert documented_called, called
    unsupported = sorted(n for n in documented_called if functions[n]["status"] == "not supported")
    assert not unsupported


def test_data_file_lists_every_accepted_name() -> None:
    functions = _functions()
    allowed = {n for n, e in functions.items() if e["status"] != "not supported"}
    assert allowed == translate.TRINO_FUNCTIONS
    assert {e["status"] for e in functions.values()} <= {"supported", "translated", "not supported"}
    assert all(e["topic"] and e["how"] for e in functions.values())
    documented = {name for _, name in trino_coverage.documented()}
    assert set(functions) == documented


def _not_supported() -> list[str]:
    return sorted(n for n, e in _functions().items() if e["status"] == "not supported")


@pytest.mark.parametrize("name", _not_supported())
def test_not_supported_functions_are_not_found(name: str) -> None:
    """A call (the coverage probe) fails FUNCTION_NOT_FOUND, naming a "not supported"
    function (the probe may call another one first); or sqlglot cannot parse it at all."""
    sql, _ = trino_coverage._probe_sql(name)
    with pytest.raises(AthenaQueryError) as raised:
        translate.check_functions(translate.parse_statement(sql), sql)
    if raised.value.code == "SYNTAX_ERROR":
        assert _functions()[name]["how"].startswith("fails: SYNTAX_ERROR")
        return
    assert raised.value.code == "FUNCTION_NOT_FOUND", raised.value.reason
    named = re.search(r"Function '(\w+)' not registered", raised.value.reason)
    assert named and named.group(1) in set(_not_supported()), raised.value.reason
