"""Deploy's contract check: the stack's running contract against the one being deployed.

The running contract is the copy the last deploy put in the artifacts bucket
(``contract/contract.json``); a stack deployed before contracts existed runs the bookstore's.
Compatible changes are listed and applied by the deploy (the catalog table gets the new
columns, the curated view is recreated); a breaking change stops the deploy before anything
is touched, with what it would break and how to migrate (:mod:`pipeline_src.contracts.evolution`).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from botocore.exceptions import ClientError

from infra_scripts.exceptions import ConfigError
from infra_scripts.provision.artifacts import CONTRACT_KEY
from infra_scripts.provision.core import StackContext
from pipeline_src.contracts import model
from pipeline_src.contracts.evolution import Evolution, compare
from pipeline_src.contracts.model import Contract

_ABSENT = {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}
#: Changes deploy applies that a Redshift fact table created before does not follow: its
#: DDL is created once, and COPY maps Parquet columns by position.
REDSHIFT_KINDS = ("added_column", "column_order_changed", "rule_loosened", "required_changed")
REDSHIFT_HINT = (
    "  Redshift: mart.fact_sales was created for the old contract and COPY maps Parquet "
    "columns by position: drop the table and load it again through Spectrum, which reads "
    'older and newer files by name (notebook 05 with load_through = "spectrum")'
)


class ContractChangeRefused(ConfigError):
    """The new contract would break the data the stack already holds."""

    def __init__(self, evolution: Evolution) -> None:
        super().__init__("\n".join(evolution.summary()))
        self.evolution = evolution


def running_contract(ctx: StackContext) -> Contract | None:
    """The contract the stack runs now; None for a stack not deployed yet."""
    s3 = ctx.client("s3")
    try:
        body = s3.get_object(Bucket=ctx.names.bucket("artifacts"), Key=CONTRACT_KEY)["Body"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in _ABSENT:
            raise
        return model.get(model.DEFAULT) if _has_sales_table(ctx) else None
    return Contract(json.loads(body.read()), f"s3://{ctx.names.bucket('artifacts')}/{CONTRACT_KEY}")


def _has_sales_table(ctx: StackContext) -> bool:
    """A stack deployed before contracts: its sales table exists (and holds bookstore data)."""
    glue = ctx.client("glue")
    try:
        glue.get_table(DatabaseName=ctx.names.database, Name=ctx.names.table)
    except glue.exceptions.EntityNotFoundException:
        return False
    return True


def check(ctx: StackContext, progress: Callable[[str], None]) -> Evolution | None:
    """Compare; print what changes; raise :class:`ContractChangeRefused` on a breaking one."""
    running = running_contract(ctx)
    if running is None:
        progress(f"contract {ctx.contract.name}: new stack ({ctx.contract.source})")
        return None
    evolution = compare(running, ctx.contract)
    if not evolution.ok:
        raise ContractChangeRefused(evolution)
    for line in evolution.summary():
        progress(line)
    if any(change.kind in REDSHIFT_KINDS for change in evolution.applied):
        progress(REDSHIFT_HINT)
    return evolution
