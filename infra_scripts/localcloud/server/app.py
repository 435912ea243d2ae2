"""The local-cloud server process: moto's control plane plus the kit's executors.

Run as ``python -m infra_scripts.localcloud.server --port P --state-dir D``; the
operator-side :mod:`infra_scripts.localcloud.process` starts and stops it.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import importlib
import io
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from botocore.model import OperationNotFoundError
from werkzeug.http import HTTP_STATUS_CODES

from infra_scripts.localcloud.motolayer import speedups as moto_speedups
from infra_scripts.localcloud.motolayer.patching import MOTO_VERSION, PATCHES, check_moto_version
from infra_scripts.localcloud.runtime import (
    HEALTH_PATH,
    SERVICE_NAME,
    ServerContext,
    default_glue_max_running,
)
from infra_scripts.localcloud.server import loopback, wire_protocols
from infra_scripts.localcloud.server.keepalive import KeepAliveMixin

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
    """Configure moto and install every service (before the first request).

    Services put slow warm-ups that must not delay start-up in ``ctx.after_start``.
    """
    check_moto_version()
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
    moto_speedups.install()
    wire_protocols.check_moto_routes()
    for name in SERVICES:
        importlib.import_module(f"infra_scripts.localcloud.services.{name}.patches").install(ctx)


class HealthMiddleware:
    """Answers the kit's health probe; passes every other request to moto."""

    def __init__(self, app: Callable[..., Iterable[bytes]], ctx: ServerContext) -> None:
        self.app = app
        self.ctx = ctx

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            body = json.dumps(
                {
                    "status": "running",
                    "service": SERVICE_NAME,
                    "moto_version": MOTO_VERSION,
                    "pid": os.getpid(),
                    "port": self.ctx.port,
                    "state_dir": str(self.ctx.state_dir),
                    "started_at": self.ctx.started_at,
                    "patches": PATCHES.applied(),
                }
            ).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.app(environ, start_response)


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
            log.warning("unsupported request %s: %r", environ.get("PATH_INFO"), exc)
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
    """moto's dispatcher application behind the health, wire-protocol and error middlewares."""
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

    dispatcher = DomainDispatcherApplication(create_app)
    return HealthMiddleware(
        AwsErrorMiddleware(wire_protocols.WireProtocolMiddleware(dispatcher)), ctx
    )


def request_handler() -> type:
    """moto's request handler with a one-line access log (method, path, status, and the
    operation of JSON-protocol requests).

    Werkzeug's own log line (client address, date, ANSI colours) cost ~4% of the server's
    CPU in a burst of uploads; the log record's own time stamp is enough.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class RequestHandler(KeepAliveMixin, MotoRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            target = (self.headers.get("X-Amz-Target") if self.headers else None) or ""
            access_log.info("%s %s %s %s", self.command, self.path, code, target)

    return RequestHandler


GC_THRESHOLDS = (10_000, 50, 100)  # Python's defaults: (700, 10, 10)


def _tune_gc() -> None:
    """Collect cyclic garbage less often, and never re-scan what start-up loaded.

    A burst of uploads allocates millions of short-lived objects; with Python's default
    thresholds the collector ran ~1000 times (~3 s, 12-15% of the server's CPU) mostly
    re-scanning moto's and botocore's ~300k start-up objects. Those are frozen here
    (``gc.freeze``) and collections start at 10k new objects: ~70 collections, ~1 s.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(ctx: ServerContext) -> None:
    """Install the executors and serve on 127.0.0.1 until terminated."""
    from werkzeug.serving import make_server

    install_services(ctx)
    app = build_app(ctx)
    loopback.serve_in_process(app)
    _tune_gc()
    server = make_server(
        "127.0.0.1", ctx.port, app, threaded=True, request_handler=request_handler()
    )
    log.info(
        "local cloud (moto %s) listening on %s, pid %s", MOTO_VERSION, ctx.endpoint, os.getpid()
    )
    for hook in ctx.after_start:
        hook()
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the local cloud in the foreground.")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-dir", type=Path, default=Path(".localcloud"))
    parser.add_argument(
        "--glue-minute-seconds",
        type=float,
        default=60.0,
        help="seconds that count as one minute of a Glue job Timeout (tests shrink it)",
    )
    parser.add_argument(
        "--glue-max-running",
        type=int,
        default=default_glue_max_running(),
        help="Glue scripts running at once; further runs wait in STARTING (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.glue_max_running < 1:
        parser.error("--glue-max-running must be at least 1")
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    state_dir = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    ctx = ServerContext(
        port=args.port,
        state_dir=state_dir,
        glue_minute_seconds=args.glue_minute_seconds,
        glue_max_running=args.glue_max_running,
        started_at=time.time(),
    )
    serve(ctx)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
