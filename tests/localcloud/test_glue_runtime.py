"""Glue Python-shell scripts have ``awsglue.utils.getResolvedOptions``, as on Glue."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra_scripts.localcloud.services.glue.runtime import RUNTIME_PATH
from tests.helpers import unique
from tests.localcloud.test_glue import log_messages, make_job, run_job

pytestmark = pytest.mark.localcloud

RESOLVING_SCRIPT = """
import sys
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "bucket"])
print("job", args["JOB_NAME"], "bucket", args["bucket"], "run", args["JOB_RUN_ID"])
print("bookmark", args["job_bookmark_option"], "has_colour", "colour" in args)
"""


@pytest.fixture(scope="module")
def glue(session: boto3.Session) -> Any:
    return session.client("glue")


@pytest.fixture(scope="module")
def s3(session: boto3.Session) -> Any:
    return session.client("s3")


@pytest.fixture(scope="module")
def logs(session: boto3.Session) -> Any:
    return session.client("logs")


@pytest.fixture(scope="module")
def bucket(s3: Any) -> str:
    name = unique("glue-runtime")
    s3.create_bucket(Bucket=name)
    return name


def test_script_resolves_its_arguments(glue, s3, logs, bucket):
    job = make_job(glue, s3, bucket, RESOLVING_SCRIPT, DefaultArguments={"--colour": "red"})
    run = run_job(glue, job, Arguments={"--bucket": bucket})

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    output = log_messages(logs, "/aws-glue/python-jobs/output", run["Id"])
    assert output == [
        f"job {job} bucket {bucket} run {run['Id']}",
        "bookmark job-bookmark-disable has_colour False",
    ]


def test_missing_required_argument_fails_the_run(glue, s3, logs, bucket):
    job = make_job(glue, s3, bucket, RESOLVING_SCRIPT)
    run = run_job(glue, job)

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == (
        "awsglue.utils.GlueArgumentError: the following arguments are required: --bucket"
    )
    errors = log_messages(logs, "/aws-glue/python-jobs/error", run["Id"])
    assert errors[0].startswith("Traceback (most recent call last)")


def test_spark_modules_fail_with_a_clear_import_error(glue, s3, bucket):
    script = "from awsglue.context import GlueContext\n"
    run = run_job(glue, make_job(glue, s3, bucket, script))

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"].startswith("ImportError: awsglue.context needs Spark")
    assert "do not run in the local cloud" in run["ErrorMessage"]


# --- getResolvedOptions itself, as Glue's behaves ------------------------------------------


@pytest.fixture
def utils() -> Iterator[Any]:
    sys.path.insert(0, str(RUNTIME_PATH))
    try:
        yield importlib.import_module("awsglue.utils")
    finally:
        sys.path.remove(str(RUNTIME_PATH))
        for name in [n for n in sys.modules if n == "awsglue" or n.startswith("awsglue.")]:
            del sys.modules[name]


ARGV = ["script.py", "--JOB_NAME", "j", "--JOB_RUN_ID", "jr_1", "--enable-metrics", "true"]


def test_resolves_named_options_and_glue_defaults(utils):
    args = utils.getResolvedOptions([*ARGV, "--day", "2026-01-02"], ["JOB_NAME", "day"])

    assert args["JOB_NAME"] == "j" and args["day"] == "2026-01-02"
    assert args["JOB_RUN_ID"] == "jr_1" and args["JOB_ID"] is None
    assert args["job_bookmark_option"] == "job-bookmark-disable"
    assert "enable_metrics" not in args and "enable-metrics" not in args


def test_missing_options_are_named_like_argparse(utils):
    with pytest.raises(utils.GlueArgumentError) as error:
        utils.getResolvedOptions(ARGV, ["a", "b"])
    assert str(error.value) == "the following arguments are required: --a, --b"


def test_temp_dir_fills_redshift_temp_dir_and_is_optional(utils):
    assert utils.getResolvedOptions(ARGV, ["TempDir"])["TempDir"] is None
    args = utils.getResolvedOptions([*ARGV, "--TempDir", "s3://b/t"], ["TempDir"])
    assert args["RedshiftTempDir"] == "s3://b/t"


def test_reserved_names_and_bookmark_choices(utils):
    with pytest.raises(RuntimeError, match="Using reserved arguments --JOB_RUN_ID"):
        utils.getResolvedOptions(ARGV, ["JOB_RUN_ID"])
    old_style = [*ARGV, "--continuation-option", "continuation-enabled"]
    assert utils.getResolvedOptions(old_style, [])["job_bookmark_option"] == "job-bookmark-enable"
    with pytest.raises(utils.GlueArgumentError, match="invalid choice"):
        utils.getResolvedOptions([*ARGV, "--job-bookmark-option", "nope"], [])
