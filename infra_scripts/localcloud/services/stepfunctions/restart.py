"""Step Functions across a restart of the local cloud (its state is saved, :mod:`...persistence`).

- An execution that ends is announced (``ctx.state_hooks.changed()``), so its end is saved
  even when no request follows.
- At start, an execution the last server left RUNNING cannot continue (its interpreter thread
  is gone): it ends FAILED with ``States.Runtime`` and the cause "the local cloud restarted",
  an ``ExecutionFailed`` event closes its history, as AWS reports a lost execution.
"""

from __future__ import annotations

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


def install_interpreter(ctx: ServerContext) -> None:
    """Announce each execution's end (the interpreter is loaded)."""
    from moto.stepfunctions.parser.backend import execution as execution_module

    communication = require(execution_module, "BaseExecutionWorkerCommunication")
    original = require(communication, "terminated")

    def terminated(self: Any) -> None:
        original(self)
        ctx.state_hooks.changed()

    replace(communication, "terminated", terminated)


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
