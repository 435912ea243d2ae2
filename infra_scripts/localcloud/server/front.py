"""The local-cloud server process: listens at once, installs the services in the background.

Run as ``python -m infra_scripts.localcloud.server --port P --state-dir D``; the
operator-side :mod:`infra_scripts.localcloud.process` starts and stops it.

Importing moto and installing the services takes about a second, so the server listens
before: the health probe is answered from the first moment (``"ready"`` says whether the
services are installed), and every other request waits until they are (with a deadline).
This module therefore imports nothing heavy at its top.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from infra_scripts.localcloud.access.control import AccessControl
from infra_scripts.localcloud.motolayer.patching import MOTO_VERSION, PATCHES, check_moto_version
from infra_scripts.localcloud.persistence.store import StateError
from infra_scripts.localcloud.runtime import (
    HEALTH_PATH,
    SERVICE_NAME,
    BackgroundLoad,
    ServerContext,
    default_glue_max_running,
)
from infra_scripts.localcloud.server import requestlog

WsgiApp = Callable[..., Iterable[bytes]]

log = logging.getLogger("localcloud")
access_log = logging.getLogger("localcloud.requests")

INSTALL_DEADLINE_S = 120.0  # a request waits this long for the services at most
HEALTH_LABEL = "localcloud.Health"  # the health probe's "operation" in the request log
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LoadingApplication:
    """The application, built on a thread: install every service, then moto's app."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self._app: WsgiApp | None = None
        self.keeper: Any = None  # the StateKeeper of a persistent server, once restored
        self.loading = BackgroundLoad("installing the services", self._build, INSTALL_DEADLINE_S)

    @property
    def ready(self) -> bool:
        return self._app is not None

    def _build(self) -> None:
        try:
            from infra_scripts.localcloud.server import app, loopback

            app.install_services(self.ctx)
            built = app.build_app(self.ctx)
            if self.ctx.persistent:
                self._app = self._restored(built, loopback)
            else:
                loopback.serve_in_process(built)
                self._app = built
        except StateError as exc:  # never serve an empty cloud in place of the saved one
            log.critical("the local cloud cannot start: %s", exc)
            logging.shutdown()
            os._exit(4)
        except BaseException as exc:  # never serve moto unpatched: stop instead
            log.critical("the local cloud could not install its services, stopping: %r", exc)
            logging.shutdown()
            os._exit(3)
        log.info("services installed (moto %s, %d patches)", MOTO_VERSION, len(PATCHES.applied()))
        _tune_gc()

    def _restored(self, built: WsgiApp, loopback: Any) -> WsgiApp:
        """Load the saved state, then answer each change once it is saved (a call from inside
        the server is answered at once: the request it serves waits)."""
        from infra_scripts.localcloud.persistence.keeper import SaveAfterChange, StateKeeper

        keeper = StateKeeper(self.ctx)
        keeper.restore()
        keeper.start()
        self.keeper = keeper
        label = requestlog.LABEL_ENVIRON_KEY
        loopback.serve_in_process(SaveAfterChange(built, keeper, label, wait=False))
        return SaveAfterChange(built, keeper, label)

    def shutdown(self) -> None:
        """On SIGTERM: save what changed on worker threads since the last snapshot."""
        if self.keeper is not None:
            self.keeper.stop()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self._app is None:
            self.loading.wait()
        assert self._app is not None
        return self._app(environ, start_response)


class HealthMiddleware:
    """Answers the kit's health probe; passes every other request on."""

    def __init__(
        self,
        app: WsgiApp,
        ctx: ServerContext,
        ready: Callable[[], bool],
        state: Callable[[], dict[str, Any] | None] = lambda: None,
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.ready = ready
        self.state = state  # the saved state's figures (None: ephemeral, or not loaded yet)

    def iam(self) -> dict[str, Any]:
        """Whether IAM is evaluated, and how many requests were authorised and denied."""
        access = self.ctx.access
        figures = access.stats.as_dict() if access is not None else {}
        return {"enforced": self.ctx.enforce_iam, **figures}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            environ[requestlog.LABEL_ENVIRON_KEY] = HEALTH_LABEL
            body = json.dumps(
                {
                    "status": "running",
                    "ready": self.ready(),
                    "service": SERVICE_NAME,
                    "moto_version": MOTO_VERSION,
                    "pid": os.getpid(),
                    "port": self.ctx.port,
                    "state_dir": str(self.ctx.state_dir),
                    "persistent": self.ctx.persistent,
                    "iam": self.iam(),
                    "state": self.state(),
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


def request_handlers(loading: BackgroundLoad) -> type:
    """The request handler: Werkzeug's with keep-alive and a one-line access log until the
    services are installed, then moto's (which keeps S3 metadata header names as sent).

    The access line names the operation and any error code, as
    :class:`~.requestlog.RequestLogMiddleware` worked them out (:func:`.requestlog.label`).

    A connection's handler becomes moto's at its first request after the install (its
    class is switched: the two share their layout); the health probe never waits.
    Werkzeug's own log line (client address, date, ANSI colours) cost ~4% of the server's
    CPU in a burst of uploads; the log record's own time stamp is enough.
    """
    from werkzeug.serving import WSGIRequestHandler

    from infra_scripts.localcloud.server.keepalive import KeepAliveMixin

    loaded: list[type] = []

    class RequestHandler(KeepAliveMixin, WSGIRequestHandler):
        def make_environ(self) -> dict[str, Any]:
            if self.path.split("?", 1)[0] == HEALTH_PATH:
                return super().make_environ()
            loading.wait()
            if not loaded:
                from moto.moto_server.werkzeug_app import MotoRequestHandler

                class MotoHandler(RequestHandler, MotoRequestHandler):
                    make_environ = MotoRequestHandler.make_environ

                loaded.append(MotoHandler)
            self.__class__ = loaded[0]
            return self.make_environ()

        def handle_one_request(self) -> None:
            self.environ = None  # not the previous request's, if this one fails to parse
            super().handle_one_request()

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            access_log.info(
                "%s %s %s %s",
                getattr(self, "command", None) or "-",
                getattr(self, "path", None) or "-",
                code,
                requestlog.label(getattr(self, "environ", None), getattr(self, "headers", None)),
            )

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
    """Listen on 127.0.0.1 at once, install the services meanwhile, serve until terminated."""
    from werkzeug.serving import make_server

    check_moto_version()  # quick, and the one failure a user can cause: before listening
    application = LoadingApplication(ctx)
    server = make_server(
        "127.0.0.1",
        ctx.port,
        HealthMiddleware(
            application,
            ctx,
            lambda: application.ready,
            lambda: application.keeper.stats() if application.keeper else None,
        ),
        threaded=True,
        request_handler=request_handlers(application.loading),
    )
    log.info(
        "local cloud listening on %s, pid %s, %s",
        ctx.endpoint,
        os.getpid(),
        f"state kept in {ctx.saved_state_dir}" if ctx.persistent else "ephemeral (state in memory)",
    )
    if not ctx.enforce_iam:
        log.info("IAM not evaluated (--no-iam): the cloud's code may do anything")

    def terminate(signum: int, frame: Any) -> None:
        log.info("stopping (signal %d)", signum)
        application.shutdown()
        if ctx.work_root is not None:
            shutil.rmtree(ctx.work_root, ignore_errors=True)
        logging.shutdown()
        os._exit(0)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    application.loading.start()
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
    parser.add_argument(
        "--ephemeral",
        action="store_true",
        help="keep the state in memory only (lost at stop); default: saved in STATE_DIR/state",
    )
    parser.add_argument(
        "--no-iam",
        action="store_true",
        help="allow every request of the cloud's own code (default: IAM evaluated for its roles)",
    )
    args = parser.parse_args(argv)
    if args.glue_max_running < 1:
        parser.error("--glue-max-running must be at least 1")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(requestlog.LineLimitFormatter(LOG_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    state_dir = args.state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    ctx = ServerContext(
        port=args.port,
        state_dir=state_dir,
        glue_minute_seconds=args.glue_minute_seconds,
        glue_max_running=args.glue_max_running,
        started_at=time.time(),
        persistent=not args.ephemeral,
        enforce_iam=not args.no_iam,
        access=AccessControl(enforce=not args.no_iam),
        work_root=Path(tempfile.mkdtemp(prefix="localcloud-work-")) if args.ephemeral else None,
    )
    serve(ctx)
    return 0
