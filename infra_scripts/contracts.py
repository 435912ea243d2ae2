"""``retailkit contract``: show, validate and start data contracts (offline).

The contract format and its checks are :mod:`pipeline_src.contracts` (they travel with the
pipeline's code); this is the operator's side: readable summaries, one error per line and
a starting file to edit.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pipeline_src import contracts
from pipeline_src.contracts.model import Contract

EXIT_INVALID = 2


def of_outputs(outputs: dict[str, Any]) -> Contract:
    """The contract a deployed stack runs (its outputs carry it; older stacks: bookstore)."""
    recorded = outputs.get("contract_json")
    if not recorded:
        return contracts.model.get(contracts.model.DEFAULT)
    source = f"stack outputs ({outputs.get('contract', '?')})"
    return Contract(json.loads(recorded), source)


def samples_dir(contract: Contract) -> Path:
    """A business's sample files: ``sample_data/`` for the bookstore (the first business),
    ``sample_data/<business>/`` for the others (each with ``seed/`` and ``bad/``)."""
    root = Path(__file__).resolve().parent.parent / "sample_data"
    return root if contract.name == contracts.model.DEFAULT else root / contract.name


def outputs_entry(contract: Contract) -> dict[str, str]:
    """What deploy records of the contract in the stack's outputs."""
    return {"contract": contract.name, "contract_json": json.dumps(contract.document)}


def summary(document: dict[str, Any]) -> str:
    """A contract as a few lines a shop owner can read."""
    business = document["business"]
    lines = [f"{business['name']}: {business.get('title', '')}".rstrip(": "), ""]
    width = max(len(c["name"]) for c in document["columns"])
    for column in document["columns"]:
        rules = []
        if column.get("required"):
            rules.append("required")
        if "default" in column:
            rules.append(f"default {column['default']!r}")
        if "pattern" in column:
            rules.append(f"matches {column['pattern']}")
        if "allowed" in column:
            rules.append("one of " + ", ".join(column["allowed"]))
        if "canonical" in column:
            rules.append(f"{len(column['canonical'])} known values in canonical casing")
        for key, word in (("min", ">="), ("max", "<=")):
            if key in column:
                rules.append(f"{word} {column[key]}")
        if "case" in column:
            rules.append(f"stored {column['case']}-case")
        line = f"  {column['name']:<{width}}  {column['type']:<14} {'; '.join(rules)}"
        lines.append(line.rstrip())
    lines.append("")
    lines.append(f"de-duplicated by: {', '.join(document.get('dedup_key', [])) or '-'}")
    lines.append(f"partitioned by:   {', '.join(document.get('partition_by', [])) or '-'}")
    sale_date = document.get("sale_date") or {}
    if sale_date:
        fallbacks = " then ".join(sale_date.get("fallbacks", []))
        lines.append(f"sale date:        {sale_date.get('column', '-')} (else {fallbacks or '-'})")
    for name, expression in (document.get("measures") or {}).items():
        lines.append(f"measure {name}: {expression}")
    return "\n".join(lines)


def starting_file(name: str) -> dict[str, Any]:
    """A new business's contract to edit: every part present, each explained."""
    return {
        "$schema": "./contract.schema.json",
        "format": contracts.FORMAT,
        "business": {"name": name, "title": f"{name}: what this business sells"},
        "columns": [
            {
                "name": "item",
                "type": "string",
                "required": True,
                "max_length": 200,
                "description": "what was sold; every text value is checked for length and "
                "formula injection",
            },
            {
                "name": "category",
                "type": "string",
                "required": True,
                "canonical": ["Coffee", "Tea", "Pastry"],
                "description": "known values get this casing; the partition column below",
            },
            {
                "name": "unit_price",
                "type": "decimal(10,2)",
                "required": True,
                "min": 0,
                "description": "decimal(precision,scale), like Athena and Redshift",
            },
            {
                "name": "quantity",
                "type": "integer",
                "required": False,
                "default": 1,
                "min": 1,
                "description": "optional columns may be absent or empty (then the default)",
            },
            {
                "name": "order_id",
                "type": "string",
                "required": True,
                "pattern": "[A-Z0-9-]{4,40}",
                "description": "a regular expression the whole value must match",
            },
            {
                "name": "sold_at",
                "type": "timestamp",
                "required": False,
                "description": "ISO-8601 local time; the sale date comes from it",
            },
        ],
        "dedup_key": ["order_id"],
        "partition_by": ["category"],
        "sale_date": {"column": "sold_at", "fallbacks": ["file_name_date", "upload_date"]},
        "measures": {"revenue": "unit_price * quantity", "units": "quantity"},
        "rules": {"max_field_chars": 1024, "formula_prefixes": ["=", "+", "-", "@", "\t", "\r"]},
    }


def _show(args: argparse.Namespace) -> int:
    if args.name is None:
        for name, path in contracts.bundled().items():
            print(f"{name:<16} {path}")
        return 0
    try:
        print(summary(contracts.load(args.name)))
    except contracts.ContractInvalid as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _validate(args: argparse.Namespace) -> int:
    try:
        document = contracts.load(str(args.path))
    except contracts.ContractInvalid as exc:
        print(f"{exc.source}: invalid contract", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{args.path}: a valid contract for {document['business']['name']!r}")
    return 0


def _new(args: argparse.Namespace) -> int:
    errors = contracts.check(starting_file(args.name))
    if errors:  # a name the format does not accept
        print(f"error: {errors[0]}", file=sys.stderr)
        return EXIT_INVALID
    target = Path(args.output or f"{args.name}.contract.json")
    if target.exists():
        print(f"error: {target} exists: choose another --output", file=sys.stderr)
        return 1
    target.write_text(json.dumps(starting_file(args.name), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}: edit it, then `retailkit contract validate {target}`")
    return 0


def add_cli(subparsers: Any) -> None:
    """Register ``contract`` on the ``retailkit`` CLI's subparsers."""
    parser = subparsers.add_parser(
        "contract",
        help="show, validate or start a business's data contract (offline)",
        description="A data contract says what one business's sales files hold. Offline: "
        "nothing is called.",
    )
    actions = parser.add_subparsers(dest="contract_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="list the bundled contracts, or summarise one")
    show.add_argument("name", nargs="?", help="a bundled business or a contract file")
    show.set_defaults(func=_show)
    validate = actions.add_parser(
        "validate", help="check a contract file: every problem with its place, one per line"
    )
    validate.add_argument("path", type=Path)
    validate.set_defaults(func=_validate)
    new = actions.add_parser("new", help="write a starting contract for a new business")
    new.add_argument("name", help="the business's name: lower-case letters, digits and _")
    new.add_argument("--output", help="file to write (default NAME.contract.json)")
    new.set_defaults(func=_new)
