"""CloudWatch: log groups with retention, the failed-executions alarm, the dashboard."""

from __future__ import annotations

import json
from typing import Any

from infra_scripts.provision import policies
from infra_scripts.provision.core import Resource, StackContext, absent_on, canonical


class LogGroup(Resource):
    kind = "log group"

    def __init__(self, ctx: StackContext, name: str) -> None:
        super().__init__(ctx, name)
        self.logs = ctx.client("logs")

    def desired(self) -> dict[str, Any]:
        return {"retention_days": self.ctx.settings.log_retention_days, "tags": self.ctx.tags}

    def current(self) -> dict[str, Any] | None:
        groups = self.logs.describe_log_groups(logGroupNamePrefix=self.name)["logGroups"]
        group = next((g for g in groups if g["logGroupName"] == self.name), None)
        if group is None:
            return None
        tags = self.logs.list_tags_log_group(logGroupName=self.name).get("tags", {})
        return {"retention_days": group.get("retentionInDays"), "tags": tags}

    def create(self) -> None:
        self.logs.create_log_group(logGroupName=self.name, tags=self.ctx.tags)
        self.update(["retention_days"])

    def update(self, drift: list[str]) -> None:
        if "retention_days" in drift:
            self.logs.put_retention_policy(
                logGroupName=self.name, retentionInDays=self.ctx.settings.log_retention_days
            )
        if "tags" in drift:
            self.logs.tag_log_group(logGroupName=self.name, tags=self.ctx.tags)

    def remove(self) -> bool:
        gone = absent_on(
            lambda: self.logs.delete_log_group(logGroupName=self.name),
            "ResourceNotFoundException",
        )
        return gone is not None


class FailedExecutionsAlarm(Resource):
    """Alarm → SNS when an execution of the pipeline fails."""

    kind = "cloudwatch alarm"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.alarm)
        self.cw = ctx.client("cloudwatch")

    def _definition(self) -> dict[str, Any]:
        return {
            "AlarmName": self.name,
            "AlarmDescription": "A sales file failed in the pipeline (see the failure e-mail)",
            "Namespace": "AWS/States",
            "MetricName": "ExecutionsFailed",
            "Dimensions": [
                {"Name": "StateMachineArn", "Value": policies.state_machine_arn(self.ctx)}
            ],
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [policies.topic_arn(self.ctx)],
        }

    def desired(self) -> dict[str, Any]:
        return {"definition": canonical(self._definition())}

    def current(self) -> dict[str, Any] | None:
        alarms = self.cw.describe_alarms(AlarmNames=[self.name])["MetricAlarms"]
        if not alarms:
            return None
        live = {key: alarms[0].get(key) for key in self._definition()}
        return {"definition": canonical(live)}

    def create(self) -> None:
        self.cw.put_metric_alarm(
            **self._definition(), Tags=[{"Key": k, "Value": v} for k, v in self.ctx.tags.items()]
        )

    def update(self, drift: list[str]) -> None:
        self.create()

    def remove(self) -> bool:
        if self.current() is None:
            return False
        self.cw.delete_alarms(AlarmNames=[self.name])
        return True


class Dashboard(Resource):
    """The pipeline's key metrics on one page."""

    kind = "cloudwatch dashboard"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.dashboard)
        self.cw = ctx.client("cloudwatch")

    def _body(self) -> dict[str, Any]:
        region, sm = self.ctx.region, policies.state_machine_arn(self.ctx)
        names = self.ctx.names

        def metric(title: str, metrics: list[list[Any]], x: int, y: int) -> dict[str, Any]:
            return {
                "type": "metric",
                "x": x,
                "y": y,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "region": region,
                    "stat": "Sum",
                    "period": 300,
                    "metrics": metrics,
                },
            }

        return {
            "widgets": [
                metric(
                    "Pipeline executions",
                    [
                        ["AWS/States", "ExecutionsSucceeded", "StateMachineArn", sm],
                        ["AWS/States", "ExecutionsFailed", "StateMachineArn", sm],
                    ],
                    0,
                    0,
                ),
                metric(
                    "Validation Lambda",
                    [
                        ["AWS/Lambda", "Invocations", "FunctionName", names.function],
                        ["AWS/Lambda", "Errors", "FunctionName", names.function],
                    ],
                    12,
                    0,
                ),
                metric(
                    "Athena data scanned (bytes)",
                    [["AWS/Athena", "ProcessedBytes", "WorkGroup", names.workgroup]],
                    0,
                    6,
                ),
                metric(
                    "Raw uploads",
                    [["AWS/S3", "NumberOfObjects", "BucketName", names.bucket("raw")]],
                    12,
                    6,
                ),
            ]
        }

    def desired(self) -> dict[str, Any]:
        return {"body": canonical(self._body())}

    def current(self) -> dict[str, Any] | None:
        found = absent_on(
            lambda: self.cw.get_dashboard(DashboardName=self.name), "ResourceNotFound"
        )
        return {"body": canonical(found["DashboardBody"])} if found else None

    def create(self) -> None:
        self.cw.put_dashboard(DashboardName=self.name, DashboardBody=json.dumps(self._body()))

    def update(self, drift: list[str]) -> None:
        self.create()

    def remove(self) -> bool:
        if self.current() is None:
            return False
        self.cw.delete_dashboards(DashboardNames=[self.name])
        return True
