"""Redshift's numeric result types, applied to a statement before it runs on DuckDB.

Integer ``/`` truncates in both (the DuckDB connection runs with ``integer_division``).
What differs is DECIMAL: Redshift computes the precision and scale of ``+ - * /`` results
(e.g. DECIMAL(8,2) / DECIMAL(8,2) is DECIMAL(17,9)), where DuckDB divides DECIMALs as
DOUBLE; and AVG keeps the argument's type (AVG of an INTEGER is a truncated BIGINT, of a
DECIMAL(p,s) a DECIMAL(38,s)), where DuckDB returns DOUBLE. The operand types come from
sqlglot's type annotation over a copy of the statement, qualified against the database's
tables; when that cannot be done the statement runs with DuckDB's types.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.schema import MappingSchema

from infra_scripts.localcloud.sqlengine.typedcopy import typed_copy

log = logging.getLogger("localcloud.redshift_data")

MAX_PRECISION = 38
MAX_SCALE = 37
MAX_EXACT_DIGITS = 36  # HUGEINT holds 38 digits; 2 spare for the rounding
_ID = "redshift_numeric_id"
_INTEGERS = {
    exp.DType.TINYINT: ("int2", 5),
    exp.DType.SMALLINT: ("int2", 5),
    exp.DType.INT: ("int4", 10),
    exp.DType.BIGINT: ("int8", 19),
    exp.DType.INT128: ("int8", 19),
}
_FLOATS = {exp.DType.FLOAT, exp.DType.DOUBLE}
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)


@dataclass(frozen=True)
class NumType:
    """A Redshift numeric type: ``kind`` int2/int4/int8/numeric/float."""

    kind: str
    precision: int = 0
    scale: int = 0

    @property
    def is_integer(self) -> bool:
        return self.kind in ("int2", "int4", "int8")

    def as_decimal(self) -> NumType:
        """Integers take part in DECIMAL arithmetic as DECIMAL(5|10|19, 0)."""
        if self.is_integer:
            digits = {"int2": 5, "int4": 10, "int8": 19}[self.kind]
            return NumType("numeric", digits, 0)
        return self


def _capped(precision: int, scale: int) -> NumType:
    scale = min(scale, MAX_SCALE)
    return NumType("numeric", max(min(precision, MAX_PRECISION), scale + 1), scale)


def decimal_result(operation: type[exp.Expr], left: NumType, right: NumType) -> NumType:
    """Redshift's precision and scale of ``left <op> right`` (one side at least DECIMAL)."""
    p1, s1 = left.as_decimal().precision, left.as_decimal().scale
    p2, s2 = right.as_decimal().precision, right.as_decimal().scale
    if operation in (exp.Add, exp.Sub):
        scale = max(s1, s2)
        return _capped(max(p1 - s1, p2 - s2) + 1 + scale, scale)
    if operation is exp.Mul:
        return _capped(p1 + p2 + 1, s1 + s2)
    scale = max(4, s1 + p2 - s2 + 1)
    return _capped(p1 - s1 + s2 + scale, scale)


def _literal_type(literal: exp.Literal) -> NumType | None:
    text = literal.this
    if literal.is_string or "e" in text.lower():
        return None
    if "." not in text:
        return NumType("int4" if abs(int(text)) <= 2**31 - 1 else "int8")
    whole, _, fraction = text.lstrip("+-").partition(".")
    digits = len(whole.lstrip("0")) + len(fraction)
    return NumType("numeric", max(digits, 1), len(fraction))


def _from_sqlglot(data_type: exp.DataType | None) -> NumType | None:
    if data_type is None:
        return None
    if data_type.this in _INTEGERS:
        return NumType(_INTEGERS[data_type.this][0])
    if data_type.this in _FLOATS:
        return NumType("float")
    if data_type.this == exp.DType.DECIMAL:
        params = [p.this.this for p in data_type.expressions if isinstance(p.this, exp.Literal)]
        if len(params) == 2:
            return NumType("numeric", int(params[0]), int(params[1]))
        if len(params) == 1:
            return NumType("numeric", int(params[0]), 0)
    return None


class _Typer:
    """Redshift numeric types of the nodes of an annotated (copied) statement."""

    def __init__(self) -> None:
        self.computed: dict[int, NumType | None] = {}
        self.operands: dict[int, tuple[NumType, ...]] = {}

    def type_of(self, node: exp.Expr) -> NumType | None:
        if _ID in node.meta and node.meta[_ID] in self.computed:
            return self.computed[node.meta[_ID]]
        if isinstance(node, exp.Paren | exp.Alias):
            return self.type_of(node.this)
        if isinstance(node, exp.Neg):
            return self.type_of(node.this)
        if isinstance(node, exp.Literal):
            return _literal_type(node)
        if isinstance(node, exp.Cast):
            return _from_sqlglot(node.to)
        if isinstance(node, exp.Sum):  # SUM widens: BIGINT, or DECIMAL(38, s)
            arg = self.type_of(node.this)
            if arg is not None and arg.kind != "float":
                return NumType("int8") if arg.is_integer else NumType("numeric", 38, arg.scale)
        return _from_sqlglot(node.type)

    def operand_types(self, node: exp.Expr) -> tuple[NumType, ...]:
        if isinstance(node, exp.Avg):
            return ()
        types = (self.type_of(node.left), self.type_of(node.right))
        return tuple(t for t in types if t is not None)

    def result(self, node: exp.Expr) -> NumType | None:
        """The Redshift type of an arithmetic or AVG node (None: leave it to DuckDB)."""
        if isinstance(node, exp.Avg):
            arg = self.type_of(node.this)
            if arg is None or arg.kind == "float":
                return None
            return NumType("int8") if arg.is_integer else NumType("numeric", 38, arg.scale)
        left, right = self.type_of(node.left), self.type_of(node.right)
        if left is None or right is None or "float" in (left.kind, right.kind):
            return None
        if left.is_integer and right.is_integer:
            rank = max(("int2", "int4", "int8").index(t.kind) for t in (left, right))
            return NumType(("int4", "int4", "int8")[rank])
        return decimal_result(type(node), left, right)


def _unscaled(sql: str, scale: int) -> str:
    """The integer behind a DECIMAL(·, scale) value (a product with an integer is exact)."""
    return f"CAST(({sql}) * {10**scale} AS HUGEINT)" if scale else f"CAST(({sql}) AS HUGEINT)"


def _rounded_quotient(numerator: str, denominator: str) -> str:
    """Integer division rounded half away from zero (HUGEINT operands)."""
    n, d = numerator, denominator
    return f"(sign({n}) * sign({d}) * ((2 * abs({n}) + abs({d})) // (2 * abs({d}))))"


def _as_decimal(unscaled: str, result: NumType) -> str:
    step = "0." + "0" * (result.scale - 1) + "1" if result.scale else "1"
    return (
        f"CAST(CAST({unscaled} AS DECIMAL(38,0)) * CAST('{step}' AS DECIMAL(38,{result.scale})) "
        f"AS DECIMAL({result.precision},{result.scale}))"
    )


def _raw(duckdb_sql: str) -> exp.Expr:
    """DuckDB SQL text as a node the generator writes out verbatim (no re-parsing)."""
    return exp.Paren(this=exp.Var(this=duckdb_sql))


def _exact_division(node: exp.Div, left: NumType, right: NumType, result: NumType) -> str:
    """``a / b`` computed exactly in integers at the result's scale (DuckDB: DOUBLE).

    Where the integers could overflow the DOUBLE quotient is used instead; a division by
    zero fails either way, as in Redshift.
    """
    a, b = node.left.sql("duckdb"), node.right.sql("duckdb")
    s1, s2 = left.as_decimal().scale, right.as_decimal().scale
    shift = result.scale - s1 + s2
    decimal = f"DECIMAL({result.precision},{result.scale})"
    fallback = f"CAST(({a}) / ({b}) AS {decimal})"
    if shift > MAX_EXACT_DIGITS:
        return fallback
    unscaled_a = _unscaled(a, s1)
    numerator = f"({unscaled_a} * CAST('{10**shift}' AS HUGEINT))"
    exact = _as_decimal(_rounded_quotient(numerator, _unscaled(b, s2)), result)
    limit = f"CAST('{10 ** (MAX_EXACT_DIGITS - shift)}' AS HUGEINT)"
    return f"CASE WHEN abs({unscaled_a}) < {limit} THEN {exact} ELSE {fallback} END"


def _exact_average(node: exp.Avg, result: NumType) -> str:
    """AVG of a DECIMAL at the argument's scale, exactly (DuckDB: DOUBLE)."""
    arg = node.this.sql("duckdb")
    total = _unscaled(f"SUM({arg})", result.scale)
    count = f"CAST(NULLIF(COUNT({arg}), 0) AS HUGEINT)"
    return _as_decimal(_rounded_quotient(total, count), result)


def _rewrite(node: exp.Expr, result: NumType, operands: tuple[NumType, ...]) -> None:
    """Replace ``node`` (or the window / filter around an AVG) by its Redshift-typed form."""
    target: exp.Expr = node
    while isinstance(target.parent, exp.Window | exp.Filter) and target.parent.this is target:
        target = target.parent
    decimal = f"DECIMAL({result.precision},{result.scale})"
    if isinstance(node, exp.Avg) and result.is_integer:
        wrapped: exp.Expr = exp.cast(exp.func("TRUNC", target.copy()), "BIGINT")
    elif isinstance(node, exp.Avg) and target is node and result.kind == "numeric":
        wrapped = _raw(_exact_average(node, result))
    elif isinstance(node, exp.Div) and result.kind == "numeric" and len(operands) == 2:
        wrapped = _raw(_exact_division(node, *operands, result))
    elif result.kind == "numeric":
        wrapped = exp.cast(target.copy(), decimal)
    else:
        return
    target.replace(wrapped)


def _referenced(tree: exp.Expr, schema: dict[str, Any]) -> dict[str, Any]:
    """Only the tables ``tree`` names: building sqlglot's schema costs per table."""
    names = {table.name for table in tree.find_all(exp.Table)}
    return {
        catalog: {
            db: {name: columns for name, columns in tables.items() if name in names}
            for db, tables in dbs.items()
        }
        for catalog, dbs in schema.items()
    }


def apply(
    tree: exp.Expr, schema: dict[str, Any] | Callable[[], dict[str, Any]], catalog: str
) -> exp.Expr:
    """Give DECIMAL arithmetic and AVG in ``tree`` Redshift's result types (in place).

    ``schema`` ({catalog: {schema: {table: {column: DuckDB type}}}}, or a function that
    returns it) is only read when the statement has arithmetic or AVG.
    """
    nodes = [n for n in tree.find_all(*_ARITHMETIC, exp.Avg) if _ID not in n.meta]
    if not nodes:
        return tree
    for index, node in enumerate(nodes):
        node.meta[_ID] = index
    try:
        tables = _referenced(tree, schema() if callable(schema) else schema)
        schema_of_tables = MappingSchema(tables, dialect="duckdb")
        annotated = typed_copy(
            tree, schema_of_tables, dialect="redshift", catalog=catalog, db="public"
        )
    except Exception as exc:  # sqlglot cannot type it: DuckDB's types apply
        log.debug("no Redshift numeric typing for %s: %s", tree.sql("redshift")[:200], exc)
        return tree
    typer = _Typer()
    order: list[int] = []
    for node in reversed(list(annotated.walk(bfs=True))):  # operands before their parents
        index = node.meta.get(_ID)
        if index is not None and index not in typer.computed:
            typer.computed[index] = typer.result(node)
            typer.operands[index] = typer.operand_types(node)
            order.append(index)
    for index in order:
        result = typer.computed[index]
        needs_cast = result is not None and (
            result.kind == "numeric" or (isinstance(nodes[index], exp.Avg) and result.is_integer)
        )
        if needs_cast and result is not None:
            _rewrite(nodes[index], result, typer.operands[index])
    return tree
