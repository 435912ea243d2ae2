"""The server's in-process loopback and moto speed-ups, on moto's application in this process.

No server runs here: a client whose endpoint is a closed port can only be answered in-process.
"""

from __future__ import annotations

import socket

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from infra_scripts.localcloud.motolayer import speedups as moto_speedups
from infra_scripts.localcloud.motolayer.patching import PATCHES
from infra_scripts.localcloud.runtime import ServerContext
from infra_scripts.localcloud.server import loopback
from infra_scripts.localcloud.server.app import build_app
from tests.helpers import unique


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """moto's application with the speed-ups, undone after this module's tests."""
    with PATCHES.undone_on_exit():
        moto_speedups.install()
        yield build_app(ServerContext(port=_closed_port(), state_dir=tmp_path_factory.mktemp("lc")))


@pytest.fixture()
def session():
    return boto3.Session(
        aws_access_key_id="ak", aws_secret_access_key="sk", region_name="us-east-1"
    )


@pytest.fixture()
def in_process(app):
    loopback.serve_in_process(app)
    yield
    loopback.serve_in_process(None)


def test_an_attached_client_is_served_without_a_socket(session, in_process):
    s3 = session.client("s3", endpoint_url=f"http://localhost:{_closed_port()}")
    loopback.attach(s3)
    bucket = unique("loopback")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/b c.txt", Body=b"hello", Metadata={"my_key": "v"})
    got = s3.get_object(Bucket=bucket, Key="a/b c.txt")
    assert got["Body"].read() == b"hello"
    assert got["Metadata"] == {"my_key": "v"}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["a/b c.txt"]
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket=bucket, Key="missing")
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_json_protocol_calls_and_their_errors(session, in_process):
    glue = session.client("glue", endpoint_url=f"http://localhost:{_closed_port()}")
    loopback.attach(glue)
    name = unique("db", sep="_")
    glue.create_database(DatabaseInput={"Name": name})
    assert glue.get_database(Name=name)["Database"]["Name"] == name
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_table(DatabaseName=name, Name="nope")


def test_without_the_application_a_client_uses_http(session, app):
    loopback.serve_in_process(None)
    s3 = session.client("s3", endpoint_url=f"http://localhost:{_closed_port()}")
    loopback.attach(s3)
    with pytest.raises(EndpointConnectionError):
        s3.list_buckets()


def test_error_lookup_tables_are_built_once(app):
    from moto.core import errors

    assert errors.ErrorLookupFactory() is errors.ErrorLookupFactory()
