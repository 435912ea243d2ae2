"""The resource-based policy that also decides a request: an S3 bucket's policy, an SNS
topic's policy, a Lambda function's policy (moto's backends hold them)."""

from __future__ import annotations

import functools
import json
from typing import Any

from infra_scripts.localcloud.motolayer.backends import backend


def resource_policy(resource_arn: str) -> tuple[Any, str | None]:
    """(policy document or None, the owning account or None) of the resource an ARN names."""
    parts = resource_arn.split(":", 5)
    if len(parts) < 6:
        return None, None
    _, _, service, region, account, rest = parts
    try:
        if service == "s3":
            return bucket_policy(rest.split("/", 1)[0])
        if service == "sns":
            topic = backend("sns", account, region).topics.get(resource_arn)
            return (topic._policy_json if topic is not None else None), account
        if service == "lambda" and rest.startswith("function:"):
            return _function_policy(account, region, rest.split(":")[1]), account
    except (KeyError, LookupError):
        return None, None
    return None, None


def bucket_policy(bucket_name: str) -> tuple[Any, str | None]:
    """(the bucket's policy document or None, its owner account or None)."""
    from moto.s3.models import s3_backends

    for account, by_partition in list(s3_backends.items()):
        for _, s3 in list(by_partition.items()):
            bucket = s3.buckets.get(bucket_name)
            if bucket is not None:
                policy = bucket.policy
                return (_parsed(bytes(policy)) if policy else None), account
    return None, None


@functools.lru_cache(maxsize=256)  # read on every request to a bucket that has one
def _parsed(policy: bytes) -> Any:
    """A bucket policy document (shared between requests: read, never changed)."""
    return json.loads(policy)


def _function_policy(account: str, region: str, name: str) -> Any:
    lambdas = backend("lambda", account, region)
    try:
        function = lambdas.get_function(name)
    except Exception:  # no such function: moto answers the request itself
        return None
    statements = function.policy.statements
    if not statements:
        return None
    return {"Version": "2012-10-17", "Statement": statements}
