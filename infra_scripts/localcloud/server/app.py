"""The local cloud's application: moto's control plane with every service installed,
behind the wire-protocol and AWS-error middlewares. :mod:`.front` serves it."""

from __future__ import annotations

import gzip
import importlib
import io
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from botocore.model import OperationNotFoundError
from werkzeug.http import HTTP_STATUS_CODES

from infra_scripts.localcloud.motolayer import lazyimports as moto_lazy_imports
from infra_scripts.localcloud.motolayer import speedups as moto_speedups
from infra_scripts.localcloud.motolayer.patching import PATCHES
from infra_scripts.localcloud.runtime import ServerContext
from infra_scripts.localcloud.server import requestlog, wire_protocols

# The emulated services, in install order: each is ``services/<name>/patches.py`` with an
# ``install(ctx)``.
SERVICES: tuple[str, ...] = (
    "awslambda",
    "glue",
    "stepfunctions",
    "events",
    "sns",
    "redshift_serverless",
    "s3",
    "athena",
    "redshift_data",
)

log = logging.getLogger("localcloud")
access_log = logging.getLogger("localcloud.requests")


def install_services(ctx: ServerContext) -> None:
    """Configure moto and install every service (before the first request; the server's
    front checked the moto version already).

    A service loads what is slow or large (an interpreter, a SQL engine) on its first
    request, so that an idle server stays small (``runtime.OnFirstUse``, ``BackgroundLoad``).
    """
    os.environ["MOTO_PORT"] = str(ctx.port)  # the Step Functions interpreter calls back here
    os.environ.setdefault("MOTO_CALL_RESET_API", "false")
    from moto.core.config import default_user_config

    stepfunctions_config = default_user_config["stepfunctions"]
    executes = stepfunctions_config.get("execute_state_machine")
    stepfunctions_config["execute_state_machine"] = True
    PATCHES.record(
        "moto.core.config.default_user_config[stepfunctions][execute_state_machine]",
        lambda: stepfunctions_config.__setitem__("execute_state_machine", executes),
    )
    moto_lazy_imports.install()
    moto_speedups.install()
    wire_protocols.check_moto_routes()
    for name in SERVICES:
        importlib.import_module(f"infra_scripts.localcloud.services.{name}.patches").install(ctx)
    if ctx.persistent:
        from infra_scripts.localcloud.persistence import pickling

        pickling.install()


class AwsErrorMiddleware:
    """Turns what moto fails on (bad JSON, unknown operations, crashes) into AWS-shaped errors.

    Without it such requests get Werkzeug's HTML 500 page, which SDKs cannot parse.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    @staticmethod
    def _is_json_protocol(environ: dict[str, Any]) -> bool:
        """Whether the request's errors are JSON documents (else XML)."""
        service_protocol = environ.get(wire_protocols.PROTOCOL_ENVIRON_KEY) or ""
        return (
            bool(environ.get("HTTP_X_AMZ_TARGET"))
            or "json" in environ.get("CONTENT_TYPE", "")
            or "json" in service_protocol
        )

    def _error(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        status: int,
        code: str,
        message: str,
    ) -> list[bytes]:
        request_id = str(uuid.uuid4())
        if self._is_json_protocol(environ):
            body = json.dumps({"__type": code, "message": message}).encode()
            content_type = "application/x-amz-json-1.1"
        else:
            body = (
                "<?xml version='1.0' encoding='UTF-8'?><ErrorResponse><Error>"
                f"<Type>{'Sender' if status < 500 else 'Receiver'}</Type><Code>{code}</Code>"
                f"<Message>{xml_escape(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            ).encode()
            content_type = "text/xml"
        reason = HTTP_STATUS_CODES.get(status, "Error")
        start_response(
            f"{status} {reason}",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("X-Amzn-ErrorType", code),
                ("x-amzn-RequestId", request_id),
            ],
        )
        return [body]

    def _unless_html(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The app's answer, except an HTML error page (no route matched): an AWS error."""
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            if _maybe_html_error(status, headers):
                return lambda data: None  # answered below
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        if not (captured and _maybe_html_error(*captured)):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if not body.lstrip()[:14].lower().startswith((b"<!doctype html", b"<html")):
            start_response(*captured)  # a handler's own error body without a content type
            return [body]
        status = int(captured[0].split(" ", 1)[0])
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        if status in (404, 405):
            code = (
                "UnknownOperationException" if self._is_json_protocol(environ) else "InvalidAction"
            )
            message = f"The local cloud has no operation for {method} {path}"
        else:
            code, message = "InternalFailure", f"{method} {path} failed (HTTP {status})"
        return self._error(environ, start_response, status, code, message)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET") and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(raw)  # moto reads it (and un-gzips it) again
            try:
                gzipped = environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip"
                json.loads((gzip.decompress(raw) if gzipped else raw) or b"{}")
            except (ValueError, OSError, EOFError) as exc:
                return self._error(
                    environ,
                    start_response,
                    400,
                    "SerializationException",
                    f"Request body is not valid JSON: {exc}",
                )
        try:
            return self._unless_html(environ, start_response)
        except (NotImplementedError, OperationNotFoundError, KeyError) as exc:
            log.warning(
                "unsupported request %s %s: %s: %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                type(exc).__name__,
                exc,
            )
            code = (
                "UnknownOperationException" if self._is_json_protocol(environ) else "InvalidAction"
            )
            return self._error(
                environ,
                start_response,
                400,
                code,
                f"The operation is not supported by the local cloud: {exc}",
            )
        except Exception as exc:
            log.exception("request failed: %s", environ.get("PATH_INFO"))
            return self._error(
                environ,
                start_response,
                500,
                "InternalFailure",
                f"The local cloud failed on this request ({type(exc).__name__}: {exc}); "
                "details in `retailkit local logs`",
            )


def _maybe_html_error(status: str, headers: list[tuple[str, str]]) -> bool:
    """An error whose body may be Werkzeug's HTML page (which no SDK can parse)."""
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    return status[:1] in "45" and content_type.startswith("text/html")


def build_app(ctx: ServerContext) -> Callable[..., Iterable[bytes]]:
    """moto's dispatcher application behind IAM (:mod:`..access`), the wire-protocol and
    error middlewares, and the request log's (outermost: it sees the error an SDK gets)
    (the services must be installed first: :func:`install_services`)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    def create_app(service: Any) -> Any:
        """moto's Flask app of one service, out of Flask's debug mode.

        In debug mode Flask builds a new class for every request with a body (a debugging
        aid for HTML forms) and re-reads templates' modification times. Errors still reach
        :class:`AwsErrorMiddleware`: exceptions propagate, as they did in debug mode.
        """
        app = create_backend_app(service)
        app.debug = False
        app.config["PROPAGATE_EXCEPTIONS"] = True
        app.config["TRAP_BAD_REQUEST_ERRORS"] = True
        return app

    from infra_scripts.localcloud.access.middleware import AccessMiddleware

    dispatcher = DomainDispatcherApplication(create_app)
    # after re-encoding: it reads requests in the protocol moto routes
    authorised = AccessMiddleware(dispatcher, ctx.access) if ctx.access else dispatcher
    return requestlog.RequestLogMiddleware(
        AwsErrorMiddleware(wire_protocols.WireProtocolMiddleware(authorised))
    )
