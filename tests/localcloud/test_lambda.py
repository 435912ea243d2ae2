"""Lambda executor: Invoke runs the handler from its zip in a local process."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from tests.helpers import create_function, log_messages, unique, zip_code

pytestmark = pytest.mark.localcloud

HANDLER = """
import json, logging, os, time
import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def handler(event, context):
    print("printed", json.dumps(event))
    logger.info("logged at info")
    action = event.get("action")
    if action == "raise":
        raise ValueError("bad input: " + event.get("why", ""))
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "exit":
        raise SystemExit(4)
    if action == "allocate":
        blob = bytearray(event["mb"] * 1024 * 1024)
        return len(blob)
    if action == "s3":
        s3 = boto3.client("s3")
        s3.put_object(Bucket=event["bucket"], Key="from-lambda.txt", Body=b"written by handler")
    if action == "unserialisable":
        return {"when": object()}
    return {
        "echo": event,
        "greeting": os.environ.get("GREETING"),
        "function": context.function_name,
        "memory": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "pid": os.getpid(),
    }
"""


def _invoke(session, name: str, event: dict, **kwargs) -> tuple[dict, object]:
    resp = session.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event).encode(), **kwargs
    )
    return resp, json.loads(resp["Payload"].read() or b"null")


@pytest.fixture(scope="module")
def function(session) -> str:
    name = unique("fn")
    create_function(
        session,
        name,
        HANDLER,
        Timeout=2,
        MemorySize=256,
        Environment={"Variables": {"GREETING": "hello from env"}},
    )
    return name


def test_invoke_runs_the_handler_with_env_and_context(session, function):
    resp, body = _invoke(session, function, {"n": 1})
    assert resp["StatusCode"] == 200
    assert "FunctionError" not in resp
    assert body["echo"] == {"n": 1}
    assert body["greeting"] == "hello from env"
    assert body["function"] == function
    assert str(body["memory"]) == "256"
    assert 0 < body["remaining_ms"] <= 2000


def test_warm_worker_is_reused(session, function):
    _, first = _invoke(session, function, {})
    _, second = _invoke(session, function, {})
    assert first["pid"] == second["pid"]


def test_handler_exception_is_an_unhandled_function_error(session, function):
    resp, body = _invoke(session, function, {"action": "raise", "why": "price"})
    assert resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "bad input: price"
    assert any("raise ValueError" in line for line in body["stackTrace"])


def test_timeout_is_reported_like_aws_and_the_function_recovers(session, function):
    resp, body = _invoke(session, function, {"action": "sleep", "seconds": 10})
    assert resp["FunctionError"] == "Unhandled"
    assert body["errorMessage"].endswith("Task timed out after 2.00 seconds")
    resp, body = _invoke(session, function, {"n": 2})
    assert "FunctionError" not in resp and body["echo"] == {"n": 2}


def test_memory_size_is_enforced(session, function):
    resp, body = _invoke(session, function, {"action": "allocate", "mb": 400})
    assert resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory"
    _, ok = _invoke(session, function, {"action": "allocate", "mb": 10})
    assert ok == 10 * 1024 * 1024


def test_system_exit_is_a_runtime_exit_error(session, function):
    resp, body = _invoke(session, function, {"action": "exit"})
    assert resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert "exit status 4" in body["errorMessage"]


def test_unserialisable_result_is_a_marshal_error(session, function):
    resp, body = _invoke(session, function, {"action": "unserialisable"})
    assert resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.MarshalError"


def test_handler_boto3_calls_reach_the_local_cloud(session, function):
    bucket = unique("lambda-out")
    session.client("s3").create_bucket(Bucket=bucket)
    resp, _ = _invoke(session, function, {"action": "s3", "bucket": bucket})
    assert "FunctionError" not in resp
    obj = session.client("s3").get_object(Bucket=bucket, Key="from-lambda.txt")
    assert obj["Body"].read() == b"written by handler"


def test_output_goes_to_cloudwatch_logs_and_log_tail(session, function):
    marker = unique("marker")
    resp, _ = _invoke(session, function, {"marker": marker}, LogType="Tail")
    tail = base64.b64decode(resp["LogResult"]).decode()
    assert marker in tail and "REPORT RequestId:" in tail
    messages = log_messages(session, f"/aws/lambda/{function}")
    printed = [m for m in messages if marker in m and m.startswith("printed")]
    assert printed
    assert any(m.startswith("[INFO]") and "logged at info" in m for m in messages)
    assert any(m.startswith("START RequestId:") for m in messages)


def test_code_update_takes_effect(session):
    name = unique("fn-update")
    create_function(session, name, "def handler(e, c):\n    return 'v1'\n")
    assert _invoke(session, name, {})[1] == "v1"
    session.client("lambda").update_function_code(
        FunctionName=name, ZipFile=zip_code({"app.py": "def handler(e, c):\n    return 'v2'\n"})
    )
    assert _invoke(session, name, {})[1] == "v2"


@pytest.mark.parametrize(
    ("source", "handler", "error_type"),
    [
        ("import not_a_module\n", "app.handler", "Runtime.ImportModuleError"),
        ("x = 1\n", "app.handler", "Runtime.HandlerNotFound"),
        ("def handler(e, c):\n    return 1\n", "nodot", "Runtime.MalformedHandlerName"),
    ],
)
def test_init_errors_are_aws_shaped(session, source, handler, error_type):
    name = unique("fn-init")
    create_function(session, name, source, Handler=handler)
    resp, body = _invoke(session, name, {})
    assert resp["FunctionError"] == "Unhandled"
    assert body["errorType"] == error_type


def test_event_invocation_returns_202_and_runs_in_background(session):
    bucket = unique("lambda-async")
    session.client("s3").create_bucket(Bucket=bucket)
    name = unique("fn-async")
    source = (
        "import boto3\n"
        "def handler(e, c):\n"
        "    boto3.client('s3').put_object(Bucket=e['bucket'], Key='async.txt', Body=b'done')\n"
    )
    create_function(session, name, source)
    resp = session.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"bucket": bucket})
    )
    assert resp["StatusCode"] == 202
    from tests.helpers import wait_until

    keys = wait_until(
        lambda: session.client("s3").list_objects_v2(Bucket=bucket).get("Contents"), 20
    )
    assert [k["Key"] for k in keys] == ["async.txt"]


def test_unknown_function_is_resource_not_found(session):
    with pytest.raises(ClientError) as err:
        session.client("lambda").invoke(FunctionName=unique("missing"), Payload=b"{}")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
