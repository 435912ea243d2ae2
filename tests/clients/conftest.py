"""The third-party client tier: real clients, configured as their users configure them for a
custom endpoint, against a started local cloud (opt-in: ``make test-clients``).

The clients come from the ``clients`` extra of uv.lock (PyAthena, SQLAlchemy, dbt-athena,
the AWS CLI v1) and from tests/clients/js/package-lock.json (the AWS SDK for JavaScript v3).
Without them the tests skip, saying so; with ``RETAIL_KIT_REQUIRE_CLIENTS=1`` (what
``make test-clients`` sets) a missing client fails the test instead. The JavaScript test
needs node on the PATH: without node it skips even then (node is not installed from a lock).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import awswrangler as wr
import boto3
import pandas as pd
import pytest

from infra_scripts.localcloud import LocalCloud
from infra_scripts.session import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY
from tests.helpers import unique

REQUIRE_ENV = "RETAIL_KIT_REQUIRE_CLIENTS"
INSTALL_HINT = "run `make test-clients` (installs the clients extra of uv.lock into .venv-clients)"
CLIENTS_DIR = Path(__file__).resolve().parent
JS_DIR = CLIENTS_DIR / "js"


def clients_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def missing(what: str, hint: str = INSTALL_HINT) -> None:
    """Skip (or, under RETAIL_KIT_REQUIRE_CLIENTS=1, fail) because a client is missing."""
    message = f"{what} is not installed: {hint}"
    if clients_required():
        pytest.fail(f"{REQUIRE_ENV}=1 but {message}", pytrace=False)
    pytest.skip(message)


def need_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python module {name}")
        raise  # unreachable: missing() skips or fails


def need_command(name: str) -> str:
    """The path of a console script of the running environment (never one of the PATH's)."""
    path = Path(sys.executable).parent / name
    if not path.is_file():
        missing(f"the command {name} (looked for {path})")
    return str(path)


@dataclass(frozen=True)
class Warehouse:
    """What the tests query: a bucket, a Glue database and a partitioned Parquet table."""

    endpoint: str
    region: str
    bucket: str
    database: str
    table: str
    rows: pd.DataFrame

    @property
    def staging(self) -> str:
        return f"s3://{self.bucket}/athena-results/"


def orders_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.array([1, 2, 3, 4, 5, 6], dtype="int64"),
            "customer": ["ann", "bob", "cid", "ann", "dee", "bob"],
            "amount": [10.5, 20.0, 7.25, 3.0, 99.99, 15.0],
            "sold_at": pd.to_datetime(
                [
                    "2024-01-01 10:00:00",
                    "2024-01-02 11:30:00",
                    "2024-01-02 12:00:00",
                    "2024-01-03 09:15:00",
                    "2024-01-03 18:45:00",
                    "2024-01-04 08:00:00",
                ]
            ),
            "region": ["eu", "us", "eu", "us", "eu", "us"],
        }
    )


@pytest.fixture(scope="session")
def warehouse(local_cloud: LocalCloud, session: boto3.Session) -> Warehouse:
    bucket, database = unique("clients"), unique("clients", sep="_")
    session.client("s3").create_bucket(Bucket=bucket)
    wr.catalog.create_database(database, boto3_session=session)
    rows = orders_frame()
    wr.s3.to_parquet(
        rows,
        path=f"s3://{bucket}/warehouse/orders/",
        dataset=True,
        database=database,
        table="orders",
        partition_cols=["region"],
        boto3_session=session,
    )
    return Warehouse(
        endpoint=local_cloud.endpoint,
        region=local_cloud.settings.region,
        bucket=bucket,
        database=database,
        table="orders",
        rows=rows,
    )


def client_environment(region: str) -> dict[str, str]:
    """A subprocess environment as a user sets one up for the local cloud: the shell's
    variables without its ``AWS_*`` ones and without its shared config, plus dummy keys and
    the region. The endpoint is the caller's to add (a flag, a profile or AWS_ENDPOINT_URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return env


@pytest.fixture
def clean_aws_env(monkeypatch: pytest.MonkeyPatch, warehouse: Warehouse) -> Iterator[None]:
    """In-process clients (PyAthena, SQLAlchemy) see the environment of
    :func:`client_environment`: a shell set up for a real account cannot redirect them."""
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in client_environment(warehouse.region).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    yield


def run(
    args: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def node() -> str | None:
    return shutil.which("node")
