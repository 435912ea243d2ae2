"""The AWS SDK for JavaScript v3 (tests/clients/js/package-lock.json) against the local
cloud: flow.mjs runs S3, Athena, Glue and Step Functions calls with node and prints JSON."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.clients.conftest import JS_DIR, Warehouse, client_environment, missing, node, run
from tests.helpers import role_arn

pytestmark = [pytest.mark.localcloud, pytest.mark.clients]


def test_js_sdk_flow(warehouse: Warehouse, session: boto3.Session) -> None:
    executable = node()
    if executable is None:
        pytest.skip("node is not on the PATH (the JavaScript SDK test needs Node.js 20 or later)")
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-athena").is_dir():
        missing(
            "the AWS SDK for JavaScript v3",
            "run `make test-clients` (npm ci in tests/clients/js from its package-lock.json)",
        )
    env = client_environment(warehouse.region)
    env.update(
        {
            "LOCAL_ENDPOINT": warehouse.endpoint,
            "LOCAL_REGION": warehouse.region,
            "LOCAL_BUCKET": warehouse.bucket,
            "LOCAL_DATABASE": warehouse.database,
            "LOCAL_TABLE": warehouse.table,
            "LOCAL_ROLE_ARN": role_arn(session),
        }
    )
    done = run([executable, "flow.mjs"], env=env, cwd=JS_DIR, timeout=180)
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout)

    assert json.loads(report["s3"]["body"]) == {"hello": "books"}
    assert report["s3"]["contentType"] == "application/json"
    assert report["s3"]["etag"]
    athena = report["athena"]
    assert athena["state"] == "SUCCEEDED", athena["reason"]
    assert athena["columns"] == [["region", "varchar"], ["n", "bigint"]]
    assert athena["rows"] == [["region", "n"], ["eu", "3"], ["us", "3"]]
    assert warehouse.table in report["glue"]["tables"]
    assert report["glue"]["partitionKeys"] == ["region"]
    assert report["sfn"] == {
        "status": "SUCCEEDED",
        "output": {"shelf": "poetry", "source": "js-sdk"},
    }
