"""The local cloud's IAM: who may do what, decided as AWS decides it.

One :class:`AccessControl` per server (``ctx.access``). Requests signed with a role
session's or an IAM user's key are authorised: each action the request needs
(:mod:`.actions`) on its resource, by the principal's identity-based policies, its
permissions boundary and session policy, and the resource's own policy
(:mod:`.resource_policies`), with AWS's evaluation logic (:mod:`.evaluation`). Requests with
any other key — the operator's dummy credentials — are an administrator's and always
allowed. ``enforce=False`` (``retailkit local start --no-iam``) issues the same role
sessions but allows every request.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from infra_scripts.localcloud.access import actions
from infra_scripts.localcloud.access.evaluation import (
    Decision,
    PolicyError,
    Principal,
    Request,
    evaluate,
)
from infra_scripts.localcloud.access.principals import (
    Credentials,
    Identity,
    Sessions,
    session_arn,
)
from infra_scripts.localcloud.access.requests import ApiRequest
from infra_scripts.localcloud.access.resource_policies import resource_policy

log = logging.getLogger("localcloud")

ADMINISTRATOR = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True)
class Denial:
    """A request AWS would refuse: the action, its resource, and AWS's message."""

    action: str
    resource: str
    message: str


@dataclass
class AccessStats:
    """How many requests were authorised and denied, and the time it took."""

    checked: int = 0
    denied: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        mean_us = self.seconds / self.checked * 1e6 if self.checked else 0.0
        return {"checked": self.checked, "denied": self.denied, "mean_us": round(mean_us, 1)}


class AccessControl:
    """Role sessions for the cloud's code, and the decision on each of their requests."""

    def __init__(self, enforce: bool = True) -> None:
        self.enforce = enforce
        self.sessions = Sessions()
        self.stats = AccessStats()
        self._lock = threading.Lock()

    def credentials(self, role_arn: str, session_name: str, region: str) -> Credentials:
        """Temporary credentials of ``role_arn`` for code acting as it."""
        return self.sessions.credentials(role_arn, session_name, region)

    def identity(self, access_key: str) -> Identity | None:
        """The principal of an access key (None: the operator's)."""
        return self.sessions.identity(access_key)

    def operator(self) -> Identity:
        """The operator as an administrator (the identity ``GetCallerIdentity`` gives the
        dummy keys): every action allowed by identity, so only a resource policy's explicit
        Deny refuses it — a bucket policy binds the account's administrators too."""
        from moto.core import DEFAULT_ACCOUNT_ID as ACCOUNT

        principal = Principal(arn=f"arn:aws:sts::{ACCOUNT}:user/moto", account=ACCOUNT)
        return Identity(principal, (ADMINISTRATOR,))

    def authorize(self, identity: Identity, request: ApiRequest) -> Denial | None:
        """None when AWS would allow ``request`` by ``identity``, else the first denial."""
        if not self.enforce or actions.needs_no_authorization(request.service, request.operation):
            return None
        started = time.perf_counter()
        needed = actions.authorizations(
            request.service,
            request.operation,
            request.params,
            region=request.region,
            account=identity.principal.account,
        )
        denial = None
        for needs in needed:
            denial = self._decide(identity, needs.action, needs.resource, dict(needs.context))
            if denial is not None:
                break
        self._count(started, denial)
        return denial

    def authorize_role(
        self, role_arn: str, action: str, resource: str, session_name: str
    ) -> Denial | None:
        """What a service acting as ``role_arn`` may do without a request of its own (an
        EventBridge rule starting its target): None when allowed."""
        if not self.enforce:
            return None
        started = time.perf_counter()
        identity = self.sessions.role_identity(role_arn, session_arn(role_arn, session_name))
        if identity is None:  # no such role in the local cloud's IAM: not restricted (logged)
            return None
        denial = self._decide(identity, action, resource, {})
        self._count(started, denial)
        return denial

    def authorize_service(
        self, service: str, account: str, action: str, resource: str, source_arn: str
    ) -> Denial | None:
        """Whether AWS service ``service`` (``events.amazonaws.com``), acting for
        ``source_arn`` (a rule) of ``account``, may do ``action`` on ``resource``: only the
        resource's policy can allow it (a Lambda function's, for an EventBridge rule)."""
        if not self.enforce:
            return None
        started = time.perf_counter()
        identity = Identity(Principal(arn="", account=account, service=service), ())
        context = {"aws:SourceArn": source_arn, "aws:SourceAccount": account}
        denial = self._decide(identity, action, resource, context)
        self._count(started, denial)
        return denial

    def _decide(
        self, identity: Identity, action: str, resource: str, context: dict[str, Any]
    ) -> Denial | None:
        request = Request(identity.principal, action, resource, _context(identity, context))
        policy, owner = resource_policy(resource) if resource != "*" else (None, None)
        try:
            decision = evaluate(request, identity.policies, policy, owner)
        except PolicyError as exc:  # AWS stores no such policy; here it grants nothing
            log.warning("IAM: a policy of %s cannot be read: %s", identity.principal.arn, exc)
            decision = Decision(False, "no_identity_allow")
        if not decision.allowed:
            return Denial(action, resource, decision.denial_message(request))
        # A permissions boundary and a session policy limit what the policies allow.
        for limit, kind in (
            (identity.boundary, "permissions boundary"),
            (identity.session_policy, "session policy"),
        ):
            if limit is not None and not evaluate(request, (limit,)).allowed:
                return Denial(
                    action,
                    resource,
                    f"User: {identity.principal.arn} is not authorized to perform: {action} "
                    f"on resource: {resource} because no {kind} allows the {action} action",
                )
        return None

    def _count(self, started: float, denial: Denial | None) -> None:
        with self._lock:
            self.stats.checked += 1
            self.stats.denied += denial is not None
            self.stats.seconds += time.perf_counter() - started
        if denial is not None:
            log.warning("access denied: %s", denial.message)


def _context(identity: Identity, request_keys: dict[str, Any]) -> dict[str, Any]:
    """The request context's global condition keys, and the request's own."""
    principal = identity.principal
    now = dt.datetime.now(dt.UTC)
    if principal.service:  # a service principal's request carries only its source
        return {"aws:SecureTransport": "true", **request_keys}
    context: dict[str, Any] = {
        "aws:PrincipalArn": principal.role_arn or principal.arn,
        "aws:PrincipalAccount": principal.account,
        "aws:PrincipalType": "AssumedRole" if principal.role_arn else "User",
        # The local endpoint's plain HTTP stands for the HTTPS every SDK uses on AWS.
        "aws:SecureTransport": "true",
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SourceIp": "127.0.0.1",
    }
    if principal.role_arn is None:
        context["aws:username"] = principal.arn.rsplit("/", 1)[-1]
    context.update(request_keys)
    return context
