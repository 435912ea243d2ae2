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
REDSHIFT_AFTER_ADDED_COLUMNS = (
    "  Redshift: a fact table loaded before has not the new column(s): drop mart.fact_sales "
    "and load it again through Spectrum, which reads older files too (notebook 05 with "
    'load_through = "spectrum"; COPY cannot read files with and without the column together)'
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
    if evolution.added_columns:
        progress(REDSHIFT_AFTER_ADDED_COLUMNS)
    return evolution
