"""Athena query executions: states, worker threads, timeout, cancellation, outputs.

An execution is QUEUED when StartQueryExecution returns, RUNNING once a worker picks it up,
then SUCCEEDED, FAILED (with ``StateChangeReason`` and ``AthenaError``) or CANCELLED
(StopQueryExecution interrupts DuckDB). Each runs on its own sandboxed DuckDB connection,
with the statement timeout of ``sqlengine.run_with_timeout``. Results are written where
Athena writes them, under the execution's result location:

- SELECT: ``<id>.csv`` (header, every value quoted) and ``<id>.csv.metadata``;
- DDL / SHOW / DESCRIBE: ``<id>.txt`` (tab-separated) and ``<id>.txt.metadata``;
- CTAS: the table's files, ``tables/<id>-manifest.csv`` and ``tables/<id>.metadata``;
- UNLOAD: the files at the TO location, ``<id>-manifest.csv`` and ``<id>.metadata``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from infra_scripts.localcloud.apishapes import optional_fields
from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.errors import AthenaQueryError, QueryCancelled
from infra_scripts.localcloud.services.athena.glue import GlueCatalog
from infra_scripts.localcloud.services.athena.results import (
    MAX_RESULTS,
    ResultColumn,
    csv_page,
    metadata_protobuf,
    text_file,
)
from infra_scripts.localcloud.services.athena.reuse import NO_REUSE, ReusePolicy
from infra_scripts.localcloud.services.athena.statements import (
    HANDLERS,
    StatementContext,
    StatementResult,
)
from infra_scripts.localcloud.services.athena.translate import (
    StatementKind,
    statement_kind,
    strip_statement,
)
from infra_scripts.localcloud.sqlengine.duck import (
    WAREHOUSE_SETTINGS,
    StatementTimeout,
    offline_connection,
    run_with_timeout,
    sandboxed_connection,
)
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror, S3Mirrors, parse_s3_uri

log = logging.getLogger("localcloud.athena")

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "QUEUED",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "CANCELLED",
)
FINAL_STATES = frozenset({SUCCEEDED, FAILED, CANCELLED})
DEFAULT_QUERY_TIMEOUT_S = 30 * 60.0  # Athena's default DML query timeout: 30 minutes
DEFAULT_MAX_CONCURRENT = 4
ENGINE_VERSION = {
    "SelectedEngineVersion": "AUTO",
    "EffectiveEngineVersion": "Athena engine version 3",
}


@dataclass
class QueryExecution:
    """One StartQueryExecution, from submission to its final state and results."""

    execution_id: str
    query: str
    kind: StatementKind
    account_id: str
    region: str
    workgroup: Any  # moto's WorkGroup (list_query_executions reads .workgroup.name)
    context: dict[str, str]
    result_prefix: str  # s3://bucket/prefix, no trailing slash
    result_configuration: dict[str, Any]
    cutoff_bytes: int | None
    parameters: list[str] | None
    reuse: ReusePolicy = NO_REUSE
    reused_previous: bool = False
    submitted_at: float = field(default_factory=time.time)
    started_at: float | None = None
    deadline: float | None = None  # time.monotonic() after which the query times out
    timeout_s: float = DEFAULT_QUERY_TIMEOUT_S
    engine_done_at: float | None = None
    completed_at: float | None = None
    state: str = QUEUED
    reason: str | None = None
    error: dict[str, Any] | None = None
    data_scanned: int = 0
    output_location: str = ""
    manifest_location: str | None = None
    result: StatementResult | None = None
    result_path: Path | None = None
    cancel_requested: bool = False
    connections: list[duckdb.DuckDBPyConnection] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)
    on_end: Callable[[], None] | None = None  # told when the query reaches a final state

    # moto's backend reads these attributes of its executions
    @property
    def id(self) -> str:
        return self.execution_id

    @property
    def status(self) -> str:
        return self.state

    @property
    def start_time(self) -> float:
        return self.submitted_at

    @property
    def end_time(self) -> float:
        return self.completed_at or time.time()

    def advance(self) -> None:
        """moto calls this on GetQueryExecution: the state here is real, nothing to do."""

    def finish(
        self, state: str, reason: str | None = None, error: dict[str, Any] | None = None
    ) -> bool:
        with self.lock:
            if self.state in FINAL_STATES:
                return False
            self.state, self.reason, self.error = state, reason, error
            self.completed_at = time.time()
        self.done.set()
        if self.on_end is not None:
            self.on_end()
        return True

    def check_cancelled(self) -> None:
        """Between DuckDB calls: stop here if the query was cancelled or ran out of time."""
        if self.cancel_requested:
            raise QueryCancelled()
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise timeout_error(self.timeout_s)

    def describe(self) -> dict[str, Any]:
        """The ``QueryExecution`` structure of GetQueryExecution."""
        now = time.time()
        status: dict[str, Any] = {
            "State": self.state,
            "SubmissionDateTime": self.submitted_at,
            **optional_fields(
                CompletionDateTime=self.completed_at,
                StateChangeReason=self.reason,
                AthenaError=self.error,
            ),
        }
        end = self.completed_at or now
        started = self.started_at or end
        stats: dict[str, Any] = {
            "EngineExecutionTimeInMillis": int(((self.engine_done_at or end) - started) * 1000)
            if self.started_at
            else 0,
            "DataScannedInBytes": self.data_scanned,
            "TotalExecutionTimeInMillis": int((end - self.submitted_at) * 1000),
            "QueryQueueTimeInMillis": int((started - self.submitted_at) * 1000),
            "ServicePreProcessingTimeInMillis": 0,
            "QueryPlanningTimeInMillis": 0,
            "ServiceProcessingTimeInMillis": int((end - (self.engine_done_at or end)) * 1000),
            "ResultReuseInformation": {"ReusedPreviousResult": self.reused_previous},
        }
        if self.manifest_location:
            stats["DataManifestLocation"] = self.manifest_location
        result_configuration = {**self.result_configuration, "OutputLocation": self.output_location}
        return {
            "QueryExecutionId": self.execution_id,
            "Query": self.query,
            "StatementType": self.kind.statement_type,
            "SubstatementType": self.kind.substatement_type,
            "ResultConfiguration": result_configuration,
            "ResultReuseConfiguration": self.reuse.describe(),
            "QueryExecutionContext": self.context,
            "Status": status,
            "Statistics": stats,
            "WorkGroup": self.workgroup.name if self.workgroup is not None else "primary",
            "EngineVersion": ENGINE_VERSION,
            **({"ExecutionParameters": self.parameters} if self.parameters else {}),
        }


def unknown_statement(text: str) -> AthenaQueryError:
    """The syntax error of a statement that starts with no statement keyword Athena knows."""
    first = (text.split() or ["<EOF>"])[0]
    return errors.syntax_error(
        text,
        0,
        f"mismatched input '{first}'. Expecting: 'ALTER', 'CREATE', 'DESCRIBE', 'DROP', "
        "'EXPLAIN', 'INSERT', 'MSCK', 'SHOW', 'UNLOAD', <query>",
    )


def timeout_error(timeout_s: float) -> AthenaQueryError:
    return AthenaQueryError(
        "",
        "Query timeout: the query ran longer than the local cloud's query timeout of "
        f"{timeout_s:g} seconds",
        error_type=errors.TYPE_TIMEOUT,
    )


def output_location_for(kind: StatementKind, prefix: str, execution_id: str) -> str:
    if kind.name == "ctas":
        return f"{prefix}/tables/{execution_id}"
    if kind.name == "unload":
        return f"{prefix}/{execution_id}"
    if kind.statement_type == "DML":
        return f"{prefix}/{execution_id}.csv"
    return f"{prefix}/{execution_id}.txt"


class AthenaEngine:
    """Runs the query executions of one local-cloud server on DuckDB worker threads."""

    def __init__(
        self,
        work_dir: Path,
        *,
        timeout_s: float = DEFAULT_QUERY_TIMEOUT_S,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self.work_dir = Path(work_dir)
        self.on_end = on_end  # told when any query reaches a final state
        self.results_dir = self.work_dir / "athena" / "results"
        self.timeout_s = timeout_s
        self._mirrors = S3Mirrors(self.work_dir / "athena" / "s3")
        self._databases: dict[str, duckdb.DuckDBPyConnection] = {}
        self._pager: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="athena")

    def mirror(self, account_id: str) -> S3Mirror:
        return self._mirrors.of_account(account_id)

    # --- submission and control ---------------------------------------------------------

    def new_execution(self, **kwargs: Any) -> QueryExecution:
        execution_id = str(uuid.uuid4())
        query = kwargs.pop("query")
        kind = statement_kind(query)
        execution = QueryExecution(
            execution_id=execution_id,
            query=query,
            kind=kind,
            timeout_s=self.timeout_s,
            on_end=self.on_end,
            **kwargs,
        )
        execution.output_location = output_location_for(kind, execution.result_prefix, execution_id)
        return execution

    def submit(self, execution: QueryExecution) -> None:
        self._pool.submit(self._run, execution)

    def reuse_result(self, execution: QueryExecution, previous: QueryExecution) -> None:
        """Finish ``execution`` with ``previous``'s result (query result reuse): nothing runs,
        nothing is scanned, and its output location is the earlier result file."""
        now = time.time()
        execution.started_at = execution.engine_done_at = now
        execution.result, execution.result_path = previous.result, previous.result_path
        execution.output_location = previous.output_location
        execution.data_scanned = 0
        execution.reused_previous = True
        execution.finish(SUCCEEDED)

    def result_exists(self, execution: QueryExecution) -> bool:
        """Whether an execution's result file is still in S3 (and on the engine's disk)."""
        if execution.result_path is None or not execution.result_path.exists():
            return False
        bucket, key = parse_s3_uri(execution.output_location)
        from moto.s3.models import s3_backends

        try:
            return s3_backends[execution.account_id]["aws"].get_object(bucket, key) is not None
        except Exception:  # the bucket is gone
            return False

    def stop(self, execution: QueryExecution) -> None:
        """StopQueryExecution: interrupt a running query (a finished one stays as it is)."""
        with execution.lock:
            if execution.state in FINAL_STATES:
                return
            execution.cancel_requested = True
            connections = list(execution.connections)
        for con in connections:
            with contextlib.suppress(duckdb.Error):
                con.interrupt()
        if execution.state == QUEUED:
            execution.finish(CANCELLED, "Query was cancelled by user")

    # --- the run --------------------------------------------------------------------------

    def _connect(self, execution: QueryExecution, mirror: S3Mirror) -> duckdb.DuckDBPyConnection:
        """A fresh connection (cursor) of the account's sandboxed DuckDB database.

        Opening a DuckDB database costs ~50 ms, a cursor well under 1 ms: every query gets its
        own cursor (its TEMP views are its own) of one long-lived database per account, whose
        locked configuration only lets it read the account's S3 mirror.
        """
        with self._lock:
            database = self._databases.get(execution.account_id)
            if database is None:
                database = sandboxed_connection([mirror.root], settings=WAREHOUSE_SETTINGS)
                self._databases[execution.account_id] = database
            con = database.cursor()
        with execution.lock:
            execution.connections.append(con)
        execution.check_cancelled()
        return con

    def _run(self, execution: QueryExecution) -> None:
        with execution.lock:
            if execution.state != QUEUED:
                return
            execution.state = RUNNING
            execution.started_at = time.time()
        try:
            self._execute(execution)
        except QueryCancelled:
            execution.finish(CANCELLED, "Query was cancelled by user")
        except AthenaQueryError as exc:
            if execution.cancel_requested:
                execution.finish(CANCELLED, "Query was cancelled by user")
            else:
                execution.finish(FAILED, exc.reason, exc.athena_error())
        except Exception as exc:  # never leave a query RUNNING
            log.exception("Athena query %s failed in the engine", execution.execution_id)
            failure = errors.internal_error(exc)
            execution.finish(FAILED, failure.reason, failure.athena_error())
        finally:
            for con in execution.connections:
                with contextlib.suppress(duckdb.Error):
                    con.close()
            execution.connections.clear()
            if not execution.done.is_set():
                execution.finish(FAILED, "The query ended without a result")

    def _execute(self, execution: QueryExecution) -> None:
        mirror = self.mirror(execution.account_id)
        self._check_output_bucket(execution, mirror)
        handler = HANDLERS.get(execution.kind.name)
        if handler is None:
            raise unknown_statement(strip_statement(execution.query))
        glue = GlueCatalog(execution.account_id, execution.region)
        context = StatementContext(
            execution_id=execution.execution_id,
            text=strip_statement(execution.query),
            catalog=(execution.context.get("Catalog") or "awsdatacatalog").lower(),
            database=_unquote_name(execution.context.get("Database") or "default"),
            glue=glue,
            mirror=mirror,
            result_prefix=execution.result_prefix,
            parameters=execution.parameters,
            cutoff_bytes=execution.cutoff_bytes,
            connect=lambda: self._connect(execution, mirror),
            check_cancelled=execution.check_cancelled,
            owner=execution.account_id,
        )
        execution.deadline = time.monotonic() + self.timeout_s
        result = self._with_timeout(execution, lambda: handler(context))
        execution.engine_done_at = time.time()
        execution.data_scanned = result.data_scanned
        execution.check_cancelled()
        self._write_outputs(execution, mirror, result)
        execution.result = result
        execution.finish(SUCCEEDED)

    def _with_timeout(self, execution: QueryExecution, work: Any) -> StatementResult:
        holder = _ExecutionInterrupter(execution)
        try:
            return run_with_timeout(holder, work, self.timeout_s)
        except StatementTimeout as exc:
            raise self._timeout_error() from exc
        except duckdb.InterruptException as exc:
            if execution.cancel_requested:
                raise QueryCancelled() from exc
            raise self._timeout_error() from exc

    def _timeout_error(self) -> AthenaQueryError:
        return timeout_error(self.timeout_s)

    @staticmethod
    def _check_output_bucket(execution: QueryExecution, mirror: S3Mirror) -> None:
        bucket, _ = parse_s3_uri(execution.result_prefix + "/")
        from moto.s3.models import s3_backends

        try:
            s3_backends[execution.account_id]["aws"].get_bucket(bucket)
        except Exception as exc:
            raise AthenaQueryError(
                "",
                f"Unable to verify/create output bucket {bucket}",
                error_type=errors.TYPE_USER,
            ) from exc

    # --- outputs --------------------------------------------------------------------------

    def _write_outputs(
        self, execution: QueryExecution, mirror: S3Mirror, result: StatementResult
    ) -> None:
        bucket, prefix = parse_s3_uri(execution.result_prefix.rstrip("/") + "/")
        eid = execution.execution_id
        if result.kind == "rows":
            assert result.rows_file is not None
            header = ",".join('"' + c.name.replace('"', '""') + '"' for c in result.columns)
            body = (header + "\n").encode() + result.rows_file.read_bytes()
            mirror.put(bucket, f"{prefix}{eid}.csv", body)
            mirror.put(
                bucket, f"{prefix}{eid}.csv.metadata", metadata_protobuf(eid, result.columns)
            )
            self.results_dir.mkdir(parents=True, exist_ok=True)
            kept = self.results_dir / f"{eid}.csv"
            os.replace(result.rows_file, kept)
            shutil.rmtree(result.rows_file.parent, ignore_errors=True)
            execution.result_path = kept
        elif result.kind in ("ctas", "unload"):
            folder = f"{prefix}tables/" if result.kind == "ctas" else prefix
            manifest = "".join(f"{uri}\n" for uri in result.written_uris).encode()
            mirror.put(bucket, f"{folder}{eid}-manifest.csv", manifest)
            mirror.put(bucket, f"{folder}{eid}.metadata", metadata_protobuf(eid, result.columns))
            execution.manifest_location = f"s3://{bucket}/{folder}{eid}-manifest.csv"
        else:
            body = text_file(result.text_rows, result.text_extra)
            mirror.put(bucket, f"{prefix}{eid}.txt", body)
            mirror.put(
                bucket, f"{prefix}{eid}.txt.metadata", metadata_protobuf(eid, result.columns)
            )

    # --- GetQueryResults ------------------------------------------------------------------

    def page(
        self, execution: QueryExecution, offset: int, limit: int
    ) -> tuple[list[ResultColumn], list[list[Any]], int]:
        """(columns, rows, total rows) of a page; a SELECT's first row is its header."""
        result = execution.result
        if result is None:
            return [], [], 0
        if result.kind == "rows":
            total = result.row_count + 1
            rows: list[list[Any]] = []
            if offset == 0 and limit > 0:
                rows.append([c.name for c in result.columns])
            start = max(0, offset - 1)
            want = limit - len(rows)
            if want > 0 and execution.result_path is not None and start < result.row_count:
                with self._lock:
                    if self._pager is None:
                        self._pager = offline_connection(threads=1)
                    cursor = self._pager.cursor()
                try:
                    rows += csv_page(cursor, execution.result_path, result.columns, start, want)
                finally:
                    cursor.close()
            return result.columns, rows, total
        if result.kind == "text":
            return result.columns, result.text_rows[offset : offset + limit], len(result.text_rows)
        return result.columns, [], 0


class _ExecutionInterrupter:
    """What ``run_with_timeout`` interrupts: every cursor the execution has opened."""

    def __init__(self, execution: QueryExecution) -> None:
        self.execution = execution

    def interrupt(self) -> None:
        with self.execution.lock:
            connections = list(self.execution.connections)
        for con in connections:
            with contextlib.suppress(duckdb.Error):
                con.interrupt()


def _unquote_name(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in '`"':
        name = name[1:-1]
    return name.lower()


__all__ = [
    "CANCELLED",
    "FAILED",
    "FINAL_STATES",
    "MAX_RESULTS",
    "QUEUED",
    "RUNNING",
    "SUCCEEDED",
    "AthenaEngine",
    "QueryExecution",
]
