"""Settings from defaults, environment and overrides; the Session for each target."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_scripts.config import Settings
from infra_scripts.exceptions import ConfigError
from infra_scripts.session import make_session


def test_defaults():
    settings = Settings.load(env={})
    assert (settings.target, settings.region, settings.local_port) == ("local", "us-east-1", 4566)
    assert settings.state_dir.name == ".localcloud"
    assert settings.local_endpoint == "http://127.0.0.1:4566"


def test_environment_then_overrides(tmp_path: Path):
    env = {
        "RETAIL_KIT_TARGET": "AWS",
        "RETAIL_KIT_REGION": "eu-west-1",
        "RETAIL_KIT_LOCAL_PORT": "4600",
        "RETAIL_KIT_STATE_DIR": str(tmp_path),
        "RETAIL_KIT_STACK_NAME": "shop-a",
    }
    settings = Settings.load(env=env)
    assert settings.target == "aws"
    assert settings.region == "eu-west-1"
    assert settings.local_port == 4600
    assert settings.state_dir == tmp_path.resolve()
    assert settings.stack_name == "shop-a"
    overridden = Settings.load(env=env, target="local", region=None)
    assert overridden.target == "local" and overridden.region == "eu-west-1"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target", "gcp", "target must be one of"),
        ("local_port", "http", "local_port must be an integer"),
        ("local_port", 70000, "local_port must be 1-65535"),
        ("stack_name", "Shop_A", "stack_name"),
        ("region", "mars", "does not look like an AWS region"),
        ("colour", "blue", "unknown setting"),
    ],
)
def test_bad_settings_are_clear_errors(field, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(env={}, **{field: value})


def test_local_session_points_every_client_at_the_local_cloud(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "someone-elses-profile")
    settings = Settings.load(env={}, local_port=4577, state_dir=tmp_path)
    session = make_session(settings)
    for service in ("s3", "glue", "stepfunctions", "redshift-data", "athena"):
        assert session.client(service).meta.endpoint_url == "http://127.0.0.1:4577"
    assert session.region_name == "us-east-1"
    assert session.get_credentials().access_key == "testing"
    config = (tmp_path / "aws-config").read_text()
    assert "endpoint_url = http://127.0.0.1:4577" in config


def test_awswrangler_uses_the_session_endpoint(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    from awswrangler import _utils

    session = make_session(Settings.load(env={}, local_port=4578, state_dir=tmp_path))
    assert _utils.client("glue", session).meta.endpoint_url == "http://127.0.0.1:4578"


def test_aws_session_never_sets_an_endpoint(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    session = make_session(Settings.load(env={}, target="aws", region="eu-central-1"))
    client = session.client("s3")
    assert client.meta.endpoint_url == "https://s3.eu-central-1.amazonaws.com"
    assert session.region_name == "eu-central-1"
