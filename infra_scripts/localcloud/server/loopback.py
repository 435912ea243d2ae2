"""Calls the local cloud makes to itself, served in-process instead of over HTTP.

The Step Functions interpreter runs inside the server and reaches Lambda, Glue, SNS, … with
SDK clients pointed at the server's own port (as moto does). Over HTTP each such call costs
the server a TCP connection, a thread and HTTP parsing on both ends — ~7 calls per pipeline
execution. :func:`attach` makes a client hand its signed request straight to the server's
WSGI application instead (botocore's ``before-send`` hook, as ``botocore.stub`` and moto's
own mocks use it): the same middlewares, moto dispatch and executors answer it, so the
response is the one HTTP would have carried.

Until :func:`serve_in_process` is given the application (or in any other process), clients
keep using HTTP.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from infra_scripts.localcloud.server import requestlog

log = logging.getLogger("localcloud.requests")

WsgiApp = Callable[..., Iterable[bytes]]
_app: WsgiApp | None = None


def serve_in_process(app: WsgiApp | None) -> None:
    """Serve attached clients' requests with ``app`` (None: back to HTTP)."""
    global _app
    _app = app


def attach(client: Any) -> None:
    """Make ``client`` (pointed at this server) call the application in-process."""
    client.meta.events.register("before-send", dispatch)


class _Body(io.BytesIO):
    """The raw response body as botocore reads it (``stream()`` or ``read()``)."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self.read()
        while chunk:
            yield chunk
            chunk = self.read()


def _preserve_header_names(environ: dict[str, Any], headers: list[tuple[str, str]]) -> None:
    """What moto's own request handler adds: S3 metadata names that contain underscores,
    as sent (WSGI folds ``_`` and ``-`` alike; a dashed header of the same key wins)."""
    from moto.core.request import (
        PRESERVED_HEADER_NAMES_ENVIRON_KEY,
        environ_key_for_header,
        should_preserve_original_header_name,
    )

    dashed = {environ_key_for_header(name) for name, _ in headers if "_" not in name}
    names: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for name, value in headers:
        key = environ_key_for_header(name)
        if should_preserve_original_header_name(name) and key not in dashed:
            names.setdefault(key, name)
            values.setdefault(key, []).append(value.replace("\r\n", ""))
    for key, key_values in values.items():
        environ[key] = ",".join(key_values)
    environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = names


def dispatch(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    """botocore ``before-send`` handler: the response of the in-process application."""
    app = _app
    if app is None:
        return None
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    url = urlsplit(request.url)
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers = [
        (name, value.decode("utf-8") if isinstance(value, bytes) else value)
        for name, value in request.headers.items()
    ]
    builder = EnvironBuilder(
        path=url.path or "/",
        base_url=f"{url.scheme}://{url.netloc}",
        query_string=url.query,
        method=request.method,
        headers=headers,
        data=body or b"",
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    _preserve_header_names(environ, headers)
    logged: dict[str, str] = {}  # run_wsgi_app copies the environ: the label comes back here
    environ[requestlog.SINK_ENVIRON_KEY] = logged
    chunks, status, response_headers = run_wsgi_app(app, environ, buffered=True)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    code = int(status.split(" ", 1)[0])
    log.info("%s %s %s %s (in-process)", request.method, url.path, code, requestlog.label(logged))
    return AWSResponse(request.url, code, dict(response_headers.items()), _Body(content))
