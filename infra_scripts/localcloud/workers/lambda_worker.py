"""One warm Lambda execution environment: imports a Python handler once, serves invocations.

Run by the Lambda executor as ``python lambda_worker.py <response-fd>``, with the
function's code directory on ``sys.path`` and its environment already set. Requests
arrive one JSON line at a time on stdin; each answer is one JSON line on the response
pipe. Whatever the handler prints or logs is captured per invocation and returned as
its log text. Stdlib only: it runs inside the user's function environment.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
from typing import Any

_LEVEL_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"


class _Context:
    """The ``context`` argument of a Python Lambda handler."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = request["invoked_function_arn"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.aws_request_id = request["request_id"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(request["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


class _LambdaLogHandler(logging.Handler):
    """Writes records the way the Lambda Python runtime does, to the current ``sys.stderr``."""

    request_id = ""

    def emit(self, record: logging.LogRecord) -> None:
        record.aws_request_id = self.request_id
        formatter = logging.Formatter(_LEVEL_FORMAT, "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime
        sys.stderr.write(formatter.format(record).rstrip("\n") + "\n")


def _error(error_type: str, message: str, stack: list[str] | None = None) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "stackTrace": stack or []}


def _load_handler(spec: str) -> Any:
    """Import ``module.function`` (``folder/module.function`` too), AWS-style errors."""
    module_path, _, func_name = spec.rpartition(".")
    if not module_path:
        raise _InitError(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{spec}': not enough values to unpack (expected 2, got 1)",
        )
    module_name = module_path.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except Exception as exc:
        raise _InitError(
            "Runtime.UserCodeSyntaxError" if isinstance(exc, SyntaxError) else type(exc).__name__,
            str(exc),
            traceback.format_list(traceback.extract_tb(exc.__traceback__)),
        ) from exc
    handler = getattr(module, func_name, None)
    if handler is None:
        raise _InitError(
            "Runtime.HandlerNotFound", f"Handler '{func_name}' missing on module '{module_name}'"
        )
    return handler


class _InitError(Exception):
    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.payload = _error(error_type, message, stack)


def _invoke(handler: Any, request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Run one invocation; return (answer, keep_worker)."""
    event = json.loads(request["event"])
    try:
        result = handler(event, _Context(request))
    except SystemExit as exc:
        message = (
            f"RequestId: {request['request_id']} Error: Runtime exited with error: "
            f"exit status {exc.code if isinstance(exc.code, int) else 1}"
        )
        return {"error": _error("Runtime.ExitError", message)}, False
    except Exception as exc:
        stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
        payload = _error(type(exc).__name__, str(exc), stack)
        payload["requestId"] = request["request_id"]
        sys.stderr.write(
            f"[ERROR] {type(exc).__name__}: {exc}\nTraceback (most recent call last):\n"
            + "".join(stack)
        )
        return {"error": payload}, True
    try:
        return {"payload": json.dumps(result)}, True
    except (TypeError, ValueError) as exc:
        return {"error": _error("Runtime.MarshalError", f"Unable to marshal response: {exc}")}, True


def main(response_fd: int) -> None:
    responses = os.fdopen(response_fd, "w", buffering=1)
    log_handler = _LambdaLogHandler()
    root = logging.getLogger()
    root.addHandler(log_handler)
    root.setLevel(logging.WARNING)  # the runtime's default; handlers raise it themselves
    handler = None
    real_stdout, real_stderr = sys.stdout, sys.stderr
    for line in sys.stdin:
        request = json.loads(line)
        captured = io.StringIO()
        sys.stdout = sys.stderr = captured
        log_handler.request_id = request["request_id"]
        keep = True
        try:
            if handler is None:
                handler = _load_handler(os.environ["_HANDLER"])
            answer, keep = _invoke(handler, request)
        except _InitError as exc:
            sys.stderr.write(f"[ERROR] {exc.payload['errorType']}: {exc.payload['errorMessage']}\n")
            answer, keep = {"error": exc.payload}, False
        finally:
            sys.stdout, sys.stderr = real_stdout, real_stderr
        answer["logs"] = captured.getvalue()
        answer["exiting"] = not keep
        responses.write(json.dumps(answer) + "\n")
        if not keep:
            return


if __name__ == "__main__":
    main(int(sys.argv[1]))
