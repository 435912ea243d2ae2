"""S3: AWS behaviours moto 5.2.5 gets wrong, which the kit relies on.

- moto applied a bucket policy to every request, whoever sent it and whatever its
  conditions (a TLS-only policy, or a Deny for one role, denied everyone). Bucket policies
  are the local cloud's IAM's to evaluate (``infra_scripts.localcloud.access``), with the
  caller and conditions as AWS evaluates them; moto's check is switched off.
- GetBucketNotificationConfiguration left out ``EventBridgeConfiguration``, so the
  setting could not be read back.
- ``/moto-api/data.json`` failed (500) once an object's bucket had been deleted: reading
  the object's ``status`` looked the bucket up. A deleted bucket's objects now read as
  having no status.
- Conditional writes (PutObject with ``If-Match`` / ``If-None-Match``) checked the condition
  and then wrote, so two racing writers could both win. On S3 a conditional write is atomic:
  the others get 412 PreconditionFailed. PUTs of one key are now serialised (striped locks),
  which makes the check and the write one step; the pipeline's commit marker relies on it.
- Listing a bucket while another request deleted one of its keys could fail (KeyError, an
  ``InvalidAction`` answer): moto copied the key names, then looked each one up. A burst of
  uploads hit it when one Glue run listed its pending markers as another deleted its own.
  Listings now iterate over one snapshot of names and versions.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from typing import Any

from infra_scripts.localcloud.motolayer.patching import replace, require
from infra_scripts.localcloud.runtime import ServerContext

_KEY_LOCKS = tuple(threading.Lock() for _ in range(64))


def _key_lock(bucket: str, key: str) -> threading.Lock:
    return _KEY_LOCKS[zlib.crc32(f"{bucket}/{key}".encode()) % len(_KEY_LOCKS)]


def install(ctx: ServerContext) -> None:
    del ctx
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket
    from moto.s3.responses import S3Response

    require(FakeBucket, "get_permission")

    def get_permission(self: Any, action: str, resource: str) -> Any:
        """Bucket policies are evaluated with the caller and conditions by the local
        cloud's IAM (:mod:`infra_scripts.localcloud.access`), not here."""
        return PermissionResult.NEUTRAL

    replace(FakeBucket, "get_permission", get_permission)

    original_get_notification = require(S3Response, "get_bucket_notification")

    def get_bucket_notification(self: Any) -> Any:
        config = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if not config or config.event_bridge is None:
            return original_get_notification(self)
        status, headers, body = original_get_notification(self)
        if isinstance(body, bytes):
            body = body.decode()
        marker = "</NotificationConfiguration>"
        if marker in body:
            body = body.replace(marker, "<EventBridgeConfiguration/>" + marker)
        else:  # an empty document: moto answered EmptyResult
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration '
                'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><EventBridgeConfiguration/>'
                "</NotificationConfiguration>"
            )
        headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        return status, headers, body

    replace(S3Response, "get_bucket_notification", get_bucket_notification)

    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import FakeKey

    status = require(FakeKey, "status")

    def read_status(self: Any) -> Any:
        try:
            return status.fget(self)
        except MissingBucket:
            return None

    replace(FakeKey, "status", property(read_status, status.fset))

    original_put_object = require(S3Response, "put_object")

    def put_object(self: Any) -> Any:
        with _key_lock(self.bucket_name, self.parse_key_name()):
            return original_put_object(self)

    replace(S3Response, "put_object", put_object)
    _snapshot_listings()


def _snapshot_listings() -> None:
    """Iterate a bucket's keys over one snapshot of (name, versions), taken atomically."""
    from moto.s3.utils import _VersionedKeyStore

    def lists(self: dict[str, list[Any]]) -> Iterator[tuple[str, list[Any]]]:
        yield from list(dict.items(self))  # one C-level copy: no key vanishes half-way

    def items(self: dict[str, list[Any]]) -> Iterator[tuple[str, Any]]:
        for name, versions in lists(self):
            if versions:
                yield name, versions[-1]

    def values(self: dict[str, list[Any]]) -> Iterator[Any]:
        for _, latest in items(self):
            yield latest

    for names, new in (
        (("items", "iteritems", "_iteritems"), items),
        (("values", "itervalues", "_itervalues"), values),
        (("lists", "iterlists", "_iterlists"), lists),
    ):
        for name in names:
            replace(_VersionedKeyStore, name, new)
