"""boto3 clients for the Lambda handlers, created once per execution environment.

Creating a client costs ~0.1-0.2 s; a warm Lambda reuses the one it made on its first
invocation (AWS's recommended practice), so only cold starts pay for it.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def client(service: str) -> Any:
    import boto3

    return boto3.session.Session().client(service)
