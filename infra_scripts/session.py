"""The only place that knows about endpoints: one boto3 Session per target.

``target=local`` is hermetic: its Session reads no ``AWS_*`` environment variable and no
shared config of the operator's, so a shell set up for a real account (``AWS_PROFILE``,
``AWS_ENDPOINT_URL[_<SERVICE>]``, access keys, ``AWS_DEFAULT_REGION``, …) cannot send the
local target's calls anywhere else. ``target=aws`` is the standard chain, untouched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore import configprovider
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from infra_scripts.config import Settings
from infra_scripts.exceptions import AwsAccessError

LOCAL_PROFILE = "retailkit-local"
# Dummy credentials for the local cloud; moto accepts any.
LOCAL_ACCESS_KEY = "testing"
LOCAL_SECRET_KEY = "testing"
# Variables of the inherited environment that a process started for the local target loses.
AWS_ENV_PREFIX = "AWS_"

# read_timeout 70 s: a long poll (Step Functions' GetActivityTask holds its request up to 60 s,
# botocore's default read timeout) must end before the client gives up on it; AWS: "Workers
# should set their client side socket timeout to at least 65 seconds"
# (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetActivityTask.html).
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=70
)
# The local cloud is on 127.0.0.1: never through the shell's HTTP(S)_PROXY, and never with a
# host prefix (botocore sends StartSyncExecution and TestState to "sync-<host>", which for an
# IP address names no host).
LOCAL_CLIENT_CONFIG = CLIENT_CONFIG.merge(Config(proxies={}, inject_host_prefix=False))
# The check before a command's first AWS call: one retry and short timeouts, so that a
# machine without a route to AWS gets its answer in ~30 s, not after minutes of retries.
AWS_CHECK_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=10
)


def make_session(settings: Settings) -> boto3.Session:
    """Return the boto3 Session for ``settings.target``.

    ``local``: every client (and every awswrangler call given it as ``boto3_session``)
    goes to the local cloud with dummy credentials and ``settings.region``, whatever the
    environment says (see :class:`LocalBotocoreSession`).
    ``aws``: the normal credential chain (profile, environment, SSO) in ``settings.region``;
    no endpoint is ever set by the kit.
    """
    if settings.target == "aws":
        return boto3.Session(region_name=settings.region)
    core = LocalBotocoreSession(settings.local_endpoint)
    # The kit's own profile file (the AWS CLI can use it too); never ~/.aws/*.
    core.set_config_variable("config_file", str(write_local_profile(settings)))
    core.set_config_variable("credentials_file", os.devnull)
    core.set_config_variable("profile", LOCAL_PROFILE)
    core.set_default_client_config(LOCAL_CLIENT_CONFIG)
    return boto3.Session(
        botocore_session=core,
        region_name=settings.region,
        aws_access_key_id=LOCAL_ACCESS_KEY,  # explicit: the credential chain is never asked
        aws_secret_access_key=LOCAL_SECRET_KEY,
    )


class LocalBotocoreSession(botocore.session.Session):
    """A botocore Session that reads no environment variable and defaults every endpoint.

    - configuration (region, profile, config files, retries, dual-stack/FIPS, CA bundle,
      defaults mode, …): :func:`environment_free_config_store`, so only what is set on the
      session and the kit's profile file count;
    - endpoint: :meth:`create_client` passes ``endpoint_url`` (the local cloud) when the
      caller gives none. botocore looks up ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SVC>``
      per client, straight from ``os.environ``, only when no ``endpoint_url`` is passed
      (``ConfiguredEndpointProvider``), so that lookup never happens;
    - credentials: set explicitly on the session (:func:`make_session`).

    An ``endpoint_url``, region or credentials passed to ``client()`` still win: they
    are the caller's code, not the ambient environment.
    """

    def __init__(self, endpoint_url: str) -> None:
        super().__init__()
        self.local_endpoint_url = endpoint_url
        self.register_component("config_store", environment_free_config_store(self))

    def create_client(  # same leading parameters as botocore's, so positional calls work too
        self,
        service_name: str,
        region_name: str | None = None,
        api_version: str | None = None,
        use_ssl: bool = True,
        verify: Any = None,
        endpoint_url: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        return super().create_client(
            service_name,
            region_name,
            api_version,
            use_ssl,
            verify,
            endpoint_url or self.local_endpoint_url,
            *args,
            **kwargs,
        )


def environment_free_config_store(
    session: botocore.session.Session,
) -> configprovider.ConfigValueStore:
    """botocore's default configuration chain for ``session``, with an empty environment.

    The same variables, config-file keys, defaults and conversions as
    ``configprovider.create_botocore_default_config_mapping`` (which always reads
    ``os.environ``), built with ``ConfigChainFactory(environ={})``: each value comes
    from the session instance, else the session's config file, else botocore's default.
    ``tests/unit/test_session_env.py`` fails if botocore adds a variable or section
    this does not cover.
    """
    chain = configprovider.ConfigChainFactory(session=session, environ={})

    def mapping(variables: Mapping[str, tuple]) -> dict[str, Any]:
        return {
            name: chain.create_config_chain(
                instance_name=name,
                env_var_names=env_vars,
                config_property_names=config_names,
                default=default,
                conversion_func=conversion,
            )
            for name, (config_names, env_vars, default, conversion) in variables.items()
        }

    providers = mapping(configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES)
    for section, variables in (
        ("s3", configprovider.DEFAULT_S3_CONFIG_VARS),
        ("proxies_config", configprovider.DEFAULT_PROXIES_CONFIG_VARS),
    ):
        providers[section] = configprovider.SectionConfigProvider(
            section, session, mapping(variables)
        )
    return configprovider.ConfigValueStore(mapping=providers)


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
        "disable_host_prefix_injection = true\n"
    )
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return path


def local_environment(settings: Settings) -> dict[str, str]:
    """Environment variables that point a child process's AWS SDK at the local cloud.

    No shared config or credentials file and no instance metadata: with these alone the
    SDK's chain finds the local endpoint, the dummy credentials and the region.
    """
    return {
        "AWS_ENDPOINT_URL": settings.local_endpoint,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
        "AWS_DEFAULT_REGION": settings.region,
        "AWS_REGION": settings.region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
    }


def local_process_environment(
    settings: Settings, inherited: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a process the kit starts for the local target.

    ``inherited`` (default ``os.environ``) without any ``AWS_*`` variable of the
    operator's, plus :func:`local_environment`: the local-cloud server and notebook
    kernels see the local endpoint and dummy credentials, never the shell's profile,
    keys, endpoints or region.
    """
    inherited = os.environ if inherited is None else inherited
    env = {k: v for k, v in inherited.items() if not k.startswith(AWS_ENV_PREFIX)}
    env.update(local_environment(settings))
    return env


# --- target aws: the credentials check and AWS's expected errors in one line ---------------
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
THROTTLED_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
)
# "403": what botocore gives as the code of a HEAD request's refusal (no body), HeadBucket's
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403"})
SIGN_IN = (
    "sign in with `aws sso login --profile <name>` and `export AWS_PROFILE=<name>`, "
    "or store access keys with `aws configure`"
)
# "User: arn:… is not authorized to perform: iam:CreateRole on resource: arn:… because …"
_NOT_AUTHORIZED = re.compile(
    r"(?:User|Principal): (?P<principal>\S+) is not authorized to perform: (?P<action>\S+)"
    r"(?: on resource: (?P<resource>\S+))?(?P<why> (?:because|with an explicit deny)[^.]*)?"
)


def explain_aws_error(exc: BaseException, profile: str | None = None) -> str | None:
    """One line for an error a user of ``--target aws`` is expected to meet (missing or
    expired credentials, throttling, access denied, no connection); None for any other.

    Decided on botocore's exception classes and, for :class:`ClientError`, AWS's error code
    (``Error.Code``); the message is read only to name the denied action and principal.
    ``profile``: the AWS profile in use, named in the sign-in advice.
    """
    login = (
        f"`aws sso login --profile {profile}`" if profile else "`aws sso login --profile <name>`"
    )
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return f"no AWS credentials found for --target aws: {SIGN_IN}"
    if isinstance(exc, CredentialRetrievalError):
        return f"the AWS credentials could not be loaded ({exc}): {SIGN_IN}"
    if isinstance(exc, (TokenRetrievalError, SSOError)):
        return f"the AWS SSO sign-in has expired (or was never made): run {login}, then retry"
    if isinstance(exc, ProfileNotFound):
        return (
            f"{exc}: check AWS_PROFILE (`aws configure list-profiles` lists them), or create "
            "the profile with `aws configure sso` or `aws configure`"
        )
    if isinstance(exc, (BotocoreConnectionError, HTTPClientError)):
        return f"cannot reach AWS ({exc}): check the network, the proxy (HTTPS_PROXY), the region"
    if not isinstance(exc, ClientError):
        return None
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    call = exc.operation_name
    if code in EXPIRED_CODES:
        clock = " (or this machine's clock is wrong)" if code == "RequestExpired" else ""
        return (
            f"the AWS credentials have expired{clock}: {code} from {call}; sign in again with "
            f"{login}, or renew the keys (`aws configure`, AWS_SESSION_TOKEN)"
        )
    if code in THROTTLED_CODES:
        return (
            f"AWS throttled {call} ({code}) beyond the SDK's retries: wait a minute and run "
            "the command again"
        )
    if code in DENIED_CODES:
        found = _NOT_AUTHORIZED.search(message)
        if found is None:
            return (
                f"AWS denied {call} ({code}: {message or 'no reason given'}) to the identity "
                "`aws sts get-caller-identity` shows: grant it that permission, or use a profile "
                "that has it"
            )
        resource = found["resource"].strip("\"'") if found["resource"] else None
        return (
            f"AWS denied {found['action']} to {found['principal']}"
            + (f" on {resource}" if resource else "")
            + f" ({code}{':' + found['why'] if found['why'] else ''}): grant that principal "
            "the permission, or use a profile that has it"
        )
    return None


def checked_aws_session(settings: Settings) -> boto3.Session:
    """The ``target=aws`` Session, once credentials were found and AWS accepted them.

    Runs before anything is created: credentials from the standard chain (no network when
    there are none), then STS ``GetCallerIdentity`` with :data:`AWS_CHECK_CONFIG`'s short
    deadline. Raises :class:`AwsAccessError` (one line, "nothing was created or changed")
    for what :func:`explain_aws_error` explains; other errors propagate.
    """
    session = None
    try:
        session = make_session(settings)
        credentials = session.get_credentials()
        if credentials is None or not credentials.get_frozen_credentials().access_key:
            raise NoCredentialsError()
        session.client("sts", config=AWS_CHECK_CONFIG).get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        profile = session.profile_name if session is not None else None
        message = explain_aws_error(exc, None if profile == "default" else profile)
        if message is None:
            raise
        raise AwsAccessError(f"{message}; nothing was created or changed") from exc
    return session
