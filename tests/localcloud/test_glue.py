"""The local cloud really runs Glue Python shell jobs (plain boto3 calls, as a user makes them)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import unique, zip_code

pytestmark = pytest.mark.localcloud

FINAL_STATES = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"}
ROLE = "arn:aws:iam::123456789012:role/glue-job"

# Writes what the script saw (argv, a few env vars, cwd listing) to s3://<--out-bucket>/<--out-key>.
REPORT_SCRIPT = """
import json, os, sys
import boto3

args = sys.argv[1:]
opts = dict(zip(args[::2], args[1::2]))
seen = {"argv": args, "region": os.environ.get("AWS_REGION"), "cwd_files": sorted(os.listdir("."))}
boto3.client("s3").put_object(
    Bucket=opts["--out-bucket"], Key=opts["--out-key"], Body=json.dumps(seen).encode()
)
print("report written")
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
    name = unique("glue-test")
    s3.create_bucket(Bucket=name)
    return name


def upload(s3: Any, bucket: str, key: str, body: str | bytes) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode() if isinstance(body, str) else body)
    return f"s3://{bucket}/{key}"


def make_job(glue: Any, s3: Any, bucket: str, script: str, **job: Any) -> str:
    """Upload ``script`` and create a pythonshell job running it; return the job name."""
    name = unique("job")
    location = upload(s3, bucket, f"scripts/{name}.py", script)
    glue.create_job(
        Name=name,
        Role=ROLE,
        Command={"Name": "pythonshell", "ScriptLocation": location, "PythonVersion": "3.9"},
        **job,
    )
    return name


def wait_run(glue: Any, job: str, run_id: str, deadline_s: float = 15.0) -> dict[str, Any]:
    """Poll GetJobRun until the run reaches a final state (or fail at the deadline)."""
    deadline = time.monotonic() + deadline_s
    while True:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] in FINAL_STATES:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run['JobRunState']} after {deadline_s}s")
        time.sleep(0.05)


def run_job(glue: Any, job: str, **kwargs: Any) -> dict[str, Any]:
    run_id = glue.start_job_run(JobName=job, **kwargs)["JobRunId"]
    return wait_run(glue, job, run_id)


def log_messages(logs: Any, group: str, stream: str) -> list[str]:
    events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    return [event["message"] for event in events["events"]]


def test_success_sees_job_arguments_and_reaches_the_local_cloud(glue, s3, logs, bucket):
    job = make_job(
        glue,
        s3,
        bucket,
        REPORT_SCRIPT,
        DefaultArguments={"--out-bucket": bucket, "--colour": "red", "--size": "@fd"},
        NonOverridableArguments={"--fixed": "yes"},
        GlueVersion="3.0",
        MaxCapacity=0.0625,
        Timeout=5,
    )
    out_key = f"out/{job}.json"
    run_id = glue.start_job_run(
        JobName=job, Arguments={"--out-key": out_key, "--colour": "blue", "--fixed": "no"}
    )["JobRunId"]
    first = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
    assert first["JobRunState"] in {"STARTING", "RUNNING", "SUCCEEDED"}
    run = wait_run(glue, job, run_id)

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["Id"] == run_id and run["JobName"] == job
    assert "ErrorMessage" not in run
    assert run["CompletedOn"] >= run["StartedOn"]
    assert isinstance(run["ExecutionTime"], int)
    assert run["Attempt"] == 0
    assert run["Timeout"] == 5
    assert run["MaxCapacity"] == 0.0625
    assert run["GlueVersion"] == "3.0"
    assert run["LogGroupName"] == "/aws-glue/python-jobs"
    assert run["Arguments"] == {
        "--out-bucket": bucket,
        "--colour": "blue",
        "--size": "@fd",  # passed verbatim (the warm interpreter's own placeholder)
        "--out-key": out_key,
        "--fixed": "yes",
    }

    seen = json.loads(s3.get_object(Bucket=bucket, Key=out_key)["Body"].read())
    argv = seen["argv"]
    opts = dict(zip(argv[::2], argv[1::2], strict=True))
    assert opts["--JOB_NAME"] == job
    assert opts["--JOB_RUN_ID"] == run_id
    assert opts["--colour"] == "blue"  # the run overrides the default
    assert opts["--size"] == "@fd"  # defaults reach the script, verbatim
    assert opts["--fixed"] == "yes"  # non-overridable wins
    assert seen["region"] == glue.meta.region_name
    assert f"{job}.py" in seen["cwd_files"]

    assert log_messages(logs, "/aws-glue/python-jobs/output", run_id) == ["report written"]


def test_stdout_goes_to_the_output_log_group(glue, s3, logs, bucket):
    job = make_job(glue, s3, bucket, "print('hello from glue')\nprint('second line')\n")
    run = run_job(glue, job)
    assert run["JobRunState"] == "SUCCEEDED"
    assert log_messages(logs, "/aws-glue/python-jobs/output", run["Id"]) == [
        "hello from glue",
        "second line",
    ]


def test_extra_py_files_are_importable(glue, s3, bucket):
    prefix = unique("libs")
    py_uri = upload(s3, bucket, f"{prefix}/helper_mod.py", "VALUE = 'from-py'\n")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped_pkg/__init__.py", "VALUE = 'from-zip'\n")
    zip_uri = upload(s3, bucket, f"{prefix}/bundle.zip", archive.getvalue())
    script = (
        "import sys, boto3, helper_mod, zipped_pkg\n"
        "opts = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
        "body = helper_mod.VALUE + ',' + zipped_pkg.VALUE\n"
        "boto3.client('s3').put_object(Bucket=opts['--b'], Key=opts['--k'], Body=body.encode())\n"
    )
    job = make_job(
        glue, s3, bucket, script, DefaultArguments={"--extra-py-files": f"{py_uri},{zip_uri}"}
    )
    run = run_job(glue, job, Arguments={"--b": bucket, "--k": f"{prefix}/out.txt"})
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    body = s3.get_object(Bucket=bucket, Key=f"{prefix}/out.txt")["Body"].read()
    assert body == b"from-py,from-zip"


def test_a_replaced_archive_is_imported_fresh_and_a_broken_one_fails(glue, s3, logs, bucket):
    """Archives are unpacked once per content: new content under the same key is new code."""
    prefix = unique("libs")
    key = f"{prefix}/bundle.zip"
    script = (
        "import sys, boto3, versioned_pkg\n"
        "opts = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
        "boto3.client('s3').put_object(Bucket=opts['--b'], Key=opts['--k'],"
        " Body=versioned_pkg.VALUE.encode())\n"
    )
    zip_uri = f"s3://{bucket}/{key}"
    job = make_job(glue, s3, bucket, script, DefaultArguments={"--extra-py-files": zip_uri})
    for version in ("one", "two"):
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=zip_code({"versioned_pkg/__init__.py": f"VALUE = {version!r}"}),
        )
        run = run_job(glue, job, Arguments={"--b": bucket, "--k": f"{prefix}/{version}.txt"})
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
        body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{version}.txt")["Body"].read()
        assert body == version.encode()

    s3.put_object(Bucket=bucket, Key=key, Body=b"not a zip at all")
    run = run_job(glue, job, Arguments={"--b": bucket, "--k": f"{prefix}/broken.txt"})
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == f"--extra-py-files: {zip_uri} is not a valid zip archive"


def test_additional_python_modules_installed_are_accepted(glue, s3, bucket):
    import pyarrow

    job = make_job(
        glue,
        s3,
        bucket,
        "import pyarrow\n",
        DefaultArguments={"--additional-python-modules": f"pyarrow=={pyarrow.__version__},boto3"},
    )
    run = run_job(glue, job)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")


def test_additional_python_modules_missing_or_mismatched_fail_the_run(glue, s3, logs, bucket):
    job = make_job(glue, s3, bucket, "print('must not run')\n")
    modules = "surely-not-a-package-xyz==1.0,boto3==0.0.1"
    run = run_job(glue, job, Arguments={"--additional-python-modules": modules})
    assert run["JobRunState"] == "FAILED"
    message = run["ErrorMessage"]
    assert "--additional-python-modules" in message
    assert "surely-not-a-package-xyz==1.0 is not installed" in message
    assert "boto3==0.0.1 does not match the installed boto3" in message
    assert "never installs" in message
    assert log_messages(logs, "/aws-glue/python-jobs/output", run["Id"]) == []


def test_non_zero_exit_fails(glue, s3, bucket):
    job = make_job(glue, s3, bucket, "import sys\nsys.exit(3)\n")
    run = run_job(glue, job)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "Command failed with exit code 3"
    assert "CompletedOn" in run


def test_exception_fails_with_its_text_and_traceback_in_error_log(glue, s3, logs, bucket):
    script = "def main():\n    raise ValueError('boom')\n\nmain()\n"
    job = make_job(glue, s3, bucket, script)
    run = run_job(glue, job)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "ValueError: boom"
    errors = log_messages(logs, "/aws-glue/python-jobs/error", run["Id"])
    assert errors[0] == "Traceback (most recent call last):"
    assert any("in main" in line for line in errors)
    assert errors[-1] == "ValueError: boom"


def test_timeout_kills_the_script(glue, s3, logs, bucket):
    # Timeout=1 minute; the test cloud's minute lasts 2 s (tests/conftest.py).
    job = make_job(
        glue, s3, bucket, "import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n", Timeout=1
    )
    started = time.monotonic()
    run = run_job(glue, job)
    assert run["JobRunState"] == "TIMEOUT"
    assert "Timeout of 1 minute" in run["ErrorMessage"]
    assert run["Timeout"] == 1
    assert time.monotonic() - started < 10
    assert log_messages(logs, "/aws-glue/python-jobs/output", run["Id"]) == ["sleeping"]


def test_too_many_concurrent_runs_are_refused(glue, s3, bucket):
    job = make_job(
        glue,
        s3,
        bucket,
        "import time\ntime.sleep(60)\n",
        ExecutionProperty={"MaxConcurrentRuns": 2},
    )
    first = glue.start_job_run(JobName=job)["JobRunId"]
    second = glue.start_job_run(JobName=job)["JobRunId"]
    with pytest.raises(ClientError) as excinfo:
        glue.start_job_run(JobName=job)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "ConcurrentRunsExceededException"
    assert error["Message"] == f"Concurrent runs exceeded for {job}"

    stopped = glue.batch_stop_job_run(JobName=job, JobRunIds=[first, second, "jr_unknown"])
    assert {s["JobRunId"] for s in stopped["SuccessfulSubmissions"]} == {first, second}
    assert [e["JobRunId"] for e in stopped["Errors"]] == ["jr_unknown"]
    assert wait_run(glue, job, first)["JobRunState"] == "STOPPED"
    assert wait_run(glue, job, second)["JobRunState"] == "STOPPED"
    # Slots are free again once the runs stopped.
    third = glue.start_job_run(JobName=job)["JobRunId"]
    glue.batch_stop_job_run(JobName=job, JobRunIds=[third])
    assert wait_run(glue, job, third)["JobRunState"] == "STOPPED"


def test_default_max_concurrent_runs_is_one(glue, s3, bucket):
    job = make_job(glue, s3, bucket, "import time\ntime.sleep(60)\n")
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    with pytest.raises(ClientError) as excinfo:
        glue.start_job_run(JobName=job)
    assert excinfo.value.response["Error"]["Code"] == "ConcurrentRunsExceededException"
    glue.batch_stop_job_run(JobName=job, JobRunIds=[run_id])
    assert wait_run(glue, job, run_id)["JobRunState"] == "STOPPED"


def test_runs_beyond_the_running_limit_wait_in_starting(tmp_path):
    """With ``--glue-max-running 1`` a second run stays STARTING until the first ends; its
    Timeout (1 "minute" = 2 s here) counts from its own start, so waiting does not use it."""
    from infra_scripts.localcloud import LocalCloud

    with LocalCloud(
        state_dir=tmp_path, extra_args=("--glue-max-running", "1", "--glue-minute-seconds", "2")
    ) as cloud:
        session = cloud.session()
        glue, s3 = session.client("glue"), session.client("s3")
        s3.create_bucket(Bucket="limits")
        job = make_job(
            glue,
            s3,
            "limits",
            "import time\ntime.sleep(1.5)\n",
            ExecutionProperty={"MaxConcurrentRuns": 2},
            Timeout=1,
        )
        runs = [glue.start_job_run(JobName=job)["JobRunId"] for _ in range(2)]
        deadline = time.monotonic() + 10
        while True:  # either run may get the one slot first
            states = [glue.get_job_run(JobName=job, RunId=r)["JobRun"]["JobRunState"] for r in runs]
            if "RUNNING" in states:
                break
            assert time.monotonic() < deadline, f"no run started: {states}"
            time.sleep(0.05)
        time.sleep(0.5)  # without the limit the other run would be RUNNING by now
        states = [glue.get_job_run(JobName=job, RunId=r)["JobRun"]["JobRunState"] for r in runs]
        assert sorted(states) == ["RUNNING", "STARTING"]
        for run_id in runs:
            assert wait_run(glue, job, run_id)["JobRunState"] == "SUCCEEDED"


@pytest.mark.parametrize("kind", ["glueetl", "gluestreaming"])
def test_spark_jobs_are_refused(glue, s3, bucket, kind):
    name = unique("spark")
    location = upload(s3, bucket, f"scripts/{name}.py", "print('spark')\n")
    glue.create_job(
        Name=name, Role=ROLE, Command={"Name": kind, "ScriptLocation": location}, GlueVersion="4.0"
    )
    with pytest.raises(ClientError) as excinfo:
        glue.start_job_run(JobName=name)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidInputException"
    assert "pythonshell" in error["Message"] and "target=aws" in error["Message"]
    assert glue.get_job_runs(JobName=name)["JobRuns"] == []


def test_unknown_job_is_entity_not_found(glue):
    with pytest.raises(ClientError) as excinfo:
        glue.start_job_run(JobName=unique("missing"))
    assert excinfo.value.response["Error"]["Code"] == "EntityNotFoundException"


def test_missing_script_fails_the_run(glue, s3, bucket):
    name = unique("noscript")
    location = f"s3://{bucket}/scripts/{name}-absent.py"
    command = {"Name": "pythonshell", "ScriptLocation": location}
    glue.create_job(Name=name, Role=ROLE, Command=command)
    run = run_job(glue, name)
    assert run["JobRunState"] == "FAILED"
    assert location in run["ErrorMessage"] and "NoSuchKey" in run["ErrorMessage"]


def test_get_job_runs_lists_runs_with_their_real_state(glue, s3, bucket):
    job = make_job(glue, s3, bucket, "import sys\nsys.exit(int(sys.argv[-1]))\n")
    ok = run_job(glue, job, Arguments={"--code": "0"})
    bad = run_job(glue, job, Arguments={"--code": "1"})
    runs = {run["Id"]: run for run in glue.get_job_runs(JobName=job)["JobRuns"]}
    assert set(runs) == {ok["Id"], bad["Id"]}
    assert runs[ok["Id"]]["JobRunState"] == "SUCCEEDED"
    assert runs[bad["Id"]]["JobRunState"] == "FAILED"
    # Reading again never moves the state (moto's state manager no longer drives it).
    assert glue.get_job_run(JobName=job, RunId=ok["Id"])["JobRun"]["JobRunState"] == "SUCCEEDED"
