"""What a stack owns, as tables: deploy changes, tagged resources, and what is left after destroy.

``leftovers`` does not trust the provisioning code: it lists each service and looks for the
stack's exact resource names, so a resource that ``destroy`` forgot still shows up.
Every table is shown whole (:class:`~infra_scripts.ops.tables.WholeFrame`): no name or ARN
ends in ``…``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import boto3
import pandas as pd

from infra_scripts.config import Settings
from infra_scripts.ops.tables import WholeFrame
from infra_scripts.provision import require_stack
from infra_scripts.provision.core import STACK_TAG, Change, StackContext, StackNames
from infra_scripts.provision.iam import COMPONENTS
from infra_scripts.provision.s3 import PURPOSES

Lister = Callable[[boto3.Session, StackNames], list[tuple[str, str]]]


def stack_outputs(settings: Settings, session: boto3.Session) -> dict[str, str]:
    """The outputs the stack's last deploy saved, once its key resources are checked to exist;
    :class:`~infra_scripts.exceptions.StackMissingError` (one clear line) when never deployed
    or gone since (the notebooks' first cell that needs the stack)."""
    return require_stack(settings, session)


def changes_table(changes: Iterable[Change]) -> pd.DataFrame:
    """One row per resource: kind, name and what deploy/plan did or would do."""
    rows = [{"kind": c.kind, "name": c.name, "action": c.action} for c in changes]
    return WholeFrame(rows, columns=["kind", "name", "action"])


def outputs_table(outputs: dict[str, str]) -> WholeFrame:
    """A deploy's outputs (names, ARNs, locations the other notebooks use), one per row."""
    return WholeFrame({"value": pd.Series(outputs, dtype=object)})


def tagged_resources(session: boto3.Session, stack: str) -> pd.DataFrame:
    """Resources the Resource Groups Tagging API finds with the stack's tag."""
    tagging = session.client("resourcegroupstaggingapi")
    arns = [
        item["ResourceARN"]
        for page in tagging.get_paginator("get_resources").paginate(
            TagFilters=[{"Key": STACK_TAG, "Values": [stack]}]
        )
        for item in page["ResourceTagMappingList"]
    ]
    rows = [{"service": arn.split(":")[2], "arn": arn} for arn in sorted(arns)]
    return WholeFrame(rows, columns=["service", "arn"])


def _pages(client: object, operation: str, key: str, **kwargs: object) -> list[dict]:
    paginator = client.get_paginator(operation)  # type: ignore[attr-defined]
    return [item for page in paginator.paginate(**kwargs) for item in page.get(key, [])]


def _s3(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    wanted = {names.bucket(p) for p in PURPOSES}
    found = [b["Name"] for b in session.client("s3").list_buckets().get("Buckets", [])]
    return [("s3 bucket", n) for n in found if n in wanted]


def _iam(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    wanted = {names.role(c) for c in COMPONENTS}
    roles = _pages(session.client("iam"), "list_roles", "Roles")
    return [("iam role", r["RoleName"]) for r in roles if r["RoleName"] in wanted]


def _lambda(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    wanted = {names.function, names.notify_function}
    functions = _pages(session.client("lambda"), "list_functions", "Functions")
    return [
        ("lambda function", f["FunctionName"]) for f in functions if f["FunctionName"] in wanted
    ]


def _states(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    machines = _pages(session.client("stepfunctions"), "list_state_machines", "stateMachines")
    return [("state machine", m["name"]) for m in machines if m["name"] == names.state_machine]


def _glue(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    glue = session.client("glue")
    databases = [d["Name"] for d in _pages(glue, "get_databases", "DatabaseList")]
    jobs = [j["Name"] for j in _pages(glue, "get_jobs", "Jobs")]
    return [("glue database", n) for n in databases if n == names.database] + [
        ("glue job", n) for n in jobs if n == names.job
    ]


def _events(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    rules = session.client("events").list_rules(NamePrefix=names.rule).get("Rules", [])
    return [("eventbridge rule", r["Name"]) for r in rules if r["Name"] == names.rule]


def _sns(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    topics = _pages(session.client("sns"), "list_topics", "Topics")
    return [
        ("sns topic", t["TopicArn"]) for t in topics if t["TopicArn"].endswith(f":{names.topic}")
    ]


def _logs(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    wanted = {
        f"/aws/lambda/{names.function}",
        f"/aws/lambda/{names.notify_function}",
        f"/aws/vendedlogs/states/{names.state_machine}",
    }
    logs = session.client("logs")
    found = []
    for group in sorted(wanted):
        listed = logs.describe_log_groups(logGroupNamePrefix=group).get("logGroups", [])
        found += [g["logGroupName"] for g in listed if g["logGroupName"] == group]
    return [("log group", g) for g in found]


def _analytics(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    groups = session.client("athena").list_work_groups().get("WorkGroups", [])
    serverless = session.client("redshift-serverless")
    namespaces = _pages(serverless, "list_namespaces", "namespaces")
    workgroups = _pages(serverless, "list_workgroups", "workgroups")
    return (
        [("athena workgroup", g["Name"]) for g in groups if g["Name"] == names.workgroup]
        + [
            ("redshift namespace", n["namespaceName"])
            for n in namespaces
            if n["namespaceName"] == names.redshift_namespace
        ]
        + [
            ("redshift workgroup", w["workgroupName"])
            for w in workgroups
            if w["workgroupName"] == names.redshift_workgroup
        ]
    )


def _cloudwatch(session: boto3.Session, names: StackNames) -> list[tuple[str, str]]:
    cw = session.client("cloudwatch")
    alarms = cw.describe_alarms(AlarmNamePrefix=names.alarm).get("MetricAlarms", [])
    boards = cw.list_dashboards(DashboardNamePrefix=names.dashboard).get("DashboardEntries", [])
    return [("alarm", a["AlarmName"]) for a in alarms if a["AlarmName"] == names.alarm] + [
        ("dashboard", d["DashboardName"]) for d in boards if d["DashboardName"] == names.dashboard
    ]


LISTERS: tuple[Lister, ...] = (
    _s3,
    _iam,
    _lambda,
    _states,
    _glue,
    _events,
    _sns,
    _logs,
    _analytics,
    _cloudwatch,
)


def leftovers(settings: Settings, session: boto3.Session) -> pd.DataFrame:
    """Resources of the stack that the services still list (empty after a clean destroy)."""
    names = StackContext.create(settings, session).names
    rows = [
        {"kind": kind, "name": name} for lister in LISTERS for kind, name in lister(session, names)
    ]
    return WholeFrame(rows, columns=["kind", "name"])
