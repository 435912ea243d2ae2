"""Which operations of a service's botocore model the local cloud serves: measured, not listed.

Starts an ephemeral local cloud, calls every operation of the service once with only its
required members (placeholder values of the right types, so the client can build the
request), and sorts the answers: an operation is *missing* when the local cloud answers
``UnknownOperationException`` (moto has no handler and no patch adds one); any other answer —
success, ``ResourceNotFoundException``, a validation error — means a handler ran.

    python -m infra_scripts.devtools.api_coverage athena
    python -m infra_scripts.devtools.api_coverage athena --markdown docs/athena-api.md
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import Shape

PLACEHOLDER = "local-cloud-probe"

# Why an operation is not offered: service → (operation-name pattern, reason), first match wins.
NOT_OFFERED: dict[str, list[tuple[str, str]]] = {
    "athena": [
        (
            r"Notebook|Session|Calculation|Executors|ApplicationDPUSizes",
            "Apache Spark on Athena (notebooks, sessions, calculations): the local cloud's "
            "Athena runs SQL only",
        ),
        (
            r"(Cancel|Delete)CapacityReservation|CapacityAssignment",
            "provisioned capacity: reservations are recorded (moto's Create/Get/List/Update), "
            "but cancelling, deleting and assigning them are not emulated (capacity is billing, "
            "the local cloud has none to reserve)",
        ),
        (r"SystemTable", "Athena's system tables configuration: not emulated"),
        (
            r"GetQueryResultStream",
            "results as a stream: read them with GetQueryResults or from the CSV in the "
            "output location",
        ),
        (r"GetResourceDashboard", "the console's resource dashboard: not emulated"),
    ],
}


def placeholder(shape: Shape) -> Any:
    """A value of ``shape``'s type with only its required members (what a probe sends)."""
    kind = shape.type_name
    if kind == "structure":
        return {name: placeholder(shape.members[name]) for name in shape.required_members}
    if kind == "list":
        minimum = int(shape.metadata.get("min", 0))
        return [placeholder(shape.member) for _ in range(minimum)]
    if kind == "map":
        return {}
    if kind == "string":
        if "enum" in shape.metadata:
            return shape.metadata["enum"][0]
        value = PLACEHOLDER.ljust(int(shape.metadata.get("min", 0)), "x")
        return value[: int(shape.metadata.get("max", len(value)))]
    if kind in ("integer", "long"):
        return max(1, int(shape.metadata.get("min", 1)))
    if kind in ("float", "double"):
        return 1.0
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return 0
    if kind == "blob":
        return b"x"
    return None


def probe(client: Any) -> dict[str, str]:
    """Operation name → "served" or "missing" (with the reason when a call could not be made)."""
    model = client.meta.service_model
    verdicts: dict[str, str] = {}
    for name in model.operation_names:
        operation = model.operation_model(name)
        params = placeholder(operation.input_shape) if operation.input_shape else {}
        method = getattr(client, _snake(client, name))
        try:
            method(**params)
            verdicts[name] = "served"
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            verdicts[name] = "missing" if code == "UnknownOperationException" else "served"
        except Exception as exc:  # the client could not build the request
            verdicts[name] = f"not probed ({type(exc).__name__}: {exc})"
    return verdicts


def _snake(client: Any, operation: str) -> str:
    mapping = {api: py for py, api in client.meta.method_to_api_mapping.items()}
    return mapping[operation]


def why_not(service: str, operation: str) -> str:
    """The documented reason an operation is not offered, or "not yet"."""
    for pattern, reason in NOT_OFFERED.get(service, []):
        if re.search(pattern, operation):
            return reason
    return "not yet"


def markdown(service: str, verdicts: dict[str, str]) -> str:
    served = sorted(op for op, v in verdicts.items() if v == "served")
    missing = sorted(op for op, v in verdicts.items() if v != "served")
    by_reason: dict[str, list[str]] = {}
    for op in missing:
        reason = why_not(service, op) if verdicts[op] == "missing" else verdicts[op]
        by_reason.setdefault(reason, []).append(op)
    lines = [
        f"# {service}: operations the local cloud serves",
        "",
        f"Measured by `python -m infra_scripts.devtools.api_coverage {service}` against the "
        "installed botocore's model: every operation called once with its required members.",
        "",
        f"**{len(served)} of {len(verdicts)} served.**",
        "",
        "## Not served",
        "",
        *(
            f"- {reason}: " + ", ".join(f"`{op}`" for op in ops)
            for reason, ops in by_reason.items()
        ),
        "",
        "## Served",
        "",
        ", ".join(f"`{op}`" for op in served),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("service", help="botocore service name, e.g. athena")
    parser.add_argument("--markdown", type=Path, help="write the table to this file")
    args = parser.parse_args(argv)
    from infra_scripts.localcloud.process import LocalCloud

    with LocalCloud() as cloud:
        config = Config(parameter_validation=False, retries={"max_attempts": 1})
        verdicts = probe(cloud.session().client(args.service, config=config))
    served = sum(v == "served" for v in verdicts.values())
    for op, verdict in sorted(verdicts.items()):
        if verdict != "served":
            print(f"  {op}: {verdict} ({why_not(args.service, op)})")
    print(f"{args.service}: {served} of {len(verdicts)} operations served")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown(args.service, verdicts))
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
