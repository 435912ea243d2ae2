"""Redshift Serverless on the local cloud: namespaces, workgroups, usage limits, tags.

Plain boto3 calls as a user would make them. The cloud is shared by the whole test
session, so every test uses its own names.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra_scripts.localcloud import LocalCloud
from tests.helpers import unique

pytestmark = pytest.mark.localcloud

PASSWORD = "Sup3rSecretPassw0rd"  # must never appear in any response
ROLE_A = "arn:aws:iam::123456789012:role/redshift-a"
ROLE_B = "arn:aws:iam::123456789012:role/redshift-b"
ARN = r"arn:aws:redshift-serverless:us-east-1:\d{{12}}:{}/[0-9a-f-]{{36}}"


@pytest.fixture
def raw_bodies() -> list[bytes]:
    return []


@pytest.fixture
def client(session: boto3.Session, raw_bodies: list[bytes]) -> Any:
    """A redshift-serverless client that also records every raw response body."""
    client = session.client("redshift-serverless")

    def record(http_response: Any, **_: Any) -> None:
        raw_bodies.append(http_response.content)

    client.meta.events.register("after-call.redshift-serverless.*", record)
    return client


@pytest.fixture
def namespace(client: Any) -> Iterator[str]:
    name = unique("ns")
    client.create_namespace(namespaceName=name)
    yield name
    for workgroup in client.list_workgroups()["workgroups"]:
        if workgroup["namespaceName"] == name:
            client.delete_workgroup(workgroupName=workgroup["workgroupName"])
    with contextlib.suppress(client.exceptions.ResourceNotFoundException):
        client.delete_namespace(namespaceName=name)


@pytest.fixture
def workgroup(client: Any, namespace: str) -> dict[str, Any]:
    return client.create_workgroup(workgroupName=unique("wg"), namespaceName=namespace)["workgroup"]


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_namespace_lifecycle_never_echoes_the_password(client: Any, raw_bodies: list[bytes]):
    name = unique("ns")
    created = client.create_namespace(
        namespaceName=name,
        adminUsername="admin",
        adminUserPassword=PASSWORD,
        iamRoles=[ROLE_A],
        defaultIamRoleArn=ROLE_A,
        tags=[{"key": "stack", "value": "retail"}],
    )["namespace"]
    assert created["namespaceName"] == name
    assert re.fullmatch(ARN.format("namespace"), created["namespaceArn"])
    assert created["namespaceArn"].endswith("/" + created["namespaceId"])
    assert created["status"] == "AVAILABLE"
    assert created["dbName"] == "dev"
    assert created["adminUsername"] == "admin"
    assert created["iamRoles"] == [f"IamRole(applyStatus=in-sync, iamRoleArn={ROLE_A})"]
    assert created["defaultIamRoleArn"] == ROLE_A
    assert "adminPasswordSecretArn" not in created
    assert created["creationDate"].year >= 2024

    got = client.get_namespace(namespaceName=name)["namespace"]
    assert got == created
    listed = [n for n in client.list_namespaces()["namespaces"] if n["namespaceName"] == name]
    assert listed == [created]

    updated = client.update_namespace(
        namespaceName=name,
        iamRoles=[ROLE_A, ROLE_B],
        defaultIamRoleArn=ROLE_B,
        logExports=["userlog", "connectionlog"],
        adminUsername="admin",
        adminUserPassword=PASSWORD + "x",
    )["namespace"]
    assert updated["defaultIamRoleArn"] == ROLE_B
    assert len(updated["iamRoles"]) == 2
    assert updated["logExports"] == ["userlog", "connectionlog"]
    assert updated["namespaceId"] == created["namespaceId"]

    deleted = client.delete_namespace(namespaceName=name)["namespace"]
    assert deleted["namespaceName"] == name
    assert deleted["namespaceArn"] == created["namespaceArn"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_namespace(namespaceName=name)

    assert raw_bodies, "no responses were recorded"
    assert not [body for body in raw_bodies if PASSWORD.encode() in body]


def test_managed_admin_password_lives_in_secrets_manager(session: boto3.Session, client: Any):
    name = unique("ns")
    created = client.create_namespace(
        namespaceName=name, adminUsername="admin", manageAdminPassword=True
    )["namespace"]
    secret_arn = created["adminPasswordSecretArn"]
    assert secret_arn.startswith("arn:aws:secretsmanager:us-east-1:")
    secrets = session.client("secretsmanager")
    value = json.loads(secrets.get_secret_value(SecretId=secret_arn)["SecretString"])
    assert value["username"] == "admin"
    assert len(value["password"]) >= 8
    assert value["password"] not in json.dumps(created, default=str)

    client.delete_namespace(namespaceName=name)
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        secrets.get_secret_value(SecretId=secret_arn)


def test_workgroup_lifecycle(client: Any, namespace: str):
    name = unique("wg")
    created = client.create_workgroup(
        workgroupName=name,
        namespaceName=namespace,
        configParameters=[{"parameterKey": "search_path", "parameterValue": "sales, public"}],
        tags=[{"key": "stack", "value": "retail"}],
    )["workgroup"]
    assert created["workgroupName"] == name
    assert created["namespaceName"] == namespace
    assert re.fullmatch(ARN.format("workgroup"), created["workgroupArn"])
    assert created["status"] == "AVAILABLE"
    assert created["baseCapacity"] == 128
    assert created["port"] == 5439
    assert created["publiclyAccessible"] is False
    endpoint = created["endpoint"]
    assert re.fullmatch(
        rf"{name}\.\d{{12}}\.us-east-1\.redshift-serverless\.amazonaws\.com", endpoint["address"]
    )
    assert endpoint["port"] == 5439
    assert endpoint["vpcEndpoints"] == []
    params = {p["parameterKey"]: p["parameterValue"] for p in created["configParameters"]}
    assert params["search_path"] == "sales, public"

    assert client.get_workgroup(workgroupName=name)["workgroup"] == created
    listed = [w for w in client.list_workgroups()["workgroups"] if w["workgroupName"] == name]
    assert listed == [created]

    updated = client.update_workgroup(
        workgroupName=name, baseCapacity=8, maxCapacity=64, port=5440, publiclyAccessible=True
    )["workgroup"]
    assert (updated["baseCapacity"], updated["maxCapacity"]) == (8, 64)
    assert updated["port"] == updated["endpoint"]["port"] == 5440
    assert updated["publiclyAccessible"] is True

    deleted = client.delete_workgroup(workgroupName=name)["workgroup"]
    assert deleted["workgroupArn"] == created["workgroupArn"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_workgroup(workgroupName=name)


def test_duplicates_and_busy_namespace_conflict(client: Any, namespace: str, workgroup: dict):
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        client.create_namespace(namespaceName=namespace)
    assert error_code(excinfo) == "ConflictException"
    with pytest.raises(client.exceptions.ConflictException):
        client.create_workgroup(workgroupName=workgroup["workgroupName"], namespaceName=namespace)
    with pytest.raises(client.exceptions.ConflictException):  # one workgroup per namespace
        client.create_workgroup(workgroupName=unique("wg"), namespaceName=namespace)
    with pytest.raises(client.exceptions.ConflictException) as excinfo:
        client.delete_namespace(namespaceName=namespace)
    assert workgroup["workgroupName"] in excinfo.value.response["Error"]["Message"]
    assert client.get_namespace(namespaceName=namespace)["namespace"]["status"] == "AVAILABLE"


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("get_namespace", {"namespaceName": "no-such-namespace"}),
        ("update_namespace", {"namespaceName": "no-such-namespace", "logExports": []}),
        ("delete_namespace", {"namespaceName": "no-such-namespace"}),
        ("get_workgroup", {"workgroupName": "no-such-workgroup"}),
        ("delete_workgroup", {"workgroupName": "no-such-workgroup"}),
        ("create_workgroup", {"workgroupName": "wg-orphan", "namespaceName": "no-such-ns"}),
        ("get_usage_limit", {"usageLimitId": "00000000-0000-0000-0000-000000000000"}),
        (
            "create_usage_limit",
            {
                "resourceArn": "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/x",
                "usageType": "serverless-compute",
                "amount": 1,
            },
        ),
        (
            "list_tags_for_resource",
            {"resourceArn": "arn:aws:redshift-serverless:us-east-1:123456789012:namespace/x"},
        ),
    ],
)
def test_missing_resources_raise_resource_not_found(client: Any, operation: str, kwargs: dict):
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        getattr(client, operation)(**kwargs)
    assert error_code(excinfo) == "ResourceNotFoundException"


@pytest.mark.parametrize("capacity", [0, 12, 1032, 2048])
def test_bad_base_capacity_is_rejected(client: Any, namespace: str, capacity: int):
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.create_workgroup(
            workgroupName=unique("wg"), namespaceName=namespace, baseCapacity=capacity
        )
    assert "baseCapacity" in excinfo.value.response["Error"]["Message"]
    assert not [
        w for w in client.list_workgroups()["workgroups"] if w["namespaceName"] == namespace
    ]


def test_bad_updates_are_rejected(client: Any, workgroup: dict):
    name = workgroup["workgroupName"]
    for kwargs in ({"baseCapacity": 100}, {"maxCapacity": 8, "baseCapacity": 16}, {"port": 80}):
        with pytest.raises(client.exceptions.ValidationException):
            client.update_workgroup(workgroupName=name, **kwargs)
    assert client.get_workgroup(workgroupName=name)["workgroup"] == workgroup


@pytest.mark.parametrize("name", ["Upper-case", "under_score", "x" * 65, "dot.ted"])
def test_bad_names_are_rejected(client: Any, name: str):
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.create_namespace(namespaceName=name)
    assert "namespaceName" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(client.exceptions.ValidationException):
        client.get_namespace(namespaceName=name)


def test_server_side_validation_of_required_and_credentials(
    session: boto3.Session, client: Any, raw_bodies: list[bytes]
):
    unchecked = session.client("redshift-serverless", config=Config(parameter_validation=False))
    with pytest.raises(unchecked.exceptions.ValidationException) as excinfo:
        unchecked.create_namespace()
    assert "'namespaceName'" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(unchecked.exceptions.ValidationException):
        unchecked.create_namespace(namespaceName="ab")  # shorter than 3

    weak = "weakpass1"  # no upper-case letter
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.create_namespace(
            namespaceName=unique("ns"), adminUsername="admin", adminUserPassword=weak
        )
    assert weak not in excinfo.value.response["Error"]["Message"]
    with pytest.raises(client.exceptions.ValidationException):
        client.create_namespace(
            namespaceName=unique("ns"),
            adminUsername="admin",
            adminUserPassword=PASSWORD,
            manageAdminPassword=True,
        )
    with pytest.raises(client.exceptions.ValidationException) as excinfo:
        client.create_namespace(namespaceName="X" * 70)
    assert excinfo.value.response["Error"]["Message"].startswith("2 validation errors detected")
    with pytest.raises(client.exceptions.ValidationException):
        client.create_namespace(
            namespaceName=unique("ns"), iamRoles=[ROLE_A], defaultIamRoleArn=ROLE_B
        )
    assert not [body for body in raw_bodies if PASSWORD.encode() in body]


def test_usage_limits(client: Any, workgroup: dict):
    arn = workgroup["workgroupArn"]
    limit = client.create_usage_limit(resourceArn=arn, usageType="serverless-compute", amount=10)[
        "usageLimit"
    ]
    assert limit["resourceArn"] == arn
    assert (limit["amount"], limit["period"], limit["breachAction"]) == (10, "monthly", "log")
    assert re.fullmatch(ARN.format("usagelimit"), limit["usageLimitArn"])
    assert client.get_usage_limit(usageLimitId=limit["usageLimitId"])["usageLimit"] == limit

    other = client.create_usage_limit(
        resourceArn=arn,
        usageType="cross-region-datasharing",
        amount=2,
        period="daily",
        breachAction="deactivate",
    )["usageLimit"]
    listed = client.list_usage_limits(resourceArn=arn)["usageLimits"]
    assert {u["usageLimitId"] for u in listed} == {limit["usageLimitId"], other["usageLimitId"]}
    compute = client.list_usage_limits(resourceArn=arn, usageType="serverless-compute")
    assert [u["usageLimitId"] for u in compute["usageLimits"]] == [limit["usageLimitId"]]

    updated = client.update_usage_limit(
        usageLimitId=limit["usageLimitId"], amount=20, breachAction="emit-metric"
    )["usageLimit"]
    assert (updated["amount"], updated["breachAction"], updated["period"]) == (
        20,
        "emit-metric",
        "monthly",
    )
    with pytest.raises(client.exceptions.ValidationException):
        client.create_usage_limit(resourceArn=arn, usageType="serverless-compute", amount=0)

    deleted = client.delete_usage_limit(usageLimitId=limit["usageLimitId"])["usageLimit"]
    assert deleted["usageLimitId"] == limit["usageLimitId"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_usage_limit(usageLimitId=limit["usageLimitId"])

    client.delete_workgroup(workgroupName=workgroup["workgroupName"])  # takes its limits along
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_usage_limit(usageLimitId=other["usageLimitId"])


def test_tags(client: Any, namespace: str, workgroup: dict):
    for arn in (
        client.get_namespace(namespaceName=namespace)["namespace"]["namespaceArn"],
        workgroup["workgroupArn"],
    ):
        client.tag_resource(
            resourceArn=arn,
            tags=[{"key": "stack", "value": "retail"}, {"key": "team", "value": "data"}],
        )
        client.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "ops"}])
        tags = client.list_tags_for_resource(resourceArn=arn)["tags"]
        assert sorted((t["key"], t["value"]) for t in tags) == [
            ("stack", "retail"),
            ("team", "ops"),
        ]
        client.untag_resource(resourceArn=arn, tagKeys=["stack", "absent"])
        assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [
            {"key": "team", "value": "ops"}
        ]
    created_with_tags = unique("ns")
    arn = client.create_namespace(
        namespaceName=created_with_tags, tags=[{"key": "stack", "value": "retail"}]
    )["namespace"]["namespaceArn"]
    assert client.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "stack", "value": "retail"}
    ]
    with pytest.raises(client.exceptions.TooManyTagsException):
        client.tag_resource(
            resourceArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(60)]
        )
    client.delete_namespace(namespaceName=created_with_tags)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_tags_for_resource(resourceArn=arn)


def test_pagination(client: Any):
    names = [unique("page") for _ in range(5)]
    for name in names:
        client.create_namespace(namespaceName=name)
    try:
        seen: list[str] = []
        pages = 0
        kwargs: dict[str, Any] = {"maxResults": 2}
        while True:
            page = client.list_namespaces(**kwargs)
            pages += 1
            assert len(page["namespaces"]) <= 2
            seen += [n["namespaceName"] for n in page["namespaces"]]
            if "nextToken" not in page:
                break
            kwargs["nextToken"] = page["nextToken"]
        assert pages >= 3
        assert [n for n in seen if n in names] == names  # each once, in creation order
        assert len(seen) == len(set(seen))

        paginator = client.get_paginator("list_namespaces")
        via_paginator = [
            n["namespaceName"]
            for page in paginator.paginate(PaginationConfig={"PageSize": 3})
            for n in page["namespaces"]
        ]
        assert via_paginator == seen

        with pytest.raises(client.exceptions.ValidationException):
            client.list_namespaces(nextToken="not-a-token")
        with pytest.raises(client.exceptions.ValidationException):
            client.list_namespaces(maxResults=101)
    finally:
        for name in names:
            client.delete_namespace(namespaceName=name)


def test_usage_limit_pagination(client: Any, workgroup: dict):
    arn = workgroup["workgroupArn"]
    ids = [
        client.create_usage_limit(resourceArn=arn, usageType="serverless-compute", amount=i)[
            "usageLimit"
        ]["usageLimitId"]
        for i in (1, 2, 3)
    ]
    first = client.list_usage_limits(resourceArn=arn, maxResults=2)
    second = client.list_usage_limits(resourceArn=arn, maxResults=2, nextToken=first["nextToken"])
    assert "nextToken" not in second
    assert [u["usageLimitId"] for u in first["usageLimits"] + second["usageLimits"]] == ids
    with pytest.raises(client.exceptions.InvalidPaginationException):
        client.list_usage_limits(resourceArn=arn, nextToken="garbage-token")


def test_moto_dashboard_lists_the_backend(local_cloud: LocalCloud, namespace: str):
    with urllib.request.urlopen(f"{local_cloud.endpoint}/moto-api/data.json") as resp:
        data = json.loads(resp.read())
    names = [n["namespace_name"] for n in data["redshiftserverless"]["Namespace"]]
    assert namespace in names


def test_moto_reset_clears_the_backend():
    """In a cloud of its own: resetting the shared one would disturb other tests."""
    with LocalCloud() as cloud:
        client = cloud.session().client("redshift-serverless")
        name = unique("ns")
        client.create_namespace(namespaceName=name)
        client.create_workgroup(workgroupName=unique("wg"), namespaceName=name)
        request = urllib.request.Request(f"{cloud.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request) as resp:
            assert json.loads(resp.read()) == {"status": "ok"}
        assert client.list_namespaces()["namespaces"] == []
        assert client.list_workgroups()["workgroups"] == []
        client.create_namespace(namespaceName=name)  # usable again after the reset
        assert client.get_namespace(namespaceName=name)["namespace"]["status"] == "AVAILABLE"
