"""boto3 clients for the Lambda handlers, created once per execution environment.

Creating a client costs ~0.1-0.2 s; a warm Lambda reuses the one it made on its first
invocation (AWS's recommended practice), so only cold starts pay for it. Retries are explicit:
botocore's standard mode, 5 attempts.
"""

from __future__ import annotations

import functools
from typing import Any

#: Transient errors (throttling, 5xx, connection resets) are retried with backoff and jitter.
CLIENT_RETRIES = {"mode": "standard", "max_attempts": 5}


@functools.cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries=dict(CLIENT_RETRIES))
    return boto3.session.Session().client(service, config=config)
