"""Every wire protocol the SDKs speak, for services moto routes in only one of them.

A service's botocore model lists the protocols a client may use (``metadata.protocols``)
and, for the REST protocols, each operation's method and ``requestUri``. moto 5.2.5 routes
Athena only as AWS JSON 1.1 (``X-Amz-Target: AmazonAthena.<Op>`` on ``POST /``), which
botocore 1.44.18 no longer speaks (it sends REST-JSON: ``POST /query-executions`` …), and
routes no service in Smithy RPC v2 CBOR (CloudWatch's first protocol).

:class:`WireProtocolMiddleware` recognises a request in any protocol the model declares,
re-encodes it as the JSON protocol moto routes, and encodes moto's answer back in the
client's protocol, so a client gets the same result whichever protocol it picks. The
routes, the parameter locations and every value's type come from botocore's models; the
encoders and decoders are botocore's own (and moto's request parser for REST).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.loaders
from botocore.model import OperationModel, ServiceModel, Shape, ShapeResolver, StructureShape
from botocore.parsers import JSONParser, RpcV2CBORParser
from botocore.serialize import JSONSerializer, RpcV2CBORSerializer
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from infra_scripts.localcloud.motolayer.patching import require
from infra_scripts.localcloud.server.requestlog import OPERATION_ENVIRON_KEY

log = logging.getLogger("localcloud")

WsgiApp = Callable[..., Iterable[bytes]]

JSON = "json"
REST_JSON = "rest-json"
CBOR = "smithy-rpc-v2-cbor"

# The AWS JSON protocol of services whose current model no longer declares it, as their
# models up to botocore 1.44.13 did (and AWS still serves): target prefix, JSON version.
LEGACY_JSON_PROTOCOLS: Mapping[str, tuple[str, str]] = {"athena": ("AmazonAthena", "1.1")}

# Services whose moto 5.2.5 handlers are routed only at ``POST /`` and read only the
# JSON protocol, whatever their model says (checked against moto at install).
MOTO_JSON_ONLY: tuple[str, ...] = ("athena",)

# The services the local cloud emulates (botocore names).
EMULATED_SERVICES: tuple[str, ...] = (
    "athena",
    "cloudwatch",
    "events",
    "glue",
    "iam",
    "lambda",
    "logs",
    "redshift-data",
    "redshift-serverless",
    "s3",
    "sns",
    "sqs",
    "stepfunctions",
    "sts",
)

# Where the middleware leaves the protocol of the service a request is signed for.
PROTOCOL_ENVIRON_KEY = "localcloud.service_protocol"

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")
_LABEL = re.compile(r"\{([^}+]+)(\+?)\}")


class UnknownOperation(Exception):
    """No operation of the service matches the request's method and path."""


def load_service_dict(service_name: str) -> dict[str, Any]:
    """The installed botocore's service model, as the JSON dict it ships."""
    return botocore.loaders.create_loader().load_service_model(service_name, "service-2")


def model_with_protocol(model: dict[str, Any], service_name: str, protocol: str) -> dict[str, Any]:
    """A copy of ``model`` whose clients speak only ``protocol`` (tests force one this way).

    The JSON protocol takes its target prefix and version from the model, or for services
    whose current model dropped it, from :data:`LEGACY_JSON_PROTOCOLS`.
    """
    metadata = dict(model["metadata"])
    declared = list(metadata.get("protocols", [metadata["protocol"]]))
    if protocol == JSON and "targetPrefix" not in metadata:
        if service_name not in LEGACY_JSON_PROTOCOLS:
            raise ValueError(f"{service_name}'s model declares no JSON protocol")
        metadata["targetPrefix"], metadata["jsonVersion"] = LEGACY_JSON_PROTOCOLS[service_name]
    elif protocol not in declared:
        raise ValueError(f"{service_name}'s model declares {declared}, not {protocol}")
    metadata["protocol"] = protocol
    metadata["protocols"] = [protocol]
    return {**model, "metadata": metadata}


def declared_protocols(service_name: str, model: dict[str, Any] | None = None) -> list[str]:
    """Every protocol a current or recent SDK may use for ``service_name``."""
    metadata = (model or load_service_dict(service_name))["metadata"]
    protocols = list(metadata.get("protocols", [metadata["protocol"]]))
    if service_name in LEGACY_JSON_PROTOCOLS and JSON not in protocols:
        protocols.append(JSON)
    return protocols


def _rest_routes(model: ServiceModel) -> Map:
    """A werkzeug URL map of the model's REST operations (``requestUri`` and method)."""
    rules = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path = http["requestUri"].split("?", 1)[0]
        path = _LABEL.sub(lambda m: f"<{'path:' if m[2] else ''}{m[1]}>", path)
        rules.append(Rule(path, methods=[http["method"]], endpoint=name, strict_slashes=False))
    return Map(rules)


class _CBORCodec(RpcV2CBORSerializer):
    """botocore's RPC v2 CBOR encoder, applied to any shape (a response's, an error's)."""

    def encode(self, value: Any, shape: Shape) -> bytes:
        body = bytearray()
        self._serialize_data_item(body, value, shape)
        return bytes(body)


_ERROR_SHAPE = StructureShape(
    "LocalCloudError",
    {"type": "structure", "members": {"__type": {"shape": "S"}, "message": {"shape": "S"}}},
    ShapeResolver({"S": {"type": "string"}}),
)


@dataclass
class ServiceWire:
    """How to re-encode one service's requests for moto, and moto's answers back."""

    name: str
    model: ServiceModel  # the installed botocore's
    json_model: ServiceModel  # the same operations, as the JSON protocol moto routes
    rest_routes: Map | None  # REST-JSON routes, when moto does not route them itself
    cbor_target: str | None  # the RPC v2 CBOR service name in paths, when declared

    @classmethod
    def build(cls, name: str, raw: dict[str, Any], moto_json_only: bool) -> ServiceWire | None:
        """The wire of ``name`` (model ``raw``), or None when moto routes every protocol."""
        protocols = declared_protocols(name, raw)
        model = ServiceModel(raw, name)
        rest = REST_JSON in protocols and moto_json_only
        cbor = CBOR in protocols
        if not (rest or cbor):
            return None
        return cls(
            name=name,
            model=model,
            json_model=ServiceModel(model_with_protocol(raw, name, JSON), name),
            rest_routes=_rest_routes(model) if rest else None,
            cbor_target=model.metadata.get("targetPrefix") if cbor else None,
        )

    # -- requests ------------------------------------------------------------------------

    def client_protocol(self, environ: dict[str, Any]) -> str | None:
        """The protocol of a request that needs re-encoding (None: moto routes it)."""
        if environ.get("HTTP_X_AMZ_TARGET"):
            return None
        if self.cbor_target and (
            environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor"
            or environ.get("PATH_INFO", "").startswith("/service/")
        ):
            return CBOR
        if self.rest_routes is not None:
            return REST_JSON
        return None

    def operation(self, environ: dict[str, Any], protocol: str) -> tuple[str, dict[str, str]]:
        """The operation a request calls, and its URI labels."""
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/"
        if protocol == CBOR:
            match = _CBOR_PATH.match(path)
            if not match or match[2] not in self.model.operation_names:
                raise UnknownOperation(f"{self.model.service_id} has no operation at {path}")
            return match[2], {}
        assert self.rest_routes is not None
        try:
            name, labels = self.rest_routes.bind("localhost").match(path, method)
        except (NotFound, MethodNotAllowed):
            raise UnknownOperation(
                f"no {self.model.service_id} operation matches {method} {path}"
            ) from None
        if _binds_output(self.model.operation_model(name)):
            raise UnknownOperation(
                f"{self.model.service_id} {name} answers with a streamed or header-bound "
                "result, which the local cloud does not serve"
            )
        return name, labels

    def parameters(
        self,
        environ: dict[str, Any],
        body: bytes,
        protocol: str,
        operation: OperationModel,
        labels: dict[str, str],
    ) -> dict[str, Any]:
        """The request's parameters, typed by the operation's input shape."""
        if operation.input_shape is None:
            return {}
        if protocol == CBOR:
            parsed = RpcV2CBORParser().parse(
                {"body": body, "headers": {}, "status_code": 200}, operation.input_shape
            )
            parsed.pop("ResponseMetadata", None)
            return parsed
        from moto.core.parse import RestJSONParser  # moto's REST request parser

        request = Request(dict(environ, **{"wsgi.input": io.BytesIO(body)}))
        return RestJSONParser(operation).parse(
            {
                "method": request.method,
                "values": request.args,
                "headers": request.headers,
                "body": body,
                "url_path": request.path,
                "url_params": labels,
            }
        )

    def to_moto(self, environ: dict[str, Any], name: str, params: dict[str, Any]) -> None:
        """Rewrite ``environ`` in place into the JSON-protocol request moto routes."""
        serialized = JSONSerializer().serialize_to_request(
            params, self.json_model.operation_model(name)
        )
        body = serialized["body"]
        for key in ("HTTP_SMITHY_PROTOCOL", "HTTP_CONTENT_ENCODING", "HTTP_ACCEPT"):
            environ.pop(key, None)
        environ.update(
            {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": "/",
                "RAW_URI": "/",
                "REQUEST_URI": "/",
                "QUERY_STRING": "",
                "CONTENT_TYPE": serialized["headers"]["Content-Type"],
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_X_AMZ_TARGET": serialized["headers"]["X-Amz-Target"],
                "wsgi.input": io.BytesIO(body),
            }
        )

    # -- responses -----------------------------------------------------------------------

    def from_moto(
        self,
        protocol: str,
        operation: OperationModel | None,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> tuple[list[tuple[str, str]], bytes]:
        """moto's JSON answer, re-encoded in the client's protocol."""
        kept = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
        if protocol == REST_JSON:
            # No output member is bound to a header, the status or the payload (operations
            # that bind one are refused), so the JSON document is the same.
            if status >= 400 and not any(k.lower() == "x-amzn-errortype" for k, _ in kept):
                kept.append(("X-Amzn-ErrorType", _error_fields(body)[0]))
            return [*kept, ("Content-Type", "application/json")], body
        if status >= 400:
            code, message = _error_fields(body)
            payload = _CBORCodec().encode({"__type": code, "message": message}, _ERROR_SHAPE)
        elif operation is None or operation.output_shape is None:
            payload = b""
        else:
            parsed = JSONParser().parse(
                {"body": body or b"{}", "headers": {}, "status_code": 200}, operation.output_shape
            )
            parsed.pop("ResponseMetadata", None)
            payload = _CBORCodec().encode(parsed, operation.output_shape)
        return [*kept, ("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")], (
            payload
        )


def _binds_output(operation: OperationModel) -> bool:
    """Whether a REST answer carries output outside its JSON document."""
    shape = operation.output_shape
    if shape is None:
        return False
    return "payload" in shape.serialization or any(
        member.serialization.get("location") for member in shape.members.values()
    )


def _error_fields(body: bytes) -> tuple[str, str]:
    """The code and message of a JSON error document (moto's or the kit's)."""
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        doc = {}
    if not isinstance(doc, dict):
        doc = {}
    code = str(doc.get("__type") or doc.get("code") or "InternalFailure").split("#")[-1]
    return code, str(doc.get("message") or doc.get("Message") or "")


def signing_name(model: ServiceModel) -> str:
    """The service name in a request's SigV4 credential scope."""
    return model.signing_name or model.endpoint_prefix


def check_moto_routes() -> None:
    """Fail loudly if moto started routing a service of :data:`MOTO_JSON_ONLY` itself."""
    import importlib

    for name in MOTO_JSON_ONLY:
        urls = importlib.import_module(f"moto.{name}.urls")
        paths = set(require(urls, "url_paths"))
        if paths != {"{0}/$"}:
            raise RuntimeError(
                f"moto's {name} now routes {sorted(paths)}: revisit MOTO_JSON_ONLY in {__name__}"
            )


def build_wires(
    services: Iterable[str] = EMULATED_SERVICES,
) -> tuple[dict[str, ServiceWire], dict[str, str]]:
    """The wires of the services that need one, and every service's protocol (the one its
    errors are written in), both by SigV4 signing name."""
    wires, protocols = {}, {}
    for name in services:
        raw = load_service_dict(name)
        model = ServiceModel(raw, name)
        protocols[signing_name(model)] = model.resolved_protocol
        wire = ServiceWire.build(name, raw, moto_json_only=name in MOTO_JSON_ONLY)
        if wire is not None:
            wires[signing_name(model)] = wire
    return wires, protocols


class WireProtocolMiddleware:
    """Re-encodes requests in a protocol moto does not route, and moto's answers back.

    Reading the service models takes ~0.3 s: it is part of the server's background install
    (:mod:`.front`), before any signed request is served.
    """

    def __init__(self, app: WsgiApp, services: Iterable[str] = EMULATED_SERVICES) -> None:
        self.app = app
        self.wires, self.protocols = build_wires(services)

    def _wire(self, environ: dict[str, Any]) -> ServiceWire | None:
        match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if not match:
            return None
        environ[PROTOCOL_ENVIRON_KEY] = self.protocols.get(match[1])
        return self.wires.get(match[1])

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        wire = self._wire(environ)
        protocol = wire.client_protocol(environ) if wire else None
        if wire is None or protocol is None:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            name, labels = wire.operation(environ, protocol)
        except UnknownOperation as exc:
            return _reply(
                start_response, wire, protocol, None, 404, "UnknownOperationException", exc
            )
        environ[OPERATION_ENVIRON_KEY] = f"{wire.name}.{name}"  # for the request's log line
        operation = wire.model.operation_model(name)
        try:
            if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":  # requestCompression
                body = gzip.decompress(body)
            params = wire.parameters(environ, body, protocol, operation, labels)
        except Exception as exc:  # a body that is not CBOR/JSON, a label of the wrong type
            log.info("%s %s: unreadable request: %r", wire.name, name, exc)
            return _reply(
                start_response, wire, protocol, operation, 400, "SerializationException", exc
            )
        wire.to_moto(environ, name, params)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        result = self.app(environ, capture)
        try:
            moto_body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        status = int(captured["status"].split(" ", 1)[0])
        headers, out = wire.from_moto(protocol, operation, status, captured["headers"], moto_body)
        start_response(captured["status"], [*headers, ("Content-Length", str(len(out)))])
        return [out]


def _reply(
    start_response: Callable[..., Any],
    wire: ServiceWire,
    protocol: str,
    operation: OperationModel | None,
    status: int,
    code: str,
    exc: Exception,
) -> list[bytes]:
    """An AWS error in the client's protocol, answered without moto."""
    doc = json.dumps({"__type": code, "message": str(exc)}).encode()
    headers, body = wire.from_moto(
        protocol, operation, status, [("x-amzn-RequestId", str(uuid.uuid4()))], doc
    )
    reason = "Not Found" if status == 404 else "Bad Request"
    start_response(f"{status} {reason}", [*headers, ("Content-Length", str(len(body)))])
    return [body]
