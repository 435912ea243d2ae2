"""``retailkit``: a thin command line over the kit's Python API."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from infra_scripts.config import Settings
from infra_scripts.cost import add_cli as add_cost_cli
from infra_scripts.exceptions import RetailKitError
from infra_scripts.notebooks import add_cli as add_notebooks_cli
from infra_scripts.sampledata.cli import add_cli as add_sample_data_cli

Handler = Callable[[argparse.Namespace, Settings], int]


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.load(
        target=getattr(args, "target", None),
        region=getattr(args, "region", None),
        stack_name=getattr(args, "stack", None),
        local_port=getattr(args, "port", None),
        state_dir=getattr(args, "state_dir", None),
    )


# --- retailkit local ... ------------------------------------------------------------------
def _local_start(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud import process

    if args.foreground:
        from infra_scripts.localcloud.server import front as server

        # this process becomes the server: the environment a background start would give it
        environment = process.server_environment(settings)
        os.environ.clear()
        os.environ.update(environment)
        return server.main(
            ["--port", str(settings.local_port), "--state-dir", str(settings.state_dir)]
        )
    started_at = time.perf_counter()
    status, started = process.start(settings)
    if started:
        print(f"started in {time.perf_counter() - started_at:.1f}s: {status.describe()}")
        print(f"log: {process.log_file(settings)}")
    else:
        print(f"already running: {status.describe()}")
    return 0


def _local_stop(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud import process

    if process.stop(settings):
        print(f"stopped the local cloud on port {settings.local_port}")
    else:
        print(f"the local cloud is not running (no live server recorded in {settings.state_dir})")
    return 0


def _local_status(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud import process

    status = process.status(settings)
    print(status.describe())
    return 0 if status.running else 3


def _local_logs(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud import process

    path = process.log_file(settings)
    if not path.exists():
        print(f"no log yet at {path}; start the local cloud with `retailkit local start`")
        return 1
    print(process.read_log(settings, args.lines))
    if args.follow:
        with path.open(errors="replace") as handle:
            handle.seek(0, 2)
            try:
                while True:
                    line = handle.readline()
                    if line:
                        print(line, end="")
                    else:
                        time.sleep(0.2)
            except KeyboardInterrupt:
                return 0
    return 0


def _local_outbox(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud.outbox import list_mail, outbox_dir

    mails = list_mail(settings, to=args.to, limit=args.limit)
    if not mails:
        print(f"the outbox is empty ({outbox_dir(settings)})")
        return 0
    for mail in mails:
        print(f"{mail.time}  to {mail.to}  [{mail.protocol}]  {mail.subject}")
        if args.body:
            print("    " + mail.body.replace("\n", "\n    ") + "\n")
    return 0


# --- retailkit deploy | destroy | status | plan ------------------------------------------
def _session_for(settings: Settings):  # -> boto3.Session
    """The Session for the target; on local, the local cloud is started first if needed."""
    from infra_scripts.session import make_session

    if settings.target == "local":
        from infra_scripts.localcloud import process

        status, started = process.start(settings)
        if started:
            print(f"started {status.describe()}")
    return make_session(settings)


def _deploy(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.provision import deploy

    deploy(settings, _session_for(settings))
    return 0


def _plan(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.provision import plan

    changes = plan(settings, _session_for(settings))
    todo = [c for c in changes if c.action != "none"]
    for change in todo if not args.all else changes:
        print(change.describe())
    print(
        f"plan for stack {settings.stack_name} ({settings.target}): "
        + (
            f"{len(todo)} of {len(changes)} resources to create or change"
            if todo
            else "nothing to do"
        )
    )
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.provision import status

    grouped = status(settings, _session_for(settings))
    for change in grouped["update"] + grouped["create"]:
        print(change.describe())
    print(
        f"stack {settings.stack_name} ({settings.target}): {len(grouped['none'])} in sync, "
        f"{len(grouped['update'])} drifted, {len(grouped['create'])} missing"
    )
    return 0 if not grouped["update"] and not grouped["create"] else 4


def _destroy(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.provision import destroy

    if settings.target == "aws" and not args.yes:
        if not sys.stdin.isatty():
            print(
                "error: destroying an AWS stack needs --yes when not interactive", file=sys.stderr
            )
            return 2
        answer = input(f"Delete every resource of stack {settings.stack_name} in AWS? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    destroy(settings, _session_for(settings))
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.demo import run_demo

    return 0 if run_demo(settings) else 1


def _local_smoke(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.smoke import run_smoke

    return 0 if run_smoke(settings) else 1


# --- parser -------------------------------------------------------------------------------
def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, help="local cloud port (default 4566, env RETAIL_KIT_LOCAL_PORT)"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="folder for the local cloud's PID, log and outbox (default .localcloud/)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retailkit",
        description="Retail Pipeline Kit: build, run and learn a serverless retail data "
        "pipeline, on the offline local cloud or on AWS.",
    )
    parser.add_argument(
        "--target",
        choices=("local", "aws"),
        help="where to run (default local, env RETAIL_KIT_TARGET)",
    )
    parser.add_argument("--region", help="AWS region (default us-east-1, env RETAIL_KIT_REGION)")
    parser.add_argument(
        "--stack", help="stack name, prefix of every resource (env RETAIL_KIT_STACK_NAME)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    local = commands.add_parser(
        "local",
        help="start, stop and inspect the local cloud",
        description="The local cloud: an AWS endpoint on 127.0.0.1 (moto plus real executors) "
        "that runs in the background until stopped.",
    )
    local_cmds = local.add_subparsers(dest="local_command", metavar="ACTION", required=True)
    start = local_cmds.add_parser(
        "start",
        help="start it in the background (does nothing if already running)",
        description="Start the local cloud in the background; idempotent.",
    )
    start.add_argument(
        "--foreground", action="store_true", help="run in this terminal instead (Ctrl-C stops)"
    )
    start.set_defaults(func=_local_start)
    local_cmds.add_parser(
        "stop", help="stop the local cloud started from this state dir"
    ).set_defaults(func=_local_stop)
    local_cmds.add_parser(
        "status", help="health, port and moto version (exit 3 if not running)"
    ).set_defaults(func=_local_status)
    logs = local_cmds.add_parser("logs", help="show the local cloud's log")
    logs.add_argument("-n", "--lines", type=int, default=50, help="how many lines (default 50)")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    logs.set_defaults(func=_local_logs)
    outbox = local_cmds.add_parser("outbox", help="list the e-mails SNS sent (newest first)")
    outbox.add_argument("-n", "--limit", type=int, default=20, help="at most this many (20)")
    outbox.add_argument("--to", help="only mails to this address")
    outbox.add_argument("--body", action="store_true", help="print each mail's body too")
    outbox.set_defaults(func=_local_outbox)
    local_cmds.add_parser(
        "smoke",
        help="self-test: a tiny Lambda, Glue job and state machine from an S3 upload to a mail",
    ).set_defaults(func=_local_smoke)
    for sub in (start, logs, outbox, *[local_cmds.choices[n] for n in ("stop", "status", "smoke")]):
        _add_common(sub)

    for name, func, text in (
        ("deploy", _deploy, "create or update every resource of the stack (idempotent)"),
        ("plan", _plan, "list what deploy would create or change (drift included)"),
        ("status", _status, "in sync / drifted / missing per resource (exit 4 if not in sync)"),
        ("destroy", _destroy, "delete every resource of the stack (a second run does nothing)"),
    ):
        sub = commands.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        _add_common(sub)
        sub.set_defaults(func=func)
        if name == "plan":
            sub.add_argument("--all", action="store_true", help="also list unchanged resources")
        if name == "destroy":
            sub.add_argument("--yes", action="store_true", help="do not ask (AWS target)")

    demo = commands.add_parser(
        "demo",
        help="the pipeline end to end on the local cloud: deploy, upload samples, query",
        description="Start the local cloud if needed, deploy the pipeline, upload the sample "
        "files (and two bad ones), follow the executions, show the mails and revenue by genre "
        "through Athena.",
    )
    _add_common(demo)
    demo.set_defaults(func=_demo)

    add_sample_data_cli(commands)
    add_notebooks_cli(commands)
    add_cost_cli(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "func", None) is None:
            parser.print_help()
            return 2
        if args.command in ("sample-data", "cost"):  # offline: no settings needed
            return int(args.func(args))
        return int(args.func(args, _settings(args)))
    except RetailKitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
