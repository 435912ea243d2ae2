"""The kit's error hierarchy: one base error, named errors that carry AWS's reason."""

from __future__ import annotations


class RetailKitError(Exception):
    """Base class of every error the kit raises on purpose."""


class ConfigError(RetailKitError):
    """A setting is missing or has a value the kit cannot use."""


class LocalCloudError(RetailKitError):
    """The local cloud could not be started, reached or stopped."""


class PortInUseError(LocalCloudError):
    """The local cloud's port is taken by a process that is not the local cloud."""


class MotoVersionError(LocalCloudError):
    """The installed moto is not the version the local cloud's executors patch."""


class WaitTimeoutError(RetailKitError):
    """A wait passed its deadline before the awaited state was reached."""


class ExecutionFailedError(RetailKitError):
    """A Step Functions execution ended without success; carries AWS's error and cause."""

    def __init__(self, execution_arn: str, error: str | None, cause: str | None) -> None:
        super().__init__(f"execution {execution_arn} failed: {error}: {cause}")
        self.execution_arn = execution_arn
        self.error = error
        self.cause = cause


class QueryFailedError(RetailKitError):
    """A Redshift Data API statement ended FAILED or ABORTED; carries Redshift's error."""

    def __init__(self, statement_id: str, status: str, error: str | None) -> None:
        super().__init__(f"Redshift statement {statement_id} {status}: {error}")
        self.statement_id = statement_id
        self.status = status
        self.error = error


class AwsAccessError(RetailKitError):
    """AWS cannot be used as the command needs: no, expired or refused credentials, or no
    connection. Raised by the check that runs before a command's first change on AWS."""


class StackMissingError(RetailKitError):
    """The stack a notebook or command needs is not there: never deployed (no outputs file),
    or its outputs file names a resource that no longer exists (``missing``: what is gone)."""

    def __init__(
        self, message: str, *, stack: str, outputs_file: str, missing: str | None = None
    ) -> None:
        super().__init__(message)
        self.stack = stack
        self.outputs_file = outputs_file
        self.missing = missing
