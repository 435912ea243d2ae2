"""Step Functions operations moto 5.2.5 lacks or gets wrong, as AWS documents them.

Added to moto's ``StepFunctionResponse`` (its dispatcher calls the method named after the
action): TestState (:mod:`.teststate`), GetActivityTask (:mod:`.activities`),
StartSyncExecution (:mod:`.express`), RedriveExecution (:mod:`.redrive`),
PublishStateMachineVersion, ListStateMachineVersions, DeleteStateMachineVersion
(:mod:`.versions`). Replaced: SendTaskSuccess/Failure/Heartbeat (:mod:`.callbacks`),
DescribeExecution (redrive, version and alias fields: :mod:`.redrive`),
DescribeStateMachineForExecution (:mod:`.versions`).

In the interpreter: activity tasks reach their workers (:mod:`.activities`), ended tasks
refuse outcomes and heartbeat timeouts are ``States.HeartbeatTimeout`` (:mod:`.callbacks`),
StartExecution runs versions, aliases and EXPRESS machines (:mod:`.executions`), the run a
redrive replaced leaves the execution alone (:mod:`.redrive`).

:func:`install` is cheap (it runs at server start and imports no part of the interpreter);
each operation imports its module on first use, after the request has waited for the
interpreter (moto's ``get_backend``, patched by :mod:`.patches`). :func:`install_interpreter`
runs once the interpreter is loaded, before the first Step Functions request is served.

Botocore sends StartSyncExecution and TestState to the host ``sync-<endpoint host>`` (the
operations' ``hostPrefix``): against ``http://127.0.0.1:PORT`` a client needs
``Config(inject_host_prefix=False)`` (or ``AWS_DISABLE_HOST_PREFIX_INJECTION=true``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra_scripts.exceptions import MotoVersionError
from infra_scripts.localcloud.motolayer.patching import (
    MOTO_VERSION,
    add,
    installed_moto_version,
    replace,
    require,
)
from infra_scripts.localcloud.runtime import ServerContext
from infra_scripts.localcloud.services.stepfunctions.records import StepFunctionsRecords

# Response method → "module:function" of this package that answers it.
ADDED_OPERATIONS = {
    "test_state": "teststate:test_state",
    "get_activity_task": "activities:get_activity_task",
    "start_sync_execution": "express:start_sync_execution",
    "redrive_execution": "redrive:redrive_execution",
    "publish_state_machine_version": "versions:publish_state_machine_version",
    "list_state_machine_versions": "versions:list_state_machine_versions",
    "delete_state_machine_version": "versions:delete_state_machine_version",
}
REPLACED_OPERATIONS = {
    "send_task_success": "callbacks:send_task_success",
    "send_task_failure": "callbacks:send_task_failure",
    "send_task_heartbeat": "callbacks:send_task_heartbeat",
    "describe_execution": "redrive:describe_execution",
    "describe_state_machine_for_execution": "versions:describe_state_machine_for_execution",
}
# Modules whose ``install_interpreter(records)`` patches the loaded interpreter.
INTERPRETER_PATCHES = ("activities", "callbacks", "executions", "redrive")

SERVICE = "stepfunctions"  # the key of this service's records in ``ctx.service_state``


@dataclass(frozen=True)
class Call:
    """One request to an operation of this package."""

    response: Any  # moto's StepFunctionResponse answering it
    backend: Any  # the account's and region's StepFunctionsParserBackend
    records: StepFunctionsRecords
    original: Callable[..., Any] | None = None  # moto's method, for replaced operations

    def param(self, name: str, default: Any = None) -> Any:
        return self.response._get_param(name, default)


def records_of(ctx: ServerContext) -> StepFunctionsRecords:
    """This server's Step Functions records (kept on the server context)."""
    return ctx.service_state.setdefault(SERVICE, StepFunctionsRecords())


def install(ctx: ServerContext) -> None:
    """Add and replace moto's Step Functions response methods (cheap: no interpreter)."""
    from moto.stepfunctions import responses

    records = records_of(ctx)
    response_class = require(responses, "StepFunctionResponse")
    for name, target in ADDED_OPERATIONS.items():
        add(response_class, name, _operation(name, target, None, records))
    for name, target in REPLACED_OPERATIONS.items():
        original = require(response_class, name)
        replace(response_class, name, _operation(name, target, original, records))


def install_interpreter(ctx: ServerContext) -> None:
    """Patch the ASL interpreter (called once it is loaded, on the first Step Functions call)
    and import the operations' modules, which use its internals by name."""
    operations = (*ADDED_OPERATIONS.values(), *REPLACED_OPERATIONS.values())
    for module_name in sorted({target.split(":")[0] for target in operations}):
        _interpreter_module(module_name)  # a moto name it imports is missing: fail now
    for module_name in INTERPRETER_PATCHES:
        _interpreter_module(module_name).install_interpreter(records_of(ctx))
    _interpreter_module("restart").install_interpreter(ctx)


def _interpreter_module(name: str) -> Any:
    """A module of this package that imports the interpreter's internals by name."""
    try:
        return _module(name)
    except ImportError as exc:
        raise MotoVersionError(
            f"moto internals changed: {exc}; the local cloud needs moto=={MOTO_VERSION} "
            f"(installed: {installed_moto_version()})"
        ) from exc


def _module(name: str) -> Any:
    return importlib.import_module(f"{__package__}.{name}")


def _operation(
    name: str,
    target: str,
    original: Callable[..., Any] | None,
    records: StepFunctionsRecords,
) -> Callable[..., Any]:
    module_name, function_name = target.split(":")

    def operation(self: Any) -> Any:
        backend = self.stepfunction_backend  # waits for the interpreter and its patches
        handler = getattr(_module(module_name), function_name)
        return handler(Call(self, backend, records, original))

    operation.__name__ = name
    operation.__qualname__ = f"StepFunctionResponse.{name}"
    operation.__doc__ = f"{name}: answered by {__package__}.{module_name}.{function_name}."
    return operation
