"""DataScannedInBytes as Athena counts it: the bytes a query actually reads.

* Text formats (CSV, JSON): the whole files of the partitions the query reads.
* Parquet: per file, the compressed size (``total_compressed_size``) of the column chunks
  of the columns the query references, in the row groups it reads. Partition columns cost
  nothing (their values come from the catalog). A query that references no column of the
  table (``SELECT count(*) FROM t``) reads only the files' footers: it counts each file's
  footer (Thrift metadata + 8 bytes of length and magic).
* Row groups are skipped by their min/max statistics for ``WHERE`` conjuncts of the form
  ``column <op> literal`` (``=``, ``<``, ``<=``, ``>``, ``>=``, either side), ``BETWEEN``
  and ``IN (literals)`` on a numeric or string column of the table. ``OR``, ``NOT``,
  ``<>``, ``LIKE``, functions, casts and date/timestamp literals never prune: those row
  groups are counted. Row groups without statistics are counted.

Footers are read once per file version: the metadata is kept on the mirror (its ``facts``)
under the file's path, with its size and mtime, and re-read when either changes.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlglot import exp

_NUMERIC = ("tinyint", "smallint", "int", "integer", "bigint", "float", "real", "double")
_STRING = ("string", "varchar", "char")
_FACT_KEY = "athena-scan-chunks"


@dataclass(frozen=True)
class RowGroupChunks:
    sizes: dict[str, int]  # top-level column (lower case) → compressed bytes in this group
    stats: dict[str, tuple[Any, Any]]  # leaf top-level column → (min, max) when known


@dataclass(frozen=True)
class FileChunks:
    footer: int
    row_groups: tuple[RowGroupChunks, ...]


def _read_chunks(path: Path) -> FileChunks:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    meta = pf.metadata
    groups = []
    for i in range(meta.num_row_groups):
        rg = meta.row_group(i)
        sizes: dict[str, int] = {}
        stats: dict[str, tuple[Any, Any]] = {}
        for j in range(rg.num_columns):
            chunk = rg.column(j)
            path_in_schema = chunk.path_in_schema
            top = path_in_schema.split(".", 1)[0].lower()
            sizes[top] = sizes.get(top, 0) + int(chunk.total_compressed_size)
            st = chunk.statistics
            if "." not in path_in_schema and st is not None and st.has_min_max:
                with contextlib.suppress(Exception):  # undecodable statistics: never prune
                    stats[top] = (st.min, st.max)
        groups.append(RowGroupChunks(sizes, stats))
    return FileChunks(footer=int(meta.serialized_size) + 8, row_groups=tuple(groups))


def file_chunks(path: Path, cache: dict | None) -> FileChunks:
    """The column-chunk sizes of a Parquet file, cached by (path, size, mtime)."""
    st = path.stat()
    stamp = (st.st_size, st.st_mtime_ns)
    key = (path, _FACT_KEY)
    known = cache.get(key) if cache is not None else None
    if isinstance(known, tuple) and known[0] == stamp:
        return known[1]
    chunks = _read_chunks(path)
    if cache is not None:
        cache[key] = (stamp, chunks)
    return chunks


# --- which columns of a table a query reads ------------------------------------------------


def _names(node: exp.Expression) -> set[str]:
    return {
        n.alias_or_name.lower()
        for n in node.find_all(exp.Table, exp.Subquery, exp.CTE, exp.TableAlias)
        if n.alias_or_name
    }


def referenced_columns(
    node: exp.Table, columns: list[str], root: exp.Expression, alias: str
) -> set[str] | None:
    """The columns of ``columns`` (lower case) the query may read from the table at ``node``.

    Conservative: every column of the table's SELECT (and of its subqueries) that is
    unqualified, qualified by the table's alias/name, or qualified by a name that is no
    relation of the query (struct access) counts. None: all columns (a star, a NATURAL join
    or a table outside a plain SELECT).
    """
    parent = node.parent
    select = parent.parent if isinstance(parent, exp.From | exp.Join) else None
    if not isinstance(select, exp.Select):
        return None
    known = set(columns)
    own = {alias, node.name.lower()}
    relations = _names(root) - own
    for projection in select.expressions:
        if isinstance(projection, exp.Star):
            return None
        if isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
            qualifier = (projection.table or "").lower()
            if qualifier in own or qualifier not in relations:
                return None
    for join in select.args.get("joins") or []:
        if join.args.get("kind") and str(join.args.get("kind")).upper() == "NATURAL":
            return None
        if str(join.args.get("method") or "").upper() == "NATURAL":
            return None
    found: set[str] = set()
    for join in select.args.get("joins") or []:
        for ident in join.args.get("using") or []:
            found.add(ident.name.lower())
    for column in select.find_all(exp.Column):
        parts = [p.name.lower() for p in column.parts if isinstance(p, exp.Identifier)]
        if not parts:
            continue
        if isinstance(column.this, exp.Star):
            continue
        qualifiers = parts[:-1]
        if not qualifiers or qualifiers[-1] in own:
            found.add(parts[-1])
        if any(q not in relations for q in qualifiers):  # maybe a struct column's fields
            found.update(qualifiers)
            found.add(parts[-1])
    return found & known


# --- row groups ----------------------------------------------------------------------------


def _literal(node: exp.Expression) -> Any:
    negative = False
    if isinstance(node, exp.Neg):
        negative, node = True, node.this
    if not isinstance(node, exp.Literal):
        return None
    if node.is_string:
        return None if negative else node.this
    try:
        value: Any = int(node.this)
    except ValueError:
        try:
            value = Decimal(node.this)
        except ArithmeticError:
            return None
    return -value if negative else value


_FLIP = {"eq": "eq", "lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte"}
_OPS = {exp.EQ: "eq", exp.LT: "lt", exp.LTE: "lte", exp.GT: "gt", exp.GTE: "gte"}


@dataclass(frozen=True)
class Bound:
    column: str
    op: str  # eq | lt | lte | gt | gte | in
    value: Any


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    if isinstance(condition, exp.And):
        return _conjuncts(condition.left) + _conjuncts(condition.right)
    if isinstance(condition, exp.Paren):
        return _conjuncts(condition.this)
    return [condition]


@dataclass(frozen=True)
class TableFilter:
    """The ``AND``-ed conditions of the WHERE of the SELECT that reads a table directly."""

    conjuncts: list[exp.Expression]
    joins: list[exp.Expression]  # the SELECT's joins (an unqualified column is ambiguous)


def table_filter(node: exp.Table) -> TableFilter | None:
    """The WHERE conditions that filter the table at ``node`` alone, or None: no WHERE, the
    table is not directly in a FROM/JOIN, or it is on the null-supplying side of an outer
    join (there WHERE does not filter it before the join)."""
    parent = node.parent
    select = parent.parent if isinstance(parent, exp.From | exp.Join) else None
    if not isinstance(select, exp.Select) or select.args.get("where") is None:
        return None
    joins = select.args.get("joins") or []
    if isinstance(parent, exp.Join):
        if str(parent.args.get("side") or "").upper() in ("LEFT", "FULL"):
            return None
    elif any(str(j.args.get("side") or "").upper() in ("RIGHT", "FULL") for j in joins):
        return None
    return TableFilter(_conjuncts(select.args["where"].this), joins)


def row_group_bounds(
    node: exp.Table, alias: str, types: dict[str, str], partition_keys: set[str]
) -> list[Bound]:
    """Conjuncts of the table's WHERE that min/max statistics can decide (see module doc)."""
    where = table_filter(node)
    if where is None:
        return []
    joins = where.joins
    own = {alias, node.name.lower()}

    def column_of(side: exp.Expression) -> str | None:
        if not isinstance(side, exp.Column) or not isinstance(side.this, exp.Identifier):
            return None
        if side.table and side.table.lower() not in own:
            return None
        if not side.table and joins:
            return None
        if side.args.get("db"):
            return None
        name = side.name.lower()
        return name if name in types and name not in partition_keys else None

    def fits(name: str, value: Any) -> bool:
        base = types[name].lower().split("(", 1)[0].strip()
        if isinstance(value, str):
            return base in _STRING
        return base in _NUMERIC or base == "decimal"

    bounds = []
    for conjunct in where.conjuncts:
        op = _OPS.get(type(conjunct))
        if op is not None:
            left, right = conjunct.left, conjunct.right
            name, value = column_of(left), _literal(right)
            if name is None:
                name, value, op = column_of(right), _literal(left), _FLIP[op]
            if name is not None and value is not None and fits(name, value):
                bounds.append(Bound(name, op, value))
        elif isinstance(conjunct, exp.Between):
            name = column_of(conjunct.this)
            low, high = _literal(conjunct.args["low"]), _literal(conjunct.args["high"])
            if name and None not in (low, high) and fits(name, low) and fits(name, high):
                bounds += [Bound(name, "gte", low), Bound(name, "lte", high)]
        elif isinstance(conjunct, exp.In) and not conjunct.args.get("query"):
            name = column_of(conjunct.this)
            values = [_literal(v) for v in conjunct.expressions]
            if name and values and all(v is not None and fits(name, v) for v in values):
                bounds.append(Bound(name, "in", tuple(values)))
    return bounds


def _excluded(bound: Bound, low: Any, high: Any) -> bool:
    """True when no value in [low, high] can satisfy ``bound``."""
    try:
        if bound.op == "eq":
            return bound.value < low or bound.value > high
        if bound.op == "lt":
            return low >= bound.value
        if bound.op == "lte":
            return low > bound.value
        if bound.op == "gt":
            return high <= bound.value
        if bound.op == "gte":
            return high < bound.value
        if bound.op == "in":
            return all(v < low or v > high for v in bound.value)
    except TypeError:  # statistics of another type than the literal: never prune
        return False
    return False


def _normalise(value: Any) -> Any:
    if isinstance(value, float | int | Decimal | str):
        return value
    return None


def parquet_bytes(
    paths: list[Path], columns: set[str] | None, bounds: list[Bound], cache: dict | None
) -> int:
    """Bytes a query reads from Parquet ``paths`` (see module doc); columns None: all."""
    total = 0
    for path in paths:
        if not path.exists():
            continue
        try:
            chunks = file_chunks(path, cache)
        except Exception:  # unreadable footer: the query reports it; count all
            total += path.stat().st_size
            continue
        if columns is not None and not columns:
            total += chunks.footer
            continue
        for group in chunks.row_groups:
            skip = False
            for bound in bounds:
                stat = group.stats.get(bound.column)
                if stat is None:
                    continue
                low, high = _normalise(stat[0]), _normalise(stat[1])
                if low is not None and high is not None and _excluded(bound, low, high):
                    skip = True
                    break
            if skip:
                continue
            total += sum(
                size for name, size in group.sizes.items() if columns is None or name in columns
            )
    return total


def text_bytes(paths: list[Path]) -> int:
    """Text formats are read whole (no column or row-group pruning), as Athena reads them."""
    return sum(p.stat().st_size for p in paths if p.exists())
