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
  (DescribeExecution/ListExecutions do not support EXPRESS executions) and cannot be
  stopped (API_StopExecution.html), so it runs at most 5 minutes, AWS's limit for Express
  workflows (https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html,
  "Maximum duration"), or its TimeoutSeconds if shorter, and then is TIMED_OUT
  (:class:`ExpressExecution`; StartSyncExecution's run has the same deadline);
- CreateStateMachine and UpdateStateMachine of an EXPRESS machine refuse what Express
  workflows do not support (activities, ``.sync`` and ``.waitForTaskToken``) with
  InvalidDefinition;
- DeleteStateMachine forgets what :mod:`.records` kept for the machine's executions.

Every other StartExecution is moto's (patched by :mod:`.patches`) unchanged. moto keeps every
thread its interpreter starts in ``TMP_THREADS`` (a list LocalStack's tests clean up; moto
never reads it): each start drops the ended ones (:func:`forget_ended_threads`). This module
imports moto's interpreter: it is imported once the interpreter is loaded.
"""

from __future__ import annotations

import copy
import datetime
import json
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from moto.stepfunctions.parser import utils as parser_utils
from moto.stepfunctions.parser.api import StateMachineType
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.eval.evaluation_details import EvaluationDetails
from moto.stepfunctions.parser.backend.execution import Execution, SyncExecution
from moto.stepfunctions.parser.backend.execution_worker import (
    ExecutionWorker,
    SyncExecutionWorker,
)

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.services.stepfunctions.errors import (
    InvalidDefinition,
    InvalidExecutionInput,
    StateMachineDoesNotExist,
    parse_json,
)
from infra_scripts.localcloud.services.stepfunctions.records import Origin, StepFunctionsRecords

EXPRESS = "EXPRESS"
EXPRESS_MAX_S = 300  # AWS: an Express workflow runs at most 5 minutes


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


def name_and_input(backend: Any, name: str | None, execution_input: str | None) -> tuple[str, str]:
    """A start's execution name (moto's InvalidName check; a UUID when none, as AWS names it)
    and its input as JSON text ("{}" when none; else AWS's InvalidExecutionInput)."""
    if name:
        backend._validate_name(name)
    text = "{}" if execution_input is None else execution_input
    parse_json(text, "State Machine Execution Input", InvalidExecutionInput)
    return name or str(uuid.uuid4()), text


def forget_ended_threads() -> None:
    """Drop the ended threads from moto's ``TMP_THREADS``, which moto only appends to.

    (A thread appended while the list is rebuilt may be left out: nothing reads the list.)"""
    threads = require(parser_utils, "TMP_THREADS")
    threads[:] = [thread for thread in threads if thread.is_alive()]


def run_program(program: Any, env: Any, start_at: str, deadline_s: float | None) -> None:
    """``Program.eval`` from ``start_at`` with the deadline ``deadline_s`` (None: none): the
    program runs on its own thread; past the deadline the execution is TIMED_OUT (its thread
    ends at the next state, or when the state it is in ends)."""
    env.next_state_name = start_at
    thread = threading.Thread(
        target=EvalComponent.eval, args=(program, env), name="sfn-program", daemon=True
    )
    thread.start()
    thread.join(timeout=deadline_s)
    if thread.is_alive():
        env.set_timed_out()


def program_deadline_s(program: Any, cap_s: float | None = None) -> float | None:
    """The program's TimeoutSeconds, at most ``cap_s`` (None: no deadline)."""
    timeout = program.timeout_seconds.timeout_seconds if program.timeout_seconds else None
    if cap_s is None:
        return timeout
    return cap_s if timeout is None else min(timeout, cap_s)


class _ExpressProgram:
    """An Express workflow's program: at most :data:`EXPRESS_MAX_S` (or its TimeoutSeconds).

    moto's ``Program.eval`` waits for TimeoutSeconds, for ever without one; the program
    object may be shared between executions (:mod:`.caches`), so its timeout is not changed:
    this runs it with its own deadline instead."""

    def __init__(self, program: Any) -> None:
        self.program = program

    def eval(self, env: Any) -> None:
        program = self.program
        run_program(
            program, env, program.start_at.start_at_name, program_deadline_s(program, EXPRESS_MAX_S)
        )


def _worker_arguments(execution: Any) -> dict[str, Any]:
    """What moto's ``Execution._get_start_execution_worker`` gives its worker."""
    return {
        "evaluation_details": EvaluationDetails(
            aws_execution_details=execution._get_start_aws_execution_details(),
            execution_details=execution.get_start_execution_details(),
            state_machine_details=execution.get_start_state_machine_details(),
        ),
        "exec_comm": execution._get_start_execution_worker_comm(),
        "cloud_watch_logging_session": require(execution, "_cloud_watch_logging_session"),
        "activity_store": require(execution, "_activity_store"),
    }


class _ExpressWorker(ExecutionWorker):
    def _get_evaluation_entrypoint(self) -> Any:
        return _ExpressProgram(super()._get_evaluation_entrypoint())


class _ExpressSyncWorker(SyncExecutionWorker):
    def _get_evaluation_entrypoint(self) -> Any:
        return _ExpressProgram(super()._get_evaluation_entrypoint())


class ExpressExecution(Execution):
    """An asynchronous Express execution (StartExecution), with Express's deadline."""

    def _get_start_execution_worker(self) -> ExecutionWorker:
        return _ExpressWorker(**_worker_arguments(self))


class ExpressSyncExecution(SyncExecution):
    """A synchronous Express execution (StartSyncExecution), with Express's deadline."""

    def _get_start_execution_worker(self) -> SyncExecutionWorker:
        return _ExpressSyncWorker(**_worker_arguments(self))


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
    execution = new_execution(
        backend, target, name, exec_arn, input_text, trace_header, ExpressExecution
    )
    execution.start()
    return execution


def install_interpreter(records: StepFunctionsRecords) -> None:
    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    _require_all(  # what this module calls of moto's by name
        (parser_utils, ("TMP_THREADS",)),
        (StepFunctionsParserBackend, ("_validate_name", "_validate_machine_arn")),
        (StateMachine, ("_handle_name_input_idempotency",)),
        (Execution, ("_get_start_aws_execution_details", "_get_start_execution_worker_comm")),
    )
    _start_versions_aliases_and_express(records, StepFunctionsParserBackend)
    _validate_express_definitions(StepFunctionsParserBackend)
    _forget_deleted_machines(records, StepFunctionsParserBackend)


def _require_all(*owners: tuple[Any, tuple[str, ...]]) -> None:
    """Fail now (MotoVersionError) if moto lacks a name this module uses."""
    for owner, names in owners:
        for name in names:
            require(owner, name)


def _start_versions_aliases_and_express(records: StepFunctionsRecords, backend_class: type) -> None:
    original = require(backend_class, "start_execution")

    def start_execution(
        self: Any,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: str | None = None,
        trace_header: str | None = None,
    ) -> Any:
        forget_ended_threads()
        target = resolve(self, state_machine_arn)
        if target.version is None and target.machine.type != EXPRESS:
            return original(self, state_machine_arn, name, execution_input, trace_header)
        name, input_text = name_and_input(self, name, execution_input)
        if target.machine.type == EXPRESS:
            return start_express_execution(self, target, name, input_text, trace_header)
        return start_version_execution(self, records, target, name, input_text, trace_header)

    replace(backend_class, "start_execution", start_execution)


def _validate_express_definitions(backend_class: type) -> None:
    original_create = require(backend_class, "create_state_machine")
    original_update = require(backend_class, "update_state_machine")

    def create_state_machine(
        self: Any, name: str, definition: str, *args: Any, **kwargs: Any
    ) -> Any:
        if kwargs.get("sm_type") == EXPRESS:
            check_express_definition(definition)
        return original_create(self, name, definition, *args, **kwargs)

    def update_state_machine(
        self: Any, arn: str, definition: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        if definition is not None and self.describe_state_machine(arn).type == EXPRESS:
            check_express_definition(definition)
        return original_update(self, arn, definition, *args, **kwargs)

    replace(backend_class, "create_state_machine", create_state_machine)
    replace(backend_class, "update_state_machine", update_state_machine)


def check_express_definition(definition: str) -> None:
    """InvalidDefinition, as AWS words it, for what an Express workflow cannot run."""
    problem = express_definition_problem(definition)
    if problem is not None:
        raise InvalidDefinition(
            f"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {problem}'"
        )


def _forget_deleted_machines(records: StepFunctionsRecords, backend_class: type) -> None:
    """DeleteStateMachine: the records of its executions (redrives, origins) go too."""
    original = require(backend_class, "delete_state_machine")

    def delete_state_machine(self: Any, arn: str) -> None:
        original(self, arn)
        if ":stateMachine:" in arn and len(arn.split(":")) == 7:  # not a version or alias
            records.forget_executions(arn.replace(":stateMachine:", ":execution:", 1) + ":")

    replace(backend_class, "delete_state_machine", delete_state_machine)


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
