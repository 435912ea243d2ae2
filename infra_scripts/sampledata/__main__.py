"""``python -m infra_scripts.sampledata [sample-data] COMMAND ...`` (standalone CLI)."""

from __future__ import annotations

import argparse
import sys

from infra_scripts.sampledata.cli import add_cli


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (the ``sample-data`` word is optional) and run the command."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if not args_in or args_in[0] not in ("sample-data", "-h", "--help"):
        args_in.insert(0, "sample-data")
    parser = argparse.ArgumentParser(prog="python -m infra_scripts.sampledata")
    add_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(args_in)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
