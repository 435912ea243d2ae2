"""S3 buckets: raw (versioned, EventBridge notifications), processed, quarantine, Athena
results and artifacts. Every bucket: public access blocked, default encryption, TLS only.
Lifecycle: incomplete uploads aborted after 7 days; raw old versions after 30 days; the
processed bucket's per-upload summaries after 30 days; Athena results after 7 days."""

from __future__ import annotations

import json
from typing import Any

from infra_scripts.provision.core import Resource, StackContext, absent_on, canonical
from pipeline_src import naming

PURPOSES = ("raw", "processed", "quarantine", "athena-results", "artifacts")
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _lifecycle(purpose: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [
        {
            "ID": "abort-incomplete-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        }
    ]
    if purpose == "raw":
        rules.append(
            {
                "ID": "expire-old-versions",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
            }
        )
    if purpose == "processed":
        rules.append(
            {
                "ID": "expire-upload-summaries",  # the mails have been sent by then
                "Status": "Enabled",
                "Filter": {"Prefix": naming.UPLOAD_SUMMARIES_PREFIX},
                "Expiration": {"Days": 30},
            }
        )
    if purpose == "athena-results":
        rules.append(
            {
                "ID": "expire-query-results",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": 7},
            }
        )
    return rules


def tls_only_policy(ctx: StackContext, bucket: str) -> dict[str, Any]:
    arn = f"arn:{ctx.partition}:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


class Bucket(Resource):
    kind = "s3 bucket"

    def __init__(self, ctx: StackContext, purpose: str) -> None:
        super().__init__(ctx, ctx.names.bucket(purpose))
        self.purpose = purpose
        self.s3 = ctx.client("s3")

    def desired(self) -> dict[str, Any]:
        want: dict[str, Any] = {
            "public_access_block": BLOCK_ALL,
            "encryption": "AES256",
            "policy": canonical(tls_only_policy(self.ctx, self.name)),
            "lifecycle": canonical(_lifecycle(self.purpose)),
            "tags": self.ctx.tags,
        }
        if self.purpose == "raw":
            want["versioning"] = "Enabled"
            want["eventbridge"] = True
        return want

    def current(self) -> dict[str, Any] | None:
        if absent_on(lambda: self.s3.head_bucket(Bucket=self.name), "404", "NoSuchBucket") is None:
            return None
        b = self.name
        pab = absent_on(
            lambda: self.s3.get_public_access_block(Bucket=b),
            "NoSuchPublicAccessBlockConfiguration",
        )
        enc = absent_on(
            lambda: self.s3.get_bucket_encryption(Bucket=b),
            "ServerSideEncryptionConfigurationNotFoundError",
        )
        policy = absent_on(lambda: self.s3.get_bucket_policy(Bucket=b), "NoSuchBucketPolicy")
        lifecycle = absent_on(
            lambda: self.s3.get_bucket_lifecycle_configuration(Bucket=b),
            "NoSuchLifecycleConfiguration",
        )
        tags = absent_on(lambda: self.s3.get_bucket_tagging(Bucket=b), "NoSuchTagSet")
        notifications = self.s3.get_bucket_notification_configuration(Bucket=b)
        return {
            "public_access_block": (pab or {}).get("PublicAccessBlockConfiguration"),
            "encryption": (
                enc["ServerSideEncryptionConfiguration"]["Rules"][0][
                    "ApplyServerSideEncryptionByDefault"
                ]["SSEAlgorithm"]
                if enc
                else None
            ),
            "policy": canonical(policy["Policy"]) if policy else None,
            "lifecycle": canonical(lifecycle["Rules"]) if lifecycle else None,
            "tags": {t["Key"]: t["Value"] for t in (tags or {}).get("TagSet", [])},
            "versioning": self.s3.get_bucket_versioning(Bucket=b).get("Status"),
            "eventbridge": "EventBridgeConfiguration" in notifications,
        }

    def create(self) -> None:
        params: dict[str, Any] = {"Bucket": self.name}
        if self.ctx.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.ctx.region}
        self.s3.create_bucket(**params)
        self.update(list(self.desired()))

    def update(self, drift: list[str]) -> None:
        b, want = self.name, self.desired()
        if "public_access_block" in drift:
            self.s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration=BLOCK_ALL)
        if "encryption" in drift:
            self.s3.put_bucket_encryption(
                Bucket=b,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        if "policy" in drift:
            self.s3.put_bucket_policy(Bucket=b, Policy=json.dumps(tls_only_policy(self.ctx, b)))
        if "lifecycle" in drift:
            self.s3.put_bucket_lifecycle_configuration(
                Bucket=b, LifecycleConfiguration={"Rules": _lifecycle(self.purpose)}
            )
        if "tags" in drift:
            tag_set = [{"Key": k, "Value": v} for k, v in want["tags"].items()]
            self.s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": tag_set})
        if "versioning" in drift:
            self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        if "eventbridge" in drift:
            self.s3.put_bucket_notification_configuration(
                Bucket=b, NotificationConfiguration={"EventBridgeConfiguration": {}}
            )

    def remove(self) -> bool:
        if self.current() is None:
            return False
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.name):
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(doomed), 1000):
                self.s3.delete_objects(
                    Bucket=self.name,
                    Delete={"Objects": doomed[start : start + 1000], "Quiet": True},
                )
        self.s3.delete_bucket(Bucket=self.name)
        return True

    def outputs(self) -> dict[str, str]:
        return {f"{self.purpose.replace('-', '_')}_bucket": self.name}
