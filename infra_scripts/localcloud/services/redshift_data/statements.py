"""Statement records: status life cycle and the shapes DescribeStatement / ListStatements return.

A statement moves SUBMITTED → PICKED (a worker took it) → STARTED (it runs) → FINISHED,
FAILED or ABORTED (CancelStatement). A BatchExecuteStatement has sub-statements
``<id>:1``, ``<id>:2``… with their own status, result and error.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from infra_scripts.localcloud.apishapes import optional_fields
from infra_scripts.localcloud.services.redshift_data.results import ResultSet

FINAL = ("FINISHED", "FAILED", "ABORTED")
_query_ids = itertools.count(random.randint(100_000, 900_000))


@dataclass
class SubStatement:
    """One SQL text of a statement (the only one of an ExecuteStatement)."""

    id: str
    query_string: str
    status: str = "SUBMITTED"
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    started_ns: int = 0
    duration_ns: int = 0
    error: str | None = None
    result: ResultSet | None = None
    result_rows: int = -1
    result_size: int = -1
    has_result_set: bool = False
    redshift_query_id: int = 0

    def start(self) -> None:
        self.status = "STARTED"
        self.redshift_query_id = next(_query_ids)
        self.started_ns = time.perf_counter_ns()
        self.updated_at = time.time()

    def finish(self, status: str, *, error: str | None = None) -> None:
        if self.status in FINAL:
            return
        self.status = status
        self.error = error
        if self.started_ns:
            self.duration_ns = time.perf_counter_ns() - self.started_ns
        self.updated_at = time.time()

    def record_outcome(self, result: ResultSet | None, rows: int) -> None:
        self.result = result
        self.has_result_set = result is not None
        self.result_rows = rows
        self.result_size = result.size_bytes() if result is not None else 0

    def describe(self) -> dict[str, Any]:
        """SubStatementData."""
        data: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "QueryString": self.query_string,
            "CreatedAt": self.created_at,
            "UpdatedAt": self.updated_at,
            "Duration": self.duration_ns,
            "HasResultSet": self.has_result_set,
            "ResultRows": self.result_rows,
            "ResultSize": self.result_size,
            "RedshiftQueryId": self.redshift_query_id,
        }
        return data | optional_fields(Error=self.error)


@dataclass
class StatementRecord:
    """An ExecuteStatement or BatchExecuteStatement and everything it reports."""

    target_kind: str  # "workgroup" | "cluster"
    target_name: str
    database: str
    subs: list[SubStatement]
    is_batch: bool
    parameters: list[dict[str, str]] | None = None
    statement_name: str | None = None
    db_user: str | None = None
    secret_arn: str | None = None
    with_event: bool = False
    result_format: str = "JSON"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "SUBMITTED"
    error: str | None = None
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    redshift_pid: int = field(default_factory=lambda: random.randint(1_073_000_000, 1_074_000_000))
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    cursor: Any = None  # the running DuckDB cursor (CancelStatement interrupts it)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, sqls: list[str], *, is_batch: bool, **kwargs: Any) -> StatementRecord:
        record = cls(subs=[], is_batch=is_batch, **kwargs)
        if is_batch:
            record.subs = [SubStatement(f"{record.id}:{i}", sql) for i, sql in enumerate(sqls, 1)]
        else:
            record.subs = [SubStatement(record.id, sqls[0])]
        return record

    def set_status(self, status: str) -> bool:
        """Move to ``status`` unless already final; False if it was final."""
        with self.lock:
            if self.status in FINAL:
                return False
            self.status = status
            self.updated_at = time.time()
            return True

    def finish(self, status: str, *, error: str | None = None) -> bool:
        with self.lock:
            if self.status in FINAL:
                return False
            self.status = status
            self.error = error
            self.updated_at = time.time()
        for sub in self.subs:  # what never ran shares the statement's fate
            if sub.status not in FINAL:
                sub.finish("ABORTED" if status != "FINISHED" else status)
        return True

    @property
    def duration_ns(self) -> int:
        return sum(sub.duration_ns for sub in self.subs)

    def sub(self, sub_id: str) -> SubStatement | None:
        return next((s for s in self.subs if s.id == sub_id), None)

    def _target(self) -> dict[str, str]:
        if self.target_kind == "workgroup":
            return {"WorkgroupName": self.target_name}
        return {"ClusterIdentifier": self.target_name}

    def submitted(self) -> dict[str, Any]:
        """The ExecuteStatement / BatchExecuteStatement response."""
        data: dict[str, Any] = {
            "Id": self.id,
            "CreatedAt": self.created_at,
            "Database": self.database,
            **self._target(),
        }
        if self.db_user:
            data["DbUser"] = self.db_user
        if self.secret_arn:
            data["SecretArn"] = self.secret_arn
        return data

    def describe(self) -> dict[str, Any]:
        """DescribeStatement."""
        last = self.subs[-1]
        data: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "Database": self.database,
            "CreatedAt": self.created_at,
            "UpdatedAt": self.updated_at,
            "Duration": self.duration_ns if self.status in FINAL else -1,
            "HasResultSet": last.has_result_set if not self.is_batch else False,
            "ResultRows": last.result_rows if not self.is_batch else -1,
            "ResultSize": last.result_size if not self.is_batch else -1,
            "RedshiftPid": self.redshift_pid,
            "RedshiftQueryId": 0 if self.is_batch else last.redshift_query_id,
            "ResultFormat": self.result_format,
            **self._target(),
        }
        if not self.is_batch:
            data["QueryString"] = last.query_string
        else:
            data["SubStatements"] = [s.describe() for s in self.subs]
        return data | optional_fields(
            Error=self.error,
            QueryParameters=self.parameters,
            DbUser=self.db_user,
            SecretArn=self.secret_arn,
        )

    def list_entry(self) -> dict[str, Any]:
        """StatementData, as ListStatements returns it."""
        data: dict[str, Any] = {
            "Id": self.id,
            "Status": self.status,
            "CreatedAt": self.created_at,
            "UpdatedAt": self.updated_at,
            "IsBatchStatement": self.is_batch,
            "ResultFormat": self.result_format,
        }
        if self.is_batch:
            data["QueryStrings"] = [s.query_string for s in self.subs]
        else:
            data["QueryString"] = self.subs[0].query_string
        if self.statement_name:
            data["StatementName"] = self.statement_name
        if self.parameters:
            data["QueryParameters"] = self.parameters
        if self.secret_arn:
            data["SecretArn"] = self.secret_arn
        return data
