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

import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from infra_scripts.localcloud.services.athena.errors import (
    TYPE_NOT_FOUND,
    AthenaQueryError,
    name_offset,
    position,
    syntax_error,
)
from infra_scripts.localcloud.sqlengine.typedcopy import typed_copy

READ_DIALECT = "athena"
WRITE_DIALECT = "duckdb"
MAX_DECIMAL_PRECISION = 38

_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.DOTALL)
# A quoted string or identifier (kept whole) or a comment (group 1), for _is_ctas.
_QUOTED_OR_COMMENT = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|(--[^\n]*|/\*.*?\*/)", re.DOTALL
)


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
    (r"MERGE\s+INTO\b", StatementKind("modify_rows", "DML", "MERGE")),
    (r"UPDATE\b", StatementKind("modify_rows", "DML", "UPDATE")),
    (r"DELETE\s+FROM\b", StatementKind("modify_rows", "DML", "DELETE")),
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
        r"ALTER\s+(DATABASE|SCHEMA)\b.*\bSET\s+DBPROPERTIES\b",
        StatementKind("set_dbproperties", "DDL", "ALTER_DATABASE_SET_DBPROPERTIES"),
    ),
    (
        r"ALTER\s+TABLE\b.*\bREPLACE\s+COLUMNS\b",
        StatementKind("replace_columns", "DDL", "ALTER_TABLE_REPLACE_COLUMNS"),
    ),
    (
        r"ALTER\s+TABLE\b.*\bSET\s+TBLPROPERTIES\b",
        StatementKind("set_tblproperties", "DDL", "ALTER_TABLE_SET_TBLPROPERTIES"),
    ),
    (
        r"ALTER\s+TABLE\b.*\bADD\s+COLUMNS\b",
        StatementKind("add_columns", "DDL", "ALTER_TABLE_ADD_COLUMNS"),
    ),
    (
        r"ALTER\s+TABLE\b.*\bSET\s+LOCATION\b",
        StatementKind("set_location", "DDL", "ALTER_TABLE_SET_LOCATION"),
    ),
    (
        r"ALTER\s+TABLE\b.*\bRENAME\s+TO\b",
        StatementKind("rename_table", "DDL", "ALTER_TABLE_RENAME"),
    ),
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
    (
        r"SHOW\s+TBLPROPERTIES\b",
        StatementKind("show_tblproperties", "UTILITY", "SHOW_TBLPROPERTIES"),
    ),
    (r"SHOW\s+COLUMNS\b", StatementKind("show_columns", "UTILITY", "SHOW_COLUMNS")),
    (
        r"SHOW\s+CREATE\s+TABLE\b",
        StatementKind("show_create_table", "UTILITY", "SHOW_CREATE_TABLE"),
    ),
    (
        r"SHOW\s+CREATE\s+VIEW\b",
        StatementKind("show_create_view", "UTILITY", "SHOW_CREATE_VIEW"),
    ),
    (r"(DESCRIBE|DESC)\b", StatementKind("describe", "UTILITY", "DESCRIBE_TABLE")),
    (r"PREPARE\b", StatementKind("prepare", "DDL", "PREPARE")),
    (r"DEALLOCATE\s+PREPARE\b", StatementKind("deallocate", "DDL", "DEALLOCATE")),
    # the prepared statement's kind is known only when it runs: its results are a query's
    (r"EXECUTE\b", StatementKind("execute", "DML", "EXECUTE")),
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
    head = _QUOTED_OR_COMMENT.sub(lambda m: " " if m.group(1) else "''", text)
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


# --- Trino functions DuckDB lacks or words differently ----------------------------------------

# Trino's documented functions and whether the local engine runs them: measured by
# ``python -m infra_scripts.devtools.trino_coverage`` (which also writes
# docs/trino-functions.md). A call to a name that is not there, or is "not supported", fails
# as Trino fails for a function it does not have, FUNCTION_NOT_FOUND, rather than running
# DuckDB's function of that name (``strftime``, ``list_value``) or one with other semantics.
FUNCTIONS_FILE = Path(__file__).with_name("trino_functions.json")


def _load_functions() -> tuple[frozenset[str], dict[str, frozenset[str]], frozenset[str]]:
    """The allowed names; per sqlglot class, the "not supported" names that parse into it;
    the classes an allowed name parses into too."""
    entries = json.loads(FUNCTIONS_FILE.read_text(encoding="utf-8"))["functions"]
    allowed = frozenset(e["name"] for e in entries if e["status"] != "not supported")
    blocked: dict[str, set[str]] = {}
    for entry in entries:
        if entry["status"] == "not supported" and entry.get("sqlglot"):
            blocked.setdefault(entry["sqlglot"], set()).add(entry["name"])
    shared = frozenset(e["sqlglot"] for e in entries if e.get("sqlglot") and e["name"] in allowed)
    return allowed, {cls: frozenset(names) for cls, names in blocked.items()}, shared


TRINO_FUNCTIONS, NOT_SUPPORTED_CLASSES, SHARED_CLASSES = _load_functions()
# Trino's reserved words that are functions (sqlglot reads them as column names)
_KEYWORD_FUNCTIONS = frozenset({"current_schema", "current_path", "current_role"})

# Joda-Time pattern letters (Trino's format_datetime/parse_datetime) → DuckDB strftime codes,
# longest run first. https://trino.io/docs/current/functions/datetime.html#joda-functions
_JODA = [
    ("yyyy", "%Y"),
    ("yyy", "%Y"),
    ("yy", "%y"),
    ("y", "%Y"),
    ("YYYY", "%Y"),
    ("xxxx", "%G"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("M", "%-m"),
    ("dd", "%d"),
    ("d", "%-d"),
    ("DDD", "%j"),
    ("D", "%-j"),
    ("EEEE", "%A"),
    ("EEE", "%a"),
    ("E", "%a"),
    ("e", "%u"),
    ("HH", "%H"),
    ("H", "%-H"),
    ("hh", "%I"),
    ("h", "%-I"),
    ("mm", "%M"),
    ("m", "%-M"),
    ("ss", "%S"),
    ("s", "%-S"),
    ("SSSSSS", "%f"),
    ("SSS", "%g"),
    ("a", "%p"),
    ("ww", "%V"),
    ("w", "%-V"),
    ("ZZ", "%z"),
    ("Z", "%z"),
    ("z", "%Z"),
]


def joda_to_strftime(pattern: str) -> str:
    """A Joda-Time pattern (``yyyy-MM-dd HH:mm:ss``) as a strftime format (``%Y-%m-%d …``)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = pattern.find("'", i + 1)
            if end == i + 1:  # '' is a quote
                out.append("'")
                i += 2
                continue
            end = len(pattern) if end < 0 else end
            out.append(pattern[i + 1 : end].replace("%", "%%"))
            i = end + 1
            continue
        if char.isalpha():
            run = len(pattern) - i - len(pattern[i:].lstrip(char))
            for token, code in _JODA:
                if token[0] == char and len(token) <= run:
                    out.append(code)
                    i += len(token)
                    break
            else:
                raise AthenaQueryError(
                    "INVALID_FUNCTION_ARGUMENT",
                    f"the local engine does not support the Joda pattern letter '{char}' "
                    f"(in '{pattern}')",
                )
            continue
        out.append("%%" if char == "%" else char)
        i += 1
    return "".join(out)


_DATE_UNITS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}


def _is_date(node: exp.Expression) -> bool:
    if isinstance(node, exp.Paren):
        return _is_date(node.this)
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to.this == exp.DataType.Type.DATE
    if isinstance(node, exp.CurrentDate | exp.FromISO8601Date | exp.Date | exp.StrToDate):
        return True
    if isinstance(node, exp.DateAdd | exp.DateSub):
        return _is_date_arith(node)
    return isinstance(node.type, exp.DataType) and node.type.this == exp.DataType.Type.DATE


def _is_date_arith(node: exp.DateAdd | exp.DateSub) -> bool:
    unit = (node.unit.name if node.args.get("unit") is not None else "DAY").upper()
    return unit in _DATE_UNITS and _is_date(node.this)


def _typeof_literal(node: exp.Expression) -> str | None:
    """The type Trino gives a literal argument of ``typeof`` (``'abc'`` is ``varchar(3)``)."""
    if isinstance(node, exp.Literal):
        if node.is_string:
            return f"varchar({len(node.this)})"
        return None  # numbers: DuckDB's INTEGER/BIGINT/DECIMAL(p,s)/DOUBLE name them alike
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
        kind = node.to.this
        if kind == exp.DataType.Type.DATE:
            return "date"
        if kind in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ):
            fraction = re.search(r"\.(\d+)", node.this.this)
            precision = len(fraction.group(1)) if fraction else 0
            zone = " with time zone" if kind == exp.DataType.Type.TIMESTAMPTZ else ""
            return f"timestamp({precision}){zone}"
    if isinstance(node, exp.Null):
        return "unknown"
    return None


def _regexp_replace(node: exp.Expression, pattern: str, replacement: str) -> exp.Expression:
    return exp.Anonymous(
        this="regexp_replace",
        expressions=[
            node,
            exp.Literal.string(pattern),
            exp.Literal.string(replacement),
            exp.Literal.string("g"),
        ],
    )


def _trino_typeof(argument: exp.Expression) -> exp.Expression:
    """``typeof(x)``: DuckDB's type name as Trino's (``INTEGER[]`` → ``array(integer)``)."""
    literal = _typeof_literal(argument)
    if literal is not None:
        return exp.Literal.string(literal)
    name: exp.Expression = exp.Lower(this=exp.Anonymous(this="typeof", expressions=[argument]))
    for pattern, replacement in (
        (r"\bfloat\b", "real"),
        (r"\bblob\b", "varbinary"),
        (r"\bhugeint\b", "decimal(38,0)"),
        (r"\btimestamp with time zone\b", "timestamp(3) with time zone"),
        (r"\btimestamp\b([^(_]|$)", r"timestamp(3)\1"),
        (r"\bstruct\(", "row("),
        (r"^(.*)\[\]$", r"array(\1)"),
        (r"\b(\w+(?:\(\d+(?:,\d+)?\))?)\[\]", r"array(\1)"),
    ):
        name = _regexp_replace(name, pattern, replacement)
    return name


def _not_found(text: str, name: str, offset: int | None = None) -> AthenaQueryError:
    at = name_offset(text, name) if offset is None else offset
    return AthenaQueryError(
        "FUNCTION_NOT_FOUND",
        f"{position(text, at)}Function '{name.lower()}' not registered",
        error_type=TYPE_NOT_FOUND,
    )


def check_functions(statement: exp.Expression, text: str) -> None:
    """Fail a call to a function Trino does not have, or the local engine does not support
    (``FUNCTION_NOT_FOUND``), as Athena fails a function it does not have."""
    for call in statement.find_all(exp.Anonymous):
        name = str(call.name)
        if isinstance(call.parent, exp.Table):  # a table function: the resolver judges it
            continue
        if name.lower() not in TRINO_FUNCTIONS:
            raise _not_found(text, name)
    for column in statement.find_all(exp.Column):
        name = column.name.lower()
        keyword = name in _KEYWORD_FUNCTIONS and not column.this.args.get("quoted")
        if keyword and name not in TRINO_FUNCTIONS and not column.table:
            raise _not_found(text, column.name)
    if not NOT_SUPPORTED_CLASSES:
        return
    shift = len(text) - len(_COMMENTS.sub("", text, count=1))  # parsed: the stripped text
    for node in statement.find_all(exp.Func):
        cls = type(node).__name__
        names = NOT_SUPPORTED_CLASSES.get(cls)
        if names is None:
            continue
        # sqlglot knows the function (a typed node): its name is the token it was parsed from
        start, end = node.meta.get("start"), node.meta.get("end")
        if isinstance(start, int) and isinstance(end, int):
            written = text[shift + start : shift + end + 1]
            if written.lower() in names:
                raise _not_found(text, written, shift + start)
        elif cls not in SHARED_CLASSES:  # no allowed name parses into it: it is one of these
            raise _not_found(text, sorted(names)[0])


_JAVA_FORMAT = re.compile(
    r"%(?:(?P<index>\d+)\$)?(?P<flags>[-#+ 0,(]*)(?P<width>\d+)?(?:\.(?P<precision>\d+))?"
    r"(?P<conversion>[a-zA-Z%])"
)
_FMT_TYPES = {"s": "", "S": "", "d": "d", "f": "f", "x": "x", "X": "X", "e": "e", "o": "o"}


def java_format_to_fmt(pattern: str) -> str:
    """A Java Formatter pattern (Trino's ``format``) as a DuckDB ``format`` (fmt) pattern:
    ``%2$s`` → ``{1}``, ``%-7s`` → ``{0:<7}``, ``%,.2f`` → ``{0:,.2f}``, ``%03d`` → ``{0:03d}``."""
    out: list[str] = []
    ordinary = 0
    last = 0
    for match in _JAVA_FORMAT.finditer(pattern):
        out.append(pattern[last : match.start()].replace("{", "{{").replace("}", "}}"))
        last = match.end()
        conversion, flags = match.group("conversion"), match.group("flags")
        if conversion in "%n":
            out.append("%" if conversion == "%" else "\n")
            continue
        if conversion not in _FMT_TYPES or set(flags) - set("-+ 0,"):
            raise AthenaQueryError(
                "NOT_SUPPORTED",
                f"the local engine does not support the format specifier '{match.group(0)}'",
            )
        if match.group("index"):
            index = int(match.group("index")) - 1
        else:
            index, ordinary = ordinary, ordinary + 1
        spec = ""
        if match.group("width"):
            align = "<" if "-" in flags else "" if "0" in flags else ">"
            sign = "+" if "+" in flags else " " if " " in flags else ""
            spec = f"{align}{sign}{'0' if '0' in flags else ''}{match.group('width')}"
        elif "+" in flags or " " in flags:
            spec = "+" if "+" in flags else " "
        spec += "," if "," in flags else ""
        if match.group("precision") is not None:
            spec += f".{match.group('precision')}"
        spec += _FMT_TYPES[conversion]
        out.append(f"{{{index}:{spec}}}" if spec else f"{{{index}}}")
    out.append(pattern[last:].replace("{", "{{").replace("}", "}}"))
    return "".join(out)


def java_replacement_to_re2(replacement: str) -> str:
    """A Java regex replacement (``$1``, ``\\$``) as RE2's (``\\1``, ``$``)."""
    out: list[str] = []
    i = 0
    while i < len(replacement):
        char = replacement[i]
        if char == "\\" and i + 1 < len(replacement):
            following = replacement[i + 1]
            out.append("\\\\" if following == "\\" else following)
            i += 2
            continue
        if char == "$":
            digits = re.match(r"\d+", replacement[i + 1 :])
            if not digits:
                raise AthenaQueryError(
                    "NOT_SUPPORTED",
                    "the local engine supports $n group references only in a regexp_replace "
                    f"replacement (got '{replacement}')",
                )
            out.append("\\" + digits.group(0))
            i += 1 + len(digits.group(0))
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _constant_string(node: exp.Expression | None, what: str) -> str:
    if not (isinstance(node, exp.Literal) and node.is_string):
        raise AthenaQueryError(
            "NOT_SUPPORTED", f"the local engine supports {what} with a constant pattern only"
        )
    return str(node.this)


# Trino functions DuckDB has under another name, with the same semantics.
_RENAMED = {
    "every": "bool_and",
    "codepoint": "unicode",
    "hamming_distance": "hamming",
    "yow": "isoyear",
    "is_finite": "isfinite",
    "is_infinite": "isinf",
}
_CONSTANTS = {
    "e": "exp(1)",
    "infinity": "CAST('Infinity' AS DOUBLE)",
    "nan": "CAST('NaN' AS DOUBLE)",
}

# Arguments sqlglot drops when it writes DuckDB SQL (a silently different result): refused.
_DROPPED_ARGUMENTS: list[tuple[type[exp.Expression], str, str]] = [
    (exp.StrPosition, "occurrence", "strpos with an instance argument"),
    (exp.Split, "limit", "split with a limit"),
    (exp.ArraySort, "expression", "array_sort with a comparator"),
]


def _is_identity(function: exp.Expression | None) -> bool:
    if not isinstance(function, exp.Lambda) or len(function.expressions) != 1:
        return False
    body = function.this
    return (
        isinstance(body, exp.Column | exp.Identifier) and body.name == function.expressions[0].name
    )


def _lax_path(node: exp.Expression | None, name: str) -> exp.Expression:
    """A SQL/JSON path in lax mode (``'lax $.a'``) as DuckDB's path (``'$.a'``)."""
    path = _constant_string(node, name).strip()
    mode, _, rest = path.partition(" ")
    if mode.lower() == "lax" and rest.strip().startswith("$"):
        return exp.Literal.string(rest.strip())
    raise AthenaQueryError(
        "NOT_SUPPORTED", f"the local engine supports {name} with a 'lax $…' path only"
    )


def _call(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _trino_operators(query: exp.Expression) -> None:
    """DATE ± INTERVAL of days…years stays a DATE; ARRAY || element appends (prepends)."""
    for node in list(query.find_all(exp.Add, exp.Sub)):
        interval = node.expression
        unit = interval.args.get("unit") if isinstance(interval, exp.Interval) else None
        if unit is not None and unit.name.upper() in _DATE_UNITS and _is_date(node.this):
            node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("DATE")))
    for node in list(query.find_all(exp.DPipe)):
        left, right = node.this, node.expression
        if isinstance(left, exp.Array) and isinstance(right, exp.Literal):
            node.replace(_call("list_append", left, right))
        elif isinstance(right, exp.Array) and isinstance(left, exp.Literal):
            node.replace(_call("list_prepend", left, right))


def _random(node: exp.Rand) -> exp.Expression:
    """Trino's random(n) / random(m, n): an integer in [0, n) / [m, n) (sqlglot: a seed)."""
    lower = node.args.get("lower")
    low, high = (node.this, lower) if lower is not None else (None, node.this)
    span = high if low is None else exp.Paren(this=exp.Sub(this=high, expression=low))
    value: exp.Expression = exp.Floor(this=exp.Mul(this=_call("random"), expression=span))
    if low is not None:
        value = exp.Add(this=low, expression=value)
    return exp.Cast(this=value, to=exp.DataType.build("BIGINT"))


def _json_as_varchar(node: exp.Expression) -> bool:
    """CAST(<JSON> AS VARCHAR): Trino gives a scalar's SQL value (abc, not "abc")."""
    return (
        isinstance(node, exp.Cast)
        and node.to.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT)
        and not node.to.expressions
        and isinstance(node.this, exp.ParseJSON | exp.JSONExtract)
        and not node.this.args.get("json_query")
    )


def _typed_call(node: exp.Expression) -> exp.Expression | None:
    """The DuckDB form of a call sqlglot knows (a typed node), if it needs one."""
    if isinstance(node, exp.Format):
        fmt = java_format_to_fmt(_constant_string(node.this, "format"))
        return _call("format", exp.Literal.string(fmt), *node.expressions)
    if isinstance(node, exp.RegexpReplace) and node.args.get("replacement") is not None:
        replacement = _constant_string(node.args["replacement"], "regexp_replace")
        node.set("replacement", exp.Literal.string(java_replacement_to_re2(replacement)))
    elif isinstance(node, exp.SHA):  # DuckDB's sha1 is the hex text, Trino's the bytes
        return exp.Unhex(this=_call("sha1", node.this))
    elif isinstance(node, exp.Repeat):  # Trino's repeat makes an array
        return _call("repeat", exp.Array(expressions=[node.this]), node.args["times"])
    elif isinstance(node, exp.ArraySlice) and node.args.get("end") is not None:
        start, length = node.args["start"], node.args["end"]
        end = exp.Sub(
            this=exp.Add(this=start.copy(), expression=length), expression=exp.Literal.number(1)
        )
        return _call("list_slice", node.this, start, end)
    elif isinstance(node, exp.JSONValue):
        extra = [k for k, v in node.args.items() if v and k not in ("this", "path")]
        if extra:
            raise AthenaQueryError(
                "NOT_SUPPORTED",
                "the local engine supports json_value(json, path) only, without "
                "RETURNING / ON EMPTY / ON ERROR",
            )
        scalar = _call("json_value", node.this, _lax_path(node.args.get("path"), "json_value"))
        # DuckDB's is the scalar's JSON text ('"nice"'), Trino's its SQL value (nice)
        return _call("json_extract_string", scalar, exp.Literal.string("$"))
    elif isinstance(node, exp.JSONExtract) and node.args.get("json_query"):
        node.set("expression", _lax_path(node.expression, "json_query"))
        node.set("json_query", None)
    elif isinstance(node, exp.Rand) and node.this is not None:
        return _random(node)
    elif _json_as_varchar(node):
        return _call("json_extract_string", node.this, exp.Literal.string("$"))
    elif isinstance(node, exp.IsNan):
        return _call("isnan", node.this)
    return None


def _anonymous_call(node: exp.Anonymous) -> exp.Expression | None:
    """The DuckDB form of a call sqlglot does not know, if it needs one."""
    name = str(node.name).lower()
    args = node.expressions
    if name in _RENAMED:
        node.set("this", _RENAMED[name])
    elif name == "to_base":  # DuckDB writes upper-case digits
        return exp.Lower(this=node.copy())
    elif name == "trim_array" and len(args) == 2:
        end = exp.Sub(this=_call("len", args[0].copy()), expression=args[1])
        return _call("list_slice", args[0], exp.Literal.number(1), end)
    elif name == "json_exists" and len(args) == 2:
        node.set("expressions", [args[0], _lax_path(args[1], name)])
    elif name in _CONSTANTS and not args:
        return sqlglot.parse_one(_CONSTANTS[name], read=WRITE_DIALECT)
    return None


def _trino_function_calls(query: exp.Expression) -> None:
    """Rewrites of typed (sqlglot-known) and renamed calls; see apply_trino_functions."""
    _trino_operators(query)
    for node in list(query.find_all(exp.Func, exp.JSONValue)):
        for cls, arg, what in _DROPPED_ARGUMENTS:
            if isinstance(node, cls) and node.args.get(arg) is not None:
                raise AthenaQueryError("NOT_SUPPORTED", f"the local engine does not support {what}")
        if isinstance(node, exp.Reduce) and node.args.get("finish") is not None:
            if not _is_identity(node.args["finish"]):
                raise AthenaQueryError(
                    "NOT_SUPPORTED",
                    "the local engine supports reduce with an identity output function only",
                )
            node.set("finish", None)
        replacement = (
            _anonymous_call(node) if isinstance(node, exp.Anonymous) else _typed_call(node)
        )
        if replacement is not None:
            node.replace(replacement)


def apply_trino_functions(
    query: exp.Expression, schema: dict[str, dict[str, str]]
) -> exp.Expression:
    """Trino's format_datetime / parse_datetime (Joda patterns), typeof (Trino's type names),
    date_add/date_sub of a DATE by days…years (stays a DATE, end of month clamped), format
    (Java Formatter patterns), regexp_replace's ``$1``, sha1, repeat, slice, trim_array,
    to_base and the functions DuckDB names otherwise (see docs/trino-functions.md)."""
    _trino_function_calls(query)
    for call in list(query.find_all(exp.Anonymous)):
        name = str(call.name).lower()
        args = call.expressions
        if name == "format_datetime" and len(args) == 2:
            pattern = args[1]
            if not (isinstance(pattern, exp.Literal) and pattern.is_string):
                raise AthenaQueryError(
                    "NOT_SUPPORTED",
                    f"the local engine supports {name} with a constant pattern only",
                )
            fmt = exp.Literal.string(joda_to_strftime(pattern.this))
            value = exp.Cast(this=args[0], to=exp.DataType.build("TIMESTAMP"))
            call.replace(exp.Anonymous(this="strftime", expressions=[value, fmt]))
    for call in list(query.find_all(exp.ParseDatetime)):
        pattern = call.args.get("format")
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise AthenaQueryError(
                "NOT_SUPPORTED",
                "the local engine supports parse_datetime with a constant pattern only",
            )
        fmt = exp.Literal.string(joda_to_strftime(pattern.this))
        parsed = exp.Anonymous(this="strptime", expressions=[call.this, fmt])
        # Trino's result is a timestamp with time zone (the session's, UTC, without a zone)
        call.replace(exp.Cast(this=parsed, to=exp.DataType.build("TIMESTAMPTZ")))
    for call in list(query.find_all(exp.Typeof)):
        call.replace(_trino_typeof(call.this))
    if not any(True for _ in query.find_all(exp.DateAdd, exp.DateSub)):
        return query
    try:
        from sqlglot.schema import MappingSchema

        typed = typed_copy(query, MappingSchema(schema, dialect="trino"), dialect="trino")
    except Exception:  # sqlglot cannot analyse it: judge the operands by their syntax alone
        typed = query
    for node in list(typed.find_all(exp.DateAdd, exp.DateSub)):
        if _is_date_arith(node):
            node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("DATE")))
    return typed
