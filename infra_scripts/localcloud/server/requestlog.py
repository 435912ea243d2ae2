"""What the local cloud's log says about each request, and how long one of its lines may be.

One ``localcloud.requests`` line per request: method, path, status, the operation and, on
a 4xx/5xx answer, AWS's error code (on a Lambda Invoke whose handler failed, its
``FunctionError``)::

    POST / 200 sts.GetCallerIdentity
    GET /bucket/missing 404 s3.GetObject NoSuchKey
    POST / 400 AWSStepFunctions.DescribeExecution ExecutionDoesNotExist
    POST /2015-03-31/functions/f/invocations 200 lambda.Invoke (in-process)
    POST /2015-03-31/functions/f/invocations 200 lambda.Invoke FunctionError=Unhandled

The operation comes from the request as each wire protocol carries it, names from
botocore's service models (no table of operations here):

- AWS JSON: the ``X-Amz-Target`` header, as sent (``AWSStepFunctions.StartExecution``);
- query (SNS, IAM, STS, CloudWatch, Redshift, …): the ``Action`` field (``sns.Publish``);
- REST-JSON and REST-XML (Lambda, S3, …): the operation of the service's model whose HTTP
  method and ``requestUri`` match, where the query keys of its ``requestUri`` and its
  required query-string and header members decide between operations at the same path
  (S3's ``PutObject``/``CopyObject``/``UploadPart``, ``ListObjects``/``ListObjectsV2``, …).
  Requests are matched as path-style (``/bucket/key``, what clients of the local endpoint
  send); a virtual-hosted one has its bucket taken from the ``Host`` name;
- protocols :mod:`.wire_protocols` re-encodes (Athena's REST-JSON, CloudWatch's CBOR): the
  operation it resolved.

The service is the one the request's SigV4 credential scope names (header or presigned
URL; a Signature Version 2 one is S3's). What none of this identifies shows as ``-`` (no
signature, no operation field) or ``<service>.?`` (no operation of the model matches).

The error code is the ``X-Amzn-ErrorType`` header where the answer has one, else the JSON
body's ``__type``/``code`` or the XML body's ``<Code>``, as botocore reads them; an error
without a body (S3 answers HEAD requests so) shows ``(no error body)``. Only error bodies
are read.

:class:`RequestLogMiddleware` works it out (leaving it in the environ); the HTTP request
handler (:mod:`.front`) and the in-process loopback write the line. This module imports
nothing heavy at its top: the server's front uses it before the services are installed.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

WsgiApp = Callable[..., Iterable[bytes]]

# Set by :mod:`.wire_protocols` on a request it re-encodes: the operation's name.
OPERATION_ENVIRON_KEY = "localcloud.operation"
# Set by :class:`RequestLogMiddleware`: the operation and any error code, as logged.
LABEL_ENVIRON_KEY = "localcloud.request_label"
# A dict a caller whose WSGI runner copies the environ (the loopback's) puts in it: the
# middleware sets LABEL_ENVIRON_KEY in it too.
SINK_ENVIRON_KEY = "localcloud.request_label_sink"

UNKNOWN = "-"
NO_ERROR_BODY = "(no error body)"
MAX_LINE_CHARS = 2000  # no line of the server's log is longer (LineLimitFormatter)

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s&]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_PRESIGNED_SCOPE = re.compile(r"X-Amz-Credential=[^&]*?%2F\d{8}%2F[^&%]+%2F([^&%]+)%2F", re.I)
_ACTION = re.compile(rb"(?:^|&)Action=([A-Za-z0-9]{1,128})(?:&|$)")
_XML_CODE = re.compile(rb"<Code>\s*([^<\s]{1,200})\s*</Code>")
_LABEL = re.compile(r"\{([^}+]+)(\+?)\}")
_CODE_CHARS = re.compile(r"[^A-Za-z0-9_.:\-]")
_IP_OR_LOCAL = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]*\]|localhost)$")


def label(environ: Mapping[str, Any] | None, headers: Any = None) -> str:
    """What a request's log line says after its status: the operation [and error code]."""
    if environ:
        found = environ.get(LABEL_ENVIRON_KEY)
        if found:
            return found
    target = headers.get("X-Amz-Target") if headers is not None else None
    return target or UNKNOWN


# -- the operation ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    """One REST operation of a model: its path as a regular expression, and what its
    ``requestUri``'s query and its required query-string and header members demand."""

    name: str
    path: re.Pattern[str]
    query: tuple[tuple[str, str | None], ...]  # key, and the value it must have (or None)
    header_keys: tuple[str, ...]  # WSGI environ keys (HTTP_X_AMZ_COPY_SOURCE …)
    labels: tuple[str, ...] = ()  # the requestUri's labels, in the order of path's groups

    def label_values(self, path: str) -> dict[str, str]:
        """The URI labels of a path this route matches (still percent-encoded)."""
        match = self.path.match(path)
        return dict(zip(self.labels, match.groups(), strict=True)) if match else {}

    def matches(self, path: str, query: Mapping[str, str], environ: Mapping[str, Any]) -> bool:
        for key, value in self.query:
            if key not in query or (value is not None and query[key] != value):
                return False
        for key in self.header_keys:
            if key not in environ:
                return False
        return self.path.match(path) is not None


def _compile_route(
    name: str, operation: Mapping[str, Any], shapes: Mapping[str, Any]
) -> tuple[str, tuple[int, int, int], _Route]:
    """One operation of a model's JSON (read as such: building botocore's shapes for every
    S3 operation took ~0.15 s)."""
    http = operation["http"]
    uri, _, uri_query = http["requestUri"].partition("?")
    query: dict[str, str | None] = {}
    for part in filter(None, uri_query.split("&")):
        key, sep, value = part.partition("=")
        if key != "x-id":  # botocore does not send it
            query[key] = value if sep else None
    header_keys: list[str] = []
    shape = shapes.get(operation.get("input", {}).get("shape", ""), {})
    for member_name in shape.get("required", ()):
        member = shape.get("members", {}).get(member_name, {})
        location, wire_name = member.get("location"), member.get("locationName", member_name)
        if location == "querystring":
            query.setdefault(wire_name, None)
        elif location == "header":
            header_keys.append("HTTP_" + wire_name.upper().replace("-", "_"))
    pattern, literal, pos, labels = [], 0, 0, []
    for match in _LABEL.finditer(uri):
        pattern.append(re.escape(uri[pos : match.start()]))
        literal += match.start() - pos
        pattern.append("(.+)" if match[2] else "([^/]+)")
        labels.append(match[1])
        pos = match.end()
    pattern.append(re.escape(uri[pos:].rstrip("/")))
    literal += len(uri) - pos
    # Most demanding first; at a tie, more literal text first, and current before deprecated.
    rank = (len(query) + len(header_keys), literal, 0 if operation.get("deprecated") else 1)
    route = _Route(
        name,
        re.compile("".join(pattern) + "/?$"),
        tuple(query.items()),
        tuple(header_keys),
        tuple(labels),
    )
    return http["method"], rank, route


@dataclass
class _Service:
    """A service as the log names it: its botocore name, its routes if it speaks REST."""

    name: str
    routes: dict[str, tuple[_Route, ...]] | None  # by HTTP method
    virtual_hosted: bool = False  # S3: the bucket may be in the Host name

    @classmethod
    def load(cls, name: str) -> _Service:
        from infra_scripts.localcloud.server.wire_protocols import load_service_dict

        model = load_service_dict(name)
        metadata = model["metadata"]
        protocols = metadata.get("protocols") or [metadata.get("protocol", "")]
        if not any(protocol.startswith("rest-") for protocol in protocols):
            return cls(name, None)
        ranked: dict[str, list[tuple[tuple[int, int, int], _Route]]] = {}
        for operation_name, operation in model["operations"].items():
            method, rank, route = _compile_route(operation_name, operation, model["shapes"])
            ranked.setdefault(method, []).append((rank, route))
        routes = {
            method: tuple(route for _, route in sorted(found, key=lambda r: r[0], reverse=True))
            for method, found in ranked.items()
        }
        return cls(name, routes, virtual_hosted=name == "s3")

    def operation(self, environ: Mapping[str, Any], method: str, path: str, qs: str) -> str:
        """The REST operation a request calls, or ``?``."""
        return self.match(environ, method, path, qs)[0]

    def match(
        self, environ: Mapping[str, Any], method: str, path: str, qs: str
    ) -> tuple[str, dict[str, str]]:
        """The REST operation a request calls (or ``?``) and its URI labels."""
        assert self.routes is not None
        if self.virtual_hosted:
            host = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0]
            if "." in host and not _IP_OR_LOCAL.match(host):
                path = "/" + host.split(".", 1)[0] + path
        query: dict[str, str] = {}
        for part in qs.split("&"):
            if part:
                key, _, value = part.partition("=")
                query.setdefault(key, value)
        for route in self.routes.get(method, ()):
            if route.matches(path, query, environ):
                return route.name, route.label_values(path)
        return "?", {}


class ServiceIndex:
    """Services by SigV4 signing name, each loaded from its model on first use."""

    def __init__(self) -> None:
        self._services: dict[str, _Service] = {}
        self._lock = threading.Lock()

    def get(self, signing_name: str) -> _Service:
        service = self._services.get(signing_name)
        if service is None:
            with self._lock:
                service = self._services.get(signing_name)
                if service is None:
                    service = self._services[signing_name] = _load(signing_name)
        return service


def _load(signing_name: str) -> _Service:
    """The service signed as ``signing_name``: the model of that name, else the emulated
    service signed so (CloudWatch signs as ``monitoring``), else the signing name alone."""
    from infra_scripts.localcloud.server import wire_protocols

    try:
        return _Service.load(signing_name)
    except Exception:  # no model of that name (botocore's UnknownServiceError …)
        pass
    for name in wire_protocols.EMULATED_SERVICES:
        metadata = wire_protocols.load_service_dict(name)["metadata"]
        if (metadata.get("signingName") or metadata.get("endpointPrefix")) == signing_name:
            return _Service.load(name)
    return _Service(signing_name, None)


def _query_action(environ: dict[str, Any]) -> str | None:
    """The ``Action`` of a query-protocol request (its body is re-wrapped to be read again)."""
    qs = environ.get("QUERY_STRING") or ""
    if "Action=" in qs:
        found = _ACTION.search(qs.encode("latin-1", "replace"))
        return found[1].decode() if found else None
    if environ.get("REQUEST_METHOD") != "POST" or not (
        environ.get("CONTENT_TYPE") or ""
    ).startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0:  # no body, or one not delimited by its length: left to moto
        return None
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":  # CloudWatch compresses
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return None
    found = _ACTION.match(raw) if raw.startswith(b"Action=") else _ACTION.search(raw)
    return found[1].decode() if found else None


# -- the error code -----------------------------------------------------------------------


def error_code(headers: Iterable[tuple[str, str]], body: bytes | None) -> str:
    """AWS's error code of an error answer (header, JSON or XML body), or a placeholder,
    read as botocore does (``Code:…`` and ``namespace#Code`` are ``Code``)."""
    for key, value in headers:
        if key.lower() == "x-amzn-errortype" and value:
            return _clean(value)
    head = (body or b"").lstrip()[:1]
    if head == b"{":
        try:
            doc = json.loads(body or b"")
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            code = doc.get("__type") or doc.get("code") or doc.get("Code")
            if code:
                return _clean(str(code))
    elif head == b"<":
        found = _XML_CODE.search(body or b"", 0, 8192)
        if found:
            return _clean(found[1].decode("utf-8", "replace"))
    return NO_ERROR_BODY if not body else UNKNOWN


def _clean(code: str) -> str:
    code = code.split(":", 1)[0].rsplit("#", 1)[-1]
    return _CODE_CHARS.sub("", code)[:100] or UNKNOWN


def _signed_v2(auth: str | None, qs: str) -> bool:
    if auth:
        return auth.startswith("AWS ")
    return "AWSAccessKeyId=" in qs and "Signature=" in qs


class RequestLogMiddleware:
    """Works out each request's operation and error code for its log line (it writes no
    line itself: the HTTP handler and the loopback do, with the status they send).

    It reads nothing of a successful answer, and of a request only a query-protocol body
    (small, and parsed by moto next anyway); REST routes are matched against pre-compiled
    patterns of the one service the request is signed for.
    """

    def __init__(self, app: WsgiApp, services: ServiceIndex | None = None) -> None:
        self.app = app
        self.services = services or ServiceIndex()

    def _operation(self, environ: dict[str, Any], action: str | None, request: tuple) -> str:
        named = environ.get(OPERATION_ENVIRON_KEY) or environ.get("HTTP_X_AMZ_TARGET")
        if named:
            return named
        method, path, qs, auth = request
        scope = _CREDENTIAL_SCOPE.search(auth) if auth else None
        if scope is None and "X-Amz-Credential=" in qs:  # a presigned URL
            scope = _PRESIGNED_SCOPE.search(qs)
        if scope is not None:
            signed_for = scope[1]
        elif action is None and _signed_v2(auth, qs):
            signed_for = "s3"  # only S3 still takes Signature Version 2 (presigned URLs)
        else:
            return action or UNKNOWN
        service = self.services.get(signed_for)
        if action is None and service.routes is not None:
            action = service.operation(environ, method, path, qs)
        return f"{service.name}.{action or '?'}"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = (
            environ.get("REQUEST_METHOD") or "",
            environ.get("PATH_INFO") or "/",
            environ.get("QUERY_STRING") or "",
            environ.get("HTTP_AUTHORIZATION"),
        )
        action = None if environ.get("HTTP_X_AMZ_TARGET") else _query_action(environ)
        answered: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        status = answered[0] if answered else ""
        body: bytes | None = None
        if status[:1] in ("4", "5") and error_code(answered[1], b"") == NO_ERROR_BODY:
            # The code is not in a header: read the (small) error body, and answer it.
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            result = [body]
        try:
            text = self._operation(environ, action, request)
            if status[:1] in ("4", "5"):
                text = f"{text} {error_code(answered[1], body)}"
            elif answered and text == "lambda.Invoke":  # a handler's error answers 200
                for key, value in answered[1]:
                    if key.lower() == "x-amz-function-error":
                        text = f"{text} FunctionError={_clean(value)}"
        except Exception as exc:  # never fail a request for its log line
            text = f"? (request log: {type(exc).__name__})"
        environ[LABEL_ENVIRON_KEY] = text
        sink = environ.get(SINK_ENVIRON_KEY)
        if sink is not None:
            sink[LABEL_ENVIRON_KEY] = text
        return result


# -- the length of a line -----------------------------------------------------------------


class LineLimitFormatter(logging.Formatter):
    """A formatter whose lines are at most :data:`MAX_LINE_CHARS` long: a longer line (a
    huge message, an exception's text in a traceback) is cut, saying how much was cut."""

    def __init__(self, *args: Any, max_chars: int = MAX_LINE_CHARS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_chars = max_chars

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if len(text) <= self.max_chars:
            return text
        return "\n".join(cut(line, self.max_chars) for line in text.split("\n"))


def cut(text: str, max_chars: int) -> str:
    """``text``, or its beginning and how many characters were cut, in ``max_chars``."""
    if len(text) <= max_chars:
        return text
    keep = max(max_chars - 40, 0)
    return f"{text[:keep]}… [{len(text) - keep:,} more characters]"
