"""Role sessions for code running in the local cloud, and the principal behind an access key.

A Lambda handler, a Glue script, a state machine's service integrations and an EventBridge
target act with temporary credentials of their role, issued as ``sts:AssumeRole`` issues
them (moto's STS backend records the session, so ``GetCallerIdentity`` answers
``arn:aws:sts::<account>:assumed-role/<role>/<session>``). An access key resolves to the
session or IAM user it belongs to, with the policies that govern it; any other key (the
operator's dummy credentials) is nobody's, and its requests are the administrator's — as
are a session's of a role ARN that names no role of the local cloud's IAM.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from infra_scripts.localcloud.access.evaluation import Principal

log = logging.getLogger("localcloud")

DEFAULT_SESSION_SECONDS = 12 * 3600  # AssumeRole's maximum for a role allowing it
RENEW_BEFORE = dt.timedelta(minutes=15)  # a cached session this close to expiry is re-issued
_NOBODY_KEPT = 4096  # keys known to be nobody's (the operator's), remembered to skip lookups


@dataclass(frozen=True)
class Credentials:
    """A role session's temporary credentials."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: dt.datetime

    def environment(self) -> dict[str, str]:
        """As a process's AWS_* variables (what Lambda and Glue give their code)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


@dataclass(frozen=True)
class Identity:
    """The principal an access key belongs to, and the policies that decide its requests."""

    principal: Principal
    policies: tuple[Any, ...]  # identity-based: inline and managed documents
    boundary: Any = None  # the permissions boundary's document, if any
    session_policy: Any = None  # AssumeRole's Policy, if one was passed


class Sessions:
    """Issues role sessions and resolves access keys (moto's IAM and STS backends hold them)."""

    def __init__(self) -> None:
        self._issued: dict[tuple[str, str], Any] = {}  # (role ARN, session) → AssumedRole
        self._nobody: set[str] = set()
        self._unknown_roles: set[str] = set()  # warned about once each
        self._lock = threading.Lock()

    def credentials(self, role_arn: str, session_name: str, region: str) -> Credentials:
        """Credentials of a session of ``role_arn`` (one per role and session name, renewed
        before it expires)."""
        from moto.sts.models import sts_backends
        from moto.utilities.utils import get_partition

        key = (role_arn, session_name)
        with self._lock:
            session = self._issued.get(key)
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            if session is None or session.expiration - now < RENEW_BEFORE:
                account = _account_of(role_arn)
                backend = sts_backends[account][get_partition(region)]
                session = backend.assume_role(
                    region_name=region,
                    role_session_name=session_name,
                    role_arn=role_arn,
                    policy=None,
                    duration=DEFAULT_SESSION_SECONDS,
                    external_id=None,
                )
                self._issued[key] = session
        return Credentials(
            session.access_key_id,
            session.secret_access_key,
            session.session_token,
            session.expiration.replace(tzinfo=dt.UTC),
        )

    def identity(self, access_key: str) -> Identity | None:
        """Whose key this is (None: nobody's — the operator's own dummy credentials — or a
        session of a role the local cloud's IAM does not hold)."""
        if not access_key.startswith(("ASIA", "AKIA")) or access_key in self._nobody:
            return None
        session = _session_of(access_key)
        if session is not None:
            return self.role_identity(session.role_arn, session.arn, session.policy or None)
        user = _user(access_key)
        if user is None:  # no session, no user: such a key never becomes one
            with self._lock:
                if len(self._nobody) >= _NOBODY_KEPT:
                    self._nobody.clear()
                self._nobody.add(access_key)
        return user

    def role_identity(
        self, role_arn: str, session_arn: str, session_policy: Any = None
    ) -> Identity | None:
        """A session of ``role_arn`` with the role's policies as they are now; None for a
        role ARN that names no role of the local cloud's IAM (moto accepts any ARN where
        AWS checks it at creation): not restricted, logged once per role."""
        from moto.iam.models import iam_backends

        parts = role_arn.split(":")
        account = _account_of(role_arn)
        partition = parts[1] if len(parts) > 1 and parts[1] else "aws"
        iam = iam_backends[account][partition]
        role = next((r for r in iam.get_roles() if r.arn == role_arn), None)
        if role is None:
            with self._lock:
                unseen = role_arn not in self._unknown_roles
                self._unknown_roles.add(role_arn)
            if unseen:
                log.warning(
                    "IAM: %s is no role of the local cloud's IAM: code acting as it is not "
                    "restricted (AWS refuses such a role when the function, job or state "
                    "machine is created)",
                    role_arn,
                )
            return None
        return Identity(
            Principal(arn=session_arn, account=account, role_arn=role_arn),
            _documents(role),
            boundary=_boundary(iam, role),
            session_policy=session_policy,
        )


def session_arn(role_arn: str, session_name: str) -> str:
    """The ARN of a session of ``role_arn`` (the role's path is not part of it)."""
    parts = role_arn.split(":")
    partition = parts[1] if len(parts) > 1 and parts[1] else "aws"
    role_name = role_arn.rsplit("/", 1)[-1]
    return f"arn:{partition}:sts::{_account_of(role_arn)}:assumed-role/{role_name}/{session_name}"


def _account_of(arn: str) -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else DEFAULT_ACCOUNT_ID


def _session_of(access_key: str) -> Any:
    """moto's record of the role session an access key belongs to, if any."""
    from moto.sts.models import sts_backends

    for by_partition in list(sts_backends.values()):
        for backend in list(by_partition.values()):
            session = backend.get_assumed_role_from_access_key(access_key)
            if session is not None:
                return session
    return None


def _user(access_key: str) -> Identity | None:
    from moto.iam.models import iam_backends

    for account, by_partition in list(iam_backends.items()):
        for _, iam in list(by_partition.items()):
            user = iam.get_user_from_access_key_id(access_key)
            if user is None:
                continue
            documents = list(_documents(user))
            for group in iam.get_groups_for_user(user.name):
                documents.extend(_documents(group))
            return Identity(
                Principal(arn=user.arn, account=account),
                tuple(documents),
                boundary=_boundary(iam, user),
            )
    return None


def _documents(holder: Any) -> tuple[Any, ...]:
    """A role's, user's or group's inline and attached managed policy documents."""
    inline = [_document(text) for text in holder.policies.values()]
    managed = [_default_version(policy) for policy in holder.managed_policies.values()]
    return tuple(inline + [d for d in managed if d is not None])


def _default_version(policy: Any) -> Any:
    for version in policy.versions:
        if version.is_default:
            return _document(version.document)
    return None


def _boundary(iam: Any, holder: Any) -> Any:
    arn = getattr(holder, "permissions_boundary_arn", None)
    if not arn:
        return None
    try:
        return _default_version(iam.get_policy(arn))
    except Exception:  # a boundary that no longer exists allows nothing
        return {"Version": "2012-10-17", "Statement": []}


def _document(text: Any) -> Any:
    """A policy document as moto keeps it (JSON text, sometimes URL-encoded) → a dict
    (shared between requests: read, never changed)."""
    return text if isinstance(text, dict) else _parsed(str(text))


@functools.lru_cache(maxsize=1024)  # each request reads the same few policies
def _parsed(text: str) -> Any:
    if not text.lstrip().startswith("{"):
        text = unquote(text)
    try:
        return json.loads(text)
    except ValueError:
        return {"Version": "2012-10-17", "Statement": []}
