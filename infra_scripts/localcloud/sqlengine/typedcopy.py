"""sqlglot's types of a statement's expressions, read off a qualified copy of it.

Both engines give DECIMAL arithmetic and AVG their warehouse's result types (Trino's for
Athena, Redshift's for Redshift); what they read the operand types from is the same: a copy
of the statement, qualified against the tables' columns and annotated by sqlglot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from sqlglot import exp

if TYPE_CHECKING:
    from sqlglot.schema import Schema

E = TypeVar("E", bound=exp.Expr)
# The copy only serves to read types off: no quoting, no failure on a column it cannot place.
_ONLY_TO_READ_TYPES = {
    "validate_qualify_columns": False,
    "quote_identifiers": False,
    "identify": False,
}


def typed_copy(
    tree: E, schema: Schema, *, dialect: str, catalog: str | None = None, db: str | None = None
) -> E:
    """A copy of ``tree`` whose nodes carry sqlglot's types (``node.type``).

    Its columns are qualified (``catalog`` and ``db`` are the defaults of unqualified
    tables) but neither quoted nor validated: a column sqlglot cannot place stays untyped.
    Raises what sqlglot raises when it cannot qualify the statement.
    """
    from sqlglot.optimizer.annotate_types import annotate_types  # on first use: most
    from sqlglot.optimizer.qualify import qualify  # statements have no DECIMAL to type

    copy = qualify(
        tree.copy(), dialect=dialect, db=db, catalog=catalog, schema=schema, **_ONLY_TO_READ_TYPES
    )
    return annotate_types(copy, schema=schema, dialect=dialect)
