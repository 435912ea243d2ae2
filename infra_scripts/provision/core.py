"""The provisioning model: resources that know their desired and current state.

Every resource answers ``current()`` (its live attributes, or None when absent) and
``desired()`` (the same attributes as the settings want them); the difference is the
plan. ``ensure`` creates or updates until they match; ``delete`` is idempotent.
"""

from __future__ import annotations

import abc
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import boto3
from botocore.exceptions import ClientError

from infra_scripts.config import Settings
from infra_scripts.session import CLIENT_CONFIG
from pipeline_src.contracts.model import Contract
from pipeline_src.etl.table import curated_view_name, loads_table_name

Action = Literal["create", "update", "delete", "none"]
STACK_TAG = "retail-kit:stack"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Change:
    """One line of a plan: what would happen to one resource, and why."""

    action: Action
    kind: str
    name: str
    details: tuple[str, ...] = ()

    def describe(self) -> str:
        symbol = {"create": "+", "update": "~", "delete": "-", "none": "="}[self.action]
        text = f"{symbol} {self.kind} {self.name}"
        return text + (f"  ({'; '.join(self.details)})" if self.details else "")


@dataclass(frozen=True)
class StackNames:
    """Every resource name of one stack, derived from its name (two stacks live side by side)."""

    stack: str
    account: str
    region: str

    @property
    def _suffix(self) -> str:  # keeps bucket names globally unique and ≤ 63 characters
        return hashlib.sha256(f"{self.account}/{self.region}".encode()).hexdigest()[:8]

    def bucket(self, purpose: str) -> str:
        return f"{self.stack}-{purpose}-{self._suffix}"

    def role(self, component: str) -> str:
        return f"{self.stack}-{component}"

    @property
    def function(self) -> str:
        return f"{self.stack}-validate-file"

    @property
    def notify_function(self) -> str:
        return f"{self.stack}-notify"

    @property
    def job(self) -> str:
        return f"{self.stack}-etl"

    @property
    def state_machine(self) -> str:
        return f"{self.stack}-pipeline"

    @property
    def topic(self) -> str:
        return f"{self.stack}-notifications"

    @property
    def rule(self) -> str:
        return f"{self.stack}-raw-upload"

    @property
    def database(self) -> str:
        return self.stack.replace("-", "_")

    @property
    def table(self) -> str:
        return "sales"

    @property
    def loads_table(self) -> str:
        return loads_table_name(self.table)

    @property
    def curated_view(self) -> str:
        return curated_view_name(self.table)

    @property
    def workgroup(self) -> str:
        return f"{self.stack}-analytics"

    @property
    def redshift_namespace(self) -> str:
        return f"{self.stack}-ns"

    @property
    def redshift_workgroup(self) -> str:
        return f"{self.stack}-wg"

    @property
    def alarm(self) -> str:
        return f"{self.stack}-failed-executions"

    @property
    def dashboard(self) -> str:
        return f"{self.stack}-pipeline"


@dataclass
class StackContext:
    """What every resource needs: settings, the session, names, account and tags."""

    settings: Settings
    session: boto3.Session
    account: str
    contract: Contract
    _clients: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings, session: boto3.Session) -> StackContext:
        account = session.client("sts", config=CLIENT_CONFIG).get_caller_identity()["Account"]
        contract = settings.load_contract()
        return cls(settings=settings, session=session, account=account, contract=contract)

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def names(self) -> StackNames:
        return StackNames(self.settings.stack_name, self.account, self.region)

    @property
    def partition(self) -> str:
        return self.session.get_partition_for_region(self.region)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, region_name=self.region, config=CLIENT_CONFIG
            )
        return self._clients[service]

    @property
    def tags(self) -> dict[str, str]:
        return {STACK_TAG: self.settings.stack_name, "project": "retail-pipeline-kit"}

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = self.region if region else ""
        account = "" if service == "s3" else self.account
        return f"arn:{self.partition}:{service}:{where}:{account}:{resource}"


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def absent_on(call: Callable[[], Any], *codes: str) -> Any | None:
    """``call()``, or None when AWS answers with one of the NotFound ``codes``."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise


def canonical(value: Any) -> str:
    """A stable text form for comparing policies and other documents."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Resource(abc.ABC):
    """One AWS resource of the stack."""

    kind: ClassVar[str]

    def __init__(self, ctx: StackContext, name: str) -> None:
        self.ctx = ctx
        self.name = name

    @abc.abstractmethod
    def current(self) -> dict[str, Any] | None:
        """Live attributes (the keys of :meth:`desired`), or None when it does not exist."""

    @abc.abstractmethod
    def desired(self) -> dict[str, Any]:
        """The attributes the settings want."""

    @abc.abstractmethod
    def create(self) -> None: ...

    @abc.abstractmethod
    def update(self, drift: list[str]) -> None:
        """Bring the drifted attributes (keys of :meth:`desired`) back to the desired values."""

    @abc.abstractmethod
    def remove(self) -> bool:
        """Delete it; False if it did not exist."""

    def outputs(self) -> dict[str, str]:
        return {}

    def drift(self, current: dict[str, Any]) -> list[str]:
        want = self.desired()
        return [key for key, value in want.items() if current.get(key) != value]

    def plan(self) -> Change:
        current = self.current()
        if current is None:
            return Change("create", self.kind, self.name)
        drift = self.drift(current)
        if not drift:
            return Change("none", self.kind, self.name)
        details = tuple(
            _describe_drift(key, current.get(key), self.desired()[key]) for key in drift
        )
        return Change("update", self.kind, self.name, details)

    def ensure(self) -> Change:
        """Create or update until the resource matches :meth:`desired`; return what was done."""
        change = self.plan()
        if change.action == "create":
            self.create()
        elif change.action == "update":
            self.update(self.drift(self.current() or {}))
        return change


def _describe_drift(key: str, have: Any, want: Any) -> str:
    def short(value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        return text if len(text) <= 40 else text[:37] + "…"

    return f"{key}: {short(have)} → {short(want)}"
