"""``retailkit sample-data ...``: generate sales files, the bad corpus and the committed files."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from infra_scripts.sampledata import business, reason_codes
from infra_scripts.sampledata.bad_files import markdown_table, unexpected_files, write_bad_corpus
from infra_scripts.sampledata.generate import DEFAULT_START, GenerateOptions, generate
from infra_scripts.sampledata.schema import FORMATS, SCHEMAS
from infra_scripts.sampledata.seed_files import write_seed_files

_SUFFIXES = {"k": 1_000, "m": 1_000_000}


def row_count(text: str) -> int:
    """Parse a row count: ``1000``, ``1_000_000``, ``250k``, ``2.5M`` or ``10M``."""
    multiplier = _SUFFIXES.get(text[-1:].lower(), 1)
    try:
        value = int(float(text[:-1]) * multiplier) if multiplier > 1 else int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a row count: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("row count must be >= 0")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def default_sample_dir() -> Path:
    """The repository's ``sample_data/`` when run from a checkout, else ``./sample_data``."""
    in_repo = Path(__file__).resolve().parents[2] / "sample_data"
    return in_repo if in_repo.is_dir() else Path("sample_data")


def business_sample_dir(contract: str) -> Path:
    """Where a business's committed samples live: ``sample_data/`` or ``sample_data/<name>/``."""
    root = default_sample_dir()
    return root if contract == business.SPECIALISED else root / contract


def run_generate(args: argparse.Namespace) -> int:
    """``sample-data generate``."""
    options = GenerateOptions(
        rows=args.rows,
        out=args.out,
        fmt=args.fmt,
        schema=args.schema,
        seed=args.seed,
        daily=args.daily,
        days=args.days if args.days is not None else (7 if args.daily else 1),
        start=args.start,
        contract=args.contract,
    )
    try:
        result = generate(options, progress=None if args.quiet else sys.stderr)
    except ValueError as error:
        print(f"sample-data generate: {error}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0


def run_bad(args: argparse.Namespace) -> int:
    """``sample-data bad``."""
    contract = args.contract
    if args.markdown:
        print("#### File-level codes\n\n" + reason_codes.markdown_table(reason_codes.FILE_LEVEL))
        row_level = reason_codes.row_level(contract)
        print("#### Row-level codes\n\n" + reason_codes.markdown_table(row_level))
        print(markdown_table(contract=contract), end="")
        return 0
    out = args.out or business_sample_dir(contract) / "bad"
    paths = write_bad_corpus(out, contract=contract)
    print(f"wrote {len(paths) - 1} bad files and manifest.json to {out}")
    for stale in unexpected_files(out, contract=contract):
        print(f"warning: {stale} is not part of the corpus (stale?)", file=sys.stderr)
    return 0


def run_seed_files(args: argparse.Namespace) -> int:
    """``sample-data seed-files``."""
    out = args.out or business_sample_dir(args.contract)
    result = write_seed_files(out, seed=args.seed, contract=args.contract)
    print(f"{result.summary()} under {out}")
    return 0


def _add_contract(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--contract",
        choices=business.names(),
        default=business.SPECIALISED,
        help=f"the business whose data contract the files follow (default {business.SPECIALISED})",
    )


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``generate``, ``bad`` and ``seed-files`` subcommands to a parser."""
    commands = parser.add_subparsers(dest="sample_data_command", required=True, metavar="COMMAND")

    gen = commands.add_parser(
        "generate",
        help="generate sales files of any size (streaming, seeded)",
        description="Generate N sales rows; the same options and seed give identical bytes.",
    )
    gen.add_argument("--rows", type=row_count, required=True, help="rows: 1000, 250k, 10M")
    gen.add_argument("--format", dest="fmt", choices=FORMATS, default="csv")
    gen.add_argument(
        "--schema",
        choices=sorted(SCHEMAS),
        default="seed",
        help="seed: the contract's required columns; extended: every column (default seed)",
    )
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument("--out", type=Path, required=True, help="output directory")
    gen.add_argument("--daily", action="store_true", help="one file per day")
    gen.add_argument("--days", type=_positive, help="days covered (default 1; 7 with --daily)")
    gen.add_argument(
        "--start",
        type=date.fromisoformat,
        default=DEFAULT_START,
        help=f"first day, YYYY-MM-DD (default {DEFAULT_START})",
    )
    gen.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _add_contract(gen)
    gen.set_defaults(func=run_generate)

    bad = commands.add_parser(
        "bad",
        help="regenerate the bad-file corpus and its manifest",
        description="Write every bad file and manifest.json (default: sample_data/bad).",
    )
    bad.add_argument("--out", type=Path, default=None, help="output directory")
    bad.add_argument(
        "--markdown",
        action="store_true",
        help="only print the reason-code and file tables of sample_data/README.md",
    )
    _add_contract(bad)
    bad.set_defaults(func=run_bad)

    seed = commands.add_parser(
        "seed-files",
        help="regenerate the committed seed/ and extended/ files",
        description="Write sample_data/seed/ and sample_data/extended/ (bookstore), "
        "sample_data/<contract>/seed/ (another business), or under --out.",
    )
    seed.add_argument(
        "--out", type=Path, default=None, help="root directory (has seed/, extended/)"
    )
    seed.add_argument("--seed", type=int, default=None, help="default: the business's own")
    _add_contract(seed)
    seed.set_defaults(func=run_seed_files)


def add_cli(subparsers: Any) -> None:
    """Register ``sample-data`` on the ``retailkit`` CLI's subparsers."""
    parser = subparsers.add_parser(
        "sample-data",
        help="sample sales files: generate at scale, bad corpus, committed files",
        description="Sample sales data for the pipeline.",
    )
    configure(parser)
