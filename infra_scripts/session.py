"""The only place that knows about endpoints: one boto3 Session per target."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import botocore.session
from botocore.config import Config

from infra_scripts.config import Settings

LOCAL_PROFILE = "retailkit-local"
# Dummy credentials for the local cloud; moto accepts any.
LOCAL_ACCESS_KEY = "testing"
LOCAL_SECRET_KEY = "testing"

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5)


def make_session(settings: Settings) -> boto3.Session:
    """Return the boto3 Session for ``settings.target``.

    ``local``: every client and awswrangler call goes to the local cloud, through the
    standard ``endpoint_url`` setting of a shared-config profile (the file twin of
    ``AWS_ENDPOINT_URL``) with dummy credentials.
    ``aws``: the normal credential chain; no endpoint is ever set.
    """
    if settings.target == "aws":
        return boto3.Session(region_name=settings.region)
    core = botocore.session.Session()
    core.set_config_variable("config_file", str(write_local_profile(settings)))
    core.set_config_variable("credentials_file", os.devnull)
    core.set_config_variable("profile", LOCAL_PROFILE)
    core.set_default_client_config(CLIENT_CONFIG)
    return boto3.Session(botocore_session=core)


def write_local_profile(settings: Settings) -> Path:
    """Write (if changed) the shared-config file whose profile points at the local cloud.

    It is a standard AWS config file, so the AWS CLI can use it too:
    ``AWS_CONFIG_FILE=.localcloud/aws-config aws --profile retailkit-local s3 ls``.
    """
    path = Path(settings.state_dir) / "aws-config"
    text = (
        f"[profile {LOCAL_PROFILE}]\n"
        f"region = {settings.region}\n"
        f"endpoint_url = {settings.local_endpoint}\n"
        f"aws_access_key_id = {LOCAL_ACCESS_KEY}\n"
        f"aws_secret_access_key = {LOCAL_SECRET_KEY}\n"
    )
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return path


def local_environment(settings: Settings) -> dict[str, str]:
    """Environment variables that point a child process (or awswrangler) at the local cloud."""
    return {
        "AWS_ENDPOINT_URL": settings.local_endpoint,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_REGION": settings.region,
    }
