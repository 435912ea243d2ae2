"""Step Functions: moto's ASL interpreter, switched on, with its 5.2.5 bugs fixed.

- ``.sync`` integrations (e.g. ``glue:startJobRun.sync``) crashed with "'NoneType' object
  has no attribute 'interrupt_all'": the callback endpoint is only created for
  ``.waitForTaskToken``, yet always interrupted.
- A task result holding timestamps (any ``aws-sdk`` call such as ``s3:copyObject``, the
  Glue job run of a ``.sync``) made DescribeExecution fail ("datetime is not JSON
  serializable"): results are now normalised to JSON as AWS does, timestamps as ISO text.
- ``aws-sdk:redshiftdata`` was an unknown service name (boto3 calls it ``redshift-data``).
- An execution started without a name was called "None" (AWS generates a UUID), and a
  result that is a JSON string came back from DescribeExecution unencoded.
- ``.sync`` polling every 0.5 s is shortened so local executions finish promptly; for Glue
  job runs the poll instead waits on the run's end in the Glue executor (at most
  ``GLUE_SYNC_WAIT_S`` between GetJobRun calls), so a burst of running jobs does not flood
  the server with GetJobRun requests and each execution still moves on as soon as its run ends.
- what every execution re-did (parse the definition, create SDK clients, parse JSONPath)
  is cached: :mod:`.caches`.
- a failed state is logged as one ``error: cause`` line (:mod:`.failurelog`), not as its
  component's ~2,000-character repr at every enclosing component.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require, rewrite
from infra_scripts.localcloud.runtime import BackgroundLoad, ServerContext
from infra_scripts.localcloud.services.stepfunctions import api, restart

log = logging.getLogger("localcloud.stepfunctions")

SYNC_POLL_S = 0.05
GLUE_SYNC_WAIT_S = 5.0  # a run's end wakes the wait at once; StopExecution is seen within this
_BUGGY_LINE = "callback_endpoint.interrupt_all()"
_FIXED_LINE = "if callback_endpoint is not None: callback_endpoint.interrupt_all()"
_SDK_SERVICE_NAMES = {"redshiftdata": "redshift-data", "redshiftserverless": "redshift-serverless"}


def _to_json_value(value: Any, encode: Any) -> Any:
    """``value`` as it reads after a JSON round trip (timestamps become ISO-8601 text)."""
    return json.loads(encode(value))


def install(ctx: ServerContext) -> None:
    """Import and patch the interpreter on the first Step Functions request, which waits.

    Importing moto's ASL interpreter takes ~0.45 s and ~20 MB, so an idle server does not
    hold it. If a patch cannot be applied the server exits: it must never run the
    interpreter unpatched.
    """
    from moto.stepfunctions import responses

    original_get_backend = require(responses, "get_backend")
    interpreter = BackgroundLoad("Step Functions interpreter", lambda: _patch_interpreter(ctx))

    def get_backend(account: str, region: str) -> Any:
        interpreter.load()
        return original_get_backend(account, region)

    replace(responses, "get_backend", get_backend)
    ctx.state_hooks.on_load(interpreter.load)  # saved executions need the patched interpreter
    restart.install(ctx)
    api.install(ctx)


def _patch_interpreter(ctx: ServerContext) -> None:
    try:
        _apply_patches(ctx)
    except BaseException as exc:  # a patch failed: refuse to serve rather than fake
        log.critical("Step Functions patches failed, stopping the local cloud: %s", exc)
        logging.shutdown()
        os._exit(3)


def _apply_patches(ctx: ServerContext) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_callback,
    )
    from moto.stepfunctions.parser.asl.utils import encoding

    from infra_scripts.localcloud.services.stepfunctions import (
        definitions,
        executionlogs,
        failurelog,
        jsonata,
        semantics,
    )
    from infra_scripts.localcloud.services.stepfunctions.caches import install_caches

    failurelog.install()  # a failed state: one line, not the component's repr

    rewrite(
        require(state_task_service_callback, "StateTaskServiceCallback"),
        "_eval_integration_pattern",
        _BUGGY_LINE,
        _FIXED_LINE,
    )
    replace(state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", SYNC_POLL_S)

    service_cls = require(state_task_service, "StateTaskService")
    original_after = require(service_cls, "_after_eval_execution")
    to_json_str = require(encoding, "to_json_str")

    def after_eval_execution(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        if env.stack:
            env.stack[-1] = _to_json_value(env.stack[-1], to_json_str)
        original_after(self, env, *args, **kwargs)

    replace(service_cls, "_after_eval_execution", after_eval_execution)
    _wait_for_glue_runs(ctx)
    overrides = require(service_cls, "_SERVICE_NAME_SFN_TO_BOTO_OVERRIDES")
    overrides.update(_SDK_SERVICE_NAMES)
    _fix_execution_name_and_output(to_json_str)
    install_caches(ctx)
    jsonata.install()
    semantics.install()
    definitions.install()
    executionlogs.install()
    api.install_interpreter(ctx)


def _wait_for_glue_runs(ctx: ServerContext) -> None:
    """``glue:startJobRun.sync``: GetJobRun when the run ended (or every GLUE_SYNC_WAIT_S)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_glue,
    )

    glue_cls = require(state_task_service_glue, "StateTaskServiceGlue")
    original = require(glue_cls, "_sync_to_start_job_run")

    def sync_to_start_job_run(self: Any, env: Any, *args: Any, **kwargs: Any) -> Any:
        run_id = env.stack[-1].get("JobRunId") if env.stack else None  # StartJobRun's output
        resolver = original(self, env, *args, **kwargs)

        def resolve() -> Any:
            if run_id:
                ctx.glue_run_ends.wait(run_id, GLUE_SYNC_WAIT_S)
            return resolver()

        return resolve

    replace(glue_cls, "_sync_to_start_job_run", sync_to_start_job_run)


def _fix_execution_name_and_output(to_json_str: Any) -> None:
    from moto.stepfunctions.parser.backend import execution as execution_module
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original_start = require(StepFunctionsParserBackend, "start_execution")

    def start_execution(
        self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        return original_start(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    replace(StepFunctionsParserBackend, "start_execution", start_execution)

    communication = require(execution_module, "BaseExecutionWorkerCommunication")
    original_reflect = require(communication, "_reflect_execution_status")

    def reflect_execution_status(self: Any) -> None:
        original_reflect(self)
        if self.execution.output is not None:  # DescribeExecution returns it as JSON text
            self.execution.output = to_json_str(self.execution.output, separators=(",", ":"))

    replace(communication, "_reflect_execution_status", reflect_execution_status)
