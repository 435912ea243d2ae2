"""SNS: the encrypted notifications topic, its policy, and the owner's e-mail subscription.

On AWS the subscriber must confirm the e-mail AWS sends before any mail arrives; the
local cloud needs no confirmation.
"""

from __future__ import annotations

import json
from typing import Any

from infra_scripts.provision import policies
from infra_scripts.provision.core import Resource, StackContext, canonical

SNS_KMS_KEY = "alias/aws/sns"


class Topic(Resource):
    kind = "sns topic"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, ctx.names.topic)
        self.sns = ctx.client("sns")
        self.arn = policies.topic_arn(ctx)

    def desired(self) -> dict[str, Any]:
        return {
            "kms_key": SNS_KMS_KEY,
            "policy": canonical(policies.sns_topic_policy(self.ctx)),
            "email": self.ctx.settings.email,
            "tags": self.ctx.tags,
        }

    def _subscriptions(self) -> list[dict[str, Any]]:
        pages = self.sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=self.arn)
        return [s for page in pages for s in page["Subscriptions"] if s["Protocol"] == "email"]

    def current(self) -> dict[str, Any] | None:
        topics = [
            t["TopicArn"]
            for page in self.sns.get_paginator("list_topics").paginate()
            for t in page["Topics"]
        ]
        if self.arn not in topics:
            return None
        attrs = self.sns.get_topic_attributes(TopicArn=self.arn)["Attributes"]
        emails = sorted(s["Endpoint"] for s in self._subscriptions())
        tags = self.sns.list_tags_for_resource(ResourceArn=self.arn)["Tags"]
        return {
            "kms_key": attrs.get("KmsMasterKeyId"),
            "policy": canonical(attrs.get("Policy", "{}")),
            "email": emails[0] if len(emails) == 1 else emails,
            "tags": {t["Key"]: t["Value"] for t in tags},
        }

    def create(self) -> None:
        self.sns.create_topic(
            Name=self.name,
            Attributes={"KmsMasterKeyId": SNS_KMS_KEY},
            Tags=[{"Key": k, "Value": v} for k, v in self.ctx.tags.items()],
        )
        self.update(["policy", "email"])

    def update(self, drift: list[str]) -> None:
        if "kms_key" in drift:
            self.sns.set_topic_attributes(
                TopicArn=self.arn, AttributeName="KmsMasterKeyId", AttributeValue=SNS_KMS_KEY
            )
        if "policy" in drift:
            self.sns.set_topic_attributes(
                TopicArn=self.arn,
                AttributeName="Policy",
                AttributeValue=json.dumps(policies.sns_topic_policy(self.ctx)),
            )
        if "email" in drift:
            for sub in self._subscriptions():
                if sub["Endpoint"] != self.ctx.settings.email and sub["SubscriptionArn"].startswith(
                    "arn:"
                ):
                    self.sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
            self.sns.subscribe(
                TopicArn=self.arn, Protocol="email", Endpoint=self.ctx.settings.email
            )
        if "tags" in drift:
            self.sns.tag_resource(
                ResourceArn=self.arn,
                Tags=[{"Key": k, "Value": v} for k, v in self.ctx.tags.items()],
            )

    def remove(self) -> bool:
        if self.current() is None:
            return False
        for sub in self._subscriptions():
            if sub["SubscriptionArn"].startswith("arn:"):  # not "PendingConfirmation"
                self.sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
        self.sns.delete_topic(TopicArn=self.arn)
        return True

    def outputs(self) -> dict[str, str]:
        return {"topic_arn": self.arn, "notification_email": self.ctx.settings.email}
