"""Trino (Athena engine 3) SQL → DuckDB SQL, with what sqlglot drops or gets wrong.

sqlglot (``read="athena"``) transpiles queries well; this module adds:

- the statement's kind, StatementType and SubstatementType (from its leading keywords, so
  statements sqlglot cannot parse — MSCK, SHOW …, UNLOAD — are recognised too);
- Athena's syntax errors (``SYNTAX_ERROR: line 1:8: …``) and its single-statement rule;
- ExecutionParameters bound to the ``?`` placeholders;
- Trino semantics DuckDB lacks: ``DECIMAL`` without precision is ``decimal(38,0)``, DECIMAL
  division and ``avg`` of a DECIMAL stay DECIMAL (precision/scale as Trino derives them),
  unnamed output columns are ``_col0``, ``_col1``… Integer division truncates because the
  engine's DuckDB connections run with ``integer_division`` on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from infra_scripts.localcloud.services.athena.errors import (
    AthenaQueryError,
    name_offset,
    syntax_error,
)
from infra_scripts.localcloud.sqlengine.typedcopy import typed_copy

READ_DIALECT = "athena"
WRITE_DIALECT = "duckdb"
MAX_DECIMAL_PRECISION = 38

_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.DOTALL)


@dataclass(frozen=True)
class StatementKind:
    """What a statement is, as GetQueryExecution reports it and the engine dispatches it."""

    name: str  # the engine's handler key, e.g. "select", "ctas", "show_tables"
    statement_type: str  # DML | DDL | UTILITY
    substatement_type: str  # e.g. SELECT, CREATE_TABLE_AS_SELECT, SHOW_TABLES


_KINDS: list[tuple[str, StatementKind]] = [
    (r"(SELECT|WITH|VALUES|TABLE)\b|\(", StatementKind("select", "DML", "SELECT")),
    (r"UNLOAD\b", StatementKind("unload", "DML", "UNLOAD")),
    (r"INSERT\s+INTO\b", StatementKind("insert", "DML", "INSERT")),
    (
        r"CREATE\s+(DATABASE|SCHEMA)\b",
        StatementKind("create_database", "DDL", "CREATE_DATABASE"),
    ),
    (r"DROP\s+(DATABASE|SCHEMA)\b", StatementKind("drop_database", "DDL", "DROP_DATABASE")),
    (
        r"CREATE\s+(OR\s+REPLACE\s+)?VIEW\b",
        StatementKind("create_view", "DDL", "CREATE_VIEW"),
    ),
    (r"DROP\s+VIEW\b", StatementKind("drop_view", "DDL", "DROP_VIEW")),
    (r"CREATE\s+EXTERNAL\s+TABLE\b", StatementKind("create_table", "DDL", "CREATE_TABLE")),
    (r"CREATE\s+TABLE\b", StatementKind("create_table", "DDL", "CREATE_TABLE")),
    (r"DROP\s+TABLE\b", StatementKind("drop_table", "DDL", "DROP_TABLE")),
    (r"MSCK\s+REPAIR\s+TABLE\b", StatementKind("msck", "DDL", "MSCK_REPAIR_TABLE")),
    (
        r"ALTER\s+TABLE\b.*\bADD\b",
        StatementKind("add_partition", "DDL", "ALTER_TABLE_ADD_PARTITION"),
    ),
    (
        r"ALTER\s+TABLE\b.*\bDROP\b",
        StatementKind("drop_partition", "DDL", "ALTER_TABLE_DROP_PARTITION"),
    ),
    (
        r"SHOW\s+(DATABASES|SCHEMAS)\b",
        StatementKind("show_databases", "UTILITY", "SHOW_DATABASES"),
    ),
    (r"SHOW\s+TABLES\b", StatementKind("show_tables", "UTILITY", "SHOW_TABLES")),
    (r"SHOW\s+VIEWS\b", StatementKind("show_views", "UTILITY", "SHOW_VIEWS")),
    (r"SHOW\s+PARTITIONS\b", StatementKind("show_partitions", "UTILITY", "SHOW_PARTITIONS")),
    (r"SHOW\s+COLUMNS\b", StatementKind("show_columns", "UTILITY", "SHOW_COLUMNS")),
    (
        r"SHOW\s+CREATE\s+TABLE\b",
        StatementKind("show_create_table", "UTILITY", "SHOW_CREATE_TABLE"),
    ),
    (r"(DESCRIBE|DESC)\b", StatementKind("describe", "UTILITY", "DESCRIBE_TABLE")),
]
UNKNOWN = StatementKind("unknown", "DML", "UNKNOWN")


def strip_statement(sql: str) -> str:
    """The statement without leading comments/blanks and trailing semicolons/blanks."""
    return _COMMENTS.sub("", sql or "", count=1).rstrip().rstrip(";").rstrip()


def statement_kind(sql: str) -> StatementKind:
    """Classify a statement from its leading keywords (CTAS is told apart by its ``AS``)."""
    text = strip_statement(sql)
    for pattern, kind in _KINDS:
        if re.match(pattern, text, re.IGNORECASE | re.DOTALL):
            if kind.name == "create_table" and _is_ctas(text):
                return StatementKind("ctas", "DDL", "CREATE_TABLE_AS_SELECT")
            return kind
    return UNKNOWN


def _is_ctas(text: str) -> bool:
    if re.match(r"CREATE\s+EXTERNAL\b", text, re.IGNORECASE):
        return False
    head = re.sub(r"'(?:[^']|'')*'", "''", text)
    return (
        re.search(r"\bAS\s*(\(|SELECT\b|WITH\b|VALUES\b|TABLE\b)", head, re.IGNORECASE) is not None
    )


def _parse_error(text: str, exc: Exception) -> AthenaQueryError:
    if isinstance(exc, ParseError) and exc.errors:
        first = exc.errors[0]
        highlight = str(first.get("highlight") or "")
        line, col = int(first.get("line") or 1), int(first.get("col") or 1)
        offset = _offset(text, line, max(1, col - len(highlight) + 1))
        description = str(first.get("description") or "syntax error").rstrip(".")
        found = f"mismatched input '{highlight}'. " if highlight else ""
        return syntax_error(text, offset, f"{found}{description}")
    if isinstance(exc, TokenError):
        return syntax_error(text, None, f"unterminated string or identifier ({exc})")
    return syntax_error(text, None, str(exc))


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(row) + 1 for row in lines[: line - 1]) + column - 1


def parse_statement(sql: str) -> exp.Expression:
    """Parse exactly one Trino/Hive statement, or fail as Athena fails (SYNTAX_ERROR)."""
    text = strip_statement(sql)
    if not text:
        raise syntax_error(sql, 0, "mismatched input '<EOF>'. Expecting a statement")
    try:
        parsed = [e for e in sqlglot.parse(text, read=READ_DIALECT) if e is not None]
    except (ParseError, TokenError) as exc:
        raise _parse_error(text, exc) from exc
    if len(parsed) != 1:
        raise AthenaQueryError(
            "",
            f"Only one sql statement is allowed. Got: {text}",
        )
    statement = parsed[0]
    if isinstance(statement, exp.Command):
        raise syntax_error(
            text, 0, f"mismatched input '{statement.name}'. The statement cannot be parsed"
        )
    for select in statement.find_all(exp.Select):
        if not select.expressions:
            raise syntax_error(
                text,
                name_offset(text, "FROM"),
                "mismatched input 'FROM'. Expecting: '*', <expression>",
            )
    return statement


def bind_parameters(statement: exp.Expression, parameters: list[str] | None) -> exp.Expression:
    """Replace the ``?`` placeholders by ExecutionParameters (SQL literals, in order)."""
    placeholders = [p for p in statement.find_all(exp.Placeholder) if p.name in ("", "?")]
    given = parameters or []
    if len(placeholders) != len(given):
        raise AthenaQueryError(
            "INVALID_PARAMETER_USAGE",
            f"Incorrect number of parameters: expected {len(placeholders)} but found {len(given)}",
        )
    for placeholder, value in zip(placeholders, given, strict=True):
        try:
            literal = sqlglot.parse_one(value, read=READ_DIALECT)
        except (ParseError, TokenError) as exc:
            raise AthenaQueryError(
                "INVALID_PARAMETER_USAGE", f"Execution parameter {value!r} is not a SQL literal"
            ) from exc
        placeholder.replace(literal)
    return statement


def output_select(query: exp.Expression) -> exp.Select | None:
    """The SELECT whose projections name a query's output columns."""
    node: exp.Expression | None = query
    while node is not None and not isinstance(node, exp.Select):
        if isinstance(node, (exp.SetOperation, exp.Subquery)):
            node = node.this
        else:
            return None
    return node


def name_unnamed_outputs(query: exp.Expression) -> list[int]:
    """Alias unnamed output expressions ``_colN`` as Trino names them; return their indexes."""
    select = output_select(query)
    if select is None or any(isinstance(p, exp.Star) or p.is_star for p in select.expressions):
        return []
    unnamed = []
    for index, projection in enumerate(select.expressions):
        if isinstance(projection, exp.Alias | exp.Column):
            continue
        if isinstance(projection, exp.Dot):
            continue
        projection.replace(exp.alias_(projection.copy(), f"_col{index}", quoted=False))
        unnamed.append(index)
    return unnamed


def output_names(query: exp.Expression) -> list[str] | None:
    """The output column names Trino gives a query (None when a ``*`` hides them)."""
    select = output_select(query)
    if select is None or any(isinstance(p, exp.Star) or p.is_star for p in select.expressions):
        return None
    return [p.alias_or_name.lower() for p in select.expressions]


def default_decimal_precision(statement: exp.Expression) -> None:
    """Trino's ``DECIMAL`` without parameters is ``decimal(38,0)`` (DuckDB's is (18,3))."""
    for data_type in statement.find_all(exp.DataType):
        if data_type.this == exp.DataType.Type.DECIMAL and not data_type.expressions:
            data_type.set(
                "expressions",
                [
                    exp.DataTypeParam(this=exp.Literal.number(MAX_DECIMAL_PRECISION)),
                    exp.DataTypeParam(this=exp.Literal.number(0)),
                ],
            )


# --- DECIMAL division and avg --------------------------------------------------------------

_INTEGER_DIGITS = {
    exp.DataType.Type.TINYINT: 3,
    exp.DataType.Type.SMALLINT: 5,
    exp.DataType.Type.INT: 10,
    exp.DataType.Type.BIGINT: 19,
}
_FLOATS = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT}


def _decimal_params(data_type: exp.DataType | None) -> tuple[int, int] | None:
    if data_type is None:
        return None
    if data_type.this in _INTEGER_DIGITS:
        return _INTEGER_DIGITS[data_type.this], 0
    if data_type.this == exp.DataType.Type.DECIMAL and len(data_type.expressions) == 2:
        try:
            return int(data_type.expressions[0].name), int(data_type.expressions[1].name)
        except ValueError:
            return None
    return None


def _trino_decimal(node: exp.Expression) -> tuple[tuple[int, int] | None, bool]:
    """(precision, scale) Trino gives ``node`` if it is exact-numeric, and whether it is DECIMAL."""
    if isinstance(node, exp.Paren):
        return _trino_decimal(node.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        text = node.this
        if re.fullmatch(r"\d+", text):
            return (max(len(text), 1), 0), False
        if re.fullmatch(r"\d*\.\d+|\d+\.\d*", text):
            digits = text.replace(".", "").lstrip("0") or "0"
            scale = len(text.split(".")[1])
            return (max(len(digits), scale, 1), scale), True
        return None, False
    if isinstance(node, exp.Cast):
        params = _decimal_params(node.to)
        return params, node.to.this == exp.DataType.Type.DECIMAL
    if isinstance(node, exp.Neg):
        return _trino_decimal(node.this)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div):
        (left, left_dec), (right, right_dec) = _trino_decimal(node.left), _trino_decimal(node.right)
        if left is None or right is None:
            return None, False
        (p1, s1), (p2, s2) = left, right
        if isinstance(node, exp.Mul):
            params = (min(MAX_DECIMAL_PRECISION, p1 + p2), s1 + s2)
        elif isinstance(node, exp.Div):
            params = (min(MAX_DECIMAL_PRECISION, p1 + s2 + max(0, s2 - s1)), max(s1, s2))
        else:
            scale = max(s1, s2)
            params = (min(MAX_DECIMAL_PRECISION, max(p1 - s1, p2 - s2) + scale + 1), scale)
        return params, left_dec or right_dec
    if isinstance(node, exp.Sum):
        inner, is_decimal = _trino_decimal(node.this)
        if inner is None:
            return None, False
        return ((MAX_DECIMAL_PRECISION, inner[1]) if is_decimal else (19, 0)), is_decimal
    if isinstance(node, exp.Min | exp.Max | exp.Avg):
        return _trino_decimal(node.this)
    if isinstance(node, exp.Count):
        return (19, 0), False
    data_type = node.type if isinstance(node.type, exp.DataType) else None
    params = _decimal_params(data_type)
    is_decimal = data_type is not None and data_type.this == exp.DataType.Type.DECIMAL
    return params, is_decimal


def _is_float(node: exp.Expression) -> bool:
    """Whether ``node`` is REAL/DOUBLE (a literal like ``5.0`` is DECIMAL in Trino)."""
    if isinstance(node, exp.Paren | exp.Neg):
        return _is_float(node.this)
    if isinstance(node, exp.Literal):
        return "e" in node.this.lower()
    return isinstance(node.type, exp.DataType) and node.type.this in _FLOATS


def _decimal_cast(node: exp.Expression, params: tuple[int, int]) -> exp.Expression:
    return exp.Cast(
        this=node,
        to=exp.DataType.build(f"DECIMAL({params[0]}, {params[1]})", dialect=WRITE_DIALECT),
    )


def apply_decimal_semantics(
    query: exp.Expression, schema: dict[str, dict[str, str]]
) -> exp.Expression:
    """Keep DECIMAL division and ``avg(decimal)`` DECIMAL, with Trino's precision and scale.

    ``schema`` maps the query's (already resolved) table names to their columns' Trino types.
    Returns the rewritten, qualified query, or ``query`` unchanged when it has no division or
    avg, or when sqlglot cannot qualify it (the values then stay DuckDB's DOUBLE).
    """
    if not any(True for _ in query.find_all(exp.Div, exp.Avg)):
        return query
    from sqlglot.schema import MappingSchema

    try:
        annotated = typed_copy(query, MappingSchema(schema, dialect="trino"), dialect="trino")
    except Exception:  # sqlglot cannot analyse it: keep DuckDB's semantics for this query
        return query
    for node in list(annotated.find_all(exp.Div, exp.Avg)):
        node.set("typed", None) if isinstance(node, exp.Div) else None
        if isinstance(node, exp.Div):
            if _is_float(node.left) or _is_float(node.right):
                continue
            params, is_decimal = _trino_decimal(node)
            if params is not None and is_decimal:
                node.replace(_decimal_cast(node.copy(), params))
        else:
            params, is_decimal = _trino_decimal(node.this)
            if params is not None and is_decimal:
                target: exp.Expression = node  # avg(x) OVER (…) / FILTER: cast the whole call
                while isinstance(target.parent, exp.Window | exp.Filter) and (
                    target.parent.this is target
                ):
                    target = target.parent
                target.replace(_decimal_cast(target.copy(), params))
    return annotated


def to_duckdb(statement: exp.Expression) -> str:
    """The DuckDB SQL text of a (rewritten) statement."""
    return statement.sql(dialect=WRITE_DIALECT)
