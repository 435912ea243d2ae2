"""One typed settings object, from defaults, ``RETAIL_KIT_*`` variables and explicit overrides."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from infra_scripts.exceptions import ConfigError
from pipeline_src import contracts
from pipeline_src.contracts import model
from pipeline_src.contracts.model import Contract

Target = Literal["local", "aws"]
TARGETS: tuple[str, ...] = ("local", "aws")
ENV_PREFIX = "RETAIL_KIT_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)
DEFAULT_CONTRACT = model.DEFAULT  # the first business
DEFAULT_STACK = "retail-kit"
_STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")


@dataclass(frozen=True)
class Settings:
    """Where and how the kit runs.

    Every field can be set with an environment variable ``RETAIL_KIT_<FIELD>``
    (e.g. ``RETAIL_KIT_TARGET=aws``) or passed to :meth:`load`.
    """

    target: Target = "local"
    region: str = "us-east-1"
    stack_name: str = DEFAULT_STACK
    # The business's data contract: a bundled name (bookstore, cafe) or a path to a file.
    # Another business than the bookstore gets its own stack, retail-kit-<business>, unless
    # stack_name is set.
    contract: str = DEFAULT_CONTRACT
    local_port: int = 4566
    state_dir: Path = field(default_factory=lambda: PROJECT_ROOT / ".localcloud")
    # Keep the local cloud's state in memory only (lost at stop) instead of in state_dir/state.
    local_ephemeral: bool = False
    # Evaluate IAM for code running in the local cloud (its roles); false: allow everything.
    local_iam: bool = True
    email: str = "owner@example.com"
    # Provisioning knobs (each one a drift that `retailkit plan` reports when changed).
    log_retention_days: int = 14
    athena_scan_limit_mb: int = 1024
    redshift_base_rpu: int = 8
    redshift_max_rpu_hours_per_day: int = 4

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ConfigError(f"target must be one of {TARGETS}, got {self.target!r}")
        if not _STACK_NAME.match(self.stack_name):
            raise ConfigError(
                f"stack_name {self.stack_name!r} must be 3-32 characters of lowercase "
                "letters, digits and hyphens, starting with a letter"
            )
        if not 1 <= self.local_port <= 65535:
            raise ConfigError(f"local_port must be 1-65535, got {self.local_port}")
        if not re.match(r"^[a-z]{2}(-[a-z]+)+-\d$", self.region):
            raise ConfigError(f"region {self.region!r} does not look like an AWS region")
        if self.log_retention_days not in _LOG_RETENTION_DAYS:
            raise ConfigError(
                f"log_retention_days must be one CloudWatch accepts ({_LOG_RETENTION_DAYS}), "
                f"got {self.log_retention_days}"
            )
        if self.redshift_base_rpu < 8 or self.redshift_base_rpu % 8:
            raise ConfigError(
                f"redshift_base_rpu must be 8, 16, 24, …; got {self.redshift_base_rpu}"
            )
        if self.athena_scan_limit_mb < 10 or self.redshift_max_rpu_hours_per_day < 1:
            raise ConfigError(
                "athena_scan_limit_mb must be ≥ 10 and redshift_max_rpu_hours_per_day ≥ 1"
            )
        if "@" not in self.email:
            raise ConfigError(f"email {self.email!r} is not an e-mail address")

    @property
    def outputs_file(self) -> Path:
        """Where deploy() saves this stack's outputs (names, ARNs, URLs) for this target.

        Local stacks live as long as their local cloud, so their outputs sit in its state dir.
        """
        if self.target == "local":
            return Path(self.state_dir) / "outputs" / f"{self.stack_name}.json"
        return PROJECT_ROOT / ".retailkit" / f"aws-{self.region}-{self.stack_name}.json"

    @property
    def local_endpoint(self) -> str:
        """The local cloud's endpoint URL (used only when ``target == 'local'``)."""
        return f"http://127.0.0.1:{self.local_port}"

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``RETAIL_KIT_*`` from ``env`` (default ``os.environ``), then overrides.

        Overrides whose value is ``None`` are ignored, so notebook parameters can
        default to ``None`` and mean "use the environment".
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw not in (None, ""):
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        for name in _INT_FIELDS & set(values):
            try:
                values[name] = int(values[name])
            except (TypeError, ValueError):
                raise ConfigError(f"{name} must be an integer, got {values[name]!r}") from None
        for name in _BOOL_FIELDS & set(values):
            values[name] = _boolean(name, values[name])
        if "state_dir" in values:
            values["state_dir"] = Path(values["state_dir"]).expanduser().resolve()
        if "target" in values:
            values["target"] = str(values["target"]).strip().lower()
        if "contract" in values and "stack_name" not in values:
            values["stack_name"] = default_stack_name(business_name(str(values["contract"])))
        return cls(**values)

    @property
    def business(self) -> str:
        """The name of the contract's business (``bookstore``, ``cafe`` …)."""
        return business_name(self.contract)

    def load_contract(self) -> Contract:
        """The chosen contract, read and checked (a :class:`ContractInvalid` names each problem)."""
        return model.get(self.contract)


def business_name(contract: str) -> str:
    """The business a contract setting names (a bundled name, or read from the file)."""
    if contract in contracts.bundled():
        return contract
    try:
        return model.get(contract).name
    except contracts.ContractInvalid as exc:
        raise ConfigError(f"contract: {exc}") from None


def default_stack_name(business: str) -> str:
    """``retail-kit`` for the bookstore (the first business), ``retail-kit-<business>`` else."""
    if business == DEFAULT_CONTRACT:
        return DEFAULT_STACK
    return f"{DEFAULT_STACK}-{business.replace('_', '-')}"[:32].rstrip("-")


_INT_FIELDS = {f.name for f in dataclasses.fields(Settings) if f.type in ("int", int)}
_BOOL_FIELDS = {f.name for f in dataclasses.fields(Settings) if f.type in ("bool", bool)}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigError(f"{name} must be true or false (1/0, yes/no), got {value!r}")
