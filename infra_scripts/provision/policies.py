"""Every IAM policy the kit creates, least privilege, scoped to the stack's ARNs.

No wildcard actions. The only ``"Resource": "*"`` statements are the APIs that AWS does
not let you scope (listed in :data:`RESOURCE_STAR_ACTIONS` with the reason).
"""

from __future__ import annotations

from typing import Any

from infra_scripts.provision.core import StackContext

# Actions AWS only authorises on "Resource": "*" — the documented exceptions.
RESOURCE_STAR_ACTIONS: dict[str, str] = {
    # Step Functions logging to CloudWatch Logs uses "vended logs" deliveries, which
    # have no resource ARN (AWS docs: "Logging using CloudWatch Logs", IAM policies).
    "logs:CreateLogDelivery": "Step Functions log delivery has no resource ARN",
    "logs:GetLogDelivery": "Step Functions log delivery has no resource ARN",
    "logs:UpdateLogDelivery": "Step Functions log delivery has no resource ARN",
    "logs:DeleteLogDelivery": "Step Functions log delivery has no resource ARN",
    "logs:ListLogDeliveries": "Step Functions log delivery has no resource ARN",
    "logs:PutResourcePolicy": "CloudWatch Logs resource policies are account-wide",
    "logs:DescribeResourcePolicies": "CloudWatch Logs resource policies are account-wide",
    "logs:DescribeLogGroups": "DescribeLogGroups cannot be scoped to a log group",
}

# Log groups whose names AWS fixes for every Glue Python-shell job of the account: they
# cannot carry the stack's name (the documented exception to stack-scoped resources).
GLUE_LOG_GROUPS = (
    "/aws-glue/python-jobs/output",
    "/aws-glue/python-jobs/error",
    "/aws-glue/python-jobs/logs-v2",
)

TRUSTED_SERVICES: dict[str, list[str]] = {
    "lambda": ["lambda.amazonaws.com"],
    "glue": ["glue.amazonaws.com"],
    "states": ["states.amazonaws.com"],
    "events": ["events.amazonaws.com"],
    "redshift": ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"],
}


def trust_policy(component: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": TRUSTED_SERVICES[component]},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def _statement(actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": sorted(actions), "Resource": sorted(resources)}


def _bucket(ctx: StackContext, purpose: str) -> str:
    return f"arn:{ctx.partition}:s3:::{ctx.names.bucket(purpose)}"


def _objects(ctx: StackContext, purpose: str) -> str:
    return _bucket(ctx, purpose) + "/*"


def _catalog(ctx: StackContext) -> list[str]:
    names = ctx.names
    db = names.database
    return [
        ctx.arn("glue", "catalog"),
        ctx.arn("glue", f"database/{db}"),
        *(ctx.arn("glue", f"table/{db}/{t}") for t in (names.table, names.loads_table)),
    ]


def _log_group(ctx: StackContext, name: str) -> str:
    return ctx.arn("logs", f"log-group:{name}:*")


def function_arn(ctx: StackContext) -> str:
    return ctx.arn("lambda", f"function:{ctx.names.function}")


def job_arn(ctx: StackContext) -> str:
    return ctx.arn("glue", f"job/{ctx.names.job}")


def topic_arn(ctx: StackContext) -> str:
    return ctx.arn("sns", ctx.names.topic)


def state_machine_arn(ctx: StackContext) -> str:
    return ctx.arn("states", f"stateMachine:{ctx.names.state_machine}")


def role_arn(ctx: StackContext, component: str) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account}:role/{ctx.names.role(component)}"


def lambda_log_groups(ctx: StackContext) -> list[str]:
    return [f"/aws/lambda/{ctx.names.function}", f"/aws/lambda/{ctx.names.notify_function}"]


def notify_function_arn(ctx: StackContext) -> str:
    return ctx.arn("lambda", f"function:{ctx.names.notify_function}")


def states_log_group(ctx: StackContext) -> str:
    return f"/aws/vendedlogs/states/{ctx.names.state_machine}"


def role_policies(ctx: StackContext) -> dict[str, dict[str, Any]]:
    """The inline policy of each component's role."""
    glue_logs = [_log_group(ctx, name) for name in GLUE_LOG_GROUPS]
    docs = {
        "lambda": [
            _statement(["s3:GetObject", "s3:GetObjectVersion"], [_objects(ctx, "raw")]),
            _statement(["s3:GetObject"], [_objects(ctx, "processed")]),  # summaries for mails
            _statement(["sns:Publish"], [topic_arn(ctx)]),
            _statement(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [_log_group(ctx, group) for group in lambda_log_groups(ctx)],
            ),
        ],
        "glue": [
            _statement(["s3:GetObject", "s3:GetObjectVersion"], [_objects(ctx, "raw")]),
            _statement(["s3:GetObject"], [_objects(ctx, "artifacts")]),
            _statement(
                ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [_objects(ctx, "processed")]
            ),
            _statement(["s3:ListBucket"], [_bucket(ctx, "processed"), _bucket(ctx, "raw")]),
            _statement(
                [
                    "glue:GetDatabase",
                    "glue:GetTable",
                    "glue:CreateTable",
                    "glue:UpdateTable",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:CreatePartition",
                    "glue:BatchCreatePartition",
                    "glue:UpdatePartition",
                ],
                _catalog(ctx),
            ),
            _statement(
                ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], glue_logs
            ),
        ],
        "states": [
            _statement(
                ["lambda:InvokeFunction"],
                [
                    arn + suffix
                    for arn in (function_arn(ctx), notify_function_arn(ctx))
                    for suffix in ("", ":*")
                ],
            ),
            _statement(
                ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
                [job_arn(ctx)],
            ),
            _statement(["sns:Publish"], [topic_arn(ctx)]),
            _statement(
                [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:GetObjectTagging",
                    "s3:GetObjectVersionTagging",
                ],
                [_objects(ctx, "raw")],
            ),
            _statement(["s3:GetObject"], [_objects(ctx, "processed")]),
            _statement(["s3:PutObject", "s3:PutObjectTagging"], [_objects(ctx, "quarantine")]),
            _statement(sorted(RESOURCE_STAR_ACTIONS), ["*"]),
        ],
        "events": [_statement(["states:StartExecution"], [state_machine_arn(ctx)])],
        "redshift": [
            _statement(["s3:GetObject"], [_objects(ctx, "processed")]),
            _statement(["s3:ListBucket", "s3:GetBucketLocation"], [_bucket(ctx, "processed")]),
            _statement(
                [
                    "glue:GetDatabase",
                    "glue:GetDatabases",
                    "glue:GetTable",
                    "glue:GetTables",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                ],
                _catalog(ctx),
            ),
        ],
    }
    return {
        component: {"Version": "2012-10-17", "Statement": statements}
        for component, statements in docs.items()
    }


def sns_topic_policy(ctx: StackContext) -> dict[str, Any]:
    """Only this account, and CloudWatch alarms of this account, may publish."""
    arn = topic_arn(ctx)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnerPublishes",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{ctx.partition}:iam::{ctx.account}:root"},
                "Action": ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
                "Resource": arn,
            },
            {
                "Sid": "AlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account}},
            },
        ],
    }
