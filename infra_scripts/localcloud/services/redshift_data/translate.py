"""One Redshift statement → DuckDB SQL, with sqlglot (read="redshift", write="duckdb").

On top of sqlglot's transpilation: identifiers folded to lower case (Redshift's default),
``:name`` parameters bound as literals, ``LISTAGG`` fixed (``DISTINCT``, no default
delimiter), ``DECIMAL`` without precision is ``DECIMAL(18,0)``, ``GETDATE()`` is UTC
truncated to seconds, ``IDENTITY`` columns get a sequence, ``CREATE TABLE (LIKE t)`` and
``WITH NO SCHEMA BINDING`` work, and result columns get Redshift's labels (``count``,
``?column?``). Numeric result types are :mod:`.numeric`'s job.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from infra_scripts.localcloud.services.redshift_data import sqltext
from infra_scripts.localcloud.services.redshift_data.errors import (
    RedshiftSqlError,
    duckdb_syntax_error,
    from_parse_error,
)

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # "unsupported property" chatter

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NUMERIC_CONTEXTS = (
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.Limit, exp.Offset, exp.Fetch,
    exp.Round, exp.Left, exp.Right, exp.Substring, exp.TsOrDsAdd, exp.Pow, exp.Repeat, exp.Pad,
)  # fmt: skip
_LABELS: dict[type[exp.Expr], str] = {
    exp.Coalesce: "coalesce",
    exp.Case: "case",
    exp.DecodeCase: "case",
    exp.If: "case",
    exp.TsOrDsAdd: "date_add",
    exp.TsOrDsDiff: "date_diff",
    exp.GroupConcat: "listagg",
    exp.ApproxDistinct: "count",
    exp.CurrentDate: "date",
    exp.CurrentTimestamp: "timestamptz",
    exp.Length: "len",
    exp.StrPosition: "charindex",
}
_CAST_LABELS = {
    exp.DType.SMALLINT: "int2",
    exp.DType.INT: "int4",
    exp.DType.BIGINT: "int8",
    exp.DType.DECIMAL: "numeric",
    exp.DType.DOUBLE: "float8",
    exp.DType.FLOAT: "float4",
    exp.DType.BOOLEAN: "bool",
    exp.DType.DATE: "date",
    exp.DType.TIMESTAMP: "timestamp",
    exp.DType.VARCHAR: "varchar",
    exp.DType.TEXT: "text",
}
_INFORMATIONAL_CONSTRAINTS = (
    exp.PrimaryKey,
    exp.PrimaryKeyColumnConstraint,
    exp.UniqueColumnConstraint,
    exp.ForeignKey,
    exp.Reference,
)
_GETDATE_SQL = "CAST(DATE_TRUNC('second', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AS TIMESTAMP)"


@dataclass
class Prepared:
    """A parsed, rewritten statement ready for numeric typing and DuckDB generation."""

    tree: exp.Expr
    has_result_set: bool
    setup_sql: list[str] = field(default_factory=list)  # run before it (e.g. sequences)

    @property
    def tables(self) -> list[exp.Table]:
        """The tables the statement reads or writes (CTE names left out)."""
        ctes = {cte.alias_or_name for cte in self.tree.find_all(exp.CTE)}
        return [
            table
            for table in self.tree.find_all(exp.Table)
            if table.name and not (not table.db and table.name in ctes)
        ]

    @property
    def from_tables(self) -> list[str]:
        """Names of the tables in the FROM clauses (for 'column … does not exist in t')."""
        return [t.name for t in self.tables if isinstance(t.parent, exp.From | exp.Join)]

    def duckdb_sql(self) -> str:
        return self.tree.sql(dialect="duckdb")


def parse(text: str) -> exp.Expr:
    """Parse one Redshift statement; a parse failure is Redshift's syntax error."""
    try:
        trees = sqlglot.parse(text, read="redshift")
    except (ParseError, TokenError) as exc:
        raise duckdb_syntax_error(text) or from_parse_error(exc) from exc
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise RedshiftSqlError("syntax error at end of input")
    return trees[0]


def prepare(statement: sqltext.Statement, parameters: dict[str, str] | None = None) -> Prepared:
    """Parse ``statement`` and apply the Redshift → DuckDB rewrites."""
    text = sqltext.mark_getdate(sqltext.strip_table_attributes(statement))
    tree = parse(text)
    if isinstance(tree, exp.Command):
        keyword = tree.name.upper() or statement.word(0)
        raise RedshiftSqlError(f"{keyword} is not supported by the local cloud's Redshift")
    tree = normalize_identifiers(tree, dialect="redshift")
    bind_parameters(tree, parameters or {})
    _fix_listagg(tree)
    _fix_types(tree)
    _fix_getdate(tree)
    setup_sql = _fix_create(tree)
    tree = _fix_create_like(tree)
    _label_columns(tree)
    return Prepared(tree, has_result_set=_returns_rows(tree), setup_sql=setup_sql)


def _returns_rows(tree: exp.Expr) -> bool:
    return isinstance(tree, exp.Query | exp.Values | exp.Describe | exp.Show)


def parameter_names(statement: sqltext.Statement) -> list[str]:
    """Names of the ``:name`` placeholders in a statement (``::type`` casts are not)."""
    names = []
    tokens = statement.tokens
    for i, token in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        adjacent = token.token_type == sqltext.TokenType.COLON and nxt.start == token.end + 1
        if adjacent and re.fullmatch(r"[A-Za-z0-9_]+", nxt.text):
            names.append(nxt.text)
    return names


def bind_parameters(tree: exp.Expr, parameters: dict[str, str]) -> None:
    """Replace ``:name`` placeholders by literals (never by SQL text: no injection).

    A value is a string literal, which DuckDB casts to what it is compared with, as
    Redshift does with parameters of unknown type; in arithmetic, LIMIT and numeric
    function arguments a number-looking value is a number.
    """
    for placeholder in list(tree.find_all(exp.Placeholder)):
        name = placeholder.name
        if not name or name not in parameters:
            shown = f":{name}" if name else "?"
            raise RedshiftSqlError(f'syntax error at or near "{shown}"')
        value = parameters[name]
        numeric = isinstance(placeholder.parent, _NUMERIC_CONTEXTS) and _NUMBER.fullmatch(value)
        literal = exp.Literal.number(value) if numeric else exp.Literal.string(value)
        placeholder.replace(literal)


def _fix_listagg(tree: exp.Expr) -> None:
    """LISTAGG(DISTINCT x, 'sep') parses as DISTINCT (x, 'sep'); no delimiter means ''."""
    for node in tree.find_all(exp.GroupConcat):
        inner = node.this
        if isinstance(inner, exp.Distinct) and len(inner.expressions) == 2:
            value, separator = inner.expressions
            node.set("this", exp.Distinct(expressions=[value]))
            node.set("separator", separator)
        if node.args.get("separator") is None:
            node.set("separator", exp.Literal.string(""))


def _fix_types(tree: exp.Expr) -> None:
    """DECIMAL / NUMERIC without precision is DECIMAL(18,0) in Redshift (DuckDB: 18,3)."""
    for node in tree.find_all(exp.DataType):
        if node.this == exp.DType.DECIMAL and not node.expressions:
            node.set(
                "expressions",
                [
                    exp.DataTypeParam(this=exp.Literal.number(18)),
                    exp.DataTypeParam(this=exp.Literal.number(0)),
                ],
            )


def _fix_getdate(tree: exp.Expr) -> None:
    for node in list(tree.find_all(exp.Anonymous)):
        if node.name.lower() == sqltext.GETDATE_MARKER:
            replacement = sqlglot.parse_one(_GETDATE_SQL, read="duckdb")
            replacement.meta["label"] = "getdate"
            node.replace(replacement)


def _fix_create(tree: exp.Expr) -> list[str]:
    """IDENTITY(seed, step) becomes DEFAULT nextval(sequence); informational keys go."""
    if not isinstance(tree, exp.Create):
        return []
    tree.set("no_schema_binding", None)
    schema = tree.this if isinstance(tree.this, exp.Schema) else None
    if schema is None:
        return []
    for key in list(schema.find_all(*_INFORMATIONAL_CONSTRAINTS)):  # Redshift never enforces
        parent = key.parent
        key.pop()
        if isinstance(parent, exp.ColumnConstraint) and parent.args.get("kind") is None:
            parent.pop()
    table = schema.this
    setup = []
    for column in schema.find_all(exp.ColumnDef):
        for constraint in column.constraints:
            kind = constraint.kind
            if not isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
                continue
            sequence = exp.Table(
                this=exp.to_identifier(f"{table.name}_{column.name}_seq"),
                db=table.args.get("db"),
                catalog=table.args.get("catalog"),
            )
            start = kind.args.get("start") or exp.Literal.number(1)
            step = kind.args.get("increment") or exp.Literal.number(1)
            setup.append(
                f"CREATE SEQUENCE IF NOT EXISTS {sequence.sql('duckdb')} "
                f"START WITH {start.sql('duckdb')} INCREMENT BY {step.sql('duckdb')}"
            )
            call = exp.Anonymous(
                this="nextval", expressions=[exp.Literal.string(sequence.sql("duckdb"))]
            )
            constraint.set("kind", exp.DefaultColumnConstraint(this=call))
    return setup


def _fix_create_like(tree: exp.Expr) -> exp.Expr:
    """CREATE TABLE t (LIKE s) → CREATE TABLE t AS SELECT * FROM s LIMIT 0."""
    if not (isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema)):
        return tree
    likes = [e for e in tree.this.expressions if isinstance(e, exp.LikeProperty)]
    if not likes:
        return tree
    query = exp.select("*").from_(likes[0].this.copy()).limit(0)
    return exp.Create(
        this=tree.this.this.copy(), kind="TABLE", expression=query, exists=tree.args.get("exists")
    )


def redshift_label(node: exp.Expr) -> str:
    """The column name Redshift gives an unnamed select expression."""
    if "label" in node.meta:
        return node.meta["label"]
    if isinstance(node, exp.Column):
        return node.name
    if isinstance(node, exp.Window | exp.WithinGroup | exp.Paren | exp.Filter):
        return redshift_label(node.this)
    if isinstance(node, exp.Cast):
        if isinstance(node.this, exp.Column | exp.Func):
            return redshift_label(node.this)
        return _CAST_LABELS.get(node.to.this, "?column?")
    for kind, label in _LABELS.items():
        if isinstance(node, kind):
            if kind is exp.CurrentTimestamp and node.args.get("sysdate"):
                return "timestamp"
            return label
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return "?column?"


def _outer_select(tree: exp.Expr) -> exp.Select | None:
    node = tree
    while isinstance(node, exp.SetOperation | exp.Subquery):
        node = node.this
    return node if isinstance(node, exp.Select) else None


def _label_columns(tree: exp.Expr) -> None:
    select = _outer_select(tree)
    if select is None:
        return
    for projection in list(select.expressions):
        if isinstance(projection, exp.Alias | exp.Column | exp.Star):
            continue
        label = redshift_label(projection)
        projection.replace(exp.alias_(projection.copy(), label, quoted=True))
