"""SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, and heartbeat timeouts.

moto 5.2.5 routes the three operations, but:

- SendTaskFailure dropped ``cause`` (its response passes only ``error``);
- a token of a task that had ended, or of a stopped execution, was ``InvalidToken``
  (AWS: ``TaskTimedOut``), and its error classes could not be raised (their constructors
  lack the message they need);
- SendTaskHeartbeat for a task without HeartbeatSeconds was ``InvalidToken`` (AWS accepts it);
- output that is not JSON crashed the waiting execution (AWS: ``InvalidOutput``);
- StopExecution of an execution waiting on a task left it RUNNING (its program thread
  waited on for ever): the stop now ends the waits, so the execution is ABORTED at once and
  its tokens are ``TaskTimedOut``; an error the interrupted task raises no longer turns
  the aborted run into a failed one;
- a missed heartbeat failed with ``States.Timeout``; AWS names it ``States.HeartbeatTimeout``
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), which
  ``ErrorEquals: ["States.Timeout"]`` still matches (States Language: States.Timeout is a
  TimeoutSeconds *or* a HeartbeatSeconds timeout).

These work for ``.waitForTaskToken`` tasks of every integration (SQS, SNS, Lambda,
EventBridge, …) and for activity tasks.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.services.stepfunctions.errors import InvalidOutput
from infra_scripts.localcloud.services.stepfunctions.records import StepFunctionsRecords
from infra_scripts.localcloud.services.stepfunctions.tasks import open_task

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.stepfunctions.api import Call

HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TIMEOUT = "States.Timeout"


def send_task_success(call: Call) -> Any:
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeSuccess

    token = call.param("taskToken")
    output = call.param("output")
    _check_json_output(output)
    task = open_task(call.backend, token, call.records.closed_tasks)
    task.endpoint.notify(CallbackOutcomeSuccess(callback_id=token, output=output))
    return EmptyResult()


def send_task_failure(call: Call) -> Any:
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeFailure

    token = call.param("taskToken")
    task = open_task(call.backend, token, call.records.closed_tasks)
    outcome = CallbackOutcomeFailure(
        callback_id=token, error=call.param("error"), cause=call.param("cause")
    )
    task.endpoint.notify(outcome)
    return EmptyResult()


def send_task_heartbeat(call: Call) -> Any:
    from moto.core.responses import EmptyResult

    task = open_task(call.backend, call.param("taskToken"), call.records.closed_tasks)
    task.endpoint.notify_heartbeat()  # False (and nothing to reset) without HeartbeatSeconds
    return EmptyResult()


def _check_json_output(output: str | None) -> None:
    try:
        json.loads(output if output is not None else "")
    except ValueError as exc:
        raise InvalidOutput(f"Invalid State Machine Execution Output: '{exc}'") from None


def install_interpreter(records: StepFunctionsRecords) -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        state_task,
        state_task_activitiy,
    )
    from moto.stepfunctions.parser.asl.eval.callback import callback

    _close_interrupted_endpoints(records, callback)
    _end_waits_on_stop(records)
    heartbeat_error = require(callback, "HeartbeatTimeoutError")
    for owner in (
        require(state_task, "StateTask"),
        require(state_task_activitiy, "StateTaskActivity"),
    ):
        _name_heartbeat_timeouts(owner, heartbeat_error)
    _timeout_matches_heartbeat_timeout(require(error_equals_decl, "ErrorEqualsDecl"))


def _close_interrupted_endpoints(records: StepFunctionsRecords, callback: Any) -> None:
    """A callback task's wait ends with ``interrupt_all`` (outcome, timeout or failure)."""
    endpoint_class = require(callback, "CallbackEndpoint")
    original = require(endpoint_class, "interrupt_all")

    def interrupt_all(self: Any) -> None:
        records.closed_tasks.close(self)
        original(self)

    replace(endpoint_class, "interrupt_all", interrupt_all)


def _end_waits_on_stop(records: StepFunctionsRecords) -> None:
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.asl.eval import environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
    from moto.stepfunctions.parser.backend import execution as execution_module

    execution_class = require(execution_module, "Execution")
    original_stop = require(execution_class, "stop")

    def stop(self: Any, stop_date: Any, error: str | None, cause: str | None) -> None:
        running = self.exec_status == ExecutionStatus.RUNNING
        original_stop(self, stop_date=stop_date, error=error, cause=cause)
        env = getattr(self.exec_worker, "env", None)
        if not running or env is None:
            return
        self.exec_status = ExecutionStatus.ABORTED  # as moto reflects once the program ends
        self.stop_date = stop_date
        for endpoint in list(env.callback_pool_manager._pool.values()):
            _end_wait(records, endpoint)

    replace(execution_class, "stop", stop)

    env_class = require(environment, "Environment")
    original_set_error = require(env_class, "set_error")

    def set_error(self: Any, error: Any) -> None:
        if isinstance(self._program_state, ProgramStopped):
            return  # an interrupted task's error: the execution stays ABORTED
        original_set_error(self, error)

    replace(env_class, "set_error", set_error)


def _end_wait(records: StepFunctionsRecords, endpoint: Any) -> None:
    """Close a task and wake what waits on it (its outcome, heartbeat, or a worker)."""
    records.closed_tasks.close(endpoint)
    starts = getattr(endpoint, "get_activity_task_start_endpoint", None)
    if starts is not None:
        starts().notify(None)  # an activity task no worker took: its wait ends unstarted
    endpoint.interrupt_all()


def _name_heartbeat_timeouts(owner: type, heartbeat_error: type) -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )

    original = require(owner, "_from_error")

    def from_error(self: Any, env: Any, ex: Exception) -> Any:
        event = original(self, env, ex)
        if isinstance(ex, heartbeat_error):
            event.error_name = StatesErrorName(typ=StatesErrorNameType.StatesHeartbeatTimeout)
            for details in (event.event_details or {}).values():
                if isinstance(details, dict) and "error" in details:
                    details["error"] = HEARTBEAT_TIMEOUT
        return event

    replace(owner, "_from_error", from_error)


def _timeout_matches_heartbeat_timeout(error_equals: type) -> None:
    original = require(error_equals, "_eval_body")

    def eval_body(self: Any, env: Any) -> None:
        error_name = env.stack[-1] if env.stack else None
        if getattr(error_name, "error_name", None) == HEARTBEAT_TIMEOUT and any(
            getattr(name, "error_name", None) == TIMEOUT for name in self.error_names
        ):
            env.stack.pop()
            env.stack.append(True)
            return
        original(self, env)

    replace(error_equals, "_eval_body", eval_body)
