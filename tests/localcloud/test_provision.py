"""Provisioning on the local cloud: deploy, idempotency, drift, destroy — one code path."""

from __future__ import annotations

import dataclasses
import json

import pytest

from infra_scripts.config import Settings
from infra_scripts.provision import deploy, destroy, load_outputs, plan
from infra_scripts.provision.core import STACK_TAG, StackContext
from infra_scripts.provision.s3 import PURPOSES
from tests.helpers import unique

pytestmark = pytest.mark.localcloud


@pytest.fixture(scope="module")
def stack(local_cloud, session):
    """A deployed stack with a name of its own (the local cloud is shared)."""
    settings = dataclasses.replace(local_cloud.settings, stack_name=unique("prov"))
    deploy(settings, session, progress=lambda _: None)
    yield settings
    destroy(settings, session, progress=lambda _: None)


def _tagged_arns(session, settings: Settings) -> list[str]:
    pages = session.client("resourcegroupstaggingapi").get_paginator("get_resources")
    filters = [{"Key": STACK_TAG, "Values": [settings.stack_name]}]
    return [
        m["ResourceARN"]
        for p in pages.paginate(TagFilters=filters)
        for m in p["ResourceTagMappingList"]
    ]


def test_deploy_again_changes_nothing_and_plan_is_empty(stack, session):
    result = deploy(stack, session, progress=lambda _: None)
    assert (result.created, result.updated) == (0, 0)
    assert [c for c in plan(stack, session) if c.action != "none"] == []


def test_outputs_are_saved_per_target_and_stack(stack, session):
    outputs = load_outputs(stack)
    names = StackContext.create(stack, session).names
    assert outputs["raw_bucket"] == names.bucket("raw")
    assert outputs["topic_arn"].endswith(f":{stack.stack_name}-notifications")
    assert stack.outputs_file.parent.parent == stack.state_dir


def test_every_resource_is_tagged_with_the_stack(stack, session):
    arns = _tagged_arns(session, stack)
    services = {arn.split(":")[2] for arn in arns}
    assert {"s3", "sns", "logs", "athena", "cloudwatch"} <= services
    roles = session.client("iam").list_roles()["Roles"]
    ours = [r for r in roles if r["RoleName"].startswith(stack.stack_name + "-")]
    assert len(ours) == 5
    for role in ours:
        tags = session.client("iam").list_role_tags(RoleName=role["RoleName"])["Tags"]
        assert {"Key": STACK_TAG, "Value": stack.stack_name} in tags


def test_a_changed_setting_is_exactly_the_drift_and_deploy_fixes_it(stack, session):
    changed = dataclasses.replace(stack, log_retention_days=30, athena_scan_limit_mb=200)
    drift = [c for c in plan(changed, session) if c.action != "none"]
    assert sorted((c.kind, c.action) for c in drift) == [
        ("athena workgroup", "update"),
        ("log group", "update"),
        ("log group", "update"),
        ("log group", "update"),
    ]
    assert all("retention_days: 14 → 30" in c.details for c in drift if c.kind == "log group")
    deploy(changed, session, progress=lambda _: None)
    assert [c for c in plan(changed, session) if c.action != "none"] == []
    workgroup = session.client("athena").get_work_group(WorkGroup=f"{stack.stack_name}-analytics")
    assert workgroup["WorkGroup"]["Configuration"]["BytesScannedCutoffPerQuery"] == 200 * 1024**2
    deploy(stack, session, progress=lambda _: None)  # back to the module's settings


def test_drift_made_outside_the_kit_is_detected(stack, session):
    names = StackContext.create(stack, session).names
    session.client("s3").delete_bucket_policy(Bucket=names.bucket("processed"))
    drift = [c for c in plan(stack, session) if c.action != "none"]
    assert [(c.kind, c.name) for c in drift] == [("s3 bucket", names.bucket("processed"))]
    assert drift[0].details[0].startswith("policy: ")
    deploy(stack, session, progress=lambda _: None)
    assert [c for c in plan(stack, session) if c.action != "none"] == []


def test_every_bucket_blocks_public_access_encrypts_and_requires_tls(stack, session):
    s3 = session.client("s3")
    names = StackContext.create(stack, session).names
    for purpose in PURPOSES:
        bucket = names.bucket(purpose)
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        assert rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        tls = [st for st in policy["Statement"] if st["Effect"] == "Deny"]
        assert tls and tls[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert tls[0]["Action"] == "s3:*" and tls[0]["Principal"] == "*"
    processed = s3.get_bucket_lifecycle_configuration(Bucket=names.bucket("processed"))
    [expiry] = [r for r in processed["Rules"] if "Expiration" in r]
    assert expiry["Filter"] == {"Prefix": "summaries-by-upload/"} and expiry["Expiration"]["Days"]
    raw = names.bucket("raw")
    assert s3.get_bucket_versioning(Bucket=raw)["Status"] == "Enabled"
    assert "EventBridgeConfiguration" in s3.get_bucket_notification_configuration(Bucket=raw)


def test_destroy_leaves_nothing_and_is_idempotent(local_cloud, session):
    settings = dataclasses.replace(local_cloud.settings, stack_name=unique("gone"))
    deploy(settings, session, progress=lambda _: None)
    names = StackContext.create(settings, session).names
    # two versions of one object (outside incoming/, so no pipeline run races the destroy)
    session.client("s3").put_object(Bucket=names.bucket("raw"), Key="archive/a.csv", Body=b"x")
    session.client("s3").put_object(Bucket=names.bucket("raw"), Key="archive/a.csv", Body=b"y")
    deleted = destroy(settings, session, progress=lambda _: None)
    assert len(deleted) == len(plan(settings, session))
    assert _tagged_arns(session, settings) == []
    buckets = [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith(settings.stack_name)]
    roles = session.client("iam").list_roles()["Roles"]
    assert not [r for r in roles if r["RoleName"].startswith(settings.stack_name)]
    workgroups = session.client("redshift-serverless").list_workgroups()["workgroups"]
    assert not [w for w in workgroups if w["workgroupName"].startswith(settings.stack_name)]
    assert all(c.action == "create" for c in plan(settings, session))
    assert destroy(settings, session, progress=lambda _: None) == []
    assert not settings.outputs_file.exists()


def test_two_stacks_live_side_by_side(stack, local_cloud, session):
    other = dataclasses.replace(local_cloud.settings, stack_name=unique("twin"))
    deploy(other, session, progress=lambda _: None)
    try:
        assert [c for c in plan(stack, session) if c.action != "none"] == []
        assert [c for c in plan(other, session) if c.action != "none"] == []
    finally:
        destroy(other, session, progress=lambda _: None)
    assert [c for c in plan(stack, session) if c.action != "none"] == []
