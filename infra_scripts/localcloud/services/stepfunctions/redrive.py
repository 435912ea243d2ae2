"""RedriveExecution, and DescribeExecution's redrive (and version/alias) fields.

As https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
describes: a STANDARD execution that FAILED, TIMED_OUT or was ABORTED continues from its
unsuccessful state, with the input that state received; the states that succeeded are not
run again; the execution keeps its ARN and its history, to which an ``ExecutionRedriven``
event is appended. In the context object ``$$.Execution.RedriveCount`` is the number of
redrives; DescribeExecution shows ``redriveCount``, ``redriveDate`` and ``redriveStatus``
(``redriveStatusReason`` when not redrivable). The last 10 ``clientToken`` values of an
execution are answered idempotently.

One redrive of an execution at a time: the check that it can be redriven, the count and the
switch to RUNNING happen under the execution's lock (:class:`~.records.Redrives`), so two
concurrent calls never both start it. The previous run is ended first: its program is
stopped, its waits end, and its thread is given :data:`PREVIOUS_RUN_DEADLINE_S` to finish
(moto marks an execution ABORTED or TIMED_OUT before its thread ends). The redrive then has
its own worker communication (the previous run's, when its thread ends, no longer describes
the execution) and its own history: a copy of the previous run's, so a thread that outlives
the deadline (a call to a service still running) writes only to the history left behind.

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
from moto.stepfunctions.parser.asl.component.program import program as program_module
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import (
    EventHistoryContext,
    EventManager,
)
from moto.stepfunctions.parser.backend import execution as execution_module
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.services.stepfunctions import callbacks, executions
from infra_scripts.localcloud.services.stepfunctions.errors import ExecutionNotRedrivable
from infra_scripts.localcloud.services.stepfunctions.records import StepFunctionsRecords

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.stepfunctions.api import Call

REDRIVABLE_STATUSES = {"FAILED", "TIMED_OUT", "ABORTED"}
STANDARD = "STANDARD"
# How long a redrive waits for the previous run's program thread once it was stopped and its
# waits ended (it ends within milliseconds unless a state is inside a call to a service).
PREVIOUS_RUN_DEADLINE_S = 10.0
_PROGRAM_DONE = "_kit_program_done"  # on an execution's environment: set when its program ends


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
    with record.lock:  # one redrive of this execution at a time
        if client_token and client_token in record.client_tokens and record.date is not None:
            return ActionResult({"redriveDate": record.date})
        reason = not_redrivable_reason(execution)
        if reason is not None:
            raise ExecutionNotRedrivable(f"Execution '{arn}' cannot be redriven: {reason}")
        end_previous_run(execution, call.records)
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


def end_previous_run(execution: Any, records: StepFunctionsRecords) -> None:
    """Stop the previous run's program, end its waits, and give its thread
    :data:`PREVIOUS_RUN_DEADLINE_S` to finish (so its last events are in the history)."""
    env = execution.exec_worker.env
    if env is None:
        return
    env.set_stop(stop_date=datetime.datetime.now(tz=datetime.UTC), cause=None, error=None)
    callbacks.end_waits(records, env)
    done = env.__dict__.get(_PROGRAM_DONE)
    if done is not None:
        done.wait(PREVIOUS_RUN_DEADLINE_S)


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
    """Prepare the redrive (its environment and ExecutionRedriven event), make it the
    execution's run (RUNNING), and start it."""
    executions.forget_ended_threads()
    previous = execution.exec_worker
    worker = RedriveWorker(
        previous_env=previous.env,
        restart=restart,
        redrive_count=redrive_count,
        evaluation_details=require(previous, "_evaluation_details"),
        exec_comm=execution._get_start_execution_worker_comm(),  # its own
        cloud_watch_logging_session=require(previous, "_cloud_watch_logging_session"),
        activity_store={},
    )
    worker.prepare()
    execution.stop_date = None
    execution.error = None
    execution.cause = None
    execution.output = None
    execution.exec_worker = worker
    execution.exec_status = ExecutionStatus.RUNNING
    worker.start()


class ContinuedHistory(EventManager):
    """A redrive's history: a copy of the previous run's events, then the redrive's own."""

    def __init__(self, previous: EventManager, cloud_watch_logging_session: Any) -> None:
        super().__init__(cloud_watch_logging_session=cloud_watch_logging_session)
        events = previous.get_event_history()
        require(self, "_history_event_list").extend(events)
        ids = require(self, "_event_id_gen")
        for _ in events:  # the redrive's events are numbered after the previous run's
            ids.get()


class RedriveWorker(ExecutionWorker):
    """Runs an execution again from its unsuccessful state, continuing its history."""

    def __init__(self, previous_env: Any, restart: Restart, redrive_count: int, **kwargs: Any):
        super().__init__(**kwargs)
        self._previous_env = previous_env
        self._restart = restart
        self._redrive_count = redrive_count
        self._program: Any = None

    def prepare(self) -> None:
        """The redrive's program and environment, its history continued with
        ExecutionRedriven (before the execution is RUNNING again, so that DescribeExecution
        and GetExecutionHistory never see a run without them)."""
        self._program = self._get_evaluation_entrypoint()
        env = self._get_evaluation_environment()
        events = ContinuedHistory(
            self._previous_env.event_manager, self._cloud_watch_logging_session
        )
        env.event_manager = events
        env.event_history_context = EventHistoryContext(
            previous_event_id=len(events.get_event_history())
        )
        env.states.context_object.context_object_data["Execution"]["RedriveCount"] = (
            self._redrive_count
        )
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
        self.env = env

    def start(self) -> None:
        threading.Thread(target=self._execution_logic, name="sfn-redrive", daemon=True).start()

    def _execution_logic(self) -> None:
        program = self._program
        executions.run_program(
            program, self.env, self._restart.state_name, executions.program_deadline_s(program)
        )
        self._execution_communication.terminated()


def install_interpreter(records: StepFunctionsRecords) -> None:
    """Mark when an execution's program ends; the worker communication of a run that was
    redriven no longer reflects its end on the execution."""
    _mark_program_ends()
    _redriven_runs_leave_the_execution_alone()


def _mark_program_ends() -> None:
    program_class = require(program_module, "Program")
    original = require(program_class, "_eval_body")

    def eval_body(self: Any, env: Any) -> None:
        if env.is_frame():
            return original(self, env)
        done = env.__dict__.setdefault(_PROGRAM_DONE, threading.Event())
        try:
            original(self, env)
        finally:
            done.set()

    replace(program_class, "_eval_body", eval_body)


def _redriven_runs_leave_the_execution_alone() -> None:
    """moto's worker communication reflects the program's end on the execution by reading
    ``execution.exec_worker.env``: after a redrive that is the redrive's environment, which the
    previous run's late end must not touch (it set stopDate on the RUNNING redrive)."""
    communication = require(execution_module, "BaseExecutionWorkerCommunication")
    original = require(communication, "terminated")

    def terminated(self: Any) -> None:
        worker = self.execution.exec_worker
        if worker is not None and require(worker, "_execution_communication") is not self:
            return  # a previous run of a redriven execution
        original(self)

    replace(communication, "terminated", terminated)


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
