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
