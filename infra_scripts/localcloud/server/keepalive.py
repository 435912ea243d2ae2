"""HTTP/1.1 keep-alive for the werkzeug request handler the local cloud serves with.

Werkzeug's development server answers every request with ``Connection: close``: it cannot
tell where an unread request body ends, so after each response it discards whatever the
socket delivers within 10 ms. Every SDK call then opened a new TCP connection and the
server started a new thread for it: a quarter to a third of the server's CPU per request
(measured on S3 GET/PUT/List and Glue GetTable).

Here the request body is read through a stream limited to its ``Content-Length``
(werkzeug's own :class:`~werkzeug.wsgi.LimitedStream`), so the end-of-request drain stops
at the body's end, and what the application left unread is discarded before the next
request on the connection is parsed. Requests that cannot be delimited that way (a chunked
body, a missing or malformed length), HTTP/1.0 requests and clients asking for
``Connection: close`` get the old behaviour: one request, then the connection closes.

A connection left idle for :data:`IDLE_TIMEOUT_S` is closed, as SDK connection pools expect:
that is logged at DEBUG (Python's HTTP server reports it as the error "Request timed out");
a request that stalls part-way still is an error.
"""

from __future__ import annotations

import logging
from typing import Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

# An idle connection is closed after this long (SDK connection pools reconnect).
IDLE_TIMEOUT_S = 120.0

log = logging.getLogger("localcloud.keepalive")


def body_length(headers: Any) -> int | None:
    """The request body's length when it alone delimits the body, else None."""
    if headers.get("Transfer-Encoding"):
        return None
    value = headers.get("Content-Length")
    if value is None:
        return 0
    try:
        length = int(value)
    except ValueError:
        return None
    return length if length >= 0 else None


class KeepAliveMixin(WSGIRequestHandler):
    """Mix into a :class:`WSGIRequestHandler` (before it) to keep connections open."""

    timeout = IDLE_TIMEOUT_S
    # Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm
    # holds the body back until the client's delayed ACK (~40 ms) on an open connection.
    disable_nagle_algorithm = True
    _keep_alive = False
    _awaiting_request = False  # no byte of the next request's line has been parsed yet

    def handle_one_request(self) -> None:
        self._awaiting_request = True
        try:
            super().handle_one_request()
        finally:
            self._awaiting_request = False

    def parse_request(self) -> bool:
        self._awaiting_request = False
        return super().parse_request()

    def log_error(self, format: str, *args: Any) -> None:
        if self._awaiting_request and format.startswith("Request timed out"):
            log.debug("closing a connection idle for %g s", self.timeout)
            return
        super().log_error(format, *args)

    def run_wsgi(self) -> None:
        length = body_length(self.headers)
        self._keep_alive = not self.close_connection and length is not None
        if not self._keep_alive:
            self.close_connection = True
            super().run_wsgi()
            return
        raw, body = self.rfile, LimitedStream(self.rfile, length or 0)
        self.rfile = body  # type: ignore[assignment]  # read by make_environ and the drain
        try:
            super().run_wsgi()
            body.exhaust()  # what the application left unread
        except (ClientDisconnected, OSError):
            self.close_connection = True
        finally:
            self.rfile = raw

    def send_header(self, keyword: str, value: str) -> None:
        if self._keep_alive and keyword.lower() == "connection" and value.lower() == "close":
            return  # werkzeug's unconditional close; the request is delimited
        super().send_header(keyword, value)
