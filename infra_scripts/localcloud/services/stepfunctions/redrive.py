"""RedriveExecution, and DescribeExecution's redrive (and version/alias) fields.

As https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
describes: a STANDARD execution that FAILED, TIMED_OUT or was ABORTED continues from its
unsuccessful state, with the input that state received; the states that succeeded are not
run again; the execution keeps its ARN and its history, to which an ``ExecutionRedriven``
event is appended. In the context object ``$$.Execution.RedriveCount`` is the number of
redrives; DescribeExecution shows ``redriveCount``, ``redriveDate`` and ``redriveStatus``
(``redriveStatusReason`` when not redrivable). The last 10 ``clientToken`` values of an
execution are answered idempotently.

Locally a failed Parallel or inline Map state runs again as a whole (AWS reruns only its
failed branches or iterations) and JSONata variables assigned before the failure are not
restored. Normal executions are left as moto (and :mod:`.patches`) start them. This module
imports moto's interpreter: it is imported once the interpreter is loaded.
"""

from __future__ import annotations

import datetime
import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.stepfunctions.parser.api import (
    ExecutionRedrivenEventDetails,
    ExecutionStatus,
    HistoryEventType,
)
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.utils import TMP_THREADS

from infra_scripts.localcloud.services.stepfunctions.errors import ExecutionNotRedrivable

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.stepfunctions.api import Call

REDRIVABLE_STATUSES = {"FAILED", "TIMED_OUT", "ABORTED"}
STANDARD = "STANDARD"


@dataclass(frozen=True)
class Restart:
    """Where a redrive continues: the unsuccessful state and the input it received."""

    state_name: str
    state_input: Any


def redrive_execution(call: Call) -> Any:
    from moto.core.responses import ActionResult

    arn = call.param("executionArn")
    client_token = call.param("clientToken")
    execution = call.backend.describe_execution(arn)
    record = call.records.redrives(arn)
    if client_token and client_token in record.client_tokens and record.date is not None:
        return ActionResult({"redriveDate": record.date})
    reason = not_redrivable_reason(execution)
    if reason is not None:
        raise ExecutionNotRedrivable(f"Execution '{arn}' cannot be redriven: {reason}")
    restart = unsuccessful_state(execution)
    record.count += 1
    record.date = datetime.datetime.now(tz=datetime.UTC)
    if client_token:
        record.client_tokens.append(client_token)
    _redrive(execution, restart, record.count)
    return ActionResult({"redriveDate": record.date})


def not_redrivable_reason(execution: Any) -> str | None:
    """Why the execution cannot be redriven (AWS's redriveStatusReason), or None."""
    if execution.sm_type != STANDARD:  # a str enum or its value
        return "Express executions cannot be redriven"
    status = execution.status
    if status not in REDRIVABLE_STATUSES:
        return f"Execution is {status} and cannot be redriven"
    return None


def unsuccessful_state(execution: Any) -> Restart:
    """The last top-level state entered and not exited, with its input (else StartAt)."""
    definition = json.loads(execution.state_machine.definition)
    top_level = set(definition.get("States", {}))
    entered: dict[str, str] = {}
    for event in execution.exec_worker.env.event_manager.get_event_history():
        if (details := event.get("stateEnteredEventDetails")) and details["name"] in top_level:
            entered.pop(details["name"], None)
            entered[details["name"]] = details.get("input", "{}")
        elif (details := event.get("stateExitedEventDetails")) and details["name"] in top_level:
            entered.pop(details["name"], None)
    if not entered:
        return Restart(definition["StartAt"], execution.input_data)
    name = list(entered)[-1]
    return Restart(name, json.loads(entered[name]))


def _redrive(execution: Any, restart: Restart, redrive_count: int) -> None:
    previous = execution.exec_worker
    worker = RedriveWorker(
        previous_env=previous.env,
        restart=restart,
        redrive_count=redrive_count,
        evaluation_details=previous._evaluation_details,
        exec_comm=previous._execution_communication,
        cloud_watch_logging_session=previous._cloud_watch_logging_session,
        activity_store={},
    )
    execution.stop_date = None
    execution.error = None
    execution.cause = None
    execution.output = None
    execution.exec_worker = worker
    execution.exec_status = ExecutionStatus.RUNNING
    worker.start()


class RedriveWorker(ExecutionWorker):
    """Runs an execution again from its unsuccessful state, continuing its history."""

    def __init__(self, previous_env: Any, restart: Restart, redrive_count: int, **kwargs: Any):
        super().__init__(**kwargs)
        self._previous_env = previous_env
        self._restart = restart
        self._redrive_count = redrive_count

    def _execution_logic(self) -> None:
        program = self._get_evaluation_entrypoint()
        env = self._get_evaluation_environment()
        events = self._previous_env.event_manager
        env.event_manager = events
        env.event_history_context = EventHistoryContext(
            previous_event_id=len(events.get_event_history())
        )
        env.states.context_object.context_object_data["Execution"]["RedriveCount"] = (
            self._redrive_count
        )
        self.env = env
        events.add_event(
            context=env.event_history_context,
            event_type=HistoryEventType.ExecutionRedriven,
            event_details=EventDetails(
                executionRedrivenEventDetails=ExecutionRedrivenEventDetails(
                    redriveCount=self._redrive_count
                )
            ),
        )
        env.states.reset(input_value=self._restart.state_input)
        env.next_state_name = self._restart.state_name
        _run_program(program, env)
        self._execution_communication.terminated()


def _run_program(program: Any, env: Any) -> None:
    """``Program.eval`` from ``env.next_state_name`` instead of StartAt (same timeout)."""
    timeout = program.timeout_seconds.timeout_seconds if program.timeout_seconds else None
    thread = threading.Thread(target=EvalComponent.eval, args=(program, env), daemon=True)
    TMP_THREADS.append(thread)
    thread.start()
    thread.join(timeout=timeout)
    if thread.is_alive():
        env.set_timed_out()


def describe_execution(call: Call) -> Any:
    """moto's DescribeExecution plus redrive fields and the version/alias started through."""
    answer = call.original(call.response)
    body = answer.result
    arn = body["executionArn"]
    status = body["status"]
    record = call.records.redrives_of(arn)
    body["redriveCount"] = record.count if record else 0
    if record is not None and record.date is not None:
        body["redriveDate"] = record.date
    if status in REDRIVABLE_STATUSES:
        body["redriveStatus"] = "REDRIVABLE"
    else:
        body["redriveStatus"] = "NOT_REDRIVABLE"
        body["redriveStatusReason"] = f"Execution is {status} and cannot be redriven"
    if status == "TIMED_OUT" and "stopDate" not in body:
        body["stopDate"] = call.backend.describe_execution(arn).stop_date
    origin = call.records.origin(arn)
    if origin is not None:
        body["stateMachineVersionArn"] = origin.version_arn
        if origin.alias_arn:
            body["stateMachineAliasArn"] = origin.alias_arn
    return answer
