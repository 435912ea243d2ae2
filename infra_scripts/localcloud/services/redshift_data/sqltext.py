"""Redshift SQL as text and tokens: splitting, leading keywords, token-level rewrites.

Some Redshift syntax never reaches sqlglot's parser in a usable shape (column-level
``ENCODE`` / ``DISTKEY`` / ``SORTKEY``, ``GETDATE()`` that the parser folds into
CURRENT_TIMESTAMP); it is handled here on the token stream, which knows quotes and comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from infra_scripts.localcloud.services.redshift_data.errors import (
    RedshiftSqlError,
    duckdb_syntax_error,
)

DIALECT = Dialect.get_or_raise("redshift")


class _StatementTokenizer(DIALECT.tokenizer_class):  # type: ignore[name-defined,misc]
    """Redshift's tokenizer, without swallowing the text after UNLOAD / VACUUM / … as one string."""

    COMMANDS: ClassVar[set[TokenType]] = set()


GETDATE_MARKER = "__localcloud_getdate"
_TABLE_ATTRIBUTES_WITH_VALUE = {"ENCODE", "DISTSTYLE", "BACKUP"}
_SORTKEY_PREFIXES = {"COMPOUND", "INTERLEAVED"}


@dataclass(frozen=True)
class Statement:
    """One statement of a SQL text, with its tokens."""

    text: str
    tokens: list[Token]

    def word(self, index: int) -> str:
        """The ``index``-th token's text in upper case ('' past the end)."""
        return self.tokens[index].text.upper() if index < len(self.tokens) else ""

    def words(self, count: int) -> list[str]:
        return [self.word(i) for i in range(count)]


def tokenize(sql: str) -> list[Token]:
    """Redshift tokens of ``sql``; an unterminated string is a syntax error."""
    try:
        return _StatementTokenizer(dialect=DIALECT).tokenize(sql)
    except TokenError as exc:
        raise duckdb_syntax_error(sql) or RedshiftSqlError("unterminated quoted string") from exc


def split_statements(sql: str) -> list[Statement]:
    """The statements of ``sql`` (separated by ``;``), empty ones dropped."""
    statements: list[Statement] = []
    current: list[Token] = []
    for token in [*tokenize(sql), None]:
        if token is None or token.token_type == TokenType.SEMICOLON:
            if current:
                text = sql[current[0].start : current[-1].end + 1]
                statements.append(Statement(text, current))
            current = []
        else:
            current.append(token)
    return statements


def _skip_parens(tokens: list[Token], index: int) -> int:
    """Index after the parenthesised group starting at ``index`` (a ``(`` token)."""
    depth = 0
    for i in range(index, len(tokens)):
        if tokens[i].token_type == TokenType.L_PAREN:
            depth += 1
        elif tokens[i].token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return i + 1
    return len(tokens)


def _is_create_table(statement: Statement) -> bool:
    words = statement.words(4)
    if words[0] != "CREATE":
        return False
    rest = words[1:]
    while rest and rest[0] in {"TEMP", "TEMPORARY", "LOCAL"}:
        rest = rest[1:]
    return bool(rest) and rest[0] == "TABLE"


def _table_attribute_spans(tokens: list[Token]) -> list[tuple[int, int]]:
    """Token index ranges of ENCODE / DISTSTYLE / DISTKEY / SORTKEY / BACKUP clauses."""
    spans: list[tuple[int, int]] = []
    i = 0
    depth = 0
    while i < len(tokens):
        kind = tokens[i].token_type
        depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
        if kind == TokenType.ALIAS and depth == 0:  # CTAS: the query is left alone
            break
        word = tokens[i].text.upper() if kind != TokenType.STRING else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if word in _TABLE_ATTRIBUTES_WITH_VALUE and nxt is not None:
            spans.append((i, i + 2))
            i += 2
        elif word in _SORTKEY_PREFIXES and nxt is not None and nxt.text.upper() == "SORTKEY":
            end = _skip_parens(tokens, i + 2) if i + 2 < len(tokens) else i + 2
            spans.append((i, end))
            i = end
        elif word in {"DISTKEY", "SORTKEY"}:
            if nxt is not None and nxt.token_type == TokenType.L_PAREN:
                end = _skip_parens(tokens, i + 1)
            elif nxt is not None and nxt.text.upper() == "AUTO":
                end = i + 2
            else:
                end = i + 1
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def strip_table_attributes(statement: Statement) -> str:
    """CREATE TABLE text without Redshift's physical-design clauses (accepted, no effect)."""
    if not _is_create_table(statement):
        return statement.text
    base = statement.tokens[0].start
    text = statement.text
    for start, end in reversed(_table_attribute_spans(statement.tokens)):
        first = statement.tokens[start].start - base
        last = statement.tokens[end - 1].end + 1 - base
        text = text[:first] + " " + text[last:]
    return text


def mark_getdate(text: str) -> str:
    """Rename ``GETDATE()`` so the parser keeps it apart from CURRENT_TIMESTAMP."""
    tokens = tokenize(text)
    edits = [
        token
        for i, token in enumerate(tokens)
        if token.text.upper() == "GETDATE"
        and token.token_type != TokenType.STRING
        and i + 1 < len(tokens)
        and tokens[i + 1].token_type == TokenType.L_PAREN
    ]
    for token in reversed(edits):
        text = text[: token.start] + GETDATE_MARKER + text[token.end + 1 :]
    return text
