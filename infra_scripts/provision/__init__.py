"""Provision and tear down the whole pipeline with boto3 — one code path for both targets.

    from infra_scripts.provision import deploy, destroy, plan, status
    result = deploy(settings, session)        # idempotent; prints progress
    for change in plan(settings, session): print(change.describe())

Resources are created in dependency order and deleted in reverse; every one is tagged
with the stack name (``retail-kit:stack``) and named from the stack prefix, so two
stacks live side by side.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

from infra_scripts.config import Settings
from infra_scripts.contracts import outputs_entry
from infra_scripts.exceptions import ConfigError, StackMissingError
from infra_scripts.provision import contract_change, policies
from infra_scripts.provision.analytics import (
    AthenaWorkGroup,
    RedshiftNamespace,
    RedshiftWorkgroup,
)
from infra_scripts.provision.artifacts import Artifacts
from infra_scripts.provision.core import Change, Resource, StackContext
from infra_scripts.provision.iam import COMPONENTS, Role
from infra_scripts.provision.notifications import Topic
from infra_scripts.provision.observability import Dashboard, FailedExecutionsAlarm, LogGroup
from infra_scripts.provision.pipeline import (
    ArtifactObjects,
    GlueDatabase,
    GlueJob,
    GlueTable,
    LambdaFunction,
    StateMachine,
    UploadRule,
)
from infra_scripts.provision.s3 import PURPOSES, Bucket
from infra_scripts.provision.views import CuratedView

__all__ = [
    "Change",
    "DeployResult",
    "deploy",
    "destroy",
    "load_outputs",
    "plan",
    "require_stack",
    "stack_resources",
    "status",
]

Progress = Callable[[str], None]
VALIDATE_HANDLER = "pipeline_src.handlers.validate_file.handler"
NOTIFY_HANDLER = "pipeline_src.handlers.notify.handler"


@dataclass
class DeployResult:
    changes: list[Change]
    outputs: dict[str, str]
    seconds: float
    outputs_file: Path | None = None
    created: int = field(init=False)
    updated: int = field(init=False)

    def __post_init__(self) -> None:
        self.created = sum(c.action == "create" for c in self.changes)
        self.updated = sum(c.action == "update" for c in self.changes)


def stack_resources(ctx: StackContext) -> list[Resource]:
    """Every resource of the stack, in creation order."""
    resources: list[Resource] = [Bucket(ctx, purpose) for purpose in PURPOSES]
    resources += [Role(ctx, component) for component in COMPONENTS]
    resources += [LogGroup(ctx, group) for group in policies.lambda_log_groups(ctx)]
    artifacts = Artifacts(ctx.contract)
    resources += [
        LogGroup(ctx, policies.states_log_group(ctx)),
        Topic(ctx),
        GlueDatabase(ctx),
        GlueTable(ctx),
        GlueTable(ctx, loads=True),
        ArtifactObjects(ctx, artifacts),
        LambdaFunction(ctx, artifacts, "validate", VALIDATE_HANDLER, memory_mb=512),
        LambdaFunction(ctx, artifacts, "notify", NOTIFY_HANDLER, memory_mb=256),
        GlueJob(ctx),
        StateMachine(ctx),
        UploadRule(ctx),
        AthenaWorkGroup(ctx),
        CuratedView(ctx),
        RedshiftNamespace(ctx),
        RedshiftWorkgroup(ctx),
        FailedExecutionsAlarm(ctx),
        Dashboard(ctx),
    ]
    return resources


def _quiet(_: str) -> None:
    return None


def plan(settings: Settings, session: boto3.Session) -> list[Change]:
    """What deploy would create or change (actions ``none`` included)."""
    ctx = StackContext.create(settings, session)
    return [resource.plan() for resource in stack_resources(ctx)]


def deploy(settings: Settings, session: boto3.Session, progress: Progress = print) -> DeployResult:
    """Create or update every resource until the stack matches the settings."""
    started = time.monotonic()
    ctx = StackContext.create(settings, session)
    contract_change.check(ctx, progress)  # a breaking contract change stops here
    resources = stack_resources(ctx)
    changes = []
    outputs = {
        "stack": settings.stack_name,
        "region": settings.region,
        **outputs_entry(ctx.contract),
    }
    for index, resource in enumerate(resources, 1):
        change = resource.ensure()
        changes.append(change)
        outputs.update(resource.outputs())
        progress(f"[{index:2}/{len(resources)}] {change.describe()}")
    outputs_file = _save_outputs(settings, outputs)
    result = DeployResult(changes, outputs, time.monotonic() - started, outputs_file)
    progress(
        f"deployed stack {settings.stack_name} ({settings.target}): {result.created} created, "
        f"{result.updated} updated, in {result.seconds:.1f}s; outputs in {outputs_file}"
    )
    return result


def destroy(settings: Settings, session: boto3.Session, progress: Progress = print) -> list[Change]:
    """Delete every resource of the stack (reverse order); a second run is a no-op."""
    ctx = StackContext.create(settings, session)
    resources = list(reversed(stack_resources(ctx)))
    deleted = []
    for index, resource in enumerate(resources, 1):
        existed = resource.remove()
        change = Change("delete" if existed else "none", resource.kind, resource.name)
        if existed:
            deleted.append(change)
        progress(f"[{index:2}/{len(resources)}] {change.describe()}")
    settings.outputs_file.unlink(missing_ok=True)
    progress(f"destroyed stack {settings.stack_name}: {len(deleted)} resources deleted")
    return deleted


def status(settings: Settings, session: boto3.Session) -> dict[str, list[Change]]:
    """The plan grouped by action: what exists and matches, drifted, or is missing."""
    grouped: dict[str, list[Change]] = {"none": [], "update": [], "create": []}
    for change in plan(settings, session):
        grouped[change.action].append(change)
    return grouped


def _save_outputs(settings: Settings, outputs: dict[str, str]) -> Path:
    path = settings.outputs_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(outputs, indent=2, sort_keys=True) + "\n")
    return path


def load_outputs(settings: Settings) -> dict[str, str]:
    """The outputs the last deploy saved for this target and stack ({} if none)."""
    try:
        outputs = json.loads(settings.outputs_file.read_text())
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise ConfigError(
            f"the outputs file {settings.outputs_file} is not valid JSON ({exc}): deploy again "
            "(`retailkit deploy` or notebook 01) to rewrite it"
        ) from exc
    if not isinstance(outputs, dict):
        raise ConfigError(
            f"the outputs file {settings.outputs_file} holds no JSON object: deploy again "
            "(`retailkit deploy` or notebook 01) to rewrite it"
        )
    return outputs


# The buckets require_stack checks (output keys), and the AWS error codes meaning "gone".
_CHECKED_BUCKETS = ("raw_bucket", "processed_bucket")
_GONE_CODES = {"404", "NoSuchBucket", "NotFound", "StateMachineDoesNotExist"}


def _where(settings: Settings) -> str:
    if settings.target == "local":
        return f"the local cloud at {settings.local_endpoint}"
    return f"AWS ({settings.region})"


def _deploy_hint(settings: Settings) -> str:
    command = "retailkit deploy"
    if settings.target != "local":
        command += f" --target {settings.target}"
    if settings.stack_name != Settings.stack_name:
        command += f" --stack {settings.stack_name}"
    return f"run notebook 01 or `{command}`"


def _gone(call: Callable[[], object]) -> bool:
    """True when ``call`` fails because its resource does not exist; other errors raise."""
    try:
        call()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _GONE_CODES:
            return True
        raise
    return False


def require_stack(settings: Settings, session: boto3.Session) -> dict[str, str]:
    """The saved outputs of a stack that still exists; else :class:`StackMissingError`.

    Checks cheaply that the resources the outputs name are there (the raw and processed
    buckets with ``head_bucket``, the state machine with ``describe_state_machine``), so a
    stack lost with its local cloud, or destroyed behind the kit's back, is one clear line.
    """
    outputs_file = settings.outputs_file
    outputs = load_outputs(settings)
    if not outputs:
        raise StackMissingError(
            f"no stack deployed yet (no outputs file {outputs_file} for stack "
            f"{settings.stack_name} on {_where(settings)}): {_deploy_hint(settings)}",
            stack=settings.stack_name,
            outputs_file=str(outputs_file),
        )
    s3 = session.client("s3")
    checks: list[tuple[str, Callable[[], object]]] = [
        (f"bucket {outputs[key]}", lambda name=outputs[key]: s3.head_bucket(Bucket=name))
        for key in _CHECKED_BUCKETS
        if outputs.get(key)
    ]
    if outputs.get("state_machine_arn"):
        arn = outputs["state_machine_arn"]
        sfn = session.client("stepfunctions")
        checks.append(
            (f"state machine {arn}", lambda: sfn.describe_state_machine(stateMachineArn=arn))
        )
    for what, call in checks:
        if _gone(call):
            raise StackMissingError(
                f"the stack {settings.stack_name} recorded in {outputs_file} no longer exists "
                f"on {_where(settings)} ({what} is missing): {_deploy_hint(settings)}",
                stack=settings.stack_name,
                outputs_file=str(outputs_file),
                missing=what,
            )
    return outputs
