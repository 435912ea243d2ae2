"""Starting executions moto 5.2.5 cannot start: of a version, through an alias, of an
EXPRESS state machine.

moto's ``StartExecution`` looked a version ARN up and then crashed ("'StateMachineVersion'
object has no attribute '_handle_name_input_idempotency'"), did not know alias ARNs
(StateMachineDoesNotExist), and ran EXPRESS machines as STANDARD ones. Here:

- a version ARN (``…:stateMachine:NAME:3``) runs that version's definition; an alias ARN
  (``…:stateMachine:NAME:ALIAS``) runs one of its versions, picked by the routing weights;
  DescribeExecution then names ``stateMachineVersionArn`` / ``stateMachineAliasArn``
  (https://docs.aws.amazon.com/step-functions/latest/dg/execution-alias-version-associate.html);
- an EXPRESS machine's execution gets an express ARN
  (``arn:aws:states:REGION:ACCOUNT:express:MACHINE:NAME:ID``) and runs in the background
  with the EXPRESS execution type; as on AWS it is not listed or described
  (DescribeExecution/ListExecutions do not support EXPRESS executions);
- CreateStateMachine of an EXPRESS machine refuses what Express workflows do not support
  (activities, ``.sync`` and ``.waitForTaskToken``) with InvalidDefinition.

Every other StartExecution is moto's (patched by :mod:`.patches`) unchanged. This module
imports moto's interpreter: it is imported once the interpreter is loaded.
"""

from __future__ import annotations

import copy
import datetime
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.stepfunctions.parser.api import StateMachineType
from moto.stepfunctions.parser.backend.execution import Execution

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.services.stepfunctions.errors import (
    InvalidDefinition,
    InvalidExecutionInput,
    StateMachineDoesNotExist,
)
from infra_scripts.localcloud.services.stepfunctions.records import Origin, StepFunctionsRecords

EXPRESS = "EXPRESS"


@dataclass(frozen=True)
class Target:
    """What an ARN passed to StartExecution names: a machine, maybe one of its versions."""

    machine: Any  # moto's StateMachine
    version: Any | None = None  # moto's StateMachineVersion
    alias_arn: str | None = None

    @property
    def definition_source(self) -> Any:
        return self.version if self.version is not None else self.machine


def resolve(backend: Any, arn: str) -> Target:
    """The machine, version or alias ``arn`` names (StateMachineDoesNotExist if none)."""
    backend._validate_machine_arn(arn)
    parts = arn.split(":")
    if len(parts) == 7:
        return Target(backend.describe_state_machine(arn))
    base_arn, qualifier = ":".join(parts[:7]), parts[7]
    machine = backend.describe_state_machine(base_arn)
    if qualifier.isdigit():
        version = machine.versions.get(int(qualifier))
        if version is None:
            raise StateMachineDoesNotExist(arn)
        return Target(machine, version)
    alias = machine.aliases.get(qualifier)
    if alias is None:
        raise StateMachineDoesNotExist(arn)
    return Target(machine, _route(machine, alias.routing_configuration, arn), alias.arn)


def _route(machine: Any, routing: list[dict[str, Any]], alias_arn: str) -> Any:
    """One version of the alias's routing configuration, chosen by weight."""
    arns = [route["stateMachineVersionArn"] for route in routing]
    weights = [route.get("weight", 0) for route in routing]
    chosen = random.choices(arns, weights=weights)[0] if sum(weights) else arns[0]
    version = machine.versions.get(int(chosen.rsplit(":", 1)[1]))
    if version is None:
        raise StateMachineDoesNotExist(alias_arn)
    return version


def snapshot(source: Any) -> Any:
    """A copy of a machine or version for one execution (its definition as it was)."""
    memo = {id(source.executions): []}
    backend = getattr(source, "backend", None)
    if backend is not None:
        memo[id(backend)] = backend
    return copy.deepcopy(source, memo)


def parse_input(execution_input: str | None) -> str:
    """The execution input as JSON text ("{}" when none), or AWS's InvalidExecutionInput."""
    text = "{}" if execution_input is None else execution_input
    try:
        json.loads(text)
    except ValueError as exc:
        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{exc}'") from None
    return text


def express_execution_arn(machine: Any, name: str) -> str:
    """An express execution's ARN, as AWS forms it."""
    prefix = machine.arn.split(":stateMachine:", 1)[0]
    return f"{prefix}:express:{machine.name}:{name}:{uuid.uuid4()}"


def new_execution(
    backend: Any,
    target: Target,
    name: str,
    exec_arn: str,
    input_text: str,
    trace_header: str | None = None,
    execution_class: type = Execution,
) -> Any:
    """A parser execution of ``target`` (not started), typed as its machine is."""
    machine_copy = snapshot(target.definition_source)
    machine_copy.sm_type = StateMachineType(target.machine.type)
    return execution_class(
        name=name,
        sm_type=machine_copy.sm_type,
        role_arn=machine_copy.roleArn,
        exec_arn=exec_arn,
        account_id=backend.account_id,
        region_name=backend.region_name,
        state_machine=machine_copy,
        start_date=datetime.datetime.now(tz=datetime.UTC),
        cloud_watch_logging_session=None,
        input_data=input_text,
        trace_header=trace_header,
        activity_store={},  # activity tasks are queued by :mod:`.activities`
    )


def start_version_execution(
    backend: Any,
    records: StepFunctionsRecords,
    target: Target,
    name: str,
    input_text: str,
    trace_header: str | None,
) -> Any:
    """Run a version's definition; the execution belongs to its state machine."""
    machine = target.machine
    existing = machine._handle_name_input_idempotency(name, input_text)
    if existing is not None:
        return existing
    exec_arn = f"{machine.arn.replace(':stateMachine:', ':execution:', 1)}:{name}"
    execution = new_execution(backend, target, name, exec_arn, input_text, trace_header)
    execution.state_machine_arn = machine.arn  # DescribeExecution's stateMachineArn
    records.set_origin(exec_arn, Origin(target.version.arn, target.alias_arn))
    machine.executions.append(execution)
    execution.start()
    return execution


def start_express_execution(
    backend: Any, target: Target, name: str, input_text: str, trace_header: str | None
) -> Any:
    """Run an EXPRESS execution in the background (not listed, as on AWS)."""
    exec_arn = express_execution_arn(target.machine, name)
    execution = new_execution(backend, target, name, exec_arn, input_text, trace_header)
    execution.start()
    return execution


def install_interpreter(records: StepFunctionsRecords) -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    _start_versions_aliases_and_express(records, StepFunctionsParserBackend)
    _validate_express_definitions(StepFunctionsParserBackend)


def _start_versions_aliases_and_express(records: StepFunctionsRecords, backend_class: type) -> None:
    original = require(backend_class, "start_execution")

    def start_execution(
        self: Any,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: str | None = None,
        trace_header: str | None = None,
    ) -> Any:
        target = resolve(self, state_machine_arn)
        if target.version is None and target.machine.type != EXPRESS:
            return original(self, state_machine_arn, name, execution_input, trace_header)
        if name:
            self._validate_name(name)
        name = name or str(uuid.uuid4())
        input_text = parse_input(execution_input)
        if target.machine.type == EXPRESS:
            return start_express_execution(self, target, name, input_text, trace_header)
        return start_version_execution(self, records, target, name, input_text, trace_header)

    replace(backend_class, "start_execution", start_execution)


def _validate_express_definitions(backend_class: type) -> None:
    original = require(backend_class, "create_state_machine")

    def create_state_machine(
        self: Any, name: str, definition: str, *args: Any, **kwargs: Any
    ) -> Any:
        if kwargs.get("sm_type") == EXPRESS:
            problem = express_definition_problem(definition)
            if problem is not None:
                raise InvalidDefinition(
                    f"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {problem}'"
                )
        return original(self, name, definition, *args, **kwargs)

    replace(backend_class, "create_state_machine", create_state_machine)


def express_definition_problem(definition: str) -> str | None:
    """What an Express workflow cannot run (activities, .sync, .waitForTaskToken), or None."""
    try:
        document = json.loads(definition)
    except ValueError:
        return None  # moto's own validation reports it
    for resource in _resources(document):
        if ":activity:" in resource:
            return "Express state machine does not support Activity ARN"
        for pattern in (".waitForTaskToken", ".sync:2", ".sync"):
            if resource.endswith(pattern):
                return f"Express state machine does not support '{pattern}' service integration."
    return None


def _resources(node: Any) -> Iterator[str]:
    """Every Task state's Resource, at any depth (Parallel branches, Map iterators)."""
    if isinstance(node, dict):
        if node.get("Type") == "Task" and isinstance(node.get("Resource"), str):
            yield node["Resource"]
        for child in node.values():
            yield from _resources(child)
    elif isinstance(node, list):
        for child in node:
            yield from _resources(child)
