"""The IAM policy evaluation engine against AWS's documented outcomes (no AWS needed).

Doc titles refer to the AWS IAM User Guide unless a test says otherwise."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from infra_scripts.localcloud.access.evaluation import (
    Decision,
    PolicyError,
    Principal,
    Request,
    evaluate,
)

ACCOUNT = "123456789012"
OTHER = "000000000000"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/service-role/etl-role"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/etl-role/job-1"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/David"
ROLE = Principal(arn=SESSION_ARN, account=ACCOUNT, role_arn=ROLE_ARN)
USER = Principal(arn=USER_ARN, account=ACCOUNT)
EVENTS = Principal(arn="", account=ACCOUNT, service="events.amazonaws.com")
V = "2012-10-17"


def policy(*statements: dict[str, Any], version: str | None = V) -> dict[str, Any]:
    document: dict[str, Any] = {"Statement": list(statements)}
    if version:
        document["Version"] = version
    return document


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(
    action: str,
    resource: str,
    identity: list[Any],
    resource_policy: Any = None,
    principal: Principal = ROLE,
    context: dict[str, Any] | None = None,
    resource_account: str | None = None,
) -> Decision:
    request = Request(principal, action, resource, context or {})
    return evaluate(request, identity, resource_policy, resource_account)


def allowed(*args: Any, **kwargs: Any) -> bool:
    return decide(*args, **kwargs).allowed


# --- the decision ---------------------------------------------------------------------------


def test_no_policy_is_an_implicit_deny() -> None:
    # "Policy evaluation logic": by default, all requests are implicitly denied.
    decision = decide("s3:GetObject", "arn:aws:s3:::b/k", [])
    assert decision == Decision(False, "no_identity_allow")


def test_explicit_deny_beats_s3_star() -> None:
    # "Policy evaluation logic": an explicit deny in any policy overrides any allows.
    documents = [policy(allow("s3:*")), policy(deny("s3:DeleteObject", "arn:aws:s3:::b/*"))]
    assert allowed("s3:GetObject", "arn:aws:s3:::b/k", documents)
    decision = decide("s3:DeleteObject", "arn:aws:s3:::b/k", documents)
    assert decision == Decision(False, "explicit_deny_identity")


def test_resource_scoping_data_allowed_secret_denied() -> None:
    # "IAM JSON policy elements: Resource": arn:aws:s3:::bucket/* style prefixes.
    documents = [
        policy(
            allow("s3:GetObject", "arn:aws:s3:::lake/data/*"),
            deny("s3:*", "arn:aws:s3:::lake/secret/*"),
        )
    ]
    assert allowed("s3:GetObject", "arn:aws:s3:::lake/data/2024/01/sales.csv", documents)
    assert decide("s3:GetObject", "arn:aws:s3:::lake/secret/k", documents).reason == (
        "explicit_deny_identity"
    )
    assert decide("s3:GetObject", "arn:aws:s3:::lake/other/k", documents).reason == (
        "no_identity_allow"
    )


def test_bucket_policy_deny_for_one_role() -> None:
    # "Policy evaluation logic": an explicit deny in a resource-based policy overrides.
    bucket = policy(deny("s3:*", "arn:aws:s3:::lake/*", Principal={"AWS": ROLE_ARN}))
    decision = decide("s3:GetObject", "arn:aws:s3:::lake/k", [policy(allow("s3:*"))], bucket)
    assert decision == Decision(False, "explicit_deny_resource")
    assert allowed("s3:GetObject", "arn:aws:s3:::lake/k", [policy(allow())], bucket, USER)


def test_resource_policy_grants_role_in_same_account_without_identity_policy() -> None:
    # "Policy evaluation logic": within an account, an allow in an identity-based OR a
    # resource-based policy allows.
    bucket = policy(allow("s3:GetObject", "arn:aws:s3:::lake/*", Principal={"AWS": ROLE_ARN}))
    assert allowed("s3:GetObject", "arn:aws:s3:::lake/k", [], bucket)
    assert not allowed("s3:PutObject", "arn:aws:s3:::lake/k", [], bucket)


def test_resource_policy_for_a_session_arn_and_a_user_arn() -> None:
    # "AWS JSON policy elements: Principal": role session and IAM user principals.
    bucket = policy(
        allow("s3:GetObject", "arn:aws:s3:::lake/*", Principal={"AWS": [SESSION_ARN, USER_ARN]})
    )
    assert allowed("s3:GetObject", "arn:aws:s3:::lake/k", [], bucket)
    assert allowed("s3:GetObject", "arn:aws:s3:::lake/k", [], bucket, USER)
    other_session = Principal(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/etl-role/job-2", ACCOUNT, ROLE_ARN
    )
    assert not allowed("s3:GetObject", "arn:aws:s3:::lake/k", [], bucket, other_session)


def test_account_principal_does_not_grant_by_itself_in_same_account() -> None:
    # "AWS JSON policy elements: Principal" (AWS account principals): the account ARN
    # "delegates authority to the account"; the account's identity policies decide.
    for entry in (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"):
        bucket = policy(allow("s3:GetObject", "*", Principal={"AWS": entry}))
        assert decide("s3:GetObject", "arn:aws:s3:::lake/k", [], bucket).reason == (
            "no_identity_allow"
        )
        assert allowed("s3:GetObject", "arn:aws:s3:::lake/k", [policy(allow())], bucket)


def test_deny_on_account_principal_applies_to_all_its_principals() -> None:
    # "AWS JSON policy elements: Principal": the account ARN does not limit to the root user.
    bucket = policy(deny("s3:DeleteObject", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    for principal in (ROLE, USER):
        decision = decide(
            "s3:DeleteObject", "arn:aws:s3:::b/k", [policy(allow())], bucket, principal
        )
        assert decision.reason == "explicit_deny_resource"
    foreign = Principal(f"arn:aws:iam::{OTHER}:user/Eve", OTHER)
    bucket_allow = policy(
        deny("s3:DeleteObject", "*", Principal={"AWS": ACCOUNT}),
        allow("s3:*", "*", Principal={"AWS": OTHER}),
    )
    assert allowed(
        "s3:DeleteObject",
        "arn:aws:s3:::b/k",
        [policy(allow())],
        bucket_allow,
        foreign,
        None,
        ACCOUNT,
    )


def test_cross_account_needs_both_allows() -> None:
    # "Cross-account policy evaluation logic": the identity-based policy in the trusted
    # account AND the resource-based policy in the trusting account must allow.
    foreign = Principal(
        f"arn:aws:sts::{OTHER}:assumed-role/reader/s", OTHER, f"arn:aws:iam::{OTHER}:role/reader"
    )
    bucket = policy(allow("s3:GetObject", "arn:aws:s3:::lake/*", Principal={"AWS": OTHER}))
    identity = [policy(allow("s3:GetObject", "arn:aws:s3:::lake/*"))]
    args = ("s3:GetObject", "arn:aws:s3:::lake/k")
    assert allowed(*args, identity, bucket, foreign, resource_account=ACCOUNT)
    assert decide(*args, identity, None, foreign, resource_account=ACCOUNT).reason == (
        "no_resource_allow"
    )
    assert decide(*args, [], bucket, foreign, resource_account=ACCOUNT).reason == (
        "no_identity_allow"
    )


def test_same_account_resource_account_equal_to_principal_account() -> None:
    # "Policy evaluation logic": same account, identity allow alone suffices.
    assert allowed("s3:GetObject", "arn:aws:s3:::b/k", [policy(allow())], None, ROLE, None, ACCOUNT)


def test_service_principal_needs_resource_policy_allow() -> None:
    # "AWS JSON policy elements: Principal" (AWS service principals), string or list.
    function = "arn:aws:lambda:us-east-1:123456789012:function:load"
    for service in ("events.amazonaws.com", ["s3.amazonaws.com", "events.amazonaws.com"]):
        grant = policy(allow("lambda:InvokeFunction", function, Principal={"Service": service}))
        assert allowed("lambda:InvokeFunction", function, [], grant, EVENTS)
    other = policy(
        allow("lambda:InvokeFunction", function, Principal={"Service": "sns.amazonaws.com"})
    )
    assert (
        decide("lambda:InvokeFunction", function, [], other, EVENTS).reason == "no_resource_allow"
    )
    assert not allowed("lambda:InvokeFunction", function, [], None, EVENTS)


def test_service_principal_with_source_arn_condition() -> None:
    # Lambda Developer Guide, "Using resource-based policies": AWS:SourceArn (any case).
    function = "arn:aws:lambda:us-east-1:123456789012:function:load"
    rule = "arn:aws:events:us-east-1:123456789012:rule/nightly"
    grant = policy(
        allow(
            "lambda:InvokeFunction",
            function,
            Principal={"Service": "events.amazonaws.com"},
            Condition={"ArnLike": {"AWS:SourceArn": rule}},
        )
    )
    assert allowed("lambda:InvokeFunction", function, [], grant, EVENTS, {"aws:SourceArn": rule})
    other_rule = {"aws:SourceArn": rule.replace("nightly", "hourly")}
    assert not allowed("lambda:InvokeFunction", function, [], grant, EVENTS, other_rule)


def test_wildcard_principal_grants_within_the_account() -> None:
    # "AWS JSON policy elements: Principal" (All principals): "*" and {"AWS": "*"}; "For IAM
    # users and role principals within your account, no other permissions are required."
    for element in ("*", {"AWS": "*"}):
        topic = policy(allow("sns:Publish", "*", Principal=element))
        assert allowed("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", [], topic)


def test_statement_without_principal_in_resource_policy_grants_nothing() -> None:
    # "AWS JSON policy elements: Principal": resource-based policies must use Principal.
    topic = policy(allow("sns:Publish", "*"))
    assert not allowed("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", [], topic)


def test_resource_policy_statement_may_omit_resource() -> None:
    # "Variables and tags": an SNS topic policy example without a Resource element.
    topic = policy({"Effect": "Allow", "Action": "sns:*", "Principal": {"AWS": ROLE_ARN}})
    assert allowed("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t", [], topic)


def test_not_principal_deny_exempts_only_with_account_and_arn() -> None:
    # "AWS JSON policy elements: NotPrincipal": also specify the account ARN of the principal
    # not denied; otherwise the policy might deny access to the entire account.
    def bucket(*names: str) -> dict[str, Any]:
        return policy(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": "*",
                "NotPrincipal": {"AWS": list(names)},
            }
        )

    identity = [policy(allow())]
    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert allowed("s3:GetObject", "arn:aws:s3:::b/k", identity, bucket(root, ROLE_ARN))
    assert allowed("s3:GetObject", "arn:aws:s3:::b/k", identity, bucket(root, SESSION_ARN))
    assert not allowed("s3:GetObject", "arn:aws:s3:::b/k", identity, bucket(ROLE_ARN))
    assert not allowed("s3:GetObject", "arn:aws:s3:::b/k", identity, bucket(root, USER_ARN))


# --- Action / NotAction and Resource / NotResource -----------------------------------------


def test_actions_are_case_insensitive_with_wildcards() -> None:
    # "IAM JSON policy elements: Action": case-insensitive, wildcards * and ?.
    documents = [policy(allow(["S3:get*", "dynamodb:?utItem", "sqs:SendMessage"]))]
    assert allowed("s3:GetObject", "*", documents)
    assert allowed("dynamodb:PutItem", "*", documents)
    assert not allowed("s3:PutObject", "*", documents)
    assert not allowed("dynamodb:UpdateItem", "*", documents)
    assert not allowed("sqs:SendMessageBatch", "*", documents)


def test_not_action_allows_everything_except() -> None:
    # "IAM JSON policy elements: NotAction": allow all but IAM ("NotAction": "iam:*").
    documents = [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    assert allowed("s3:GetObject", "arn:aws:s3:::b/k", documents)
    assert not allowed("iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/x", documents)


def test_not_action_with_deny_and_mfa_condition() -> None:
    # "IAM JSON policy elements: NotAction": deny everything but IAM without MFA
    # (BoolIfExists aws:MultiFactorAuthPresent false).
    deny_no_mfa = {
        "Effect": "Deny",
        "NotAction": "iam:*",
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }
    documents = [policy(allow(), deny_no_mfa)]
    assert allowed("iam:ListUsers", "*", documents)
    assert not allowed("s3:ListBucket", "*", documents)  # key absent: IfExists is true
    assert not allowed(
        "s3:ListBucket", "*", documents, context={"aws:MultiFactorAuthPresent": False}
    )
    assert allowed("s3:ListBucket", "*", documents, context={"aws:MultiFactorAuthPresent": True})


def test_not_resource_denies_outside_a_bucket() -> None:
    # "IAM JSON policy elements: NotResource": deny on everything but one bucket.
    documents = [
        policy(
            allow("s3:*"),
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
            },
        )
    ]
    assert allowed("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv", documents)
    assert not allowed("s3:GetObject", "arn:aws:s3:::HRBucket/Other/x", documents)


def test_resources_are_case_sensitive_and_star_spans_separators() -> None:
    # "IAM JSON policy elements: Resource": wildcards in ARNs; ARNs are case-sensitive.
    documents = [policy(allow("s3:GetObject", "arn:aws:s3:::lake/*"))]
    assert allowed("s3:GetObject", "arn:aws:s3:::lake/a/b:c/d", documents)
    assert not allowed("s3:GetObject", "arn:aws:s3:::Lake/a", documents)
    assert not allowed("s3:GetObject", "arn:aws:s3:::lake", documents)
    question = [policy(allow("sqs:*", "arn:aws:sqs:us-east-?:*:queue?"))]
    assert allowed("sqs:SendMessage", f"arn:aws:sqs:us-east-2:{ACCOUNT}:queue1", question)
    assert not allowed("sqs:SendMessage", f"arn:aws:sqs:us-east-2:{ACCOUNT}:queue12", question)


def test_star_resource_request_needs_star_in_policy() -> None:
    # "IAM JSON policy elements: Resource": actions without resource-level permissions use "*".
    assert allowed("s3:ListAllMyBuckets", "*", [policy(allow("s3:*", "*"))])
    assert not allowed("s3:ListAllMyBuckets", "*", [policy(allow("s3:*", "arn:aws:s3:::b"))])


def test_identity_statement_principal_element_is_ignored_not_required() -> None:
    # "AWS JSON policy elements: Principal": identity policies' principal is implicit.
    assert allowed("s3:GetObject", "*", [policy(allow())], principal=USER)


# --- policy documents -----------------------------------------------------------------------


def test_policies_as_json_and_url_encoded_text() -> None:
    # moto stores policy documents as (sometimes URL-encoded) JSON text.
    text = json.dumps(policy(allow("s3:GetObject", "arn:aws:s3:::b/*")))
    for document in (text, quote(text)):
        assert allowed("s3:GetObject", "arn:aws:s3:::b/k", [document])
        assert not allowed("s3:PutObject", "arn:aws:s3:::b/k", [document])


def test_single_statement_object_and_string_values() -> None:
    # "IAM JSON policy elements: Statement": one statement object or an array.
    document = {"Version": V, "Statement": allow("s3:GetObject", "arn:aws:s3:::b/k")}
    assert allowed("s3:GetObject", "arn:aws:s3:::b/k", [document])


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        {"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]},
    ],
)
def test_malformed_policies_raise_policy_error(document: Any) -> None:
    with pytest.raises(PolicyError):
        decide("s3:GetObject", "arn:aws:s3:::b/k", [document])


def test_unknown_condition_operator_raises_naming_it() -> None:
    # "Condition operators": an operator outside the documented list.
    document = policy(allow(Condition={"StringSortOf": {"aws:username": "x"}}))
    with pytest.raises(PolicyError, match="StringSortOf"):
        decide("s3:GetObject", "*", [document])
    assert issubclass(PolicyError, ValueError)


# --- policy variables -----------------------------------------------------------------------


def test_username_variable_in_resource() -> None:
    # "IAM policy elements: Variables and tags": arn:aws:s3:::mybucket/${aws:username}/*.
    documents = [
        policy(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::mybucket/${aws:username}/*"))
    ]
    context = {"aws:username": "David"}
    assert allowed(
        "s3:GetObject",
        "arn:aws:s3:::mybucket/David/notes.txt",
        documents,
        principal=USER,
        context=context,
    )
    assert not allowed(
        "s3:GetObject",
        "arn:aws:s3:::mybucket/Adele/notes.txt",
        documents,
        principal=USER,
        context=context,
    )
    # A role session has no aws:username: the resource matches nothing.
    assert not allowed("s3:GetObject", "arn:aws:s3:::mybucket/David/notes.txt", documents)


def test_username_variable_in_string_like_prefix() -> None:
    # "Variables and tags": s3:ListBucket with StringLike s3:prefix "${aws:username}/*".
    statement = allow(
        "s3:ListBucket",
        "arn:aws:s3:::mybucket",
        Condition={"StringLike": {"s3:prefix": ["${aws:username}/*"]}},
    )
    documents = [policy(statement)]
    ok = {"aws:username": "David", "s3:prefix": "David/2024/"}
    assert allowed("s3:ListBucket", "arn:aws:s3:::mybucket", documents, principal=USER, context=ok)
    bad = {"aws:username": "David", "s3:prefix": "Adele/"}
    assert not allowed(
        "s3:ListBucket", "arn:aws:s3:::mybucket", documents, principal=USER, context=bad
    )


def test_variables_are_literal_without_version_2012() -> None:
    # "Variables and tags": without Version 2012-10-17, ${aws:username} is a literal string.
    old = [policy(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"), version="2008-10-17")]
    context = {"aws:username": "David"}
    assert not allowed("s3:GetObject", "arn:aws:s3:::b/David/k", old, context=context)
    assert allowed("s3:GetObject", "arn:aws:s3:::b/${aws:username}/k", old, context=context)


def test_principal_tag_variable_and_default_value() -> None:
    # "Variables and tags": ${aws:PrincipalTag/department}; default values "${key, 'x'}".
    documents = [
        policy(
            allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:PrincipalTag/department, 'shared'}/*")
        )
    ]
    tagged = {"aws:PrincipalTag/department": "hr"}
    assert allowed("s3:GetObject", "arn:aws:s3:::bucket/hr/k", documents, context=tagged)
    assert not allowed("s3:GetObject", "arn:aws:s3:::bucket/shared/k", documents, context=tagged)
    assert allowed("s3:GetObject", "arn:aws:s3:::bucket/shared/k", documents)


def test_escape_variables_are_literal_characters() -> None:
    # "Variables and tags" (Special characters): ${*}, ${?}, ${$}.
    documents = [policy(allow("s3:GetObject", "arn:aws:s3:::b/${*}${?}${$}"))]
    assert allowed("s3:GetObject", "arn:aws:s3:::b/*?$", documents)
    assert not allowed("s3:GetObject", "arn:aws:s3:::b/xy$", documents)


# --- conditions -----------------------------------------------------------------------------


def with_condition(condition: dict[str, Any], effect: str = "Allow") -> list[dict[str, Any]]:
    return [policy({"Effect": effect, "Action": "*", "Resource": "*", "Condition": condition})]


def test_string_equals_keys_and_and_values_or() -> None:
    # "Conditions with multiple context keys or values": keys AND, values OR.
    documents = with_condition(
        {
            "StringEquals": {
                "aws:PrincipalTag/team": ["data", "ml"],
                "aws:RequestedRegion": "eu-west-1",
            }
        }
    )
    both = {"aws:principaltag/TEAM": "ml", "AWS:RequestedRegion": "eu-west-1"}
    assert allowed("s3:GetObject", "*", documents, context=both)
    assert not allowed(
        "s3:GetObject", "*", documents, context={**both, "aws:RequestedRegion": "us-east-1"}
    )
    assert not allowed("s3:GetObject", "*", documents, context={"aws:RequestedRegion": "eu-west-1"})


def test_operators_and() -> None:
    # "Conditions with multiple context keys or values": operators AND.
    documents = with_condition(
        {
            "StringEquals": {"sns:Protocol": "https"},
            "StringLike": {"sns:Endpoint": "https://example.com/*"},
        }
    )
    ok = {"sns:Protocol": "https", "sns:Endpoint": "https://example.com/hook"}
    assert allowed("sns:Subscribe", "*", documents, context=ok)
    assert not allowed("sns:Subscribe", "*", documents, context={**ok, "sns:Protocol": "http"})


def test_negated_operator_values_nor_and_absent_key_true() -> None:
    # "Conditions with multiple context keys or values": a negated operator's values NOR;
    # "Condition operators": an absent key makes a negated operator true.
    documents = with_condition(
        {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}, "Deny"
    )
    identity = [policy(allow()), *documents]
    assert not allowed("s3:GetObject", "*", identity, context={"aws:RequestedRegion": "us-east-1"})
    assert allowed("s3:GetObject", "*", identity, context={"aws:RequestedRegion": "eu-central-1"})
    assert not allowed("s3:GetObject", "*", identity)  # absent: StringNotEquals is true


def test_absent_key_makes_positive_operator_false() -> None:
    # "Condition operators": absent key -> the values do not match, the condition is false.
    documents = with_condition({"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}})
    assert not allowed("iam:CreateAccessKey", "*", documents)
    context = {"aws:PrincipalTag/job-category": "iamuser-admin"}
    assert allowed("iam:CreateAccessKey", "*", documents, context=context)


def test_ignore_case_and_not_like() -> None:
    # "Condition operators" (String): StringEqualsIgnoreCase, StringNotLike.
    documents = with_condition(
        {
            "StringEqualsIgnoreCase": {"aws:PrincipalTag/env": "PROD"},
            "StringNotLike": {"s3:prefix": "private/*"},
        }
    )
    assert allowed(
        "s3:ListBucket",
        "*",
        documents,
        context={"aws:PrincipalTag/env": "prod", "s3:prefix": "public/"},
    )
    assert not allowed(
        "s3:ListBucket",
        "*",
        documents,
        context={"aws:PrincipalTag/env": "prod", "s3:prefix": "private/x"},
    )


def test_numeric_operators() -> None:
    # "Condition operators" (Numeric): s3:max-keys NumericLessThanEquals 10.
    documents = with_condition({"NumericLessThanEquals": {"s3:max-keys": "10"}})
    assert allowed("s3:ListBucket", "*", documents, context={"s3:max-keys": "10"})
    assert allowed("s3:ListBucket", "*", documents, context={"s3:max-keys": 3})
    assert not allowed("s3:ListBucket", "*", documents, context={"s3:max-keys": "11"})
    assert not allowed("s3:ListBucket", "*", documents, context={"s3:max-keys": "many"})
    not_equals = with_condition({"NumericNotEquals": {"s3:max-keys": [5, 7]}})
    assert allowed("s3:ListBucket", "*", not_equals, context={"s3:max-keys": "6"})
    assert not allowed("s3:ListBucket", "*", not_equals, context={"s3:max-keys": "7"})


def test_date_operators_iso_and_epoch() -> None:
    # "Condition operators" (Date): aws:CurrentTime against ISO 8601 dates and epoch times.
    documents = with_condition({"DateLessThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}})
    assert allowed(
        "s3:GetObject", "*", documents, context={"aws:CurrentTime": "2020-03-31T23:59:59Z"}
    )
    assert not allowed(
        "s3:GetObject", "*", documents, context={"aws:CurrentTime": "2020-04-01T00:00:00Z"}
    )
    epoch = with_condition({"DateGreaterThanEquals": {"aws:EpochTime": "1585699200"}})  # 2020-04-01
    assert allowed("s3:GetObject", "*", epoch, context={"aws:EpochTime": 1585699200})
    assert not allowed(
        "s3:GetObject", "*", epoch, context={"aws:EpochTime": "2020-03-31T00:00:00Z"}
    )


def test_bool_operator_strings_and_booleans() -> None:
    # "Condition operators" (Boolean): Deny when aws:SecureTransport is false.
    identity = [policy(allow()), *with_condition({"Bool": {"aws:SecureTransport": False}}, "Deny")]
    assert not allowed("s3:GetObject", "*", identity, context={"aws:SecureTransport": "false"})
    assert allowed("s3:GetObject", "*", identity, context={"aws:SecureTransport": True})
    assert allowed("s3:GetObject", "*", identity)  # absent: Bool is false, no deny


def test_binary_equals() -> None:
    # "Condition operators" (Binary): base64-encoded values.
    documents = with_condition({"BinaryEquals": {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}})
    assert allowed("s3:GetObject", "*", documents, context={"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="})
    assert allowed("s3:GetObject", "*", documents, context={"key": b"BinaryValueInBase64"})
    assert not allowed("s3:GetObject", "*", documents, context={"key": "QmluYXJ5"})


def test_ip_address_and_not_ip_address() -> None:
    # "Condition operators" (IP address): 203.0.113.0/24 and 2001:DB8:1234:5678::/64.
    documents = with_condition(
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}
    )
    assert allowed("s3:GetObject", "*", documents, context={"aws:SourceIp": "203.0.113.9"})
    assert allowed(
        "s3:GetObject", "*", documents, context={"aws:SourceIp": "2001:db8:1234:5678::1"}
    )
    assert not allowed("s3:GetObject", "*", documents, context={"aws:SourceIp": "198.51.100.1"})
    outside = with_condition({"NotIpAddress": {"aws:SourceIp": "127.0.0.1"}})
    assert not allowed("s3:GetObject", "*", outside, context={"aws:SourceIp": "127.0.0.1"})
    assert allowed("s3:GetObject", "*", outside, context={"aws:SourceIp": "10.0.0.1"})


def test_arn_like_checks_each_segment() -> None:
    # "Condition operators" (ARN): each of the six colon-delimited components is checked
    # separately and each can include wildcards.
    documents = with_condition({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}})
    good = {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:topic"}
    assert allowed("sqs:SendMessage", "*", documents, context=good)
    shifted = {"aws:SourceArn": "arn:aws:sns:us-east-2:x:123456789012:topic"}
    assert not allowed("sqs:SendMessage", "*", documents, context=shifted)
    not_like = with_condition({"ArnNotEquals": {"aws:PrincipalArn": ROLE_ARN}}, "Deny")
    identity = [policy(allow()), *not_like]
    assert allowed("s3:GetObject", "*", identity, context={"aws:PrincipalArn": ROLE_ARN})
    assert not allowed("s3:GetObject", "*", identity, context={"aws:PrincipalArn": USER_ARN})


def test_null_operator() -> None:
    # "Condition operators" (Null): "true" when the key is absent; aws:TokenIssueTime example.
    documents = with_condition({"Null": {"aws:TokenIssueTime": "true"}})
    assert allowed("ec2:RunInstances", "*", documents)
    assert not allowed(
        "ec2:RunInstances", "*", documents, context={"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}
    )
    present = with_condition({"Null": {"aws:TokenIssueTime": False}})
    assert allowed(
        "ec2:RunInstances", "*", present, context={"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}
    )


def test_if_exists() -> None:
    # "Condition operators" (...IfExists): true when the key is absent, else as the operator.
    documents = with_condition(
        {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}
    )
    assert allowed("ec2:RunInstances", "*", documents)
    assert allowed("ec2:RunInstances", "*", documents, context={"ec2:InstanceType": "t2.micro"})
    assert not allowed("ec2:RunInstances", "*", documents, context={"ec2:InstanceType": "m5.large"})


def test_for_all_values_and_absent_key() -> None:
    # "Multivalued context keys examples": ForAllValues:StringNotLike aws:TagKeys "key1*"
    # (Deny): key1:legal -> no match; key2:audit -> match; no aws:TagKeys -> match.
    identity = [
        policy(allow()),
        *with_condition({"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}, "Deny"),
    ]
    assert allowed("iam:TagUser", "*", identity, context={"aws:TagKeys": ["key1:legal"]})
    assert allowed(
        "iam:TagUser", "*", identity, context={"aws:TagKeys": ["key1:hr", "key1:personnel"]}
    )
    assert not allowed("iam:TagUser", "*", identity, context={"aws:TagKeys": ["key2:audit"]})
    assert not allowed("iam:TagUser", "*", identity)


def test_for_all_values_is_a_subset_test() -> None:
    # "Single-valued vs. multivalued context keys" (ForAllValues): every request value must
    # match one of the policy's values.
    documents = with_condition(
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}
    )
    assert allowed("ec2:CreateTags", "*", documents, context={"aws:TagKeys": ["environment"]})
    assert not allowed(
        "ec2:CreateTags", "*", documents, context={"aws:TagKeys": ["environment", "owner"]}
    )


def test_for_any_value_and_absent_key() -> None:
    # "Single-valued vs. multivalued context keys" (ForAnyValue): at least one request value
    # matches; no context key -> false.
    documents = with_condition(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}
    )
    assert allowed(
        "ec2:CreateTags", "*", documents, context={"aws:TagKeys": ["owner", "environment"]}
    )
    assert not allowed("ec2:CreateTags", "*", documents, context={"aws:TagKeys": ["owner"]})
    assert not allowed("ec2:CreateTags", "*", documents)
    assert not allowed("ec2:CreateTags", "*", documents, context={"aws:TagKeys": []})


def test_condition_variable_with_absent_key_matches_nothing() -> None:
    # "Variables and tags": a variable that cannot be resolved does not match.
    documents = with_condition({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}})
    assert allowed(
        "s3:GetObject",
        "*",
        documents,
        context={"aws:PrincipalTag/owner": "David", "aws:username": "David"},
    )
    assert not allowed("s3:GetObject", "*", documents, context={"aws:PrincipalTag/owner": "David"})


# --- denial messages ------------------------------------------------------------------------


def test_denial_messages_use_aws_wording() -> None:
    # AWS's AccessDenied messages ("Troubleshoot access denied error messages").
    request = Request(ROLE, "s3:GetObject", "arn:aws:s3:::b/k")
    start = (
        f"User: {SESSION_ARN} is not authorized to perform: s3:GetObject "
        "on resource: arn:aws:s3:::b/k"
    )
    expected = {
        "no_identity_allow": " because no identity-based policy allows the s3:GetObject action",
        "explicit_deny_identity": " with an explicit deny in an identity-based policy",
        "explicit_deny_resource": " with an explicit deny in a resource-based policy",
        "no_resource_allow": " because no resource-based policy allows the s3:GetObject action",
    }
    for reason, ending in expected.items():
        assert Decision(False, reason).denial_message(request) == start + ending


def test_denial_message_names_the_service_principal() -> None:
    function = "arn:aws:lambda:us-east-1:123456789012:function:load"
    request = Request(EVENTS, "lambda:InvokeFunction", function)
    decision = evaluate(request, [], None)
    assert decision.denial_message(request) == (
        f"User: events.amazonaws.com is not authorized to perform: lambda:InvokeFunction on "
        f"resource: {function} because no resource-based policy allows the "
        "lambda:InvokeFunction action"
    )
