"""AWS's policy evaluation logic, for one request of one principal.

IAM User Guide, "Policy evaluation logic" and "Cross-account policy evaluation logic":

- An applicable explicit ``Deny`` in any identity-based or resource-based policy denies.
- Within one account, an ``Allow`` in an identity-based policy *or* in the resource's policy
  (for a ``Principal`` that names the caller) allows; across accounts both are needed;
  otherwise the request is implicitly denied.
- "AWS JSON policy elements: Principal": an account principal (``"AWS": "123456789012"`` or
  ``arn:aws:iam::123456789012:root``) "delegates authority to the account" and "does not limit
  permissions to only the root user". Our reading: within that account such an ``Allow``
  grants nothing by itself (the account's identity policies decide); across accounts it is
  the resource side's allow; a ``Deny`` on it applies to every principal of the account.
  A role ARN names that role's sessions; ``"*"`` and ``{"AWS": "*"}`` name everyone.
- "NotPrincipal": AWS checks the account, then the role, then the session, so a principal is
  exempt from a ``NotPrincipal`` statement only when its account *and* its user, role or
  session ARN are listed (or ``"*"``, or its service).
- An AWS service principal has no identity policies: only the resource policy can allow it.

Permissions boundaries, session policies, SCPs and RCPs are not evaluated here (the caller
applies boundaries and session policies with :func:`evaluate` on those documents).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import unquote

from infra_scripts.localcloud.access import conditions

__all__ = ["Decision", "PolicyError", "Principal", "Request", "evaluate"]

_VARIABLES_VERSION = "2012-10-17"  # policy variables need this Version ("Variables and tags")


class PolicyError(ValueError):
    """A policy AWS would refuse (not JSON, no Effect, an unknown condition operator…): the
    caller treats it as granting nothing and logs it."""


@dataclass(frozen=True)
class Principal:
    """Who asks: a role session or IAM user (``arn``), or an AWS service (``service``)."""

    arn: str
    account: str
    role_arn: str | None = None  # the role of an assumed-role session (with its path)
    service: str | None = None  # "events.amazonaws.com" when a service principal acts


@dataclass(frozen=True)
class Request:
    """One action on one resource, with the request's condition keys."""

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)


_MESSAGE_ENDINGS = {
    "explicit_deny_identity": "with an explicit deny in an identity-based policy",
    "explicit_deny_resource": "with an explicit deny in a resource-based policy",
    "no_identity_allow": "because no identity-based policy allows the {action} action",
    "no_resource_allow": "because no resource-based policy allows the {action} action",
}


@dataclass(frozen=True)
class Decision:
    """Allowed or not, and why."""

    allowed: bool
    reason: str  # allowed | explicit_deny_identity | explicit_deny_resource
    #              | no_identity_allow | no_resource_allow

    def denial_message(self, request: Request) -> str:
        """AWS's AccessDenied wording for this decision."""
        principal = request.principal
        who = principal.service or principal.arn
        ending = _MESSAGE_ENDINGS.get(self.reason, _MESSAGE_ENDINGS["no_identity_allow"])
        return (
            f"User: {who} is not authorized to perform: {request.action} "
            f"on resource: {request.resource} {ending.format(action=request.action)}"
        )


class _Named(Enum):
    """How a resource-policy statement's principal element names the caller."""

    NO = 0
    DIRECTLY = 1  # "*", the caller's user, role, session or service
    ACCOUNT = 2  # the caller's account (delegation)


@dataclass(frozen=True)
class _Policy:
    statements: tuple[Mapping[str, Any], ...]
    variables: bool


@dataclass(frozen=True)
class _Tally:
    """Which effects apply, from one kind of policy."""

    deny: bool = False
    allow: bool = False  # identity: any allow; resource: an allow naming the caller directly
    account_allow: bool = False  # resource: an allow naming the caller's account


def evaluate(
    request: Request,
    identity_policies: Sequence[Mapping[str, Any] | str],
    resource_policy: Mapping[str, Any] | str | None = None,
    resource_account: str | None = None,
) -> Decision:
    """AWS's decision on ``request`` (``resource_account`` None: the principal's own).

    Raises :class:`PolicyError` for a policy AWS would not accept."""
    context = conditions.Context(request.context)
    identity = _identity_tally([_load(p) for p in identity_policies], request, context)
    resource = (
        _resource_tally(_load(resource_policy), request, context)
        if resource_policy is not None
        else _Tally()
    )
    if identity.deny:
        return Decision(False, "explicit_deny_identity")
    if resource.deny:
        return Decision(False, "explicit_deny_resource")
    principal = request.principal
    if principal.service:  # no identity policies: the resource policy alone decides
        return Decision(True, "allowed") if resource.allow else Decision(False, "no_resource_allow")
    if resource_account is None or resource_account == principal.account:
        if identity.allow or resource.allow:
            return Decision(True, "allowed")
        return Decision(False, "no_identity_allow")
    if not identity.allow:
        return Decision(False, "no_identity_allow")
    if not (resource.allow or resource.account_allow):
        return Decision(False, "no_resource_allow")
    return Decision(True, "allowed")


# --- policies and statements ----------------------------------------------------------------


def _load(policy: Mapping[str, Any] | str) -> _Policy:
    """A policy document (a mapping, JSON text, or URL-encoded JSON as moto may store it)."""
    if isinstance(policy, str):
        text = policy.strip()
        if not text.startswith("{"):
            text = unquote(text)
        try:
            policy = json.loads(text)
        except ValueError:
            raise PolicyError(f"a policy document is not JSON: {text[:80]!r}") from None
    if not isinstance(policy, Mapping):
        raise PolicyError(f"a policy document must be an object, not {type(policy).__name__}")
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, Mapping) for s in statements):
        raise PolicyError("a policy's Statement must be an object or a list of objects")
    for statement in statements:
        _check(statement)
    return _Policy(tuple(statements), policy.get("Version") == _VARIABLES_VERSION)


def _check(statement: Mapping[str, Any]) -> None:
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise PolicyError(f"a statement's Effect must be Allow or Deny: {statement!r}")
    for one, other in (("Action", "NotAction"), ("Resource", "NotResource")):
        if one in statement and other in statement:
            raise PolicyError(f"a statement cannot have both {one} and {other}")
    if "Action" not in statement and "NotAction" not in statement:
        raise PolicyError(f"a statement needs Action or NotAction: {statement!r}")


def _identity_tally(
    policies: list[_Policy], request: Request, context: conditions.Context
) -> _Tally:
    deny = allow = False
    for policy in policies:
        for statement in policy.statements:
            if not _covers(statement, request, context, policy.variables, resource_policy=False):
                continue
            deny |= statement["Effect"] == "Deny"
            allow |= statement["Effect"] == "Allow"
    return _Tally(deny=deny, allow=allow)


def _resource_tally(policy: _Policy, request: Request, context: conditions.Context) -> _Tally:
    deny = allow = account_allow = False
    for statement in policy.statements:
        named = _statement_names(statement, request.principal)
        if named is _Named.NO:
            continue
        if not _covers(statement, request, context, policy.variables, resource_policy=True):
            continue
        if statement["Effect"] == "Deny":
            deny = True
        elif named is _Named.DIRECTLY:
            allow = True
        else:
            account_allow = True
    return _Tally(deny=deny, allow=allow, account_allow=account_allow)


def _covers(
    statement: Mapping[str, Any],
    request: Request,
    context: conditions.Context,
    variables: bool,
    resource_policy: bool,
) -> bool:
    """Whether a statement's Action, Resource and Condition cover the request."""
    if not _action_covered(statement, request.action):
        return False
    if not _resource_covered(statement, request.resource, context, variables, resource_policy):
        return False
    try:
        return conditions.matches(statement.get("Condition"), context, variables)
    except conditions.ConditionError as error:
        raise PolicyError(str(error)) from error


def _listed(statement: Mapping[str, Any], element: str) -> list[str]:
    value = statement[element]
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise PolicyError(f"{element} must be a string or a list of strings: {value!r}")
    return values


def _action_covered(statement: Mapping[str, Any], action: str) -> bool:
    """Action / NotAction: case-insensitive, with ``*`` and ``?`` wildcards."""
    element = "Action" if "Action" in statement else "NotAction"
    hit = any(
        conditions.wildcard_match(((pattern, False),), action, ignore_case=True)
        for pattern in _listed(statement, element)
    )
    return hit if element == "Action" else not hit


def _resource_covered(
    statement: Mapping[str, Any],
    resource: str,
    context: conditions.Context,
    variables: bool,
    resource_policy: bool,
) -> bool:
    """Resource / NotResource: case-sensitive wildcards; a resource policy's statement may
    leave it out (the resource the policy is attached to)."""
    if "Resource" in statement:
        element = "Resource"
    elif "NotResource" in statement:
        element = "NotResource"
    elif resource_policy:
        return True
    else:
        raise PolicyError(
            f"an identity-based statement needs Resource or NotResource: {statement!r}"
        )
    hit = any(
        _resource_matches(pattern, resource, context, variables)
        for pattern in _listed(statement, element)
    )
    return hit if element == "Resource" else not hit


def _resource_matches(
    pattern: str, resource: str, context: conditions.Context, variables: bool
) -> bool:
    """One Resource entry; policy variables only in the part after the fifth colon
    ("IAM policy elements: Variables and tags"); an absent variable key matches nothing."""
    head, separator, tail = _split_after_fifth_colon(pattern)
    resolved = conditions.substitute(tail, context, variables)
    if resolved is None:
        return False
    template = ((head + separator, False), *resolved) if separator else resolved
    return conditions.wildcard_match(template, resource)


def _split_after_fifth_colon(pattern: str) -> tuple[str, str, str]:
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return "", "", pattern
    return ":".join(parts[:5]), ":", parts[5]


# --- principals -----------------------------------------------------------------------------


def _statement_names(statement: Mapping[str, Any], principal: Principal) -> _Named:
    """Whether a resource-policy statement's Principal / NotPrincipal covers the caller."""
    if "NotPrincipal" in statement:
        exempt = _exempt(statement["NotPrincipal"], principal)
        return _Named.NO if exempt else _Named.DIRECTLY
    if "Principal" not in statement:
        return _Named.NO
    return _names(statement["Principal"], principal)


def _entries(element: Any) -> dict[str, list[str]]:
    """A Principal element as {"AWS": [...], "Service": [...], …} ("*" is {"AWS": ["*"]})."""
    if element == "*":
        return {"*": ["*"]}
    if not isinstance(element, Mapping):
        raise PolicyError(f'a Principal must be "*" or an object: {element!r}')
    entries: dict[str, list[str]] = {}
    for kind, values in element.items():
        listed = values if isinstance(values, list) else [values]
        entries[kind] = [str(value) for value in listed]
    return entries


def _names(element: Any, principal: Principal) -> _Named:
    entries = _entries(element)
    if "*" in entries or "*" in entries.get("AWS", []):
        return _Named.DIRECTLY
    if principal.service:
        services = {value.lower() for value in entries.get("Service", [])}
        return _Named.DIRECTLY if principal.service.lower() in services else _Named.NO
    aws = set(entries.get("AWS", []))
    if aws & _identities(principal):
        return _Named.DIRECTLY
    if aws & _account_forms(principal.account):
        return _Named.ACCOUNT
    return _Named.NO


def _exempt(element: Any, principal: Principal) -> bool:
    """NotPrincipal: the caller is exempt when listed at every level AWS checks."""
    entries = _entries(element)
    if "*" in entries or "*" in entries.get("AWS", []):
        return True
    if principal.service:
        return principal.service.lower() in {v.lower() for v in entries.get("Service", [])}
    aws = set(entries.get("AWS", []))
    return bool(aws & _account_forms(principal.account)) and bool(aws & _identities(principal))


def _identities(principal: Principal) -> set[str]:
    """The caller's own ARNs: its user or session ARN, and its role's ARN."""
    return {arn for arn in (principal.arn, principal.role_arn) if arn}


def _account_forms(account: str) -> set[str]:
    return {account, f"arn:aws:iam::{account}:root"} if account else set()
