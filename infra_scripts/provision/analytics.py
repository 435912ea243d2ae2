"""Athena workgroup (+ named queries) and Redshift Serverless (namespace, workgroup, limit)."""

from __future__ import annotations

import time
from typing import Any

from infra_scripts.exceptions import WaitTimeoutError
from infra_scripts.provision import policies
from infra_scripts.provision.core import Resource, StackContext, absent_on
from pipeline_src.sql import queries

REDSHIFT_DEADLINE_S = 900.0  # a new Redshift Serverless workgroup takes minutes on AWS


def _tag_list(ctx: StackContext, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in ctx.tags.items()]


class AthenaWorkGroup(Resource):
    """Enforced result location in the results bucket and a bytes-scanned cutoff per query."""

    kind = "athena workgroup"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.workgroup)
        self.athena = ctx.client("athena")

    def desired(self) -> dict[str, Any]:
        return {
            "output_location": f"s3://{self.ctx.names.bucket('athena-results')}/",
            "enforced": True,
            "cutoff_bytes": self.ctx.settings.athena_scan_limit_mb * 1024 * 1024,
            "named_queries": sorted(self._named_queries()),
        }

    def _named_queries(self) -> dict[str, str]:
        """The business's Athena queries (generic and its own), as ``pipeline_src.sql`` has them."""
        return queries("athena", self.ctx.contract)

    def _live_named_queries(self) -> dict[str, str]:
        ids = self.athena.list_named_queries(WorkGroup=self.name).get("NamedQueryIds", [])
        if not ids:
            return {}
        found = [self.athena.get_named_query(NamedQueryId=i)["NamedQuery"] for i in ids]
        return {q["Name"]: q["NamedQueryId"] for q in found}

    def current(self) -> dict[str, Any] | None:
        found = absent_on(
            lambda: self.athena.get_work_group(WorkGroup=self.name), "InvalidRequestException"
        )
        if found is None:
            return None
        config = found["WorkGroup"].get("Configuration", {})
        return {
            "output_location": config.get("ResultConfiguration", {}).get("OutputLocation"),
            "enforced": config.get("EnforceWorkGroupConfiguration"),
            "cutoff_bytes": config.get("BytesScannedCutoffPerQuery"),
            "named_queries": sorted(self._live_named_queries()),
        }

    def _configuration(self) -> dict[str, Any]:
        want = self.desired()
        return {
            "ResultConfiguration": {"OutputLocation": want["output_location"]},
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "BytesScannedCutoffPerQuery": want["cutoff_bytes"],
        }

    def create(self) -> None:
        self.athena.create_work_group(
            Name=self.name,
            Configuration=self._configuration(),
            Description=f"Retail Pipeline Kit {self.ctx.settings.stack_name}",
            Tags=_tag_list(self.ctx),
        )
        self.update(["named_queries"])

    def update(self, drift: list[str]) -> None:
        if {"output_location", "enforced", "cutoff_bytes"} & set(drift):
            config = self._configuration()
            self.athena.update_work_group(
                WorkGroup=self.name,
                ConfigurationUpdates={
                    "ResultConfigurationUpdates": config["ResultConfiguration"],
                    "EnforceWorkGroupConfiguration": True,
                    "BytesScannedCutoffPerQuery": config["BytesScannedCutoffPerQuery"],
                },
            )
        if "named_queries" in drift:
            live = self._live_named_queries()
            for name, sql in self._named_queries().items():
                if name in live:
                    self.athena.delete_named_query(NamedQueryId=live[name])
                self.athena.create_named_query(
                    Name=name,
                    Database=self.ctx.names.database,
                    QueryString=sql,
                    WorkGroup=self.name,
                )

    def remove(self) -> bool:
        if self.current() is None:
            return False
        self.athena.delete_work_group(WorkGroup=self.name, RecursiveDeleteOption=True)
        return True

    def outputs(self) -> dict[str, str]:
        return {"athena_workgroup": self.name, "glue_database": self.ctx.names.database}


def _wait_available(read: Any, what: str) -> None:
    deadline = time.monotonic() + REDSHIFT_DEADLINE_S
    while True:
        status = read()
        if status == "AVAILABLE":
            return
        if time.monotonic() > deadline:
            raise WaitTimeoutError(f"{what} still {status} after {REDSHIFT_DEADLINE_S:.0f}s")
        time.sleep(10)


class RedshiftNamespace(Resource):
    """Admin password managed by AWS Secrets Manager (never printed); the Spectrum/COPY role."""

    kind = "redshift namespace"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.redshift_namespace)
        self.rs = ctx.client("redshift-serverless")

    def desired(self) -> dict[str, Any]:
        return {"default_role": policies.role_arn(self.ctx, "redshift"), "db_name": "dev"}

    def current(self) -> dict[str, Any] | None:
        found = absent_on(
            lambda: self.rs.get_namespace(namespaceName=self.name), "ResourceNotFoundException"
        )
        if found is None:
            return None
        ns = found["namespace"]
        return {"default_role": ns.get("defaultIamRoleArn"), "db_name": ns.get("dbName")}

    def create(self) -> None:
        role = policies.role_arn(self.ctx, "redshift")
        self.rs.create_namespace(
            namespaceName=self.name,
            adminUsername="kitadmin",
            manageAdminPassword=True,
            dbName="dev",
            iamRoles=[role],
            defaultIamRoleArn=role,
            tags=_tag_list(self.ctx, "key", "value"),
        )

    def update(self, drift: list[str]) -> None:
        role = policies.role_arn(self.ctx, "redshift")
        self.rs.update_namespace(namespaceName=self.name, iamRoles=[role], defaultIamRoleArn=role)

    def remove(self) -> bool:
        gone = absent_on(
            lambda: self.rs.delete_namespace(namespaceName=self.name), "ResourceNotFoundException"
        )
        return gone is not None


class RedshiftWorkgroup(Resource):
    """Small base capacity, not publicly accessible, with a daily RPU-hours usage limit."""

    kind = "redshift workgroup"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.redshift_workgroup)
        self.rs = ctx.client("redshift-serverless")

    def desired(self) -> dict[str, Any]:
        return {
            "base_capacity": self.ctx.settings.redshift_base_rpu,
            "usage_limit_rpu_hours": self.ctx.settings.redshift_max_rpu_hours_per_day,
        }

    def _limit(self, arn: str) -> dict[str, Any] | None:
        limits = self.rs.list_usage_limits(resourceArn=arn, usageType="serverless-compute")
        return next(iter(limits.get("usageLimits", [])), None)

    def current(self) -> dict[str, Any] | None:
        found = absent_on(
            lambda: self.rs.get_workgroup(workgroupName=self.name), "ResourceNotFoundException"
        )
        if found is None:
            return None
        wg = found["workgroup"]
        limit = self._limit(wg["workgroupArn"])
        return {
            "base_capacity": wg.get("baseCapacity"),
            "usage_limit_rpu_hours": limit["amount"] if limit else None,
        }

    def _status(self) -> str:
        return self.rs.get_workgroup(workgroupName=self.name)["workgroup"]["status"]

    def create(self) -> None:
        self.rs.create_workgroup(
            workgroupName=self.name,
            namespaceName=self.ctx.names.redshift_namespace,
            baseCapacity=self.ctx.settings.redshift_base_rpu,
            publiclyAccessible=False,
            tags=_tag_list(self.ctx, "key", "value"),
        )
        _wait_available(self._status, f"Redshift workgroup {self.name}")
        self.update(["usage_limit_rpu_hours"])

    def update(self, drift: list[str]) -> None:
        wg = self.rs.get_workgroup(workgroupName=self.name)["workgroup"]
        if "base_capacity" in drift:
            self.rs.update_workgroup(
                workgroupName=self.name, baseCapacity=self.ctx.settings.redshift_base_rpu
            )
            _wait_available(self._status, f"Redshift workgroup {self.name}")
        if "usage_limit_rpu_hours" in drift:
            amount = self.ctx.settings.redshift_max_rpu_hours_per_day
            limit = self._limit(wg["workgroupArn"])
            if limit:
                self.rs.update_usage_limit(usageLimitId=limit["usageLimitId"], amount=amount)
            else:
                self.rs.create_usage_limit(
                    resourceArn=wg["workgroupArn"],
                    usageType="serverless-compute",
                    amount=amount,
                    period="daily",
                    breachAction="deactivate",
                )

    def remove(self) -> bool:
        gone = absent_on(
            lambda: self.rs.delete_workgroup(workgroupName=self.name), "ResourceNotFoundException"
        )
        if gone is None:
            return False
        deadline = time.monotonic() + REDSHIFT_DEADLINE_S
        while absent_on(
            lambda: self.rs.get_workgroup(workgroupName=self.name), "ResourceNotFoundException"
        ):
            if time.monotonic() > deadline:
                raise WaitTimeoutError(f"Redshift workgroup {self.name} still deleting")
            time.sleep(10)
        return True

    def outputs(self) -> dict[str, str]:
        return {"redshift_workgroup": self.name, "redshift_database": "dev"}
