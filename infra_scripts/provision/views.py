"""The curated Athena view, created at deploy time by running its DDL in the stack's workgroup.

``pipeline_src/sql/athena/curated_sales.sql`` holds ``CREATE OR REPLACE VIEW``, its columns and
de-duplication key filled from the stack's contract; the view is stored in the Glue Data
Catalog (Athena's Presto encoding), where drift is read back from. Athena does not bill DDL
statements.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from typing import Any

from infra_scripts.exceptions import RetailKitError, WaitTimeoutError
from infra_scripts.provision.core import Resource, StackContext, absent_on
from pipeline_src.sql import fill, queries

VIEW_QUERY = "curated_sales"
DDL_DEADLINE_S = 120.0
_SELECT = re.compile(r"\bCREATE\s+OR\s+REPLACE\s+VIEW\s+\S+\s+AS\s+(.*)$", re.I | re.S)
_PRESTO = re.compile(r"^/\*\s*Presto View:\s*(\S+)\s*\*/$", re.S)


class ViewError(RetailKitError):
    """Athena could not create the view; carries Athena's reason."""


def _fingerprint(sql: str) -> str:
    """A hash of a view's SELECT that ignores comments, case and whitespace (Athena may
    store the text reformatted)."""
    text = re.sub(r"--[^\n]*", " ", sql)
    return hashlib.sha256("".join(text.split()).rstrip(";").lower().encode()).hexdigest()[:16]


def _stored_select(view_text: str) -> str:
    """The SELECT of a Glue ``ViewOriginalText`` (Athena's Presto view encoding)."""
    match = _PRESTO.match((view_text or "").strip())
    if not match:
        return view_text or ""
    return str(json.loads(base64.b64decode(match.group(1)))["originalSql"])


class CuratedView(Resource):
    """``<table>_curated``: committed loads only, each de-duplication key once."""

    kind = "athena view"

    def __init__(self, ctx: StackContext) -> None:
        super().__init__(ctx, f"{ctx.names.database}.{ctx.names.curated_view}")
        self.athena = ctx.client("athena")
        self.glue = ctx.client("glue")

    def ddl(self) -> str:
        names = self.ctx.names
        sql = queries("athena", self.ctx.contract)[VIEW_QUERY]
        return fill(sql, {"database": names.database, "table": names.table})

    def desired(self) -> dict[str, Any]:
        match = _SELECT.search(self.ddl())
        if match is None:
            raise ViewError(f"{VIEW_QUERY}.sql is not a CREATE OR REPLACE VIEW … AS statement")
        return {"definition": _fingerprint(match.group(1))}

    def current(self) -> dict[str, Any] | None:
        names = self.ctx.names
        found = absent_on(
            lambda: self.glue.get_table(DatabaseName=names.database, Name=names.curated_view),
            "EntityNotFoundException",
        )
        if found is None:
            return None
        text = found["Table"].get("ViewOriginalText") or ""
        return {"definition": _fingerprint(_stored_select(text))}

    def create(self) -> None:
        execution = self.athena.start_query_execution(
            QueryString=self.ddl(),
            QueryExecutionContext={"Database": self.ctx.names.database},
            WorkGroup=self.ctx.names.workgroup,
        )["QueryExecutionId"]
        deadline = time.monotonic() + DDL_DEADLINE_S
        while True:
            status = self.athena.get_query_execution(QueryExecutionId=execution)["QueryExecution"][
                "Status"
            ]
            if status["State"] == "SUCCEEDED":
                return
            if status["State"] in ("FAILED", "CANCELLED"):
                raise ViewError(
                    f"cannot create view {self.name}: {status.get('StateChangeReason', '?')}"
                )
            if time.monotonic() > deadline:
                raise WaitTimeoutError(f"view {self.name} not created after {DDL_DEADLINE_S}s")
            time.sleep(0.2)

    def update(self, drift: list[str]) -> None:
        self.create()  # CREATE OR REPLACE

    def remove(self) -> bool:
        names = self.ctx.names
        gone = absent_on(
            lambda: self.glue.delete_table(DatabaseName=names.database, Name=names.curated_view),
            "EntityNotFoundException",
        )
        return gone is not None

    def outputs(self) -> dict[str, str]:
        return {"curated_view": self.ctx.names.curated_view}
