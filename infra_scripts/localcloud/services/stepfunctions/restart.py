"""Step Functions across a restart of the local cloud (its state is saved, :mod:`...persistence`).

- An execution that ends is announced (``ctx.state_hooks.changed()``), so its end is saved
  even when no request follows.
- A SUCCEEDED execution is saved as its history and context (:class:`FrozenWorker`), not
  with its interpreter (the parsed program, its environment: ~15 KB each): nothing runs it
  again (AWS redrives only executions that did not succeed).
- At start, an execution the last server left RUNNING cannot continue (its interpreter thread
  is gone): it ends FAILED with ``States.Runtime`` and the cause "the local cloud restarted",
  an ``ExecutionFailed`` event closes its history, as AWS reports a lost execution.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.runtime import ServerContext

RESTART_ERROR = "States.Runtime"
RESTART_CAUSE = "the local cloud restarted while the execution was running"


def install(ctx: ServerContext) -> None:
    """Register the restart fix-up (the interpreter is loaded by then: the saved executions'
    classes are the interpreter's)."""
    ctx.state_hooks.on_restore("stepfunctions", _end_running_executions)


class FrozenEvents:
    """A finished execution's event history (what GetExecutionHistory reads)."""

    def __init__(self, events: list[Any]) -> None:
        self._events = events

    def get_event_history(self) -> list[Any]:
        return copy.deepcopy(self._events)


class FrozenContext:
    def __init__(self, data: dict[str, Any]) -> None:
        self.context_object_data = data


class FrozenStates:
    def __init__(self, context: dict[str, Any], output: Any) -> None:
        self.context_object = FrozenContext(context)
        self._output = output

    def get_input(self) -> Any:
        return copy.deepcopy(self._output)


class FrozenEnv:
    def __init__(self, events: list[Any], context: dict[str, Any], output: Any) -> None:
        self.event_manager = FrozenEvents(events)
        self.states = FrozenStates(context, output)


class FrozenWorker:
    """Stands for a SUCCEEDED execution's worker once saved: its history, context and
    output, without the interpreter."""

    def __init__(self, events: list[Any], context: dict[str, Any], output: Any) -> None:
        self.env = FrozenEnv(events, context, output)

    def stop(self, *args: Any, **kwargs: Any) -> None:
        """A finished execution has nothing to stop."""


def _freeze(worker: Any) -> Any:
    """How a worker is saved: a SUCCEEDED execution's as a :class:`FrozenWorker`."""
    from moto.stepfunctions.parser.api import ExecutionStatus

    execution = getattr(getattr(worker, "_execution_communication", None), "execution", None)
    env = worker.env
    if execution is None or env is None or execution.exec_status != ExecutionStatus.SUCCEEDED:
        return NotImplemented
    return FrozenWorker, (
        env.event_manager.get_event_history(),
        env.states.context_object.context_object_data,
        execution.output,
    )


def install_interpreter(ctx: ServerContext) -> None:
    """Announce each execution's end, and save the succeeded ones small (the interpreter is
    loaded)."""
    from moto.stepfunctions.parser.backend import execution as execution_module
    from moto.stepfunctions.parser.backend.execution_worker import (
        ExecutionWorker,
    )

    communication = require(execution_module, "BaseExecutionWorkerCommunication")
    original = require(communication, "terminated")

    def terminated(self: Any) -> None:
        original(self)
        ctx.state_hooks.changed()

    replace(communication, "terminated", terminated)
    for worker_class in _with_subclasses(ExecutionWorker):
        ctx.state_hooks.reducers[worker_class] = _freeze


def _with_subclasses(cls: type) -> list[type]:
    """``cls`` and every class derived from it (those defined by now: the interpreter's and
    this package's workers are)."""
    found = [cls]
    for sub in cls.__subclasses__():
        found += _with_subclasses(sub)
    return found


def _end_running_executions() -> list[str]:
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    ended = []
    for accounts in stepfunctions_parser_backends.values():
        for backend in accounts.values():
            for machine in backend.state_machines:
                for execution in machine.executions:
                    if execution.exec_status == ExecutionStatus.RUNNING:
                        _fail(execution)
                        ended.append(execution.exec_arn)
    return [f"{len(ended)} running execution(s) ended FAILED ({RESTART_CAUSE})"] if ended else []


def _fail(execution: Any) -> None:
    from moto.stepfunctions.parser.api import (
        ExecutionFailedEventDetails,
        ExecutionStatus,
        HistoryEventType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    execution.exec_status = ExecutionStatus.FAILED
    execution.stop_date = datetime.datetime.now(tz=datetime.UTC)
    execution.error, execution.cause = RESTART_ERROR, RESTART_CAUSE
    env = getattr(execution.exec_worker, "env", None)
    if env is None:
        return
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.ExecutionFailed,
        event_details=EventDetails(
            executionFailedEventDetails=ExecutionFailedEventDetails(
                error=RESTART_ERROR, cause=RESTART_CAUSE
            )
        ),
    )
