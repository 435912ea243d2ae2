"""A policy statement's ``Condition`` block, evaluated as AWS documents it.

Sources: "IAM JSON policy elements: Condition operators", "Conditions with multiple context
keys or values", "Single-valued vs. multivalued context keys" and "IAM policy elements:
Variables and tags" (AWS IAM User Guide).

- All operators of a block AND, all keys of one operator AND, the values of one key OR
  (NOR for a negated operator: ``StringNotEquals`` with two values is true when the request's
  value is neither).
- A key absent from the request context: the condition is false, but true for a negated
  operator (``StringNotLike``, ``ArnNotLike``…); ``...IfExists``: true; ``Null``: tests the
  absence itself; ``ForAllValues:``: true; ``ForAnyValue:``: false.
- Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``, the escapes
  ``${*}`` ``${?}`` ``${$}``) are resolved in the values of String and ARN operators only, and
  only in a policy of ``"Version": "2012-10-17"``. A variable whose key is absent (and has no
  default) makes that one value match nothing.
- A multivalued key (a list in the context) tested without ``ForAllValues:``/``ForAnyValue:``
  (which AWS says not to do) matches when any of its values matches (our reading).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*(?:,\s*'([^']*)'\s*)?$")
_ESCAPES = frozenset("*?$")
_FOR_ALL = "ForAllValues:"
_FOR_ANY = "ForAnyValue:"
_IF_EXISTS = "IfExists"

# A value after variable substitution: (text, literal) pieces; literal text (a variable's
# value, an escape) never acts as a wildcard.
Template = tuple[tuple[str, bool], ...]


class ConditionError(ValueError):
    """A Condition block AWS would refuse: an unknown operator, a malformed value."""


class Context:
    """The request context: condition keys looked up case-insensitively (as AWS does)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = {str(key).lower(): value for key, value in values.items()}

    def values(self, key: str) -> list[str] | None:
        """The key's values as strings (a single-valued key gives one), None when absent."""
        value = self._values.get(key.lower())
        if value is None:
            return None
        if isinstance(value, list | tuple | set | frozenset):
            return [_scalar(item) for item in value]
        return [_scalar(value)]

    def scalar(self, key: str) -> str | None:
        """A single-valued key's value (what a policy variable may name), else None."""
        value = self._values.get(key.lower())
        if value is None or isinstance(value, list | tuple | set | frozenset):
            return None
        return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)


# --- policy variables and wildcards -------------------------------------------------------


def substitute(text: str, context: Context, variables: bool = True) -> Template | None:
    """``text`` with its policy variables replaced; None when one names an absent key."""
    if not variables or "${" not in text:
        return ((text, False),)
    pieces: list[tuple[str, bool]] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        pieces.append((text[position : found.start()], False))
        value = _variable(found.group(1), context)
        if value is None:
            return None
        pieces.append((value, True))
        position = found.end()
    pieces.append((text[position:], False))
    return tuple(piece for piece in pieces if piece[0])


def _variable(inner: str, context: Context) -> str | None:
    if inner in _ESCAPES:
        return inner
    parsed = _DEFAULT.match(inner)
    if parsed is None:
        return None
    name, default = parsed.groups()
    value = context.scalar(name)
    return default if value is None else value


def text_of(template: Template) -> str:
    """The template's text, wildcards as plain characters (for exact comparisons)."""
    return "".join(text for text, _ in template)


@functools.lru_cache(maxsize=4096)  # policies repeat: build each pattern once
def wildcard_regex(template: Template, arn_segments: bool = False) -> str:
    """A regular expression for ``*`` (any run) and ``?`` (one character) in the template's
    non-literal text. ``arn_segments``: a wildcard of the first five colon-separated ARN
    segments stays within its segment (ArnLike checks each segment separately)."""
    out: list[str] = []
    colons = 0
    for text, literal in template:
        for char in text:
            confined = arn_segments and colons < 5
            if not literal and char == "*":
                out.append("[^:]*" if confined else ".*")
            elif not literal and char == "?":
                out.append("[^:]" if confined else ".")
            else:
                out.append(re.escape(char))
            colons += char == ":"
    return "".join(out)


def wildcard_match(template: Template, value: str, ignore_case: bool = False) -> bool:
    """Whether ``value`` matches the template's wildcards as a whole."""
    return _compiled(template, ignore_case).fullmatch(value) is not None


@functools.lru_cache(maxsize=4096)
def _compiled(template: Template, ignore_case: bool) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(wildcard_regex(template), flags)


# --- the operators ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Operator:
    """How one base operator reads its policy values and tests one context value."""

    prepare: Callable[[str, Context, bool], Any]  # policy value -> expected (None: unusable)
    test: Callable[[Any, str], bool]  # (expected, context value) -> match
    negated: bool = False


def _template(raw: str, context: Context, variables: bool) -> Template | None:
    return substitute(raw, context, variables)


def _number(raw: str, _context: Context | None = None, _variables: bool = False) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConditionError(f"not a number in a Numeric condition: {raw!r}") from None


def _date(raw: str, _context: Context | None = None, _variables: bool = False) -> dt.datetime:
    """ISO 8601 (a date, or a date and time; UTC unless it says otherwise) or epoch seconds."""
    text = raw.strip()
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return dt.datetime.fromtimestamp(float(text), dt.UTC)
        parsed = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise ConditionError(f"not a date in a Date condition: {raw!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _bool(raw: str, _context: Context, _variables: bool) -> str:
    return raw.lower()


def _plain(raw: str, _context: Context, _variables: bool) -> str:
    return raw


def _network(raw: str, _context: Context, _variables: bool) -> Any:
    try:
        return ipaddress.ip_network(raw.strip(), strict=False)
    except ValueError:
        raise ConditionError(f"not an IP address or CIDR range: {raw!r}") from None


def _compare_numbers(compare: Callable[[float, float], bool]) -> Callable[[float, str], bool]:
    def test(expected: float, actual: str) -> bool:
        try:
            return compare(float(actual), expected)
        except ValueError:
            return False

    return test


def _compare_dates(
    compare: Callable[[dt.datetime, dt.datetime], bool],
) -> Callable[[dt.datetime, str], bool]:
    def test(expected: dt.datetime, actual: str) -> bool:
        try:
            return compare(_date(actual), expected)
        except ConditionError:
            return False

    return test


def _in_network(expected: Any, actual: str) -> bool:
    try:
        return ipaddress.ip_address(actual.strip()) in expected
    except ValueError:
        return False


def _string_equals(expected: Template, actual: str) -> bool:
    return text_of(expected) == actual


def _string_equals_ignore_case(expected: Template, actual: str) -> bool:
    return text_of(expected).casefold() == actual.casefold()


def _string_like(expected: Template, actual: str) -> bool:
    return wildcard_match(expected, actual)


def _arn_like(expected: Template, actual: str) -> bool:
    """ArnEquals and ArnLike alike: each of the six ARN segments, with wildcards."""
    if actual.count(":") < 5:
        return False
    regex = wildcard_regex(expected, arn_segments=True)
    return re.fullmatch(regex, actual, re.DOTALL) is not None


def _operators() -> Mapping[str, _Operator]:
    """The base operators (no set prefix, no IfExists suffix), by name."""
    eq, lt, le = (lambda a, b: a == b), (lambda a, b: a < b), (lambda a, b: a <= b)
    gt, ge = (lambda a, b: a > b), (lambda a, b: a >= b)
    table: dict[str, _Operator] = {
        "StringEquals": _Operator(_template, _string_equals),
        "StringNotEquals": _Operator(_template, _string_equals, negated=True),
        "StringEqualsIgnoreCase": _Operator(_template, _string_equals_ignore_case),
        "StringNotEqualsIgnoreCase": _Operator(_template, _string_equals_ignore_case, negated=True),
        "StringLike": _Operator(_template, _string_like),
        "StringNotLike": _Operator(_template, _string_like, negated=True),
        "ArnEquals": _Operator(_template, _arn_like),
        "ArnLike": _Operator(_template, _arn_like),
        "ArnNotEquals": _Operator(_template, _arn_like, negated=True),
        "ArnNotLike": _Operator(_template, _arn_like, negated=True),
        "Bool": _Operator(_bool, lambda expected, actual: actual.lower() == expected),
        "BinaryEquals": _Operator(_plain, lambda expected, actual: actual == expected),
        "IpAddress": _Operator(_network, _in_network),
        "NotIpAddress": _Operator(_network, _in_network, negated=True),
    }
    for family, prepare, wrap in (
        ("Numeric", _number, _compare_numbers),
        ("Date", _date, _compare_dates),
    ):
        table[f"{family}Equals"] = _Operator(prepare, wrap(eq))
        table[f"{family}NotEquals"] = _Operator(prepare, wrap(eq), negated=True)
        table[f"{family}LessThan"] = _Operator(prepare, wrap(lt))
        table[f"{family}LessThanEquals"] = _Operator(prepare, wrap(le))
        table[f"{family}GreaterThan"] = _Operator(prepare, wrap(gt))
        table[f"{family}GreaterThanEquals"] = _Operator(prepare, wrap(ge))
    return MappingProxyType(table)


_OPERATORS = _operators()


# --- evaluation ---------------------------------------------------------------------------


def matches(block: Any, context: Context, variables: bool = True) -> bool:
    """Whether a statement's ``Condition`` block holds for the request context.

    ``variables``: resolve policy variables (the policy's Version is 2012-10-17).
    Raises :class:`ConditionError` for an unknown operator or a malformed block."""
    if block is None:
        return True
    if not isinstance(block, Mapping):
        raise ConditionError(f"a Condition must be an object, not {type(block).__name__}")
    return all(_operator_holds(name, keys, context, variables) for name, keys in block.items())


def _operator_holds(name: str, keys: Any, context: Context, variables: bool) -> bool:
    if not isinstance(keys, Mapping):
        raise ConditionError(f"condition operator {name} must map keys to values")
    base, qualifier, if_exists = _parse_operator(name)
    if base == "Null":
        if qualifier or if_exists:
            raise ConditionError(f"unsupported condition operator: {name}")
        return all(_null_holds(key, raw, context) for key, raw in keys.items())
    operator = _OPERATORS.get(base)
    if operator is None:
        raise ConditionError(f"unsupported condition operator: {name}")
    return all(
        _key_holds(operator, qualifier, if_exists, key, raw, context, variables)
        for key, raw in keys.items()
    )


def _parse_operator(name: str) -> tuple[str, str | None, bool]:
    """(base operator, set qualifier or None, IfExists) of an operator's name."""
    qualifier = None
    for prefix in (_FOR_ALL, _FOR_ANY):
        if name.startswith(prefix):
            qualifier, name = prefix, name[len(prefix) :]
    if_exists = name.endswith(_IF_EXISTS)
    return (name[: -len(_IF_EXISTS)] if if_exists else name), qualifier, if_exists


def _policy_values(raw: Any) -> list[str]:
    """A key's policy values (one or a list) as strings; JSON booleans as true/false."""
    items = raw if isinstance(raw, list) else [raw]
    if any(isinstance(item, dict | list) or item is None for item in items):
        raise ConditionError(f"condition values must be strings, numbers or booleans: {raw!r}")
    return [_scalar(item) for item in items]


def _null_holds(key: str, raw: Any, context: Context) -> bool:
    """``Null``: "true" when the key is absent (or empty), "false" when present."""
    wanted = _policy_values(raw)
    if any(value.lower() not in ("true", "false") for value in wanted):
        raise ConditionError(f"Null takes true or false, not {raw!r}")
    absent = not context.values(key)
    return any((value.lower() == "true") == absent for value in wanted)


def _key_holds(
    operator: _Operator,
    qualifier: str | None,
    if_exists: bool,
    key: str,
    raw: Any,
    context: Context,
    variables: bool,
) -> bool:
    actual = context.values(key)
    if actual is None:  # absent key: AWS's rules (module docstring)
        if qualifier == _FOR_ALL:
            return True
        if qualifier == _FOR_ANY:
            return False
        return if_exists or operator.negated
    prepared = (operator.prepare(value, context, variables) for value in _policy_values(raw))
    expected = [value for value in prepared if value is not None]

    def value_holds(value: str) -> bool:
        hit = any(operator.test(candidate, value) for candidate in expected)
        return hit != operator.negated

    if qualifier == _FOR_ALL:
        return all(value_holds(value) for value in actual)
    if qualifier == _FOR_ANY:
        return any(value_holds(value) for value in actual)
    hit = any(operator.test(candidate, value) for candidate in expected for value in actual)
    return hit != operator.negated
