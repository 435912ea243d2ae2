"""The local target ignores the shell's AWS settings; the AWS target keeps the standard chain.

Every test runs in a hostile environment: an operator's shell set up for a real account
(profile, keys, region, endpoint overrides, proxy). No request leaves the process: each one
is caught, fully signed, just before it would be sent.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import botocore.session
import pytest
from botocore import configprovider
from botocore.exceptions import ProfileNotFound

from infra_scripts.config import Settings
from infra_scripts.session import (
    LOCAL_ACCESS_KEY,
    LOCAL_PROFILE,
    LocalBotocoreSession,
    environment_free_config_store,
    local_process_environment,
    make_session,
)

PORT = 4581
LOCAL = f"http://127.0.0.1:{PORT}"
STRAY_ENDPOINT = "http://127.0.0.1:9"
STRAY_KEY = "AKIA" + "STRAYSTRAYSTRAY1"
STRAY_REGION = "eu-west-3"

# One cheap read-only operation per service, each with a different protocol among them.
OPERATIONS = {
    "s3": ("list_buckets", {}),
    "athena": ("list_work_groups", {}),
    "glue": ("get_databases", {}),
    "stepfunctions": ("list_state_machines", {}),
    "cloudwatch": ("list_metrics", {}),
    "sts": ("get_caller_identity", {}),
    "lambda": ("list_functions", {}),
    "logs": ("describe_log_groups", {}),
    "events": ("list_rules", {}),
    "sns": ("list_topics", {}),
    "iam": ("list_roles", {}),
    "redshift-data": ("list_statements", {}),
    "redshift-serverless": ("list_workgroups", {}),
}


def _hostile_config(path: Path) -> Path:
    """A shared config whose default profile sends everything elsewhere."""
    path.write_text(
        "[default]\n"
        f"region = {STRAY_REGION}\n"
        f"endpoint_url = {STRAY_ENDPOINT}\n"
        "services = stray\n"
        "s3 =\n    addressing_style = virtual\n"
        "[services stray]\n"
        f"s3 =\n    endpoint_url = {STRAY_ENDPOINT}\n"
        "[profile missing-not]\n"
        "region = ap-south-1\n"
    )
    return path


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The operator's environment: every variable botocore would act on, pointing away."""
    env = {
        "AWS_ENDPOINT_URL": STRAY_ENDPOINT,
        "AWS_ENDPOINT_URL_S3": STRAY_ENDPOINT,
        "AWS_ENDPOINT_URL_ATHENA": STRAY_ENDPOINT,
        "AWS_ENDPOINT_URL_STS": STRAY_ENDPOINT,
        "AWS_ENDPOINT_URL_SFN": STRAY_ENDPOINT,
        "AWS_PROFILE": "missing",
        "AWS_DEFAULT_PROFILE": "missing",
        "AWS_CONFIG_FILE": str(_hostile_config(tmp_path / "config")),
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
        "AWS_ACCESS_KEY_ID": STRAY_KEY,
        "AWS_SECRET_ACCESS_KEY": "stray-secret",
        "AWS_SESSION_TOKEN": "stray-token",
        "AWS_DEFAULT_REGION": STRAY_REGION,
        "AWS_REGION": STRAY_REGION,
        "AWS_USE_DUALSTACK_ENDPOINT": "true",
        "AWS_USE_FIPS_ENDPOINT": "true",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        "AWS_DEFAULTS_MODE": "not-a-mode",
        "AWS_CA_BUNDLE": "/nonexistent/ca.pem",
        "AWS_DATA_PATH": "/nonexistent/data",
        "AWS_STS_REGIONAL_ENDPOINTS": "not-a-value",
        "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": "not-a-value",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_CSM_ENABLED": "true",
        "HTTPS_PROXY": STRAY_ENDPOINT,
        "HTTP_PROXY": STRAY_ENDPOINT,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    return env


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return Settings.load(env={}, local_port=PORT, state_dir=tmp_path / "state")


class _Sent(Exception):
    def __init__(self, request: Any) -> None:
        self.request = request


def sent_request(client: Any, operation: str, **params: Any) -> Any:
    """The signed request ``client.<operation>(**params)`` would send (nothing is sent)."""

    def capture(request: Any, **_: Any) -> None:
        raise _Sent(request)

    client.meta.events.register_first("before-send", capture)
    try:
        getattr(client, operation)(**params)
    except _Sent as sent:
        return sent.request
    raise AssertionError(f"{operation} sent nothing")


def assert_local(request: Any, region: str = "us-east-1") -> None:
    assert request.url.startswith(LOCAL + "/"), request.url
    authorization = request.headers["Authorization"].decode()
    assert f"Credential={LOCAL_ACCESS_KEY}/" in authorization, authorization
    assert f"/{region}/" in authorization, authorization
    assert "X-Amz-Security-Token" not in request.headers  # the stray session token


# --- target=local -------------------------------------------------------------------------
@pytest.mark.parametrize("service", sorted(OPERATIONS))
def test_local_clients_ignore_the_shells_aws_settings(hostile, local_settings, service):
    session = make_session(local_settings)
    client = session.client(service)
    assert client.meta.endpoint_url == LOCAL
    assert client.meta.region_name == "us-east-1"
    assert client.meta.config.proxies == {}  # never through HTTPS_PROXY
    operation, params = OPERATIONS[service]
    assert_local(sent_request(client, operation, **params))


def test_local_session_reads_only_its_own_settings(hostile, local_settings):
    session = make_session(local_settings)
    assert session.region_name == "us-east-1"
    assert session.profile_name == LOCAL_PROFILE
    credentials = session.get_credentials()
    assert (credentials.access_key, credentials.token) == (LOCAL_ACCESS_KEY, None)
    assert credentials.method == "explicit"
    core = session._session  # what botocore resolves for this session
    assert core.get_config_variable("config_file") == str(local_settings.state_dir / "aws-config")
    assert core.get_config_variable("use_dualstack_endpoint") is None
    assert core.get_config_variable("use_fips_endpoint") is None
    assert core.get_config_variable("ca_bundle") is None
    assert core.get_config_variable("defaults_mode") == "legacy"
    assert core.get_config_variable("data_path") is None
    assert not core.get_config_variable("s3")  # no AWS_S3_* and no ~/.aws/config s3 section


def test_the_settings_region_reaches_the_local_clients(hostile, tmp_path):
    settings = Settings.load(env={}, local_port=PORT, state_dir=tmp_path, region="eu-north-1")
    session = make_session(settings)
    assert session.region_name == "eu-north-1"
    assert_local(sent_request(session.client("s3"), "list_buckets"), region="eu-north-1")


def test_awswrangler_and_resources_use_the_local_session(hostile, local_settings, monkeypatch):
    from awswrangler import _utils

    session = make_session(local_settings)
    for service in ("s3", "glue", "athena", "sts"):
        client = _utils.client(service, session)
        assert client.meta.endpoint_url == LOCAL
        operation, params = OPERATIONS[service]
        assert_local(sent_request(client, operation, **params))
    bucket = session.resource("s3").Bucket("b")
    assert bucket.meta.client.meta.endpoint_url == LOCAL


def test_explicit_client_arguments_still_win(hostile, local_settings):
    session = make_session(local_settings)
    client = session.client("s3", endpoint_url="http://127.0.0.1:4999", region_name="eu-west-1")
    assert (client.meta.endpoint_url, client.meta.region_name) == (
        "http://127.0.0.1:4999",
        "eu-west-1",
    )
    positional = session._session.create_client(  # botocore's positional order
        "s3", "eu-west-1", None, True, None, "http://127.0.0.1:4998"
    )
    assert positional.meta.endpoint_url == "http://127.0.0.1:4998"


# --- target=aws: the standard chain, environment included ------------------------------------
def test_aws_target_honours_the_environments_endpoint_and_credentials(hostile, monkeypatch):
    monkeypatch.delenv("AWS_PROFILE")
    monkeypatch.delenv("AWS_DEFAULT_PROFILE")
    monkeypatch.delenv("AWS_CONFIG_FILE")  # these keep what botocore refuses outright out
    for name in ("AWS_DEFAULTS_MODE", "AWS_STS_REGIONAL_ENDPOINTS", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name)
    for name in ("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_USE_FIPS_ENDPOINT")
    monkeypatch.delenv("AWS_USE_DUALSTACK_ENDPOINT")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:10")
    session = make_session(Settings.load(env={}, target="aws"))
    assert session.client("sts").meta.endpoint_url == STRAY_ENDPOINT
    assert session.client("s3").meta.endpoint_url == "http://127.0.0.1:10"  # per service wins
    assert session.get_credentials().access_key == STRAY_KEY
    # The stack's region is the kit's setting (RETAIL_KIT_REGION): outputs and ARNs use it.
    assert session.region_name == "us-east-1"
    # Clients made without the kit's region still follow the environment's.
    core = botocore.session.Session()
    assert core.get_config_variable("region") == STRAY_REGION


def test_aws_target_follows_the_environments_profile(hostile, monkeypatch):
    with pytest.raises(ProfileNotFound):
        make_session(Settings.load(env={}, target="aws")).client("s3")
    monkeypatch.setenv("AWS_PROFILE", "missing-not")
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "missing-not")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    assert make_session(Settings.load(env={}, target="aws")).profile_name == "missing-not"


def test_ignore_configured_endpoint_urls_is_standard_on_aws(hostile, monkeypatch):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_DEFAULTS_MODE"):
        monkeypatch.delenv(name)
    for name in ("AWS_STS_REGIONAL_ENDPOINTS", "AWS_CA_BUNDLE", "AWS_USE_FIPS_ENDPOINT"):
        monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_USE_DUALSTACK_ENDPOINT")
    monkeypatch.delenv("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT")
    # AWS_ENDPOINT_URL is still set: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true makes it ignored
    session = make_session(Settings.load(env={}, target="aws", region="eu-central-1"))
    assert session.client("glue").meta.endpoint_url == "https://glue.eu-central-1.amazonaws.com"


# --- the botocore hooks this relies on (fail here first if botocore changes) ---------------
def test_environment_free_store_covers_every_botocore_setting():
    session = botocore.session.Session()
    default = configprovider.create_botocore_default_config_mapping(session)
    ours = environment_free_config_store(session)
    missing = [name for name in default if ours.get_config_provider(name) is None]
    assert not missing, f"botocore has settings the local session does not cover: {missing}"


def _environment_variables(variables: dict[str, tuple]) -> set[str]:
    names: set[str] = set()
    for _, env_vars, _, _ in variables.values():
        names.update([env_vars] if isinstance(env_vars, str) else env_vars or [])
    return names


def test_environment_free_store_reads_no_environment_variable(monkeypatch):
    variables = {
        **configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES,
        **configprovider.DEFAULT_S3_CONFIG_VARS,
        **configprovider.DEFAULT_PROXIES_CONFIG_VARS,
    }
    for name in _environment_variables(variables):
        monkeypatch.setenv(name, "from-the-environment")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)

    def values(session: botocore.session.Session) -> dict[str, Any]:
        found = {}
        for name in [*configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES, "s3", "proxies_config"]:
            try:
                found[name] = session.get_config_variable(name)
            except Exception as exc:  # a conversion refusing the sentinel: it was read
                found[name] = f"from-the-environment ({exc})"
        return found

    plain = values(botocore.session.Session())
    assert any("from-the-environment" in str(v) for v in plain.values())  # the test bites
    local = LocalBotocoreSession(LOCAL)
    local.set_config_variable("config_file", os.devnull)
    local.set_config_variable("credentials_file", os.devnull)
    read = {name: v for name, v in values(local).items() if "from-the-environment" in str(v)}
    assert not read, f"the local session read the environment for {sorted(read)}"


def test_create_client_keeps_the_parameter_order_the_override_relies_on():
    parameters = list(inspect.signature(botocore.session.Session.create_client).parameters)
    assert parameters[:7] == [
        "self",
        "service_name",
        "region_name",
        "api_version",
        "use_ssl",
        "verify",
        "endpoint_url",
    ]


def test_botocore_reads_endpoint_variables_only_without_an_endpoint_url(monkeypatch):
    """Why the override passes ``endpoint_url``: otherwise the variable beats everything."""
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", STRAY_ENDPOINT)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    session = botocore.session.Session()
    kwargs = {"region_name": "us-east-1", "aws_access_key_id": "a", "aws_secret_access_key": "b"}
    assert session.create_client("s3", **kwargs).meta.endpoint_url == STRAY_ENDPOINT
    given = session.create_client("s3", endpoint_url=LOCAL, **kwargs)
    assert given.meta.endpoint_url == LOCAL


# --- child processes ------------------------------------------------------------------------
def test_child_processes_lose_every_aws_variable(hostile, local_settings):
    env = local_process_environment(local_settings)
    assert env["PATH"] == os.environ["PATH"]
    aws = {k: v for k, v in env.items() if k.startswith("AWS_")}
    assert aws == {
        "AWS_ENDPOINT_URL": local_settings.local_endpoint,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
    }
    assert local_process_environment(local_settings, {"AWS_PROFILE": "x", "A": "1"})["A"] == "1"


def test_the_server_and_the_notebook_kernels_get_that_environment(hostile, local_settings):
    from infra_scripts import notebooks
    from infra_scripts.localcloud import process

    expected = local_process_environment(local_settings)
    assert process.server_environment(local_settings) == expected
    assert notebooks.kernel_environment(local_settings) == expected
    aws = Settings.load(env={}, target="aws")
    assert notebooks.kernel_environment(aws) is None  # inherited, as it is


def test_foreground_server_gets_that_environment(hostile, local_settings, monkeypatch):
    from infra_scripts import cli
    from infra_scripts.localcloud.server import front as server

    seen: dict[str, str] = {}
    monkeypatch.setattr(server, "main", lambda argv: seen.update(os.environ) or 0)
    saved = dict(os.environ)
    try:
        assert cli._local_start(SimpleNamespace(foreground=True), local_settings) == 0
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert seen == local_process_environment(local_settings, saved)


def test_lambda_and_glue_children_see_only_the_local_cloud(hostile, tmp_path):
    from infra_scripts.localcloud.runtime import ServerContext
    from infra_scripts.localcloud.services.awslambda.patches import LambdaRuntime
    from infra_scripts.localcloud.services.glue.patches import GlueExecutor
    from infra_scripts.localcloud.workers.warm_python import zygote_environment

    ctx = ServerContext(port=PORT, state_dir=tmp_path)
    fn = SimpleNamespace(
        environment_vars={"GREETING": "hi"},
        region="us-east-1",
        handler="app.handler",
        run_time="python3.11",
        function_name="f",
        role=None,
        version="$LATEST",
        memory_size=128,
        logs_group_name="/aws/lambda/f",
    )
    for env in (
        LambdaRuntime(ctx)._environment(fn, tmp_path, "stream", [str(tmp_path)]),
        GlueExecutor(ctx)._environment(SimpleNamespace(role=None), "us-east-1", []),
    ):
        assert env["AWS_ENDPOINT_URL"] == LOCAL
        assert env["AWS_ACCESS_KEY_ID"] == "testing"
        assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
        assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL_S3", "HTTPS_PROXY"):
            assert name not in env
    zygote = zygote_environment(("s3",))
    assert not [k for k in zygote if k.startswith("AWS_")]
    assert zygote["PATH"] == os.environ["PATH"]
