"""``retailkit``: a thin command line over the kit's Python API."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from infra_scripts.config import TARGETS, Settings
from infra_scripts.contracts import add_cli as add_contract_cli
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
        contract=getattr(args, "contract", None),
        local_port=getattr(args, "port", None),
        state_dir=getattr(args, "state_dir", None),
        local_ephemeral=getattr(args, "ephemeral", None),
        local_iam=False if getattr(args, "no_iam", None) else None,
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
            [
                "--port",
                str(settings.local_port),
                "--state-dir",
                str(settings.state_dir),
                *(["--ephemeral"] if settings.local_ephemeral else []),
                *([] if settings.local_iam else ["--no-iam"]),
            ]
        )
    started_at = time.perf_counter()
    status, started = process.start(settings)
    if started:
        print(f"started in {time.perf_counter() - started_at:.1f}s: {status.describe()}")
        print(f"log: {process.log_file(settings)}")
        return 0
    if not status.serves(settings):
        print(f"error: {_other_state_dir(status, settings)}", file=sys.stderr)
        return 1
    print(f"already running: {status.describe()}")
    if not Path(settings.state_dir).is_dir():
        print(
            f"note: its state dir {settings.state_dir} was deleted (PID file, log, outbox); "
            "`retailkit local stop` still stops it"
        )
    return 0


def _local_reset(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud import process

    entries = process.resettable(settings)
    if not entries:
        print(f"nothing to reset: {settings.state_dir} holds no saved state")
        return 0
    names = ", ".join(entry.name + "/" for entry in entries)
    if not args.yes:
        if not sys.stdin.isatty():
            print(
                "error: resetting the local cloud needs --yes when not interactive",
                file=sys.stderr,
            )
            return 2
        answer = input(
            f"Stop the local cloud and start it empty? Its state ({names} in "
            f"{settings.state_dir}) is moved aside, not deleted. [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing reset")
            return 1
    moved = process.reset_state(settings)
    print(f"reset: {names} moved to {moved} (delete it when you no longer need it)")
    print("the next `retailkit local start` is empty: deploy again with `retailkit deploy`")
    return 0


def _other_state_dir(status: Any, settings: Settings) -> str:  # status: process.Status
    port = settings.local_port
    return (
        f"a local cloud of this kit already runs on port {port} (pid {status.pid}) for another "
        f"state dir, {status.state_dir}, not {settings.state_dir}; stop it with "
        f"`retailkit local stop --port {port}`, or use another port (--port N)"
    )


def _local_stop(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud import process

    stopped = process.stop_servers(settings)
    for server in stopped:
        state = server.state_dir or "unknown"
        if server.state_dir and not Path(server.state_dir).is_dir():
            state += ", deleted"
        elif not process.same_dir(server.state_dir, settings.state_dir):
            state += ", not this one"
        if server.port:
            where = f"on port {server.port} (pid {server.pid}, state dir {state})"
        else:  # recorded in this state dir's PID file, not answering on the port
            where = f"of state dir {state} (pid {server.pid}, from its PID file)"
        print(f"stopped the local cloud {where}")
    if not stopped:
        print(
            f"the local cloud is not running (nothing of this kit answers on port "
            f"{settings.local_port}, no live server recorded in {settings.state_dir})"
        )
    return 0


def _local_status(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud import process

    status = process.status(settings)
    print(status.describe())
    if status.running and not status.serves(settings):
        print(f"note: {_other_state_dir(status, settings)}")
    return 0 if status.running else 3


def _local_logs(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.localcloud import process

    path = process.log_file(settings)
    if not path.exists():
        print(f"no log yet at {path}; start the local cloud with `retailkit local start`")
        return 1
    text = process.read_log(settings, args.lines, errors_only=args.errors)
    if args.errors and not text:
        text = f"(no failure in {path})"
    print(text)
    if args.follow:
        with path.open(errors="replace") as handle:
            handle.seek(0, 2)
            new_lines = _follow(handle)
            try:
                for line in process.failure_lines(new_lines) if args.errors else new_lines:
                    print(line, flush=True)
            except KeyboardInterrupt:
                return 0
    return 0


def _follow(handle: Any) -> Iterator[str]:
    """The lines written to ``handle``'s file from now on, without their newline; forever."""
    while True:
        line = handle.readline()
        if line:
            yield line.rstrip("\n")
        else:
            time.sleep(0.2)


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
    """The Session for the target, checked before any change: on local the local cloud is
    started first if needed; on aws the credentials must be there and valid (else one line,
    :class:`~infra_scripts.exceptions.AwsAccessError`)."""
    from infra_scripts.session import checked_aws_session, make_session

    if settings.target == "aws":
        return checked_aws_session(settings)
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

    if settings.target == "aws" and not args.yes and not sys.stdin.isatty():
        print("error: destroying an AWS stack needs --yes when not interactive", file=sys.stderr)
        return 2
    session = _session_for(settings)  # on aws: the credentials are checked before asking
    if settings.target == "aws" and not args.yes:
        answer = input(f"Delete every resource of stack {settings.stack_name} in AWS? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    destroy(settings, session)
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    if settings.target == "aws":
        given, local = (
            ("--target aws", "drop --target aws")
            if args.target
            else ("RETAIL_KIT_TARGET=aws", "unset RETAIL_KIT_TARGET (or add --target local)")
        )
        print(
            f"error: `retailkit demo` runs the pipeline on the offline local cloud only, never "
            f"on AWS, and {given} asks for AWS: {local} to run it locally; on AWS run "
            "`retailkit --target aws deploy` (or the notebook tour, "
            "`retailkit --target aws notebooks run`)",
            file=sys.stderr,
        )
        return 2
    from infra_scripts.demo import run_demo

    return 0 if run_demo(settings) else 1


def _local_smoke(args: argparse.Namespace, settings: Settings) -> int:
    from infra_scripts.smoke import run_smoke

    return 0 if run_smoke(settings) else 1


# --- argparse in plain words --------------------------------------------------------------
def whole_number(minimum: int = 0, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number in ``[minimum, maximum]``."""
    expected = f"a whole number ≥ {minimum}"
    if maximum is not None:
        expected = f"a whole number from {minimum} to {maximum}"

    def parse(text: str) -> int:
        value = int(text)
        if value < minimum or (maximum is not None and value > maximum):
            raise ValueError(text)
        return value

    parse.__name__ = expected
    parse.expected = expected  # type: ignore[attr-defined]
    return parse


# What the kit's own argparse types expect, for those that do not say it themselves (an
# ``expected`` attribute, as whole_number's); keyed by "module.qualname".
EXPECTED = {
    "builtins.int": "a whole number",
    "builtins.float": "a number",
    "date.fromisoformat": "a date as YYYY-MM-DD",
    "infra_scripts.cost._non_negative": "a number ≥ 0",
    "infra_scripts.cost._rows": "a row count such as 1000, 250k or 1M",
    "infra_scripts.sampledata.cli.row_count": "a row count such as 1000, 250k or 10M",
    "infra_scripts.sampledata.cli._positive": "a whole number ≥ 1",
}


def expected_of(type_func: Callable[[str], Any]) -> str | None:
    """What an argparse ``type`` accepts, in words (None when the kit does not know)."""
    given = getattr(type_func, "expected", None)
    if given:
        return str(given)
    module = getattr(type_func, "__module__", None)
    name = getattr(type_func, "__qualname__", None) or getattr(type_func, "__name__", "")
    return EXPECTED.get(f"{module}.{name}" if module else name)


def plain_type(type_func: Callable[[str], Any]) -> Callable[[str], Any]:
    """``type_func`` whose failures read ``expected a whole number ≥ 0, got 'ten'`` instead of
    argparse's ``invalid _non_negative value: 'ten'``."""
    expected = expected_of(type_func)

    def parse(text: str) -> Any:
        try:
            return type_func(text)
        except argparse.ArgumentTypeError as exc:
            if expected is None:
                said = str(exc)
                raise argparse.ArgumentTypeError(
                    said if repr(text) in said else f"{said}, got {text!r}"
                ) from None
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        except (TypeError, ValueError):
            name = getattr(type_func, "__name__", "value").strip("_").replace("_", " ")
            what = expected or f"a {name} value"
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None

    parse.__name__ = expected or getattr(type_func, "__name__", "value")
    parse.plain = True  # type: ignore[attr-defined]
    return parse


class Parser(argparse.ArgumentParser):
    """argparse's parser, with its messages in plain words: ``--keep: expected …`` rather
    than ``argument --keep: invalid _non_negative value: …``."""

    def error(self, message: str) -> NoReturn:
        super().error(message.removeprefix("argument "))


# --- options accepted before or after the command -----------------------------------------
# The one definition of --target, --region, --stack, --contract (and --debug): every parser
# of the tree gets them (the offline commands' apart), each under a dest of its own, so that
# a value given after the command does not overwrite one given before it; main() merges them.
PLACED_OPTIONS: dict[str, dict[str, Any]] = {
    "target": {
        "choices": TARGETS,
        "help": "where to run: local (the default) or aws (env RETAIL_KIT_TARGET)",
    },
    "region": {
        "metavar": "REGION",
        "help": "AWS region (default us-east-1, env RETAIL_KIT_REGION)",
    },
    "stack": {
        "metavar": "NAME",
        "help": "stack name, prefix of every resource (env RETAIL_KIT_STACK_NAME)",
    },
    "contract": {
        "metavar": "NAME|PATH",
        "help": "the business's data contract: bookstore (the default), cafe, or a file "
        "(env RETAIL_KIT_CONTRACT); another business gets its own stack, retail-kit-<business>",
    },
    "debug": {
        "action": "store_true",
        "help": "show the traceback of expected errors too (credentials, AWS refusals)",
    },
}
OFFLINE_COMMANDS = (
    "sample-data",
    "cost",
    "contract",
)  # no settings: --target and co. mean nothing there
# --target given to the parser "retailkit local start" is stored as "target@retailkit local start"
_PLACED = "@"


def _children(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:  # argparse keeps no public accessor
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def _parsers(
    parser: argparse.ArgumentParser, skip: Sequence[str] = ()
) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every parser under it, once each, without the subtrees named ``skip``."""
    yield parser
    seen: set[int] = set()
    for name, child in _children(parser):
        if name not in skip and id(child) not in seen:
            seen.add(id(child))
            yield from _parsers(child)


def _add_placed_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where and how (before or after the command)")
    for name, spec in PLACED_OPTIONS.items():
        try:
            group.add_argument(
                f"--{name}", dest=f"{name}{_PLACED}{parser.prog}", default=argparse.SUPPRESS, **spec
            )
        except argparse.ArgumentError:  # the command defines its own --<name>: that one counts
            continue


def _merge_placed(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Set ``args.target`` (``region``, ``stack``, ``debug``) from wherever it was given;
    a usage error when given before and after the command with different values."""
    given: dict[str, list[tuple[str, Any]]] = {name: [] for name in PLACED_OPTIONS}
    for key in list(vars(args)):
        name, placed, where = key.partition(_PLACED)
        if placed and name in PLACED_OPTIONS:
            given[name].append((where, getattr(args, key)))
            delattr(args, key)
    for name, values in given.items():
        if PLACED_OPTIONS[name].get("action") == "store_true":
            setattr(args, name, any(value for _, value in values) or getattr(args, name, False))
            continue
        if len({value for _, value in values}) > 1:
            places = " and ".join(
                f"{value!r} "
                + ("before the command" if where == parser.prog else f"after `{where}`")
                for where, value in values
            )
            parser.error(f"--{name} is given twice with different values: {places}; give it once")
        if values:
            setattr(args, name, values[-1][1])
        elif not hasattr(args, name):
            setattr(args, name, None)


def _plain_types(parser: argparse.ArgumentParser) -> None:
    for each in _parsers(parser):
        for action in each._actions:
            if callable(action.type) and not getattr(action.type, "plain", False):
                action.type = plain_type(action.type)


# --- parser -------------------------------------------------------------------------------
def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=whole_number(1, 65535),
        help="local cloud port (default 4566, env RETAIL_KIT_LOCAL_PORT)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="folder for the local cloud's PID, log and outbox (default .localcloud/)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="retailkit",
        description="Retail Pipeline Kit: build, run and learn a serverless retail data "
        "pipeline, on the offline local cloud or on AWS.",
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
        description="Start the local cloud in the background; idempotent. If a local cloud of "
        "another state dir answers on the port, says so (exit 1).",
    )
    start.add_argument(
        "--foreground", action="store_true", help="run in this terminal instead (Ctrl-C stops)"
    )
    start.add_argument(
        "--ephemeral",
        action="store_true",
        default=None,
        help="keep the state in memory only, lost at stop (default: kept in STATE_DIR/state; "
        "RETAIL_KIT_LOCAL_EPHEMERAL=1 sets it too)",
    )
    start.add_argument(
        "--no-iam",
        action="store_true",
        default=None,
        help="allow every request of the cloud's own code (Lambda, Glue, Step Functions, "
        "EventBridge); default: IAM evaluated for their roles (RETAIL_KIT_LOCAL_IAM=0 too)",
    )
    start.set_defaults(func=_local_start)
    reset = local_cmds.add_parser(
        "reset",
        help="stop the local cloud and start empty (its state is moved aside, not deleted)",
        description="Stop the local cloud of this state dir and move its saved state, files, "
        "stack outputs and mails into STATE_DIR/reset-<time>/; the next start is empty. Asks "
        "first unless --yes.",
    )
    reset.add_argument("--yes", action="store_true", help="do not ask")
    reset.set_defaults(func=_local_reset)
    local_cmds.add_parser(
        "stop",
        help="stop the local cloud of this state dir, and the kit's local cloud on the port",
        description="Stop the local cloud recorded in the state dir and the kit's local cloud "
        "that answers on the port, whatever its state dir (deleted, or another one). Never "
        "another program.",
    ).set_defaults(func=_local_stop)
    local_cmds.add_parser(
        "status", help="health, port and moto version (exit 3 if not running)"
    ).set_defaults(func=_local_status)
    logs = local_cmds.add_parser("logs", help="show the local cloud's log")
    logs.add_argument(
        "-n", "--lines", type=whole_number(1), default=50, help="how many lines (default 50)"
    )
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    logs.add_argument(
        "--errors",
        action="store_true",
        help="only failures: WARNING, ERROR and CRITICAL records (with their tracebacks), "
        "requests answered 400 or more, tracebacks of Lambda handlers and Glue scripts",
    )
    logs.set_defaults(func=_local_logs)
    outbox = local_cmds.add_parser("outbox", help="list the e-mails SNS sent (newest first)")
    outbox.add_argument(
        "-n", "--limit", type=whole_number(1), default=20, help="at most this many (20)"
    )
    outbox.add_argument("--to", help="only mails to this address")
    outbox.add_argument("--body", action="store_true", help="print each mail's body too")
    outbox.set_defaults(func=_local_outbox)
    local_cmds.add_parser(
        "smoke",
        help="self-test: a tiny Lambda, Glue job and state machine from an S3 upload to a mail",
    ).set_defaults(func=_local_smoke)
    for sub in (
        start,
        reset,
        logs,
        outbox,
        *[local_cmds.choices[n] for n in ("stop", "status", "smoke")],
    ):
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
        description="Start the local cloud if needed, deploy the pipeline, upload the "
        "business's sample files (and two bad ones), follow the executions, show the mails and "
        "revenue per partition value (the bookstore's genres) through Athena. Local only: it "
        "refuses --target aws.",
    )
    _add_common(demo)
    demo.set_defaults(func=_demo)

    add_sample_data_cli(commands)
    add_notebooks_cli(commands)
    add_cost_cli(commands)
    add_contract_cli(commands)
    for each in _parsers(parser, skip=OFFLINE_COMMANDS):
        _add_placed_options(each)
    _plain_types(parser)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line as a Namespace, ``--target``/``--region``/``--stack`` merged from
    before and after the command (``args.target`` etc., None when not given)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _merge_placed(parser, args)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """``retailkit``. Errors a user is expected to meet (the kit's own, missing or expired AWS
    credentials, AWS throttling or refusing a call, no route to AWS) are one ``error:`` line
    on stderr, exit 1; ``--debug`` shows their traceback. Any other error keeps its traceback.
    """
    args = parse_args(argv)
    try:
        if getattr(args, "func", None) is None:
            build_parser().print_help()
            return 2
        if args.command in OFFLINE_COMMANDS:  # offline: no settings needed
            return int(args.func(args))
        return int(args.func(args, _settings(args)))
    except RetailKitError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from infra_scripts.session import explain_aws_error  # boto3: only when needed

        message = explain_aws_error(exc)
        if message is None or args.debug:
            raise
        print(f"error: {message}", file=sys.stderr)
        print(
            "the command stopped at that call; what it did before stays (deploy and destroy "
            "pick up where they stopped: run it again once fixed)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
