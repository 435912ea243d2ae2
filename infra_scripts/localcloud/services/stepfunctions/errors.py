"""Step Functions API errors, as AWS names them (``__type``) and words them where its API
reference does (https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html
and each operation's Errors section).

moto 5.2.5's parser module declares these names too, but its classes cannot be raised as
they are (their constructors need a message they do not pass, and they carry no error type):
these are the local cloud's :class:`~infra_scripts.localcloud.motolayer.errors.ServiceError`.
:func:`parse_json` reads a request's JSON parameter, refusing what is not JSON with the error
AWS answers for that parameter.
"""

from __future__ import annotations

import json
from typing import Any

from infra_scripts.localcloud.motolayer.errors import ServiceError, error_types


class StepFunctionsError(ServiceError):
    """Base of the errors below (HTTP 400, as every Step Functions client error)."""


class ActivityDoesNotExist(StepFunctionsError):
    TYPE = "ActivityDoesNotExist"

    def __init__(self, activity_arn: str) -> None:
        super().__init__(f"Activity Does Not Exist: '{activity_arn}'")


class ExecutionDoesNotExist(StepFunctionsError):
    TYPE = "ExecutionDoesNotExist"

    def __init__(self, execution_arn: str) -> None:
        super().__init__(f"Execution Does Not Exist: '{execution_arn}'")


class InvalidToken(StepFunctionsError):
    TYPE = "InvalidToken"
    MESSAGE = "The provided token is not valid."


class StateMachineDoesNotExist(StepFunctionsError):
    TYPE = "StateMachineDoesNotExist"

    def __init__(self, state_machine_arn: str) -> None:
        super().__init__(f"State Machine Does Not Exist: '{state_machine_arn}'")


class TaskTimedOut(StepFunctionsError):
    TYPE = "TaskTimedOut"
    MESSAGE = (
        "The task token has either expired or the task associated with the token has "
        "already been closed."
    )


# The errors that are nothing but their name.
(
    ConflictException,
    ExecutionNotRedrivable,
    InvalidArn,
    InvalidDefinition,
    InvalidExecutionInput,
    InvalidOutput,
    StateMachineTypeNotSupported,
    TaskDoesNotExist,
    ValidationException,
) = error_types(
    StepFunctionsError,
    "ConflictException",
    "ExecutionNotRedrivable",
    "InvalidArn",
    "InvalidDefinition",
    "InvalidExecutionInput",
    "InvalidOutput",
    "StateMachineTypeNotSupported",
    "TaskDoesNotExist",
    "ValidationException",
)


def parse_json(
    text: str | None, what: str, error: type[StepFunctionsError], *, as_object: bool = False
) -> Any:
    """``text`` parsed as JSON, or ``error`` (AWS's "Invalid <what>: '<reason>'").

    ``as_object``: only a JSON object is accepted. ``None`` is not JSON (it is refused)."""
    try:
        value = json.loads(text if text is not None else "")
    except ValueError as exc:
        raise error(f"Invalid {what}: '{exc}'") from None
    if as_object and not isinstance(value, dict):
        raise error(f"Invalid {what}: a JSON object is expected")
    return value
