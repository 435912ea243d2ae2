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
  its tokens are ``TaskTimedOut``; the interrupted task records no failure of its own (moto
  added a TaskTimedOut/ActivityTimedOut event before ExecutionAborted) and does not turn the
  aborted run into a failed one. The same holds when the execution's TimeoutSeconds passes:
  its waits end, so its history ends with ExecutionTimedOut at once;
- SendTaskFailure with an error named ``States.*`` (e.g. ``States.Timeout``) failed the
  execution with States.Runtime ("Custom Error Names MUST NOT begin with the prefix
  'States.'"): AWS takes any error name, and ``States.*`` names match ``ErrorEquals``;
- a missed heartbeat failed with ``States.Timeout``; AWS names it ``States.HeartbeatTimeout``
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), which
  ``ErrorEquals: ["States.Timeout"]`` still matches (States Language: States.Timeout is a
  TimeoutSeconds *or* a HeartbeatSeconds timeout).

These work for ``.waitForTaskToken`` tasks of every integration (SQS, SNS, Lambda,
EventBridge, …) and for activity tasks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.services.stepfunctions import semantics
from infra_scripts.localcloud.services.stepfunctions.errors import InvalidOutput, parse_json
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
    parse_json(output, "State Machine Execution Output", InvalidOutput)
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


def install_interpreter(records: StepFunctionsRecords) -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        state_task,
        state_task_activitiy,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback,
    )
    from moto.stepfunctions.parser.asl.eval.callback import callback

    require(require(callback, "CallbackPoolManager")(activity_store={}), "_pool")
    _close_interrupted_endpoints(records, callback)
    _end_waits_on_stop(records)
    _no_task_failure_once_ended()
    for module in (state_task_service_callback, state_task_activitiy):
        _outcome_errors_keep_states_names(module)
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


def waiting_endpoints(env: Any) -> list[Any]:
    """The callback endpoints (task tokens) of an execution's environment."""
    return list(require(env.callback_pool_manager, "_pool").values())


def end_waits(records: StepFunctionsRecords, env: Any) -> None:
    """Close every task of the environment and wake what waits on it."""
    for endpoint in waiting_endpoints(env):
        _end_wait(records, endpoint)


def _end_waits_on_stop(records: StepFunctionsRecords) -> None:
    """StopExecution of a running execution: ABORTED at once, its waits ended (moto set the
    program state and waited for the task, for ever for a task token); so is an execution
    whose TimeoutSeconds passed (moto's ``set_timed_out``). An error the interrupted task then
    raises is not the execution's: ``set_error`` leaves a stopped program ABORTED."""
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
        end_waits(records, env)

    replace(execution_class, "stop", stop)

    env_class = require(environment, "Environment")
    original_set_error = require(env_class, "set_error")
    original_set_timed_out = require(env_class, "set_timed_out")

    def set_timed_out(self: Any) -> None:
        original_set_timed_out(self)
        if not self.is_frame():  # frames share the execution's callback endpoints
            end_waits(records, self)

    replace(env_class, "set_timed_out", set_timed_out)

    def set_error(self: Any, error: Any) -> None:
        if isinstance(self._program_state, ProgramStopped):
            return  # an interrupted task's error: the execution stays ABORTED
        original_set_error(self, error)

    replace(env_class, "set_error", set_error)


def ended_by_stop_or_timeout(env: Any) -> bool:
    """Whether the execution was stopped or timed out (its program no longer runs)."""
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped, ProgramTimedOut

    return isinstance(env.program_state(), ProgramStopped | ProgramTimedOut)


def _no_task_failure_once_ended() -> None:
    """A state whose execution was stopped (or timed out) while it ran records no failure:
    moto turned the ended wait into the state's own timeout (TaskTimedOut, ActivityTimedOut
    before ExecutionAborted), which AWS does not record. The error the interrupted state
    raises is dropped; the state then ends, and the program with ExecutionAborted (or
    ExecutionTimedOut)."""
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state

    state_class = require(execute_state, "ExecutionState")
    original = require(state_class, "_evaluate_with_timeout")

    def evaluate_with_timeout(self: Any, env: Any) -> None:
        try:
            original(self, env)
        except Exception:
            if ended_by_stop_or_timeout(env):
                return  # _eval_state stops; CommonStateField skips a state no longer running
            raise

    replace(state_class, "_evaluate_with_timeout", evaluate_with_timeout)


def _outcome_errors_keep_states_names(module: Any) -> None:
    """The error name of a SendTaskFailure outcome, as ``module`` builds it: a ``States.*``
    name AWS defines is that States error name (it matches ``ErrorEquals``), another
    ``States.`` name is kept as given (AWS takes any error name, API_SendTaskFailure.html);
    others are custom names, as before."""
    from moto.stepfunctions.parser.asl.component.common.error_name import error_name as names

    plain_name = require(names, "ErrorName")
    require(module, "CustomErrorName")

    def outcome_error_name(error_name: str | None) -> Any:
        try:
            return semantics.states_error_name(error_name)
        except ValueError:  # States.<a name AWS does not define>
            return plain_name(error_name=error_name)

    replace(module, "CustomErrorName", outcome_error_name)


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
