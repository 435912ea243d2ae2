"""Every protocol a service's model declares gets the same answers from the local cloud.

Each probe runs once per protocol, through a boto3 client forced to speak it (the
installed botocore's model with ``metadata.protocols`` narrowed to that one, on the
session's data path), and the answers, stripped of what differs by nature (ids, times),
must be equal. Unknown routes get AWS-shaped errors in the client's protocol.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import ServiceModel
from botocore.parsers import RpcV2CBORParser

from infra_scripts.localcloud.server.wire_protocols import (
    EMULATED_SERVICES,
    declared_protocols,
    load_service_dict,
    model_with_protocol,
)
from tests.helpers import raw_request, unique

pytestmark = pytest.mark.localcloud


def speaking(
    local_cloud: Any, service: str, protocol: str, data_dir: Path, config: Config | None = None
) -> Any:
    """A client of a new local-target session that speaks ``protocol``."""
    session = local_cloud.session()
    raw = load_service_dict(service)
    forced = model_with_protocol(raw, service, protocol)
    folder = data_dir / protocol / service / raw["metadata"]["apiVersion"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "service-2.json").write_text(json.dumps(forced))
    core = session._session  # boto3's botocore session; its loader has loaded nothing yet
    core.get_component("data_loader").search_paths.insert(0, str(data_dir / protocol))
    client = session.client(service, config=config)
    assert client.meta.service_model.resolved_protocol == protocol
    return client


def error_of(call: Callable[[], Any]) -> tuple[str, int]:
    """The error code and HTTP status a call fails with."""
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


# --- probes: the same calls on each protocol; they return what must not depend on it --------


def athena_probe(client: Any, tag: str, output: str) -> dict[str, Any]:
    name = f"wire-{tag}"
    client.create_work_group(Name=name, Description="wire test", Tags=[{"Key": "k", "Value": tag}])
    group = client.get_work_group(WorkGroup=name)["WorkGroup"]
    assert isinstance(group["CreationTime"], datetime)
    listed = [g["Name"] for g in client.list_work_groups()["WorkGroups"]]
    query_id = client.start_query_execution(
        QueryString="SELECT 6 * 7 AS answer, 'forty-two' AS words",
        WorkGroup=name,
        ResultConfiguration={"OutputLocation": output},
    )["QueryExecutionId"]
    deadline = time.monotonic() + 30
    while (state := client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"])[
        "Status"
    ]["State"] not in ("SUCCEEDED", "FAILED", "CANCELLED"):
        assert time.monotonic() < deadline, "query did not finish"
        time.sleep(0.02)
    rows = client.get_query_results(QueryExecutionId=query_id)["ResultSet"]["Rows"]
    named = client.create_named_query(
        Name=f"nq-{tag}", Database="default", QueryString="SELECT 1", WorkGroup=name
    )["NamedQueryId"]
    fetched = client.get_named_query(NamedQueryId=named)["NamedQuery"]
    client.delete_named_query(NamedQueryId=named)
    client.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)
    return {
        "group": (group["Name"] == name, group["State"], group["Description"]),
        "listed": name in listed,
        "state": state["Status"]["State"],
        "rows": [[d.get("VarCharValue") for d in r["Data"]] for r in rows],
        "named": (
            fetched["Name"] == f"nq-{tag}",
            fetched["QueryString"],
            fetched["WorkGroup"] == name,
        ),
        "missing group": error_of(lambda: client.get_work_group(WorkGroup=f"none-{tag}")),
        "missing query": error_of(
            lambda: client.get_query_execution(QueryExecutionId="00000000-0000-0000-0000-0")
        ),
        "after delete": name in [g["Name"] for g in client.list_work_groups()["WorkGroups"]],
    }


def cloudwatch_probe(client: Any, tag: str, output: str) -> dict[str, Any]:
    namespace = f"Wire/{tag}"
    when = datetime(2026, 12, 6, 12, 30, 15, tzinfo=UTC)
    client.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "Rows",
                "Dimensions": [{"Name": "Stack", "Value": "kit"}],
                "Timestamp": when,
                "Value": 1234.5,
                "Unit": "Count",
            }
        ],
    )
    metrics = client.list_metrics(Namespace=namespace)["Metrics"]
    alarm = f"wire-{tag}"
    client.put_metric_alarm(
        AlarmName=alarm,
        Namespace=namespace,
        MetricName="Rows",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=10.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=["arn:aws:sns:us-east-1:123456789012:wire"],
    )
    described = client.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
    assert isinstance(described["StateUpdatedTimestamp"], datetime)
    client.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="wire test")
    state = client.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"]
    dashboard = f"wire-{tag}"
    body = json.dumps({"widgets": [{"type": "text", "properties": {"markdown": tag}}]})
    client.put_dashboard(DashboardName=dashboard, DashboardBody=body)
    fetched = client.get_dashboard(DashboardName=dashboard)
    client.delete_dashboards(DashboardNames=[dashboard])
    client.delete_alarms(AlarmNames=[alarm])
    return {
        "metrics": [(m["MetricName"], m["Dimensions"]) for m in metrics],
        "alarm": (
            described["Threshold"],
            described["Period"],
            described["ComparisonOperator"],
            described["AlarmActions"],
            described["StateValue"],
        ),
        "state": state,
        "dashboard": json.loads(fetched["DashboardBody"])["widgets"][0]["type"],
        "missing dashboard": error_of(lambda: client.get_dashboard(DashboardName=dashboard)),
        "after delete": client.describe_alarms(AlarmNames=[alarm])["MetricAlarms"],
    }


PROBES: dict[str, Callable[[Any, str, str], dict[str, Any]]] = {
    "athena": athena_probe,
    "cloudwatch": cloudwatch_probe,
}


@pytest.fixture(scope="module")
def output(session: boto3.Session) -> str:
    """An S3 location for query results."""
    bucket = unique("wire-results")
    session.client("s3").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/results/"


def test_every_service_with_several_protocols_has_a_probe():
    several = {s for s in EMULATED_SERVICES if len(declared_protocols(s)) > 1}
    assert several == set(PROBES), (
        f"services whose models declare several protocols: {sorted(several)}; "
        "add a probe for each so every protocol is tested"
    )


@pytest.mark.parametrize("service", sorted(PROBES))
def test_same_answers_on_every_declared_protocol(local_cloud, tmp_path, output, service):
    protocols = declared_protocols(service)
    assert len(protocols) > 1
    answers = {
        protocol: PROBES[service](
            speaking(local_cloud, service, protocol, tmp_path), unique(service), output
        )
        for protocol in protocols
    }
    first, *rest = protocols
    for protocol in rest:
        assert answers[protocol] == answers[first], f"{protocol} differs from {first}"


def test_athena_answers_are_aws_s(session, output):
    """Facts of AWS's Athena API reference, on the protocol botocore picks today."""
    client = session.client("athena")
    answer = athena_probe(client, unique("default"), output)
    assert answer["rows"] == [["answer", "words"], ["42", "forty-two"]]
    assert answer["missing group"] == ("InvalidRequestException", 400)
    assert answer["missing query"][0] == "InvalidRequestException"
    assert answer["after delete"] is False


def test_cloudwatch_answers_are_aws_s(session, output):
    answer = cloudwatch_probe(session.client("cloudwatch"), unique("default"), output)
    assert answer["metrics"] == [("Rows", [{"Name": "Stack", "Value": "kit"}])]
    assert answer["state"] == "ALARM"
    assert answer["missing dashboard"][0] == "ResourceNotFound"


@pytest.mark.parametrize("protocol", declared_protocols("cloudwatch"))
def test_compressed_requests_are_read_on_every_protocol(local_cloud, tmp_path, protocol):
    """PutMetricData has botocore gzip its body (requestCompression) above a size; here, always."""
    compress = Config(request_min_compression_size_bytes=1)
    client = speaking(local_cloud, "cloudwatch", protocol, tmp_path, compress)
    namespace = f"Wire/{unique('gzip')}"
    sent: list[str | bytes | None] = []
    client.meta.events.register(
        "before-send.cloudwatch.PutMetricData",
        lambda request, **_: sent.append(request.headers.get("Content-Encoding")),
    )
    client.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "m", "Value": 2.0}])
    assert [v.decode() if isinstance(v, bytes) else v for v in sent] == ["gzip"]
    assert [m["MetricName"] for m in client.list_metrics(Namespace=namespace)["Metrics"]] == ["m"]


# --- unknown routes and unreadable bodies: AWS errors, and the server keeps serving --------


@pytest.mark.parametrize(
    ("service", "method", "path", "headers"),
    [
        ("athena", "GET", "/no-such-resource/x", {}),
        ("athena", "POST", "/query-executions/abc/nothing", {"Content-Type": "application/json"}),
        ("logs", "GET", "/no/such/route", {}),
        ("sts", "GET", "/no/such/route", {}),
    ],
)
def test_unknown_route_gets_an_aws_error_and_the_server_keeps_serving(
    local_cloud, session, service, method, path, headers
):
    status, reply_headers, body = raw_request(local_cloud.endpoint, method, path, service, headers)
    assert 400 <= status < 500
    assert b"<html" not in body.lower() and b"<!doctype" not in body.lower()
    text = body.decode()
    json_service = service in ("athena", "logs")
    assert reply_headers["Content-Type"].startswith("application/" if json_service else "text/xml")
    if json_service:
        error = json.loads(text)
        assert error["__type"] == "UnknownOperationException"
        assert method in error["message"] and path in error["message"]
    else:
        assert "<Code>" in text and method in text and path in text, text
    assert session.client("sts").get_caller_identity()["Account"]


def test_unknown_cbor_operation_and_unreadable_cbor_get_cbor_errors(local_cloud):
    model = ServiceModel(load_service_dict("cloudwatch"), "cloudwatch")
    target = model.metadata["targetPrefix"]
    headers = {
        "smithy-protocol": "rpc-v2-cbor",
        "Content-Type": "application/cbor",
    }
    parser = RpcV2CBORParser()
    for operation, body, code in (
        ("NoSuchOperation", b"\xa0", "UnknownOperationException"),
        ("ListMetrics", b"\xff\x00garbage", "SerializationException"),
    ):
        status, reply_headers, raw = raw_request(
            local_cloud.endpoint,
            "POST",
            f"/service/{target}/operation/{operation}",
            "monitoring",
            headers,
            body,
        )
        assert status in (400, 404)
        assert reply_headers["smithy-protocol"] == "rpc-v2-cbor"
        parsed = parser.parse(
            {"body": raw, "headers": reply_headers, "status_code": status},
            model.operation_model("ListMetrics").output_shape,
        )
        assert parsed["Error"]["Code"] == code, parsed


def test_a_streamed_rest_answer_is_refused_by_name(session):
    """GetQueryResultStream binds its result to the payload and headers: refused clearly."""
    client = session.client("athena")
    with pytest.raises(ClientError) as info:
        client.get_query_result_stream(QueryExecutionId="00000000-0000-0000-0000-000000000000")
    assert info.value.response["Error"]["Code"] == "UnknownOperationException"
    assert "GetQueryResultStream" in info.value.response["Error"]["Message"]
