"""The one writer of CloudWatch Logs events into moto's logs backend, for every service.

moto's ``LogStream.put_log_events`` is not thread-safe ("TODO: to be thread safe"), and
Lambda invocations, Glue runs and their output readers write concurrently: every write
goes through :func:`put_messages`, under one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from infra_scripts.localcloud.motolayer.backends import backend

_WRITE_LOCK = threading.Lock()  # guards moto's process-wide logs backends


def put_messages(
    account_id: str, region: str, group: str, stream: str, messages: Iterable[str]
) -> None:
    """Append ``messages`` (one event each, time stamped now) to ``group``/``stream``,
    creating both when missing; with no messages, only create them."""
    logs = backend("logs", account_id, region)
    now_ms = int(time.time() * 1000)
    events = [{"timestamp": now_ms, "message": message} for message in messages]
    with _WRITE_LOCK:
        if group not in logs.groups:
            logs.create_log_group(group, tags={})
        logs.ensure_log_stream(group, stream)
        if events:
            logs.put_log_events(group, stream, events)
