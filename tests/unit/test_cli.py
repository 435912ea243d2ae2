"""``retailkit --help`` and every subcommand's help are there and say what they do."""

from __future__ import annotations

import argparse
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, NoCredentialsError

from infra_scripts import cli
from infra_scripts.cli import (
    OFFLINE_COMMANDS,
    PLACED_OPTIONS,
    build_parser,
    main,
    parse_args,
    plain_type,
)
from infra_scripts.localcloud.process import failure_lines
from infra_scripts.session import explain_aws_error

# the console script as a user runs it (python -m infra_scripts.cli where it is not installed)
_SCRIPT = Path(sys.executable).with_name("retailkit")
RETAILKIT = str(_SCRIPT) if _SCRIPT.exists() else None


def _help(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_the_commands(capsys):
    text = _help(capsys)
    for command in ("local", "demo", "sample-data", "notebooks", "cost"):
        assert command in text
    assert "--target" in text


@pytest.mark.parametrize("action", ["start", "stop", "status", "logs", "outbox", "smoke"])
def test_every_local_action_has_help(capsys, action):
    text = _help(capsys, "local", action)
    assert "--port" in text and "--state-dir" in text


def test_every_subcommand_has_a_one_line_help():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0]  # argparse keeps no public accessor
    for choice in commands._choices_actions:
        assert choice.help, f"{choice.dest} has no help line"


def test_missing_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2


# --- --target / --region / --stack before or after the command ----------------------------
def _commands(parser, path=()):
    """Every runnable command of the CLI, as its words (``("local", "start")``, …)."""
    from infra_scripts.cli import _children

    children = list(_children(parser))
    if not children:
        yield path
    for name, child in children:
        yield from _commands(child, (*path, name))


PLACED = ("--target", "aws", "--region", "eu-west-1", "--stack", "shop-two")


@pytest.mark.parametrize(
    "command", [c for c in _commands(build_parser()) if c[0] not in OFFLINE_COMMANDS], ids=" ".join
)
def test_placed_options_mean_the_same_before_and_after_every_command(command):
    before = parse_args([*PLACED, *command])
    after = parse_args([*command, *PLACED])
    assert vars(before) == vars(after)
    assert (after.target, after.region, after.stack) == ("aws", "eu-west-1", "shop-two")


@pytest.mark.parametrize(
    "argv",
    [
        ["local", "start", "--target", "local"],
        ["local", "--target", "local", "start"],
        ["--target", "local", "local", "start", "--target", "local"],  # twice, same value
    ],
)
def test_placed_options_at_every_level_of_a_subcommand(argv):
    assert vars(parse_args(argv)) == vars(parse_args(["--target", "local", "local", "start"]))


def test_placed_options_default_to_none_so_the_environment_counts():
    args = parse_args(["deploy"])
    assert (args.target, args.region, args.stack, args.debug) == (None, None, None, False)


def test_different_values_before_and_after_the_command_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--target", "aws", "deploy", "--target", "local"])
    assert exit_info.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--target" in message and "'aws' before the command" in message
    assert "'local' after `retailkit deploy`" in message


def test_the_placed_options_are_defined_once():
    """No copy-pasted add_argument: one spec, the same help on every parser that has it."""
    source = Path(cli.__file__).read_text()
    assert source.count('"--target"') == 0 and source.count("'--target'") == 0
    helps = {
        action.help
        for each in cli._parsers(build_parser(), skip=OFFLINE_COMMANDS)
        for action in each._actions
        if "--target" in action.option_strings
    }
    assert helps == {PLACED_OPTIONS["target"]["help"]}


# --- argparse in plain words --------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["cost", "--files-per-day", "ten", "--rows-per-file", "1"],
            "--files-per-day: expected a number ≥ 0, got 'ten'",
        ),
        (
            ["cost", "--files-per-day", "-1", "--rows-per-file", "1"],
            "--files-per-day: expected a number ≥ 0, got '-1'",
        ),
        (["local", "logs", "-n", "ten"], "-n/--lines: expected a whole number ≥ 1, got 'ten'"),
        (["local", "outbox", "-n", "0"], "-n/--limit: expected a whole number ≥ 1, got '0'"),
        (["deploy", "--port", "99999"], "--port: expected a whole number from 1 to 65535"),
        (
            ["sample-data", "generate", "--rows", "lots", "--out", "x"],
            "--rows: expected a row count such as 1000, 250k or 10M, got 'lots'",
        ),
    ],
)
def test_bad_values_are_told_in_plain_words(capsys, argv, said):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.endswith(said) or said in message
    assert "invalid" not in message and "_non_negative" not in message
    assert "argument " not in message


def test_a_type_the_kit_does_not_know_still_reads_plainly():
    def _percent(text: str) -> int:
        return int(text)

    def _strict(text: str) -> str:
        raise argparse.ArgumentTypeError("must be upper case")

    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a percent value, got 'x'$"):
        plain_type(_percent)("x")
    with pytest.raises(argparse.ArgumentTypeError, match=r"^must be upper case, got 'x'$"):
        plain_type(_strict)("x")
    _percent.expected = "a percentage from 0 to 100"
    with pytest.raises(argparse.ArgumentTypeError, match=r"^expected a percentage from 0"):
        plain_type(_percent)("x")
    assert plain_type(_percent)("7") == 7


# --- expected errors: one line, no traceback ----------------------------------------------
def _env_without_credentials(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RETAIL_KIT_"))}
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _retailkit(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [RETAILKIT] if RETAILKIT else [sys.executable, "-m", "infra_scripts.cli"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,  # the deadline: no credentials must not mean minutes of retries
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--target", "aws", "deploy"],
        ["deploy", "--target", "aws"],
        ["--target", "aws", "plan"],
        ["status", "--target", "aws"],
        ["destroy", "--target", "aws", "--yes"],
    ],
    ids=" ".join,
)
def test_no_aws_credentials_is_one_line_naming_the_fix(tmp_path, argv):
    result = _retailkit(
        *argv, "--state-dir", str(tmp_path / "lc"), env=_env_without_credentials(tmp_path)
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 5, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fix in ("aws sso login", "AWS_PROFILE", "aws configure", "nothing was created"):
        assert fix in result.stderr
    assert not (tmp_path / "lc").exists()  # no local cloud was started instead


@pytest.mark.parametrize("where", ["flag", "environment"])
def test_demo_refuses_the_aws_target(tmp_path, where):
    env = _env_without_credentials(tmp_path)
    if where == "flag":
        argv = ["--target", "aws", "demo"]
    else:
        argv = ["demo"]
        env["RETAIL_KIT_TARGET"] = "aws"
    result = _retailkit(*argv, "--state-dir", str(tmp_path / "lc"), env=env)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "local cloud only" in result.stderr and "retailkit --target aws deploy" in result.stderr
    assert ("--target aws" if where == "flag" else "RETAIL_KIT_TARGET") in result.stderr
    assert not (tmp_path / "lc").exists()  # nothing ran on the local cloud either


class _FakeSts(http.server.BaseHTTPRequestHandler):
    """STS answering every call with the error the test set (the query protocol's XML)."""

    status, code, message = 400, "ExpiredToken", ""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            f"<Type>Sender</Type><Code>{self.code}</Code><Message>{self.message}</Message>"
            "</Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>"
        ).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def fake_sts() -> Iterator[type[_FakeSts]]:
    handler = type("Handler", (_FakeSts,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("status", "code", "message", "said"),
    [
        (
            400,
            "ExpiredToken",
            "The security token included in the request is expired",
            "the AWS credentials have expired: ExpiredToken from GetCallerIdentity",
        ),
        (400, "Throttling", "Rate exceeded", "AWS throttled GetCallerIdentity (Throttling)"),
        (
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
            "sts:GetCallerIdentity because no identity-based policy allows the "
            "sts:GetCallerIdentity action",
            "AWS denied sts:GetCallerIdentity to arn:aws:iam::123456789012:user/bob",
        ),
    ],
)
def test_credentials_aws_refuses_are_one_line_before_any_change(
    tmp_path, fake_sts, status, code, message, said
):
    fake_sts.status, fake_sts.code, fake_sts.message = status, code, message
    env = {k: v for k, v in _env_without_credentials(tmp_path).items() if "proxy" not in k.lower()}
    env.update(
        # fake keys, built from parts so the secret scanner does not flag this file
        AWS_ACCESS_KEY_ID="AKIA" + "FAKEFAKEFAKE0001",
        AWS_SECRET_ACCESS_KEY="fake-secret-" + "x" * 28,
        AWS_ENDPOINT_URL_STS=fake_sts.endpoint,
    )
    result = _retailkit("deploy", "--target", "aws", env=env)
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) <= 5 and "Traceback" not in result.stderr
    assert said in result.stderr and "nothing was created or changed" in result.stderr


def _client_error(code: str, message: str = "", operation: str = "CreateRole") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (NoCredentialsError(), "aws sso login"),
        (
            _client_error("ExpiredToken", "The security token included in the request is expired"),
            "expired",
        ),
        (_client_error("ExpiredTokenException"), "expired"),
        (_client_error("RequestExpired"), "clock"),
        (_client_error("Throttling", "Rate exceeded"), "throttled CreateRole (Throttling)"),
        (_client_error("ThrottlingException"), "throttled"),
        (_client_error("TooManyRequestsException"), "throttled"),
        (
            _client_error(
                "AccessDenied",
                "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
                "iam:CreateRole on resource: arn:aws:iam::123456789012:role/shop-lambda "
                "because no identity-based policy allows the iam:CreateRole action",
            ),
            "AWS denied iam:CreateRole to arn:aws:iam::123456789012:user/bob on "
            "arn:aws:iam::123456789012:role/shop-lambda (AccessDenied: because no "
            "identity-based policy allows the iam:CreateRole action)",
        ),
        (
            _client_error(
                "AccessDeniedException",
                "User: arn:aws:sts::123456789012:assumed-role/Dev/me is not authorized to "
                'perform: glue:CreateDatabase on resource: "arn:aws:glue:us-east-1:1:catalog" '
                "with an explicit deny in a service control policy",
            ),
            "AWS denied glue:CreateDatabase to arn:aws:sts::123456789012:assumed-role/Dev/me "
            "on arn:aws:glue:us-east-1:1:catalog",
        ),
        (
            _client_error("UnauthorizedOperation", "You are not authorized", "DescribeVpcs"),
            "AWS denied DescribeVpcs (UnauthorizedOperation: You are not authorized)",
        ),
        (_client_error("403", "Forbidden", "HeadBucket"), "AWS denied HeadBucket"),
    ],
)
def test_expected_aws_errors_are_explained(exc, said):
    message = explain_aws_error(exc)
    assert message is not None and said in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "exc", [_client_error("NoSuchEntity"), _client_error("ValidationError"), RuntimeError("bug")]
)
def test_other_errors_are_not_explained_away(exc):
    assert explain_aws_error(exc) is None


def test_an_aws_refusal_in_the_middle_of_a_command_is_one_line(monkeypatch, capsys):
    import infra_scripts.provision

    def deploy(settings, session):
        raise _client_error("ThrottlingException", "Rate exceeded", "PutRule")

    monkeypatch.setattr(cli, "_session_for", lambda settings: object())
    monkeypatch.setattr(infra_scripts.provision, "deploy", deploy)
    assert main(["deploy", "--target", "aws"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) <= 5 and "Traceback" not in err
    assert "throttled PutRule (ThrottlingException)" in err and "run it again" in err
    with pytest.raises(ClientError):  # --debug: the traceback
        main(["deploy", "--target", "aws", "--debug"])


def test_an_unexpected_error_keeps_its_traceback(monkeypatch):
    import infra_scripts.provision

    def deploy(settings, session):
        raise KeyError("a bug")

    monkeypatch.setattr(cli, "_session_for", lambda settings: object())
    monkeypatch.setattr(infra_scripts.provision, "deploy", deploy)
    with pytest.raises(KeyError):
        main(["deploy"])


# --- retailkit local logs --errors ----------------------------------------------------------
# The server's log format (server/front.py); request lines end with a space when the
# request had no X-Amz-Target.
LOG_LINES = [
    "2026-12-07 00:30:26,000 INFO localcloud: local cloud listening on http://127.0.0.1:4566",
    "2026-12-07 00:30:26,865 INFO localcloud.requests: GET /raw-bucket?list-type=2 200 ",
    "2026-12-07 00:30:26,874 INFO localcloud.requests: "
    "POST / 400 AWSStepFunctions.StartExecution ExecutionAlreadyExists",
    "2026-12-07 00:30:26,875 INFO localcloud.requests: HEAD /shop-raw-eb805c6c 404 ",
    "2026-12-07 00:30:26,876 INFO localcloud.requests: POST / 200 AWSGlue.GetTable",
    "2026-12-07 00:30:26,877 INFO localcloud.requests: POST / 500 AWSGlue.StartJobRun",
    "2026-12-07 00:30:26,878 INFO localcloud.requests: POST / - ",
    "2026-12-07 00:30:27,001 WARNING localcloud.glue: job shop-etl run jr_1 timed out",
    "2026-12-07 00:30:27,002 ERROR werkzeug: Error on request:",
    "Traceback (most recent call last):",
    '  File "werkzeug/serving.py", line 370, in run_wsgi',
    "ValueError: bad",
    "2026-12-07 00:30:27,003 INFO localcloud: services installed (moto 5.2.5, 40 patches)",
    "  an INFO record's second line",
    "Traceback (most recent call last):",
    '  File "infra_scripts/localcloud/warm_python_zygote.py", line 113, in _run_child',
    "FileNotFoundError: [Errno 2] No such file or directory: 'lambda_worker.py'",
    "2026-12-07 00:30:28,000 CRITICAL localcloud: the local cloud could not install its services",
    "2026-12-07 00:30:28,400 INFO localcloud.requests: "
    "POST /2015-03-31/functions/f/invocations 200 lambda.Invoke FunctionError=Unhandled",
    "2026-12-07 00:30:28,450 INFO localcloud.requests: "
    "POST /2015-03-31/functions/f/invocations 200 lambda.Invoke (in-process)",
    "2026-12-07 00:30:28,500 INFO localcloud.requests: PUT /shop-raw-eb805c6c/incoming/a.csv 200 ",
]
LOG = "\n".join(LOG_LINES) + "\n"

FAILURES = [
    "2026-12-07 00:30:26,874 INFO localcloud.requests: POST / 400 "
    "AWSStepFunctions.StartExecution ExecutionAlreadyExists",
    "2026-12-07 00:30:26,875 INFO localcloud.requests: HEAD /shop-raw-eb805c6c 404 ",
    "2026-12-07 00:30:26,877 INFO localcloud.requests: POST / 500 AWSGlue.StartJobRun",
    "2026-12-07 00:30:27,001 WARNING localcloud.glue: job shop-etl run jr_1 timed out",
    "2026-12-07 00:30:27,002 ERROR werkzeug: Error on request:",
    "Traceback (most recent call last):",
    '  File "werkzeug/serving.py", line 370, in run_wsgi',
    "ValueError: bad",
    "Traceback (most recent call last):",
    '  File "infra_scripts/localcloud/warm_python_zygote.py", line 113, in _run_child',
    "FileNotFoundError: [Errno 2] No such file or directory: 'lambda_worker.py'",
    "2026-12-07 00:30:28,000 CRITICAL localcloud: the local cloud could not install its services",
    "2026-12-07 00:30:28,400 INFO localcloud.requests: "
    "POST /2015-03-31/functions/f/invocations 200 lambda.Invoke FunctionError=Unhandled",
]


def test_failure_lines_keeps_only_failures():
    assert list(failure_lines(LOG.splitlines())) == FAILURES


def test_local_logs_errors_prints_the_last_failure_lines(tmp_path, capsys):
    (tmp_path / "localcloud.log").write_text(LOG)
    assert main(["local", "logs", "--errors", "-n", "3", "--state-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == FAILURES[-3:]
    assert main(["local", "logs", "-n", "1", "--state-dir", str(tmp_path)]) == 0
    assert "PUT /shop-raw-eb805c6c/incoming/a.csv 200" in capsys.readouterr().out
