"""The IAM actions an AWS API request needs, each on its resource ARN, with its condition keys.

The table is data: ``actions.json`` (its ``_syntax`` note describes it), taken from AWS's
Service Authorization Reference and the services' own permission pages. This module reads it
once and applies it to a request named as botocore names it: service, operation and input
parameters. An operation the table does not list needs ``<prefix>:<Operation>`` on ``*``.

What the parameters cannot tell is filled in predictably: a missing value is ``*`` in the
ARN; an IAM role's path is ``/``; a Redshift Serverless workgroup's ID is its name; the
workgroup of an Athena query given by its ID is ``primary`` unless the caller resolved it and
passed it as ``WorkGroup``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

TABLE = Path(__file__).with_name("actions.json")

_VAR = re.compile(r"\$\{(\w+)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class Authorization:
    """One action the request needs, the resource it applies to, and the request's keys."""

    action: str  # "s3:GetObject"
    resource: str  # "arn:aws:s3:::bucket/key", or "*" when the action has no resource type
    context: Mapping[str, Any] = field(default_factory=dict)  # {"s3:prefix": "data/"}


@functools.cache
def table() -> dict[str, Any]:
    """The table, per botocore service name (``_``-prefixed keys are notes)."""
    with TABLE.open(encoding="utf-8") as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_")}


def needs_no_authorization(service: str, operation: str) -> bool:
    """Whether AWS answers the operation without any permission (sts GetCallerIdentity)."""
    return operation in table().get(service, {}).get("no_authorization", ())


def authorizations(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    region: str,
    account: str,
    partition: str = "aws",
) -> list[Authorization]:
    """Each action ``operation`` needs, on its resource, in the table's order, without repeats."""
    spec = table().get(service)
    if spec is None:
        return [Authorization(f"{service}:{operation}", "*")]
    entries = spec["operations"].get(operation)
    if entries is None:
        return [Authorization(f"{spec['prefix']}:{operation}", "*")]
    builtins = {"Partition": partition, "Region": region, "Account": account}
    found: list[Authorization] = []
    for entry in entries:
        for scope in _scopes(entry, params):
            if not _applies(entry, scope):
                continue
            needed = Authorization(
                entry["action"],
                _resource(service, entry, scope, builtins),
                _context(entry.get("context", {}), scope),
            )
            if needed not in found:
                found.append(needed)
    return found


def _scopes(entry: Mapping[str, Any], params: Mapping[str, Any]) -> Iterator[_Scope]:
    """One scope per item of the entry's ``each`` list (one, without), for sources to read."""
    if "each" not in entry:
        yield _Scope({}, params)
        return
    items = _lookup(params, entry["each"])
    if not isinstance(items, list) or not items:
        items = [{}]
    for item in items:
        yield _Scope(item if isinstance(item, Mapping) else {}, params)


@dataclass(frozen=True)
class _Scope:
    """Where sources are read: the current ``each`` item first, then the request."""

    item: Mapping[str, Any]
    params: Mapping[str, Any]

    def read(self, source: str | list[str]) -> Any:
        """The value of a source (or the first of a list with a value); None when absent."""
        if isinstance(source, list):
            return next((v for s in source if (v := self.read(s)) not in (None, "")), None)
        path, _, name = source.partition("|")
        value = _lookup(self.item, path)
        if value is None:
            value = _lookup(self.params, path)
        return FILTERS[name](value, self.params) if name else value


def _lookup(data: Any, path: str) -> Any:
    """A member path's value: ``Delete.Objects`` descends, ``Targets[].Arn`` maps a list."""
    head, _, rest = path.partition(".")
    name = head.removesuffix("[]")
    value = data.get(name) if isinstance(data, Mapping) else None
    if head.endswith("[]"):
        if not isinstance(value, list):
            return None
        found = [_lookup(item, rest) if rest else item for item in value]
        return [v for v in found if v is not None]
    return _lookup(value, rest) if rest and value is not None else value


def _applies(entry: Mapping[str, Any], scope: _Scope) -> bool:
    """Whether the entry's ``if`` source is present and its ``unless`` source absent."""
    if "if" in entry and scope.read(entry["if"]) in (None, "", [], {}):
        return False
    return not ("unless" in entry and scope.read(entry["unless"]) not in (None, "", [], {}))


def _resource(
    service: str, entry: Mapping[str, Any], scope: _Scope, builtins: Mapping[str, str]
) -> str:
    """The entry's resource ARN: an ARN-valued parameter, else its type's template, else ``*``."""
    kind = resource_type(service, entry["resource"]) if "resource" in entry else {}
    for source in entry.get("from_arn", kind.get("from_arn", [])):
        value = scope.read(source)
        if isinstance(value, str) and value.startswith("arn:"):
            return value
    if not kind:
        return "*"
    sources = {**kind.get("params", {}), **entry.get("params", {})}
    defaults = {**builtins, **kind.get("defaults", {}), **entry.get("defaults", {})}
    values = {}
    for var in _VAR.findall(kind["arn"]):
        if var not in sources and var in builtins:
            values[var] = builtins[var]
            continue
        value = scope.read(sources.get(var, var))
        values[var] = defaults.get(var) if value in (None, "") else str(value)
    return render(kind["arn"], values)


def resource_type(service: str, name: str) -> dict[str, Any]:
    """A resource type as ``{"arn": template, ...}``; ``name`` may be ``service:type``."""
    owner, _, local = name.rpartition(":")
    kind = table()[owner or service]["resources"][local]
    return {"arn": kind} if isinstance(kind, str) else kind


def render(template: str, values: Mapping[str, str | None]) -> str:
    """The template with its variables replaced: ``*`` for an unknown one, and an optional
    ``[...]`` group dropped unless every variable in it is known."""

    def optional(match: re.Match[str]) -> str:
        group = match.group(1)
        return group if all(values.get(v) for v in _VAR.findall(group)) else ""

    text = _OPTIONAL.sub(optional, template)
    return _VAR.sub(lambda m: values.get(m.group(1)) or "*", text)


def _context(keys: Mapping[str, str], scope: _Scope) -> dict[str, Any]:
    """The condition keys whose source has a value (``=text`` is a literal)."""
    context = {}
    for key, source in keys.items():
        value = source[1:] if source.startswith("=") else scope.read(source)
        if value not in (None, "", []):
            context[key] = value
    return context


# Filters: ``member|filter`` sources, for values the table cannot take apart by itself.


def _lambda_parts(value: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """A Lambda ``FunctionName`` (name, ``name:qualifier``, full or partial ARN) as
    (region, account, name, qualifier)."""
    if not isinstance(value, str) or not value:
        return None, None, None, None
    parts = value.split(":")
    if parts[0] == "arn" and len(parts) >= 7:
        return parts[3], parts[4], parts[6], parts[7] if len(parts) > 7 else None
    if len(parts) >= 3 and parts[1] == "function":
        return None, parts[0], parts[2], parts[3] if len(parts) > 3 else None
    return None, None, parts[0], parts[1] if len(parts) > 1 else None


def _lambda_qualifier(value: Any, params: Mapping[str, Any]) -> str | None:
    """The version or alias: the function name's suffix, else the ``Qualifier`` parameter."""
    return _lambda_parts(value)[3] or params.get("Qualifier") or None


def _copy_source(value: Any) -> tuple[str | None, str | None, str | None]:
    """S3's ``CopySource`` (``bucket/key[?versionId=v]``, URL-encoded, or boto3's dict) as
    (bucket, key, version)."""
    if isinstance(value, Mapping):
        return value.get("Bucket"), value.get("Key"), value.get("VersionId")
    if not isinstance(value, str) or not value:
        return None, None, None
    path, _, query = value.lstrip("/").partition("?")
    bucket, _, key = path.partition("/")
    version = parse_qs(query).get("versionId", [None])[0]
    return unquote(bucket) or None, unquote(key) or None, version


def _log_group(value: Any, _params: Mapping[str, Any]) -> str | None:
    """A log group's name from a ``logGroupIdentifier`` (its name, or its ARN with or
    without ``:*``)."""
    if not isinstance(value, str) or not value.startswith("arn:"):
        return value or None
    name = value.split(":log-group:", 1)[-1]
    return name.removesuffix(":*") or None


def _arn_field(index: int) -> Callable[[Any, Mapping[str, Any]], str | None]:
    """A filter reading one field (3 region, 4 account) of an ARN; None for a plain name."""

    def read(value: Any, _params: Mapping[str, Any]) -> str | None:
        if not isinstance(value, str) or not value.startswith("arn:"):
            return None
        fields = value.split(":")
        return fields[index] or None if len(fields) > index else None

    return read


def _custom_bus(value: Any, _params: Mapping[str, Any]) -> str | None:
    """An event bus's name from its name or ARN; None for the default bus (whose rules'
    ARNs name no bus)."""
    if not isinstance(value, str):
        return None
    name = value.rsplit("event-bus/", 1)[-1]
    return None if name in ("", "default") else name


def _arn_parent(value: Any, _params: Mapping[str, Any]) -> str | None:
    """The ARN without its last ``:`` field (an SNS subscription's topic)."""
    return value.rsplit(":", 1)[0] if isinstance(value, str) and value.count(":") > 5 else None


FILTERS: dict[str, Callable[[Any, Mapping[str, Any]], Any]] = {
    "lambda_region": lambda value, _: _lambda_parts(value)[0],
    "lambda_account": lambda value, _: _lambda_parts(value)[1],
    "lambda_name": lambda value, _: _lambda_parts(value)[2],
    "lambda_qualifier": _lambda_qualifier,
    "copy_bucket": lambda value, _: _copy_source(value)[0],
    "copy_key": lambda value, _: _copy_source(value)[1],
    "copy_version": lambda value, _: _copy_source(value)[2],
    "log_group": _log_group,
    "arn_region": _arn_field(3),
    "arn_account": _arn_field(4),
    "custom_bus": _custom_bus,
    "arn_parent": _arn_parent,
}
