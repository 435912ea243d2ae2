"""StartSyncExecution: run an EXPRESS state machine and answer with its result.

As https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html
describes: the request returns when the execution ends, with ``status`` SUCCEEDED, FAILED or
TIMED_OUT (200 OK even when the execution failed), its ``output`` or ``error``/``cause``, and
``billingDetails``; a STANDARD machine is StateMachineTypeNotSupported. Billing follows
Express pricing (https://aws.amazon.com/step-functions/pricing/): the duration rounded up to
the next 100 ms, memory in 64 MB blocks (the local cloud bills the first block).

The execution runs in the request's thread, for at most 5 minutes (AWS's limit for Express
workflows) or its TimeoutSeconds if shorter: then its status is TIMED_OUT
(:class:`.executions.ExpressSyncExecution`). It is not listed (as on AWS). This module
imports moto's interpreter: it is imported once the interpreter is loaded.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from moto.stepfunctions.parser.api import ExecutionStatus
from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

from infra_scripts.localcloud.services.stepfunctions import executions
from infra_scripts.localcloud.services.stepfunctions.errors import StateMachineTypeNotSupported

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.stepfunctions.api import Call

BILLED_DURATION_STEP_MS = 100
BILLED_MEMORY_MB = 64
_SYNC_STATUS = {  # ExecutionStatus → SyncExecutionStatus (an aborted run is a failed one)
    ExecutionStatus.SUCCEEDED: "SUCCEEDED",
    ExecutionStatus.TIMED_OUT: "TIMED_OUT",
}


def start_sync_execution(call: Call) -> Any:
    from moto.core.responses import ActionResult

    target = executions.resolve(call.backend, call.param("stateMachineArn"))
    if target.machine.type != executions.EXPRESS:
        raise StateMachineTypeNotSupported(
            "StartSyncExecution is not available for STANDARD workflows."
        )
    executions.forget_ended_threads()
    name, input_text = executions.name_and_input(
        call.backend, call.param("name"), call.param("input")
    )
    execution = executions.new_execution(
        call.backend,
        target,
        name,
        executions.express_execution_arn(target.machine, name),
        input_text,
        call.param("traceHeader"),
        execution_class=executions.ExpressSyncExecution,
    )
    execution.start()  # returns when the execution has ended (at most EXPRESS_MAX_S)
    return ActionResult(sync_execution_output(execution, target))


def sync_execution_output(execution: Any, target: executions.Target) -> dict[str, Any]:
    """StartSyncExecution's answer for an ended execution."""
    stop_date = execution.stop_date
    status = _SYNC_STATUS.get(execution.exec_status, "FAILED")
    output: dict[str, Any] = {
        "executionArn": execution.exec_arn,
        "stateMachineArn": target.definition_source.arn,
        "name": execution.name,
        "startDate": execution.start_date,
        "stopDate": stop_date,
        "status": status,
        "input": to_json_str(execution.input_data, separators=(",", ":")),
        "inputDetails": {"included": True},
        "billingDetails": billing_details(execution.start_date, stop_date),
    }
    if status == "SUCCEEDED":
        result = execution.exec_worker.env.states.get_input()
        output["output"] = to_json_str(result, separators=(",", ":"))
        output["outputDetails"] = {"included": True}
    if execution.error is not None:
        output["error"] = execution.error
    if execution.cause is not None:
        output["cause"] = execution.cause
    if execution.trace_header:
        output["traceHeader"] = execution.trace_header
    return output


def billing_details(start: Any, stop: Any) -> dict[str, int]:
    """Express billing: duration in 100 ms steps (at least one), memory in 64 MB blocks."""
    elapsed_ms = max(0.0, (stop - start).total_seconds() * 1000) if stop and start else 0.0
    steps = max(1, math.ceil(elapsed_ms / BILLED_DURATION_STEP_MS))
    return {
        "billedMemoryUsedInMB": BILLED_MEMORY_MB,
        "billedDurationInMilliseconds": steps * BILLED_DURATION_STEP_MS,
    }
