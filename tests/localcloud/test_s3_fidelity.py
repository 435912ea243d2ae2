"""S3 behaviours the kit relies on: TLS-only policies and EventBridge notification settings."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.helpers import unique

pytestmark = pytest.mark.localcloud


def _policy(bucket: str, statement: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_tls_only_policy_lets_the_local_endpoint_through(session):
    s3, bucket = session.client("s3"), unique("tls")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            bucket,
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ),
    )
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_other_deny_statements_still_deny(session):
    s3, bucket = session.client("s3"), unique("deny")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            bucket,
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
        ),
    )
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert err.value.response["Error"]["Code"] in ("AccessDenied", "403")


def test_eventbridge_notification_setting_reads_back(session):
    s3, bucket = session.client("s3"), unique("eb")
    s3.create_bucket(Bucket=bucket)
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["EventBridgeConfiguration"] == {}


def test_moto_data_dashboard_survives_deleted_buckets(session, local_cloud):
    import urllib.request

    s3, bucket = session.client("s3"), unique("gone")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)
    with urllib.request.urlopen(f"{local_cloud.endpoint}/moto-api/data.json", timeout=30) as resp:
        assert resp.status == 200
        assert b'"s3"' in resp.read()


def test_conditional_puts_on_one_key_are_atomic(session):
    """Racing ``If-None-Match: *`` / ``If-Match`` PUTs of one key: as on S3, exactly one of
    each round wins and the others get 412 PreconditionFailed (the pipeline's commit marker
    is a compare-and-swap on this)."""
    from concurrent.futures import ThreadPoolExecutor

    from botocore.config import Config

    writers = 12
    s3 = session.client("s3", config=Config(max_pool_connections=writers))
    bucket = unique("cas")
    s3.create_bucket(Bucket=bucket)

    def put(i: int, key: str, etag: str | None) -> str:
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        body = f"{key} {etag} writer {i}".encode()  # unique: same bytes would keep the ETag
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body, **condition)
        except ClientError as exc:
            return exc.response["Error"]["Code"]
        return "won"

    with ThreadPoolExecutor(writers) as pool:
        for round_ in range(20):
            key = f"marker-{round_}"
            created = list(pool.map(lambda i, k=key: put(i, k, None), range(writers)))
            assert sorted(created) == ["PreconditionFailed"] * (writers - 1) + ["won"], created
            etag = s3.head_object(Bucket=bucket, Key=key)["ETag"]
            swapped = list(pool.map(lambda i, k=key, e=etag: put(i, k, e), range(writers)))
            assert sorted(swapped) == ["PreconditionFailed"] * (writers - 1) + ["won"], swapped
