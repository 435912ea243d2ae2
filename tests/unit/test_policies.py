"""IAM policy lint: no wildcard actions, no unscoped resources outside the documented list."""

from __future__ import annotations

import boto3
import pytest

from infra_scripts.config import Settings
from infra_scripts.provision import policies
from infra_scripts.provision.core import StackContext


@pytest.fixture
def ctx() -> StackContext:
    session = boto3.Session(region_name="us-east-1")  # no call is made: ARNs only
    settings = Settings.load(env={})
    return StackContext(
        settings=settings,
        session=session,
        account="123456789012",
        contract=settings.load_contract(),
    )


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _all_documents(ctx: StackContext):
    for component, doc in policies.role_policies(ctx).items():
        yield f"role {component}", doc
    yield "sns topic", policies.sns_topic_policy(ctx)


def test_no_wildcard_actions(ctx):
    for where, doc in _all_documents(ctx):
        for statement in doc["Statement"]:
            for action in _as_list(statement["Action"]):
                assert "*" not in action, f"{where}: wildcard action {action}"


def test_unscoped_resources_only_for_the_documented_actions(ctx):
    for where, doc in _all_documents(ctx):
        for statement in doc["Statement"]:
            resources = _as_list(statement["Resource"])
            if "*" in resources:
                undocumented = set(_as_list(statement["Action"])) - set(
                    policies.RESOURCE_STAR_ACTIONS
                )
                assert not undocumented, f"{where}: Resource * for {undocumented}"
            scopes = (ctx.names.stack, ctx.names.database, *policies.GLUE_LOG_GROUPS)
            for resource in resources:
                if resource != "*" and not resource.endswith(":catalog"):
                    assert any(s in resource for s in scopes), f"{where}: {resource} is unscoped"


def test_every_role_trusts_only_its_service(ctx):
    for component in policies.TRUSTED_SERVICES:
        [statement] = policies.trust_policy(component)["Statement"]
        assert statement["Action"] == "sts:AssumeRole"
        assert set(statement["Principal"]) == {"Service"}


def test_the_lint_catches_a_wildcard(ctx, monkeypatch):
    original = policies.role_policies

    def with_wildcard(c):
        docs = original(c)
        docs["lambda"]["Statement"].append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
        return docs

    monkeypatch.setattr(policies, "role_policies", with_wildcard)
    with pytest.raises(AssertionError, match="wildcard action"):
        test_no_wildcard_actions(ctx)
