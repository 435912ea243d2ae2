"""Who sends a request and what it asks for, read from the wire before moto answers it.

The SigV4 credential scope (header or presigned URL) names the access key, the region and
the service; the operation and its parameters come as each protocol carries them, named by
botocore's service model: AWS JSON's ``X-Amz-Target`` and JSON body, the query protocol's
``Action`` and fields, a REST operation's route (:mod:`..server.requestlog`), URI labels,
query string and headers, parsed with moto's own request parsers. A request body is read
only when it is small and not a streamed payload (an S3 object's bytes are never read).
"""

from __future__ import annotations

import functools
import io
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from infra_scripts.localcloud.server.requestlog import ServiceIndex

log = logging.getLogger("localcloud")

MAX_BODY_READ = 1 << 20  # a request body above this is not parsed for parameters

_SCOPE = re.compile(r"Credential=([^/,\s&]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class ApiRequest:
    """One signed request: whose key, which service, operation and parameters."""

    access_key: str
    region: str
    service: str  # botocore's name (``s3``, ``stepfunctions``, …)
    operation: str  # botocore's operation name, ``?`` when none matched
    params: Mapping[str, Any] = field(default_factory=dict)


def access_key_of(environ: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(access key, region, signing name) of a SigV4-signed request, else None."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION") or "")
    if match is None and "X-Amz-Credential=" in (environ.get("QUERY_STRING") or ""):
        for key, value in parse_qsl(environ.get("QUERY_STRING") or ""):
            if key == "X-Amz-Credential":
                match = _SCOPE.search(f"Credential={value}")
    if match is None:
        return None
    return match[1], match[2], match[3]


def read_request(
    environ: dict[str, Any], services: ServiceIndex, scope: tuple[str, str, str]
) -> ApiRequest:
    """The request in ``environ`` (signed with ``scope``); a body it reads is put back."""
    access_key, region, signing_name = scope
    service = services.get(signing_name)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        body = _body(environ)
        return ApiRequest(access_key, region, service.name, target.rsplit(".", 1)[-1], _json(body))
    if service.routes is None:  # the query protocol
        fields = dict(parse_qsl(environ.get("QUERY_STRING") or ""))
        if "form-urlencoded" in (environ.get("CONTENT_TYPE") or ""):
            fields.update(parse_qsl(_body(environ).decode("utf-8", "replace")))
        operation = fields.pop("Action", "?")
        return ApiRequest(access_key, region, service.name, operation, fields)
    method, path = environ.get("REQUEST_METHOD") or "GET", environ.get("PATH_INFO") or "/"
    qs = environ.get("QUERY_STRING") or ""
    operation, labels = service.match(environ, method, path, qs)
    labels = {name: unquote(value) for name, value in labels.items()}
    if operation == "?":
        return ApiRequest(access_key, region, service.name, operation, labels)
    return ApiRequest(
        access_key,
        region,
        service.name,
        operation,
        _rest_parameters(environ, service.name, operation, labels),
    )


def _body(environ: dict[str, Any]) -> bytes:
    """The request body (put back for moto), or b"" when it is too large to read."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not length or length > MAX_BODY_READ:
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@functools.cache
def _operation_model(service: str, operation: str) -> Any:
    from botocore.model import ServiceModel

    from infra_scripts.localcloud.server.wire_protocols import load_service_dict

    return ServiceModel(load_service_dict(service), service).operation_model(operation)


def _rest_parameters(
    environ: dict[str, Any], service: str, operation: str, labels: dict[str, str]
) -> dict[str, Any]:
    """A REST request's parameters by moto's parser for its protocol (labels, query string,
    headers, and the body unless it is a streamed payload); the labels alone if it fails."""
    from moto.core.parse import RestJSONParser, RestXMLParser
    from werkzeug.datastructures import Headers, MultiDict

    model = _operation_model(service, operation)
    streams = model.has_streaming_input or model.get_streaming_input() is not None
    body = b"" if streams else _body(environ)
    headers = Headers(
        (key[5:].replace("_", "-").title(), value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    )
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    parser = RestXMLParser if model.metadata.get("protocol") == "rest-xml" else RestJSONParser
    try:
        parsed = parser(model).parse(
            {
                "method": environ.get("REQUEST_METHOD") or "GET",
                "values": MultiDict(parse_qsl(environ.get("QUERY_STRING") or "", True)),
                "headers": headers,
                "body": body,
                "url_path": environ.get("PATH_INFO") or "/",
                "url_params": labels,
            }
        )
    except Exception as exc:  # an odd request: moto answers it; authorise on what is known
        log.debug("access: %s %s: parameters not parsed: %r", service, operation, exc)
        return dict(labels)
    return {**labels, **parsed}
