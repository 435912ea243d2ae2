"""The IAM actions and resources each request needs (infra_scripts/localcloud/access/actions)."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import botocore.session
import pytest

from infra_scripts.localcloud.access import actions
from infra_scripts.localcloud.access.actions import Authorization, authorizations

REGION, ACCOUNT = "us-east-1", "123456789012"
BUILTINS = {"Partition", "Region", "Account"}
PREFIXES = {
    "s3": "s3",
    "lambda": "lambda",
    "glue": "glue",
    "stepfunctions": "states",
    "sns": "sns",
    "athena": "athena",
    "redshift-data": "redshift-data",
    "redshift-serverless": "redshift-serverless",
    "logs": "logs",
    "events": "events",
    "cloudwatch": "cloudwatch",
    "sts": "sts",
    "iam": "iam",
}
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")


def needs(service: str, operation: str, **params: Any) -> list[Authorization]:
    return authorizations(service, operation, params, region=REGION, account=ACCOUNT)


def pairs(service: str, operation: str, **params: Any) -> list[tuple[str, str]]:
    return [(a.action, a.resource) for a in needs(service, operation, **params)]


# --- The table against botocore's models ------------------------------------------------


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    session = botocore.session.get_session()
    return {service: session.get_service_model(service) for service in actions.table()}


def _table_operations() -> list[tuple[str, str, list[dict[str, Any]]]]:
    return [
        (service, operation, entries)
        for service, spec in actions.table().items()
        for operation, entries in spec["operations"].items()
    ]


def _shape_at(shape: Any, path: str) -> Any:
    """The botocore shape a member path names (None when it names none)."""
    for part in path.split("."):
        name = part.removesuffix("[]")
        if shape is None or shape.type_name != "structure" or name not in shape.members:
            return None
        shape = shape.members[name]
        if part.endswith("[]"):
            shape = shape.member if shape.type_name == "list" else None
    return shape


def _sources(entry: dict[str, Any]) -> list[str]:
    """Every source an entry reads (params, from_arn, if, unless, context)."""
    found: list[str] = []
    for value in entry.get("params", {}).values():
        found += value if isinstance(value, list) else [value]
    found += entry.get("from_arn", [])
    found += [entry[k] for k in ("if", "unless") if k in entry]
    found += [v for v in entry.get("context", {}).values() if not v.startswith("=")]
    return found


def test_every_service_has_its_iam_prefix() -> None:
    assert {s: spec["prefix"] for s, spec in actions.table().items()} == PREFIXES


def test_every_table_operation_exists_in_botocore(models: dict[str, Any]) -> None:
    missing = [
        f"{service}.{operation}"
        for service, operation, _ in _table_operations()
        if operation not in models[service].operation_names
    ]
    assert missing == []


def test_every_action_looks_like_prefix_and_name() -> None:
    bad = [
        entry["action"]
        for _, _, entries in _table_operations()
        for entry in entries
        if not _ACTION.match(entry["action"])
        or entry["action"].split(":")[0] not in PREFIXES.values()
    ]
    assert bad == []


def test_every_source_names_an_input_member(models: dict[str, Any]) -> None:
    bad = []
    for service, operation, entries in _table_operations():
        shape = models[service].operation_model(operation).input_shape
        for entry in entries:
            item = _shape_at(shape, entry["each"] + "[]") if "each" in entry else None
            if "each" in entry and item is None:
                bad.append(f"{service}.{operation} each {entry['each']}")
            for source in _sources(entry):
                path, _, name = source.partition("|")
                if name and name not in actions.FILTERS:
                    bad.append(f"{service}.{operation} filter {name}")
                if path in entry.get("caller_params", []):
                    continue
                if _shape_at(shape, path) is None and _shape_at(item, path) is None:
                    bad.append(f"{service}.{operation} {source}")
    assert bad == []


def test_every_template_variable_has_a_value_source(models: dict[str, Any]) -> None:
    """Each ``${Var}`` is the request's (partition, region, account), mapped to a member,
    defaulted, or itself an input member (or one the caller may add)."""
    bad = []
    for service, operation, entries in _table_operations():
        shape = models[service].operation_model(operation).input_shape
        for entry in entries:
            if "resource" not in entry:
                continue
            kind = actions.resource_type(service, entry["resource"])
            item = _shape_at(shape, entry["each"] + "[]") if "each" in entry else None
            known = (
                BUILTINS
                | set(kind.get("params", {}))
                | set(entry.get("params", {}))
                | set(kind.get("defaults", {}))
                | set(entry.get("defaults", {}))
                | set(entry.get("caller_params", []))
            )
            for var in re.findall(r"\$\{(\w+)\}", kind["arn"]):
                members = _shape_at(shape, var) or _shape_at(item, var)
                if var not in known and members is None:
                    bad.append(f"{service}.{operation} ${{{var}}}")
    assert bad == []


@pytest.mark.parametrize(("service", "operation"), [(s, o) for s, o, _ in _table_operations()])
def test_no_parameters_give_wildcards_not_errors(service: str, operation: str) -> None:
    found = needs(service, operation)
    assert found
    for needed in found:
        assert needed.resource == "*" or needed.resource.startswith("arn:aws:")
        assert "${" not in needed.resource and "[" not in needed.resource


# --- Facts from the Service Authorization Reference and the services' guides -------------


def test_get_object_version() -> None:
    # "Actions, resources, and condition keys for Amazon S3"; S3 User Guide "Required
    # permissions for Amazon S3 API operations": GetObject with versionId -> s3:GetObjectVersion.
    assert pairs("s3", "GetObject", Bucket="b", Key="k", VersionId="v") == [
        ("s3:GetObjectVersion", "arn:aws:s3:::b/k")
    ]
    assert pairs("s3", "GetObject", Bucket="b", Key="dir/k") == [
        ("s3:GetObject", "arn:aws:s3:::b/dir/k")
    ]
    assert pairs("s3", "HeadObject", Bucket="b", Key="k") == [("s3:GetObject", "arn:aws:s3:::b/k")]


def test_put_object_with_tagging() -> None:
    # S3 "Required permissions": PutObject with x-amz-tagging also needs s3:PutObjectTagging.
    assert pairs("s3", "PutObject", Bucket="b", Key="k", Tagging="a=1") == [
        ("s3:PutObject", "arn:aws:s3:::b/k"),
        ("s3:PutObjectTagging", "arn:aws:s3:::b/k"),
    ]


def test_list_objects_v2_is_list_bucket_with_prefix() -> None:
    # "Actions, resources, and condition keys for Amazon S3": ListObjectsV2 -> s3:ListBucket on
    # the bucket, condition keys s3:prefix, s3:delimiter, s3:max-keys.
    [needed] = needs("s3", "ListObjectsV2", Bucket="b", Prefix="data/", Delimiter="/", MaxKeys=5)
    assert needed.action == "s3:ListBucket"
    assert needed.resource == "arn:aws:s3:::b"
    assert needed.context == {"s3:prefix": "data/", "s3:delimiter": "/", "s3:max-keys": 5}
    assert needs("s3", "ListObjectsV2", Bucket="b")[0].context == {}


def test_copy_object_reads_the_source_and_writes_the_target() -> None:
    # S3 "Required permissions": CopyObject needs s3:GetObject on the source, s3:PutObject on
    # the destination (s3:GetObjectVersion for a source version).
    assert pairs("s3", "CopyObject", Bucket="dst", Key="k2", CopySource="src/k%201") == [
        ("s3:GetObject", "arn:aws:s3:::src/k 1"),
        ("s3:PutObject", "arn:aws:s3:::dst/k2"),
    ]
    versioned = pairs("s3", "CopyObject", Bucket="d", Key="k", CopySource="/s/a/b?versionId=7")
    assert versioned[0] == ("s3:GetObjectVersion", "arn:aws:s3:::s/a/b")
    as_dict = pairs("s3", "CopyObject", Bucket="d", Key="k", CopySource={"Bucket": "s", "Key": "x"})
    assert as_dict[0] == ("s3:GetObject", "arn:aws:s3:::s/x")


def test_delete_objects_needs_delete_object_per_key() -> None:
    # S3 "Required permissions": DeleteObjects -> s3:DeleteObject for each object.
    objects = [{"Key": "a"}, {"Key": "b"}, {"Key": "c", "VersionId": "1"}]
    assert pairs("s3", "DeleteObjects", Bucket="b", Delete={"Objects": objects}) == [
        ("s3:DeleteObject", "arn:aws:s3:::b/a"),
        ("s3:DeleteObject", "arn:aws:s3:::b/b"),
        ("s3:DeleteObjectVersion", "arn:aws:s3:::b/c"),
    ]


def test_s3_bucket_operations() -> None:
    # "Actions, resources, and condition keys for Amazon S3".
    assert pairs("s3", "ListBuckets") == [("s3:ListAllMyBuckets", "*")]
    assert pairs("s3", "HeadBucket", Bucket="b") == [("s3:ListBucket", "arn:aws:s3:::b")]
    assert pairs("s3", "PutBucketNotificationConfiguration", Bucket="b") == [
        ("s3:PutBucketNotification", "arn:aws:s3:::b")
    ]
    assert pairs("s3", "ListParts", Bucket="b", Key="k", UploadId="u") == [
        ("s3:ListMultipartUploadParts", "arn:aws:s3:::b/k")
    ]
    assert pairs("s3", "UploadPart", Bucket="b", Key="k") == [("s3:PutObject", "arn:aws:s3:::b/k")]


def test_invoke_with_partial_arn_and_qualifier() -> None:
    # "Actions, resources, and condition keys for AWS Lambda": function ARN
    # arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}, a version or alias
    # appended as :${Qualifier} (Lambda guide "Fine-tuning the Resources and Conditions ...").
    fn = "arn:aws:lambda:us-east-1"
    assert pairs("lambda", "Invoke", FunctionName="000000000000:function:etl:prod") == [
        ("lambda:InvokeFunction", f"{fn}:000000000000:function:etl:prod")
    ]
    assert pairs("lambda", "Invoke", FunctionName="etl", Qualifier="3") == [
        ("lambda:InvokeFunction", f"{fn}:{ACCOUNT}:function:etl:3")
    ]
    full = "arn:aws:lambda:eu-west-1:000000000000:function:etl"
    assert pairs("lambda", "Invoke", FunctionName=full) == [("lambda:InvokeFunction", full)]
    assert pairs("lambda", "GetFunction", FunctionName="etl") == [
        ("lambda:GetFunction", f"{fn}:{ACCOUNT}:function:etl")
    ]
    assert pairs("lambda", "Invoke") == [("lambda:InvokeFunction", f"{fn}:{ACCOUNT}:function:*")]


def test_create_function_passes_its_role() -> None:
    found = needs("lambda", "CreateFunction", FunctionName="f", Role="arn:aws:iam::1:role/r")
    assert [(a.action, a.resource) for a in found][1] == ("iam:PassRole", "arn:aws:iam::1:role/r")
    assert found[1].context == {"iam:PassedToService": "lambda.amazonaws.com"}


def test_get_table_needs_catalog_database_and_table() -> None:
    # Glue guide "Specifying AWS Glue resource ARNs": GetTable needs the catalog, database and
    # table ARNs; the catalog ID is the account.
    glue = f"arn:aws:glue:{REGION}"
    assert pairs("glue", "GetTable", DatabaseName="db", Name="t") == [
        ("glue:GetTable", f"{glue}:{ACCOUNT}:catalog"),
        ("glue:GetTable", f"{glue}:{ACCOUNT}:database/db"),
        ("glue:GetTable", f"{glue}:{ACCOUNT}:table/db/t"),
    ]
    other = pairs("glue", "GetTables", CatalogId="000000000000", DatabaseName="db")
    assert other[2] == ("glue:GetTables", f"{glue}:000000000000:table/db/*")


def test_start_job_run() -> None:
    # "Actions, resources, and condition keys for AWS Glue": job ARN ...:job/${JobName}.
    assert pairs("glue", "StartJobRun", JobName="nightly") == [
        ("glue:StartJobRun", f"arn:aws:glue:{REGION}:{ACCOUNT}:job/nightly")
    ]


def test_publish_on_topic() -> None:
    # "Actions, resources, and condition keys for Amazon SNS": Publish on topic*.
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
    assert pairs("sns", "Publish", TopicArn=topic, Message="m") == [("sns:Publish", topic)]
    assert pairs("sns", "Publish", TargetArn=topic) == [("sns:Publish", topic)]
    assert pairs("sns", "CreateTopic", Name="alerts") == [("sns:CreateTopic", topic)]


def test_start_execution_and_execution_arns() -> None:
    # "Actions, resources, and condition keys for AWS Step Functions".
    machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:flow"
    execution = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:flow:run-1"
    assert pairs("stepfunctions", "StartExecution", stateMachineArn=machine) == [
        ("states:StartExecution", machine)
    ]
    assert pairs("stepfunctions", "DescribeExecution", executionArn=execution) == [
        ("states:DescribeExecution", execution)
    ]
    assert pairs("stepfunctions", "StartExecution") == [
        ("states:StartExecution", f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:*")
    ]
    assert pairs("stepfunctions", "SendTaskSuccess", taskToken="t") == [
        ("states:SendTaskSuccess", "*")
    ]


def test_put_log_events_on_the_log_stream() -> None:
    # "Actions, resources, and condition keys for Amazon CloudWatch Logs": PutLogEvents on
    # log-stream*; CloudWatch Logs guide: policies name a log group as log-group:NAME:*.
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/f"
    assert pairs("logs", "PutLogEvents", logGroupName="/aws/lambda/f", logStreamName="s") == [
        ("logs:PutLogEvents", f"{group}:log-stream:s")
    ]
    [(_, created)] = pairs("logs", "CreateLogGroup", logGroupName="/aws/lambda/f")
    assert fnmatch.fnmatchcase(created, f"{group}:*")
    [(_, described)] = pairs("logs", "DescribeLogStreams", logGroupIdentifier=f"{group}:*")
    assert described == created


def test_put_events_on_the_default_bus() -> None:
    # "Actions, resources, and condition keys for Amazon EventBridge": PutEvents on event-bus*.
    [needed] = needs("events", "PutEvents", Entries=[{"Source": "app", "DetailType": "t"}])
    assert needed.resource == f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    assert needed.context == {"events:source": "app", "events:detail-type": "t"}
    assert pairs("events", "PutRule", Name="r") == [
        ("events:PutRule", f"arn:aws:events:{REGION}:{ACCOUNT}:rule/r")
    ]
    assert pairs("events", "PutTargets", Rule="r", EventBusName="bus")[0][1].endswith("rule/bus/r")


def test_athena_workgroup() -> None:
    # "Actions, resources, and condition keys for Amazon Athena": workgroup*.
    primary = f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/primary"
    assert pairs("athena", "StartQueryExecution", QueryString="select 1") == [
        ("athena:StartQueryExecution", primary)
    ]
    assert pairs("athena", "GetQueryExecution", QueryExecutionId="q") == [
        ("athena:GetQueryExecution", primary)
    ]
    resolved = pairs("athena", "GetQueryResults", QueryExecutionId="q", WorkGroup="etl")
    assert resolved == [("athena:GetQueryResults", primary.replace("primary", "etl"))]


def test_redshift_data_on_cluster_or_workgroup() -> None:
    # "Actions, resources, and condition keys for Amazon Redshift Data API".
    assert pairs("redshift-data", "ExecuteStatement", ClusterIdentifier="c", Sql="x") == [
        ("redshift-data:ExecuteStatement", f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:c")
    ]
    workgroup = f"arn:aws:redshift-serverless:{REGION}:{ACCOUNT}:workgroup/wg"
    assert pairs("redshift-data", "ExecuteStatement", WorkgroupName="wg", Sql="x") == [
        ("redshift-data:ExecuteStatement", workgroup)
    ]
    assert pairs("redshift-data", "DescribeStatement", Id="i") == [
        ("redshift-data:DescribeStatement", "*")
    ]


def test_put_metric_data_namespace() -> None:
    # "Actions, resources, and condition keys for Amazon CloudWatch": cloudwatch:namespace.
    [needed] = needs("cloudwatch", "PutMetricData", Namespace="Retail", MetricData=[])
    assert (needed.action, needed.resource) == ("cloudwatch:PutMetricData", "*")
    assert needed.context == {"cloudwatch:namespace": "Retail"}


def test_assume_role_and_iam_roles() -> None:
    role = "arn:aws:iam::000000000000:role/etl"
    assert pairs("sts", "AssumeRole", RoleArn=role, RoleSessionName="s") == [
        ("sts:AssumeRole", role)
    ]
    assert pairs("iam", "GetRole", RoleName="etl") == [
        ("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:role/etl")
    ]
    assert pairs("iam", "CreateRole", RoleName="etl", Path="/svc/") == [
        ("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/svc/etl")
    ]


def test_get_caller_identity_needs_no_authorization() -> None:
    # STS: "No permissions are required to perform this operation."
    assert actions.needs_no_authorization("sts", "GetCallerIdentity")
    assert not actions.needs_no_authorization("sts", "AssumeRole")
    assert not actions.needs_no_authorization("s3", "GetObject")


def test_unknown_operation_gets_the_default() -> None:
    assert pairs("s3", "GetBucketAnalyticsConfiguration", Bucket="b") == [
        ("s3:GetBucketAnalyticsConfiguration", "*")
    ]
    assert pairs("stepfunctions", "ListStateMachines") == [("states:ListStateMachines", "*")]


def test_partition() -> None:
    found = authorizations(
        "s3",
        "GetObject",
        {"Bucket": "b", "Key": "k"},
        region="cn-north-1",
        account=ACCOUNT,
        partition="aws-cn",
    )
    assert found[0].resource == "arn:aws-cn:s3:::b/k"
