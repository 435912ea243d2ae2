"""IAM: what authorising one request costs the local cloud, alone on one thread.

The pipeline's Glue role and a TLS-only bucket policy in moto's backends (in this process),
then ``--requests`` authorisations of an S3 GetObject by a session of that role: resolving
its access key, the actions table, the identity policies and the bucket policy. Prints the
mean per request (reported; the burst benchmark gives the same figure as measured inside a
busy server, and the burst with IAM on and off):

    .venv/bin/python bench/bench_iam.py [--requests 5000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from infra_scripts.localcloud.access.control import AccessControl
from infra_scripts.localcloud.access.requests import ApiRequest

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _stack_role() -> tuple[str, str]:
    """A role with the kit's Glue policy, and its processed bucket with a TLS-only policy:
    (role ARN, bucket)."""
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends

    from infra_scripts.config import Settings
    from infra_scripts.provision import policies
    from infra_scripts.provision.core import StackContext

    settings = Settings.load(env={}, stack_name="bench-iam")
    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    ctx = StackContext(settings=settings, session=session, account=ACCOUNT)
    iam = iam_backends[ACCOUNT]["aws"]
    role = iam.create_role("bench-iam-glue", "{}", "/", None, "", [], None)
    document = json.dumps(policies.role_policies(ctx)["glue"])
    iam.put_role_policy(role.name, "least-privilege", document)
    bucket = ctx.names.bucket("processed")
    s3 = s3_backends[ACCOUNT]["aws"]
    s3.create_bucket(bucket, REGION)
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(bucket, json.dumps(tls_only).encode())
    return role.arn, bucket


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    control = AccessControl()
    role_arn, bucket = _stack_role()
    credentials = control.credentials(role_arn, "GlueJobRunnerSession", REGION)
    request = ApiRequest(
        credentials.access_key_id,
        REGION,
        "s3",
        "GetObject",
        {"Bucket": bucket, "Key": "sales/genre=Fiction/part-0.parquet"},
    )

    def authorise() -> object:
        identity = control.identity(credentials.access_key_id)
        assert identity is not None
        return control.authorize(identity, request)

    if authorise() is not None:
        print("the Glue role was denied GetObject on its processed bucket")
        return 1
    for _ in range(50):  # caches warm
        authorise()
    started = time.perf_counter()
    for _ in range(args.requests):
        authorise()
    mean_us = (time.perf_counter() - started) / args.requests * 1e6
    print(f"{args.requests} authorisations of s3:GetObject by the Glue role: {mean_us:.0f} µs each")
    emit("IAM: one authorisation, one thread (mean)", mean_us, "us")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
