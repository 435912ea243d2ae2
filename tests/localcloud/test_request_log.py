"""The local cloud's log: one line per request naming its operation (every wire protocol)
and, on an error, AWS's error code; no line longer than 2,000 characters, no Python reprs;
an idle kept-alive connection closing is not an error (:mod:`localcloud.server.requestlog`,
:mod:`localcloud.server.keepalive`, the Step Functions failure log)."""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from infra_scripts.localcloud.runtime import HEALTH_PATH, BackgroundLoad
from infra_scripts.localcloud.server import front
from infra_scripts.localcloud.server.requestlog import (
    MAX_LINE_CHARS,
    NO_ERROR_BODY,
    LineLimitFormatter,
    RequestLogMiddleware,
    ServiceIndex,
    error_code,
    label,
)
from tests.helpers import create_function, role_arn, unique, wait_until

pytestmark = pytest.mark.localcloud

REQUEST_LINE = re.compile(r" localcloud\.requests: (\S+) (\S+) (\d{3}) (.*)$")
RAISES = "def handler(event, context):\n    raise ValueError('cannot read ' + 'x' * 3000)\n"
LONG_CAUSE = "the file has no header row; " + "y" * 2500


def _log_file(local_cloud) -> Path:
    return Path(local_cloud.settings.state_dir) / "localcloud.log"


def _request_lines(lines: list[str]) -> list[tuple[str, str, int, str]]:
    found = []
    for line in lines:
        match = REQUEST_LINE.search(line)
        if match:
            found.append((match[1], match[2], int(match[3]), match[4]))
    return found


def _client_error(call) -> str:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def small_run(local_cloud, session) -> dict:
    """A few calls in every protocol (with errors on purpose); the log lines they wrote."""
    log_file = _log_file(local_cloud)
    start = log_file.stat().st_size
    names = {"bucket": unique("log-bucket"), "fn": unique("log-fn")}
    s3 = session.client("s3")
    s3.create_bucket(Bucket=names["bucket"])
    s3.put_object(Bucket=names["bucket"], Key="in/a.csv", Body=b"a,b\n1,2\n")
    assert s3.get_object(Bucket=names["bucket"], Key="in/a.csv")["Body"].read()
    s3.list_objects_v2(Bucket=names["bucket"], Prefix="in/")
    assert _client_error(lambda: s3.get_object(Bucket=names["bucket"], Key="nope")) == "NoSuchKey"
    session.client("sts").get_caller_identity()
    sns = session.client("sns")
    topic = sns.create_topic(Name=unique("log-topic"))["TopicArn"]
    sns.publish(TopicArn=topic, Message="hello")
    lam = session.client("lambda")
    create_function(session, names["fn"], RAISES)
    assert lam.invoke(FunctionName=names["fn"], Payload=b"{}")["FunctionError"] == "Unhandled"
    missing_fn = lambda: lam.get_function(FunctionName=unique("absent"))  # noqa: E731
    assert _client_error(missing_fn) == "ResourceNotFoundException"
    sfn = session.client("stepfunctions")
    definition = {
        "StartAt": "Validate",
        "States": {
            "Validate": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": names["fn"], "Payload.$": "$"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Reject"}],
                "End": True,
            },
            "Reject": {"Type": "Fail", "Error": "FileRejected", "Cause": LONG_CAUSE},
        },
    }
    machine = sfn.create_state_machine(
        name=unique("log-sm"), definition=json.dumps(definition), roleArn=role_arn(session)
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    wait_until(lambda: sfn.describe_execution(executionArn=execution)["status"] != "RUNNING")
    assert sfn.describe_execution(executionArn=execution)["status"] == "FAILED"
    missing_execution = lambda: sfn.describe_execution(executionArn=execution + "-absent")  # noqa: E731
    assert _client_error(missing_execution) == "ExecutionDoesNotExist"
    athena = session.client("athena")
    query = athena.start_query_execution(
        QueryString="SELECT 1",
        ResultConfiguration={"OutputLocation": f"s3://{names['bucket']}/athena/"},
    )["QueryExecutionId"]
    wait_until(
        lambda: (
            athena.get_query_execution(QueryExecutionId=query)["QueryExecution"]["Status"]["State"]
            in ("SUCCEEDED", "FAILED")
        )
    )
    session.client("cloudwatch").put_metric_data(
        Namespace="Kit/Test", MetricData=[{"MetricName": "files", "Value": 1.0}]
    )
    session.client("iam").list_roles()

    # Every line is written before its answer is sent (a failed state's before the
    # execution reads FAILED): the log is complete now.
    with log_file.open("rb") as handle:
        handle.seek(start)
        lines = handle.read().decode("utf-8", "replace").splitlines()
    return {**names, "lines": lines}


def test_every_request_line_names_its_operation(small_run):
    requests = _request_lines(small_run["lines"])
    assert len(requests) >= 20
    unnamed = [r for r in requests if r[3].split(" ")[0] in ("", "-") or ".?" in r[3]]
    assert not unnamed
    operations = {r[3].split(" ")[0] for r in requests}
    for expected in (
        "s3.CreateBucket",
        "s3.PutObject",
        "s3.GetObject",
        "s3.ListObjectsV2",
        "sts.GetCallerIdentity",
        "sns.CreateTopic",
        "sns.Publish",
        "iam.ListRoles",
        "lambda.CreateFunction",
        "lambda.Invoke",
        "lambda.GetFunction",
        "AWSStepFunctions.StartExecution",
        "athena.StartQueryExecution",
        "athena.GetQueryExecution",
    ):
        assert expected in operations, f"{expected} not in {sorted(operations)}"
    assert operations & {"GraniteServiceVersion20100801.PutMetricData", "cloudwatch.PutMetricData"}


def test_error_lines_carry_the_aws_error_code(small_run):
    bucket = small_run["bucket"]
    requests = _request_lines(small_run["lines"])
    errors = [r for r in requests if r[2] >= 400]
    for _method, _path, _status, text in errors:
        words = text.removesuffix(" (in-process)").split(" ")
        assert len(words) >= 2 and words[1] not in ("-", ""), text
    assert ("GET", f"/{bucket}/nope", 404, "s3.GetObject NoSuchKey") in requests
    assert ("POST", "/", 400, "AWSStepFunctions.DescribeExecution ExecutionDoesNotExist") in (
        requests
    )
    assert any(
        r[2] == 404 and r[3] == "lambda.GetFunction ResourceNotFoundException" for r in requests
    )


def test_the_state_machine_s_own_calls_are_marked_in_process(small_run):
    in_process = [r for r in _request_lines(small_run["lines"]) if r[3].endswith("(in-process)")]
    assert any(r[3] == "lambda.Invoke FunctionError=Unhandled (in-process)" for r in in_process)


def test_no_line_is_long_or_a_python_repr(small_run):
    lines = small_run["lines"]
    assert max(len(line) for line in lines) <= MAX_LINE_CHARS
    assert not [line[:200] for line in lines if " object at 0x" in line]
    assert not [line[:200] for line in lines if "eval_component" in line]


def test_a_failed_state_is_one_line_with_its_error_and_cut_cause(small_run):
    failures = [line for line in small_run["lines"] if "state 'Reject' failed" in line]
    assert len(failures) == 1
    line = failures[0]
    assert "WARNING localcloud.stepfunctions" in line
    assert "FileRejected: the file has no header row; yyy" in line
    assert re.search(r"… \[2,0\d\d more characters\]$", line)
    assert len(line) < 700


# -- the parts, without a server ---------------------------------------------------------


@pytest.fixture(scope="module")
def services() -> ServiceIndex:
    return ServiceIndex()


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "operation"),
    [
        ("PUT", "/b/k.csv", "", {}, "PutObject"),
        ("PUT", "/b/dir/k.csv", "", {"HTTP_X_AMZ_COPY_SOURCE": "b/x"}, "CopyObject"),
        ("PUT", "/b/k", "partNumber=1&uploadId=u", {}, "UploadPart"),
        (
            "PUT",
            "/b/k",
            "partNumber=1&uploadId=u",
            {"HTTP_X_AMZ_COPY_SOURCE": "b/x"},
            "UploadPartCopy",
        ),
        ("PUT", "/b/k", "tagging", {}, "PutObjectTagging"),
        ("PUT", "/b", "", {}, "CreateBucket"),
        ("PUT", "/b", "lifecycle", {}, "PutBucketLifecycleConfiguration"),  # not the deprecated
        ("GET", "/b/dir/k.csv", "", {}, "GetObject"),
        ("GET", "/b", "list-type=2&prefix=in%2F", {}, "ListObjectsV2"),
        ("GET", "/b", "encoding-type=url", {}, "ListObjects"),
        ("GET", "/b", "location", {}, "GetBucketLocation"),
        ("GET", "/", "", {}, "ListBuckets"),
        ("HEAD", "/b/k", "", {}, "HeadObject"),
        ("HEAD", "/b", "", {}, "HeadBucket"),
        ("POST", "/b", "delete", {}, "DeleteObjects"),
        ("POST", "/b/k", "uploads", {}, "CreateMultipartUpload"),
        ("POST", "/b/k", "uploadId=u", {}, "CompleteMultipartUpload"),
        ("DELETE", "/b/k", "uploadId=u", {}, "AbortMultipartUpload"),
        ("DELETE", "/b/k", "", {}, "DeleteObject"),
        ("GET", "/k", "", {"HTTP_HOST": "b.s3.example.test:4566"}, "GetObject"),  # virtual host
        ("PATCH", "/b", "", {}, "?"),
    ],
)
def test_s3_operations_are_read_from_the_model(services, method, path, query, headers, operation):
    assert services.get("s3").operation(headers, method, path, query) == operation


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/2015-03-31/functions/f/invocations", "Invoke"),
        ("GET", "/2015-03-31/functions/f", "GetFunction"),
        (
            "GET",
            "/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/configuration",
            "GetFunctionConfiguration",
        ),
        ("GET", "/2015-03-31/functions", "ListFunctions"),
        ("POST", "/2015-03-31/functions", "CreateFunction"),
    ],
)
def test_lambda_operations_are_read_from_the_model(services, method, path, operation):
    assert services.get("lambda").operation({}, method, path, "") == operation


def test_a_service_is_named_by_its_model_not_its_signing_name(services):
    assert services.get("monitoring").name == "cloudwatch"
    assert services.get("sts").routes is None  # query protocol: the Action names it


@pytest.mark.parametrize(
    ("headers", "body", "code"),
    [
        (
            [("X-Amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/")],
            b"",
            "ResourceNotFoundException",
        ),
        (
            [],
            b'{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "m"}',
            "QueueDoesNotExist",
        ),
        ([], b"<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>", "NoSuchKey"),
        ([], b"<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code></Error>", "NotFound"),
        ([], b"", NO_ERROR_BODY),
    ],
)
def test_error_codes_are_read_as_botocore_reads_them(headers, body, code):
    assert error_code(headers, body) == code


def _scoped(service: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )


def _serve(middleware: RequestLogMiddleware, **kwargs) -> tuple[dict, bytes, str]:
    builder = EnvironBuilder(**kwargs)
    environ = builder.get_environ()
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered.update(status=status, headers=headers)

    body = b"".join(middleware(environ, start_response))
    return environ, body, answered["status"]


def test_the_middleware_names_a_query_request_and_leaves_its_body_and_answer_alone(services):
    form = b"Action=Publish&Version=2010-03-31&Message=" + b"z" * 5000
    seen = {}

    def app(environ, start_response):
        seen["body"] = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        start_response("404 Not Found", [("Content-Type", "text/xml")])
        return [b"<ErrorResponse><Error><Code>NotFound</Code></Error></ErrorResponse>"]

    for data in (form, gzip.compress(form)):
        headers = {"Authorization": _scoped("sns")}
        if data is not form:
            headers["Content-Encoding"] = "gzip"
        environ, body, status = _serve(
            RequestLogMiddleware(app, services),
            method="POST",
            data=data,
            headers=headers,
            content_type="application/x-www-form-urlencoded; charset=utf-8",
        )
        assert seen["body"] == data  # moto reads the body as sent
        assert (status, body) == (
            "404 Not Found",
            b"<ErrorResponse><Error><Code>NotFound</Code></Error></ErrorResponse>",
        )
        assert label(environ) == "sns.Publish NotFound"


def test_the_middleware_reads_no_successful_answer(services):
    def app(environ, start_response):
        start_response("200 OK", [])
        yield b"streamed"
        raise AssertionError("read past the first chunk")

    environ = EnvironBuilder(method="GET", path="/b/k", headers={"Authorization": _scoped("s3")})
    result = RequestLogMiddleware(app, services)(environ.get_environ(), lambda *a: None)
    assert next(iter(result)) == b"streamed"


def test_long_log_records_are_cut_with_how_much_was_cut():
    formatter = LineLimitFormatter("%(levelname)s %(name)s: %(message)s")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%s", ("a" * 5000,), None)
    text = formatter.format(record)
    assert len(text) <= MAX_LINE_CHARS and text.endswith("more characters]")
    assert "[3,0" in text  # 5,000 + the prefix, minus what was kept
    try:
        raise ValueError("b" * 3000)
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    lines = formatter.format(record).split("\n")
    assert lines[0] == "ERROR x: failed" and "Traceback" in lines[1]
    assert max(len(line) for line in lines) <= MAX_LINE_CHARS


# -- an idle kept-alive connection ---------------------------------------------------------


@pytest.fixture
def short_idle_server():
    """The server's request handler, idle timeout 0.3 s, answering every request with 200."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    class Handler(front.request_handlers(BackgroundLoad("unused", lambda: None))):
        timeout = 0.3

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address
    server.shutdown()
    thread.join(5)


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(5)
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return True


def test_an_idle_connection_closing_is_not_an_error(short_idle_server, caplog):
    caplog.set_level(logging.DEBUG, logger="localcloud")  # .keepalive and .requests
    with socket.create_connection(short_idle_server) as sock:
        sock.sendall(f"GET {HEALTH_PATH} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert _closed_by_server(sock)  # answered, then closed once idle
    time.sleep(0.1)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(
        r.name == "localcloud.keepalive" and r.levelno == logging.DEBUG and "idle" in r.getMessage()
        for r in caplog.records
    )
    assert any(f"GET {HEALTH_PATH} 200" in r.getMessage() for r in caplog.records)


def test_a_request_stalled_part_way_still_is_an_error(short_idle_server, caplog):
    with socket.create_connection(short_idle_server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the headers never end
        assert _closed_by_server(sock)
    time.sleep(0.1)
    assert any(r.levelno == logging.ERROR and "timed out" in r.getMessage() for r in caplog.records)


def test_the_server_log_format_cuts_long_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LineLimitFormatter(front.LOG_FORMAT))
    logger = logging.getLogger("localcloud.test_request_log")
    logger.addHandler(handler)
    try:
        logger.warning("%s", "c" * 10_000)
    finally:
        logger.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    assert len(line) <= MAX_LINE_CHARS
