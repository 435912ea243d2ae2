"""Glue (Hive) column type strings — ``decimal(10,2)``, ``array<struct<a:string>>`` — parsed.

The Data Catalog keeps a column's type as Hive writes it. :func:`parse_hive_type` reads one
into a :class:`HiveType` tree, which each SQL engine renders in its own dialect (DuckDB for
the scans, Trino for what Athena reports). Type names and struct field names are case
insensitive in Hive: the tree holds them in lower case.

sqlglot's ``exp.DataType.build(text, dialect="hive")`` is not used for this: it silently
drops a struct field named like a keyword (``struct<a:int,select:string>`` becomes
``STRUCT<a: INT>``) and accepts unbalanced text (``array<int``, ``struct<a:int>x``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
COMPLEX_TYPES = ("array", "map", "struct")
_TOKEN = re.compile(r"\s*(?:([<>(),:])|`((?:[^`]|``)*)`|([^\s<>(),:`]+))")


class HiveTypeError(ValueError):
    """A type string that is not a Hive type (unbalanced, or a field without a type)."""


@dataclass(frozen=True)
class HiveType:
    """One Hive type: a scalar with its parameters, or array / map / struct and their parts."""

    name: str  # lower case: "int", "decimal", "varchar", "array", "map", "struct", …
    params: tuple[int, ...] = ()  # decimal(10,2) → (10, 2); varchar(10) → (10,)
    args: tuple[HiveType, ...] = ()  # array: (element,); map: (key, value); struct: field types
    fields: tuple[str, ...] = ()  # struct: the field names, in order (as many as args)

    @property
    def struct_fields(self) -> list[tuple[str, HiveType]]:
        return list(zip(self.fields, self.args, strict=True))

    def __str__(self) -> str:
        """The type as Hive writes it, without blanks (``map<string,decimal(10,2)>``)."""
        if self.name == "struct":
            return "struct<" + ",".join(f"{n}:{t}" for n, t in self.struct_fields) + ">"
        if self.args:
            return f"{self.name}<{','.join(str(a) for a in self.args)}>"
        if self.params:
            return f"{self.name}({','.join(str(p) for p in self.params)})"
        return self.name


def parse_hive_type(text: str) -> HiveType:
    """The :class:`HiveType` of a Glue/Hive type string; :class:`HiveTypeError` if it is none."""
    reader = _Reader(text)
    parsed = _type(reader)
    if reader.peek() is not None:
        raise reader.error(f"unexpected {reader.found()}")
    return parsed


def _type(reader: _Reader) -> HiveType:
    name = reader.name()
    if reader.take("<"):
        if name == "struct":
            fields = reader.separated(lambda: _field(reader), ">")
            return HiveType(
                "struct", args=tuple(t for _, t in fields), fields=tuple(n for n, _ in fields)
            )
        args = reader.separated(lambda: _type(reader), ">")
        expected = {"array": 1, "map": 2}.get(name)
        if expected is not None and len(args) != expected:
            raise reader.error(f"{name} takes {expected} type(s), not {len(args)}")
        return HiveType(name, args=tuple(args))
    if name in COMPLEX_TYPES:
        raise reader.error(f"{name} without <…>")
    if reader.take("("):
        return HiveType(name, params=tuple(reader.separated(reader.number, ")")))
    return HiveType(name)


def _field(reader: _Reader) -> tuple[str, HiveType]:
    name = reader.name()
    reader.expect(":")
    return name, _type(reader)


class _Reader:
    """The tokens of a type string — ``<>(),:``, words, `backticked` names — read in order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []  # (kind, text): "punct", "word" or "quoted"
        self.index = 0
        lowered, position = text.lower().rstrip(), 0
        while position < len(lowered):
            match = _TOKEN.match(lowered, position)
            if match is None:
                raise self.error("unbalanced `")
            punct, quoted, word = match.groups()
            if punct is not None:
                self.tokens.append(("punct", punct))
            elif quoted is not None:
                self.tokens.append(("quoted", quoted.replace("``", "`")))
            else:
                self.tokens.append(("word", word))
            position = match.end()

    def error(self, message: str) -> HiveTypeError:
        return HiveTypeError(f"{message} in type {self.text!r}")

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self, punct: str) -> bool:
        """Step over ``punct`` if it comes next."""
        if self.index < len(self.tokens) and self.tokens[self.index] == ("punct", punct):
            self.index += 1
            return True
        return False

    def expect(self, punct: str) -> None:
        if not self.take(punct):
            raise self.error(f"expected {punct!r}, found {self.found()}")

    def separated(self, item: Callable[[], T], closing: str) -> list[T]:
        """``item, item, …`` up to ``closing``."""
        items = [item()]
        while self.take(","):
            items.append(item())
        self.expect(closing)
        return items

    def name(self) -> str:
        """A backticked name, or one or more words (``double precision``)."""
        if self.index < len(self.tokens) and self.tokens[self.index][0] == "quoted":
            self.index += 1
            return self.tokens[self.index - 1][1]
        words = []
        while self.index < len(self.tokens) and self.tokens[self.index][0] == "word":
            words.append(self.tokens[self.index][1])
            self.index += 1
        if not words:
            raise self.error(f"expected a name, found {self.found()}")
        return " ".join(words)

    def number(self) -> int:
        kind, word = self.tokens[self.index] if self.index < len(self.tokens) else ("", "")
        if kind != "word" or not (word.isascii() and word.isdigit()):
            raise self.error(f"expected a whole number, found {self.found()}")
        self.index += 1
        return int(word)

    def found(self) -> str:
        """What comes next, for an error message."""
        return repr(self.peek()) if self.peek() is not None else "the end"
