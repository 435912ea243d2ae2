"""Refuses, before moto answers, what AWS's IAM would refuse a role session or IAM user.

A denial is answered in the service's own error shape: S3's ``AccessDenied`` XML (403),
``AccessDeniedException`` for JSON and REST-JSON services (400; Lambda's 403), SNS's
``AuthorizationError`` and ``AccessDenied`` for the other query services (403) — each with
AWS's message ("User: … is not authorized to perform: … on resource: … because …").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape

from infra_scripts.localcloud.access.control import AccessControl, Denial
from infra_scripts.localcloud.access.requests import ApiRequest, access_key_of, read_request
from infra_scripts.localcloud.access.resource_policies import bucket_policy
from infra_scripts.localcloud.server.requestlog import ServiceIndex

WsgiApp = Callable[..., Iterable[bytes]]

# Query-protocol services, and the code their denials carry.
QUERY_DENIAL_CODES = {
    "sns": "AuthorizationError",
    "sts": "AccessDenied",
    "iam": "AccessDenied",
    "cloudwatch": "AccessDenied",
    "sqs": "AccessDenied",
    "redshift": "AccessDenied",
}
FORBIDDEN_JSON_SERVICES = ("lambda",)  # REST-JSON services that answer a denial with 403


class AccessMiddleware:
    """Authorises each request signed by a principal of the local cloud (:mod:`.control`)."""

    def __init__(
        self, app: WsgiApp, control: AccessControl, services: ServiceIndex | None = None
    ) -> None:
        self.app = app
        self.control = control
        self.services = services or ServiceIndex()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        scope = access_key_of(environ)
        if scope is None or not self.control.enforce:
            return self.app(environ, start_response)
        identity = self.control.identity(scope[0])
        if identity is None:  # the operator's: allowed, but a bucket policy's Deny binds all
            if scope[2] != "s3" or not _bucket_has_policy(environ):
                return self.app(environ, start_response)
            identity = self.control.operator()
        request = read_request(environ, self.services, scope)
        denial = self.control.authorize(identity, request)
        if denial is None:
            return self.app(environ, start_response)
        return _deny(environ, start_response, request, denial)


def _bucket_has_policy(environ: dict[str, Any]) -> bool:
    """Whether the bucket of a path-style S3 request has a policy."""
    bucket = (environ.get("PATH_INFO") or "/").lstrip("/").split("/", 1)[0]
    return bool(bucket) and bucket_policy(bucket)[0] is not None


def _deny(
    environ: dict[str, Any],
    start_response: Callable[..., Any],
    request: ApiRequest,
    denial: Denial,
) -> list[bytes]:
    request_id = str(uuid.uuid4())
    if environ.get("HTTP_X_AMZ_TARGET"):
        status, code = 400, "AccessDeniedException"
        body = json.dumps({"__type": code, "Message": denial.message}).encode()
        content_type = "application/x-amz-json-1.1"
    elif request.service in QUERY_DENIAL_CODES:
        status, code = 403, QUERY_DENIAL_CODES[request.service]
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{escape(denial.message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        content_type = "text/xml"
    elif request.service == "s3":
        status, code = 403, "AccessDenied"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>{escape(denial.message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>"
        ).encode()
        content_type = "application/xml"
    else:
        code = "AccessDeniedException"
        status = 403 if request.service in FORBIDDEN_JSON_SERVICES else 400
        body = json.dumps({"Type": "User", "Message": denial.message}).encode()
        content_type = "application/json"
    if environ.get("REQUEST_METHOD") == "HEAD":
        body = b""  # S3 answers HEAD without a body
    start_response(
        f"{status} {'Forbidden' if status == 403 else 'Bad Request'}",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("X-Amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
            ("x-amz-request-id", request_id),
        ],
    )
    return [body]
