"""State machine versions and DescribeStateMachineForExecution, where moto 5.2.5 falls short.

moto publishes versions (``publish=true`` on Create/UpdateStateMachine) and manages aliases,
but has no PublishStateMachineVersion, ListStateMachineVersions or DeleteStateMachineVersion,
and its DescribeStateMachineForExecution described the machine as it is now, not the
definition the execution ran. Behaviour as in AWS's API reference:
https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html,
…/API_ListStateMachineVersions.html, …/API_DeleteStateMachineVersion.html,
…/API_DescribeStateMachineForExecution.html. (moto keeps no revision ids: ``revisionId``
is accepted and not checked.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra_scripts.localcloud.services.stepfunctions.errors import (
    ConflictException,
    InvalidArn,
    InvalidToken,
    ValidationException,
)

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.stepfunctions.api import Call

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def publish_state_machine_version(call: Call) -> Any:
    """A version of the current definition; the existing one if it is already published."""
    from moto.core.responses import ActionResult

    machine = call.backend.describe_state_machine(call.param("stateMachineArn"))
    latest = machine.latest_version
    if latest is None or not _same_revision(latest, machine):
        machine.publish(description=call.param("description"))
        latest = machine.latest_version
    return ActionResult(
        {"creationDate": latest.creation_date, "stateMachineVersionArn": latest.arn}
    )


def _same_revision(version: Any, machine: Any) -> bool:
    return version.definition == machine.definition and version.roleArn == machine.roleArn


def list_state_machine_versions(call: Call) -> Any:
    """Versions, newest first, paged by ``maxResults`` (default 100, at most 1000)."""
    from moto.core.responses import ActionResult

    machine = call.backend.describe_state_machine(call.param("stateMachineArn"))
    page = call.param("maxResults") or DEFAULT_PAGE
    if not 0 <= page <= MAX_PAGE:
        raise ValidationException(
            f"1 validation error detected: Value '{page}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_PAGE}"
        )
    versions = sorted(machine.versions.values(), key=lambda v: v.version, reverse=True)
    start = _page_start(call.param("nextToken"), len(versions))
    items = [
        {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date}
        for v in versions[start : start + page]
    ]
    result: dict[str, Any] = {"stateMachineVersions": items}
    if start + page < len(versions):
        result["nextToken"] = str(start + page)
    return ActionResult(result)


def _page_start(token: str | None, count: int) -> int:
    if token is None:
        return 0
    if not token.isdigit() or int(token) > count:
        raise InvalidToken("The pagination token is not valid.")
    return int(token)


def delete_state_machine_version(call: Call) -> Any:
    """Delete a version no alias routes to (ConflictException otherwise)."""
    from moto.core.responses import EmptyResult

    arn = call.param("stateMachineVersionArn")
    base_arn, _, number = arn.rpartition(":")
    if not number.isdigit():
        raise InvalidArn(f"Invalid Arn: 'Resource type not valid in this context: {arn}'")
    machine = call.backend.describe_state_machine(base_arn)
    version = machine.versions.get(int(number))
    if version is None:
        return EmptyResult()
    routed_by = [
        alias.arn
        for alias in machine.aliases.values()
        if any(r["stateMachineVersionArn"] == arn for r in alias.routing_configuration)
    ]
    if routed_by:
        raise ConflictException(
            "Version to be deleted must not be referenced by an alias. Current list of "
            f"aliases referencing this version: [{', '.join(routed_by)}]"
        )
    del machine.versions[int(number)]
    if machine.latest_version is version:
        remaining = sorted(machine.versions)
        machine.latest_version = machine.versions[remaining[-1]] if remaining else None
    return EmptyResult()


def describe_state_machine_for_execution(call: Call) -> Any:
    """The definition, role and settings the execution ran with."""
    from moto.core.responses import ActionResult

    execution = call.backend.describe_execution(call.param("executionArn"))
    ran = execution.state_machine  # the copy taken when the execution started
    result = {
        "stateMachineArn": execution.state_machine_arn,
        "name": ran.name,
        "definition": ran.definition,
        "roleArn": ran.roleArn,
        "updateDate": ran.update_date,
        "loggingConfiguration": ran.loggingConfiguration,
        "tracingConfiguration": ran.tracingConfiguration,
        "encryptionConfiguration": ran.encryptionConfiguration,
    }
    return ActionResult(result)
