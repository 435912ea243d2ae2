"""IAM: one role per component with its least-privilege inline policy."""

from __future__ import annotations

import json
from typing import Any

from infra_scripts.provision import policies
from infra_scripts.provision.core import Resource, StackContext, absent_on, canonical

POLICY_NAME = "least-privilege"
COMPONENTS = ("lambda", "glue", "states", "events", "redshift")


class Role(Resource):
    kind = "iam role"

    def __init__(self, ctx: StackContext, component: str) -> None:
        super().__init__(ctx, ctx.names.role(component))
        self.component = component
        self.iam = ctx.client("iam")

    def desired(self) -> dict[str, Any]:
        return {
            "trust": canonical(policies.trust_policy(self.component)),
            "policy": canonical(policies.role_policies(self.ctx)[self.component]),
            "tags": self.ctx.tags,
        }

    def current(self) -> dict[str, Any] | None:
        role = absent_on(lambda: self.iam.get_role(RoleName=self.name), "NoSuchEntity")
        if role is None:
            return None
        inline = absent_on(
            lambda: self.iam.get_role_policy(RoleName=self.name, PolicyName=POLICY_NAME),
            "NoSuchEntity",
        )
        return {
            "trust": canonical(role["Role"]["AssumeRolePolicyDocument"]),
            "policy": canonical(inline["PolicyDocument"]) if inline else None,
            "tags": {t["Key"]: t["Value"] for t in role["Role"].get("Tags", [])},
        }

    def create(self) -> None:
        self.iam.create_role(
            RoleName=self.name,
            AssumeRolePolicyDocument=json.dumps(policies.trust_policy(self.component)),
            Description=f"Retail Pipeline Kit {self.ctx.settings.stack_name}: {self.component}",
            Tags=[{"Key": k, "Value": v} for k, v in self.ctx.tags.items()],
        )
        self.update(["policy"])

    def update(self, drift: list[str]) -> None:
        if "trust" in drift:
            self.iam.update_assume_role_policy(
                RoleName=self.name,
                PolicyDocument=json.dumps(policies.trust_policy(self.component)),
            )
        if "policy" in drift:
            self.iam.put_role_policy(
                RoleName=self.name,
                PolicyName=POLICY_NAME,
                PolicyDocument=json.dumps(policies.role_policies(self.ctx)[self.component]),
            )
        if "tags" in drift:
            self.iam.tag_role(
                RoleName=self.name, Tags=[{"Key": k, "Value": v} for k, v in self.ctx.tags.items()]
            )

    def remove(self) -> bool:
        if absent_on(lambda: self.iam.get_role(RoleName=self.name), "NoSuchEntity") is None:
            return False
        for name in self.iam.list_role_policies(RoleName=self.name)["PolicyNames"]:
            self.iam.delete_role_policy(RoleName=self.name, PolicyName=name)
        for attached in self.iam.list_attached_role_policies(RoleName=self.name)[
            "AttachedPolicies"
        ]:
            self.iam.detach_role_policy(RoleName=self.name, PolicyArn=attached["PolicyArn"])
        self.iam.delete_role(RoleName=self.name)
        return True

    def outputs(self) -> dict[str, str]:
        return {f"{self.component}_role_arn": policies.role_arn(self.ctx, self.component)}
