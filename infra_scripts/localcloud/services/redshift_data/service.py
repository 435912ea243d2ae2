"""The Redshift Data API operations of one account and region, over the local databases.

:class:`RedshiftDataEngine` (one per server) owns the S3 mirrors and the databases of
every workgroup/cluster; :class:`RedshiftDataService` (one per account and region)
validates requests as AWS does, keeps the statements and runs each in a worker thread
with the workgroup's ``max_query_execution_time`` as statement timeout.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from infra_scripts.localcloud.motolayer.backends import backend
from infra_scripts.localcloud.runtime import ServerContext
from infra_scripts.localcloud.services.redshift_data import sqltext, translate
from infra_scripts.localcloud.services.redshift_data.database import (
    RedshiftDatabase,
    is_non_transactional,
    is_transaction_control,
)
from infra_scripts.localcloud.services.redshift_data.errors import (
    DatabaseConnectionException,
    RedshiftSqlError,
    ResourceNotFoundException,
    StatementAborted,
    ValidationException,
)
from infra_scripts.localcloud.services.redshift_data.statements import (
    FINAL,
    StatementRecord,
    SubStatement,
)
from infra_scripts.localcloud.sqlengine.duck import StatementTimeout, run_with_timeout
from infra_scripts.localcloud.sqlengine.paging import decode_page_token, encode_page_token
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror, S3Mirrors

log = logging.getLogger("localcloud.redshift_data")

PAGE_ROWS = 1000  # GetStatementResult rows per page (AWS pages by size; this is smaller)
DEFAULT_TIMEOUT_S = 14400.0  # Redshift Serverless's default max_query_execution_time
DEFAULT_PAGE_SIZE = 100
INTERRUPT_INTERVAL_S = 0.02
RETENTION_S = 24 * 3600  # statements and their results are kept for 24 hours, as in AWS
_ID = re.compile(r"^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d+)?$")
_DB_NAME = re.compile(r"[a-z_][a-z0-9_$]{0,126}")
_PARAM_NAME = re.compile(r"[0-9a-zA-Z_]+")
_STATUSES = ("SUBMITTED", "PICKED", "STARTED", "FINISHED", "ABORTED", "FAILED", "ALL")
NO_RESULT = "Query does not have result. Please check query status with DescribeStatement."


@dataclass
class Target:
    """A workgroup (its namespace's data) or a provisioned cluster, and its databases."""

    engine: RedshiftDataEngine
    account_id: str
    region: str
    kind: str  # "workgroup" | "cluster"
    name: str
    key: str  # namespace id / unique cluster id: a re-created namespace starts empty
    arn: str
    default_database: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    databases: dict[str, RedshiftDatabase] = field(default_factory=dict)
    names: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def directory(self) -> Path:
        return (
            self.engine.ctx.work_dir
            / "redshift"
            / self.account_id
            / self.region
            / (f"{self.kind}-{self.key}")
        )

    def database_names(self) -> list[str]:
        with self.lock:
            return sorted(self.names | {self.default_database})

    def database(self, name: str) -> RedshiftDatabase:
        """The open database ``name``; Redshift's FATAL error if it does not exist."""
        name = name.lower()
        with self.lock:
            if name not in self.names | {self.default_database} or not _DB_NAME.fullmatch(name):
                raise RedshiftSqlError(f'FATAL: database "{name}" does not exist')
            if name not in self.databases:
                self.databases[name] = RedshiftDatabase(
                    name,
                    self.directory / name,
                    self.engine.mirror(self.account_id),
                    self.account_id,
                    self.region,
                    self.database_command,
                )
            return self.databases[name]

    def database_command(self, verb: str, connected: str, statement: sqltext.Statement) -> None:
        """CREATE DATABASE / DROP DATABASE, run from a statement in ``connected``."""
        tokens = [t.text for t in statement.tokens[2:]]
        if not tokens or not _DB_NAME.fullmatch(tokens[0].lower()):
            raise RedshiftSqlError(f'syntax error at or near "{tokens[0] if tokens else ""}"')
        name = tokens[0].lower()
        with self.lock:
            exists = name in self.names | {self.default_database}
            if verb == "CREATE":
                if exists:
                    raise RedshiftSqlError(f'database "{name}" already exists')
                self.names.add(name)
                return
            if not exists:
                raise RedshiftSqlError(f'database "{name}" does not exist')
            if name == connected:
                raise RedshiftSqlError("cannot drop the currently open database")
            self.names.discard(name)
            database = self.databases.pop(name, None)
        if database is not None:
            database.close()
        shutil.rmtree(self.directory / name, ignore_errors=True)


SERVICE = "redshift-data"  # the key of this service's records in ``ctx.service_state``
RESTART_ERROR = "ERROR: the local cloud restarted while the statement was running"


@dataclass
class KeptRecords:
    """What the Redshift Data API keeps on the server context (saved with the local cloud's
    state): the statements of each account and region, and the names CREATE DATABASE made in
    each workgroup or cluster (the data itself is DuckDB's files in the work dir)."""

    statements: dict[tuple[str, str], dict[str, StatementRecord]] = field(default_factory=dict)
    database_names: dict[tuple[str, str, str, str], set[str]] = field(default_factory=dict)


def end_unfinished_statements(ctx: ServerContext) -> list[str]:
    """After a restart: statements the last server did not finish end FAILED."""
    kept = ctx.service_state.get(SERVICE)
    if kept is None:
        return []
    ended = sum(
        record.finish("FAILED", error=RESTART_ERROR)
        for statements in kept.statements.values()
        for record in statements.values()
    )
    return [f"{ended} unfinished statement(s) ended FAILED ({RESTART_ERROR})"] if ended else []


class RedshiftDataEngine:
    """Everything the Redshift Data API of one local-cloud server shares."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.kept: KeptRecords = ctx.service_state.setdefault(SERVICE, KeptRecords())
        self._mirrors = S3Mirrors(ctx.work_dir / "redshift" / "s3")
        self._targets: dict[tuple[str, str, str, str], Target] = {}
        self._services: dict[tuple[str, str], RedshiftDataService] = {}
        self._lock = threading.Lock()

    def mirror(self, account_id: str) -> S3Mirror:
        return self._mirrors.of_account(account_id)

    def service(self, account_id: str, region: str) -> RedshiftDataService:
        with self._lock:
            key = (account_id, region)
            if key not in self._services:
                self._services[key] = RedshiftDataService(self, account_id, region)
            return self._services[key]

    def target(self, account_id: str, region: str, params: dict[str, Any]) -> Target:
        """The workgroup or cluster a request names (ValidationException as AWS)."""
        workgroup = params.get("WorkgroupName")
        cluster = params.get("ClusterIdentifier")
        if not workgroup and not cluster:
            raise ValidationException(
                "Either ClusterIdentifier or WorkgroupName needs to be specified."
            )
        if workgroup and cluster:
            raise ValidationException(
                "Specify either ClusterIdentifier or WorkgroupName, not both."
            )
        found = (
            self._workgroup(account_id, region, workgroup)
            if workgroup
            else self._cluster(account_id, region, cluster)
        )
        kind, name, key, arn, default_db, timeout = found
        with self._lock:
            target = self._targets.get((account_id, region, kind, key))
            if target is None:
                names = self.kept.database_names.setdefault((account_id, region, kind, key), set())
                target = Target(
                    self, account_id, region, kind, name, key, arn, default_db, names=names
                )
                self._targets[(account_id, region, kind, key)] = target
            target.timeout_s = timeout
            return target

    @staticmethod
    def _workgroup(
        account_id: str, region: str, name: str
    ) -> tuple[str, str, str, str, str, float]:
        serverless = backend("redshift-serverless", account_id, region)
        workgroup = serverless.workgroups.get(name)
        namespace = serverless.namespaces.get(workgroup.namespace_name) if workgroup else None
        if workgroup is None or namespace is None:
            raise ValidationException(f"Workgroup {name} not found.")
        try:
            timeout = float(
                workgroup.config_parameters.get("max_query_execution_time", DEFAULT_TIMEOUT_S)
            )
        except ValueError:
            timeout = DEFAULT_TIMEOUT_S
        return (
            "workgroup",
            name,
            namespace.namespace_id,
            workgroup.workgroup_arn,
            namespace.db_name,
            timeout,
        )

    @staticmethod
    def _cluster(
        account_id: str, region: str, identifier: str
    ) -> tuple[str, str, str, str, str, float]:
        from moto.redshift.models import redshift_backends

        cluster = redshift_backends[account_id][region].clusters.get(identifier)
        if cluster is None:
            raise ValidationException(f"Cluster {identifier} not found.")
        arn = f"arn:aws:redshift:{region}:{account_id}:cluster:{identifier}"
        return (
            "cluster",
            identifier,
            cluster.unique_cluster_id,
            arn,
            cluster.db_name,
            DEFAULT_TIMEOUT_S,
        )


def _offset(token: str | None) -> int:
    """The first item of the page a NextToken asks for (0 without one)."""
    if not token:
        return 0
    offset = decode_page_token(token)
    if offset is None:
        raise ValidationException("The NextToken is not valid.")
    return offset


def _page(
    items: list[Any], params: dict[str, Any], key: str, limit: int = DEFAULT_PAGE_SIZE
) -> dict[str, Any]:
    start = _offset(params.get("NextToken"))
    size = params.get("MaxResults") or limit
    chunk = items[start : start + size]
    out: dict[str, Any] = {key: chunk}
    if start + size < len(items):
        out["NextToken"] = encode_page_token(start + size)
    return out


def _check_id(statement_id: Any) -> str:
    if not isinstance(statement_id, str) or not _ID.match(statement_id):
        raise ValidationException(
            "id must satisfy regex pattern: ^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\\d+)?$"
        )
    return statement_id


def _parameters(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    values: dict[str, str] = {}
    for item in raw:
        name, value = item.get("name"), item.get("value")
        if (
            not isinstance(name, str)
            or not _PARAM_NAME.fullmatch(name)
            or not isinstance(value, str)
        ):
            raise ValidationException(
                "Each parameter needs a name matching [0-9a-zA-Z_]+ and a value."
            )
        values[name] = value
    return values


class RedshiftDataService:
    """Redshift Data API of one account and region."""

    def __init__(self, engine: RedshiftDataEngine, account_id: str, region: str) -> None:
        self.engine = engine
        self.account_id = account_id
        self.region = region
        self.statements = engine.kept.statements.setdefault((account_id, region), {})
        self._lock = threading.Lock()

    # --- submission -------------------------------------------------------------------
    def execute_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        sql = params.get("Sql")
        if not isinstance(sql, str) or not sql.strip():
            raise ValidationException("Sql must not be empty.")
        return self._submit(params, [sql], is_batch=False)

    def batch_execute_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        sqls = params.get("Sqls")
        if not isinstance(sqls, list) or not sqls or len(sqls) > 40:
            raise ValidationException("Sqls must hold between 1 and 40 SQL statements.")
        if not all(isinstance(s, str) and s.strip() for s in sqls):
            raise ValidationException("Each of Sqls must be a non-empty SQL statement.")
        return self._submit(params, sqls, is_batch=True)

    def _submit(self, params: dict[str, Any], sqls: list[str], *, is_batch: bool) -> dict[str, Any]:
        target = self.engine.target(self.account_id, self.region, params)
        values = _parameters(params.get("Parameters"))
        for sql in sqls:
            self._check_parameters(sql, values)
        record = StatementRecord.create(
            sqls,
            is_batch=is_batch,
            target_kind=target.kind,
            target_name=target.name,
            database=(params.get("Database") or target.default_database).lower(),
            parameters=params.get("Parameters"),
            statement_name=params.get("StatementName"),
            db_user=params.get("DbUser"),
            secret_arn=params.get("SecretArn"),
            with_event=bool(params.get("WithEvent")),
            result_format=params.get("ResultFormat") or "JSON",
        )
        with self._lock:
            expired = time.time() - RETENTION_S
            for old in [k for k, r in self.statements.items() if r.created_at < expired]:
                del self.statements[old]
            self.statements[record.id] = record
        worker = threading.Thread(
            target=self._run,
            args=(record, target, values),
            name=f"redshift-{record.id[:8]}",
            daemon=True,
        )
        worker.start()
        return record.submitted()

    @staticmethod
    def _check_parameters(sql: str, values: dict[str, str]) -> None:
        try:
            statements = sqltext.split_statements(sql)
        except RedshiftSqlError:
            return  # the statement fails with the syntax error when it runs
        for statement in statements:
            for name in translate.parameter_names(statement):
                if name not in values:
                    raise ValidationException(
                        f"The SQL uses the parameter :{name}, which is not in Parameters."
                    )

    # --- execution (worker thread) --------------------------------------------------------
    def _run(self, record: StatementRecord, target: Target, values: dict[str, str]) -> None:
        if not record.set_status("PICKED"):
            return
        try:
            database = target.database(record.database)
            with database.session() as cur:
                record.cursor = cur  # before the check: CancelStatement sees one or the other
                try:
                    if record.cancel_requested.is_set():
                        raise StatementAborted
                    record.set_status("STARTED")
                    deadline = time.monotonic() + target.timeout_s
                    run_with_timeout(
                        cur,
                        lambda: self._run_subs(record, database, cur, values, deadline),
                        target.timeout_s,
                    )
                finally:
                    record.cursor = None
            record.finish("FINISHED")
        except StatementTimeout:
            record.finish("FAILED", error="ERROR: canceling statement due to statement timeout")
        except (StatementAborted, duckdb.InterruptException):
            record.finish("ABORTED")
        except RedshiftSqlError as exc:
            record.finish("FAILED", error=str(exc))
        except Exception as exc:  # a bug of the local cloud: FAILED, never a server error
            log.exception("Redshift statement %s failed unexpectedly", record.id)
            record.finish(
                "FAILED", error=f"ERROR: the local cloud failed on this statement: {exc!r}"
            )
        finally:
            record.cursor = None
            if record.with_event:
                self._emit_event(record, target)
            self.engine.ctx.state_hooks.changed()  # its end is saved (the state is kept)

    def _run_subs(
        self,
        record: StatementRecord,
        database: RedshiftDatabase,
        cur: duckdb.DuckDBPyConnection,
        values: dict[str, str],
        deadline: float,
    ) -> None:
        split = [sqltext.split_statements(sub.query_string) for sub in record.subs]
        flat = [s for group in split for s in group]
        if not record.is_batch and values and len(flat) > 1:
            raise RedshiftSqlError("cannot insert multiple commands into a prepared statement")
        wrap = record.is_batch or (
            len(flat) > 1
            and not any(is_transaction_control(s) or is_non_transactional(s) for s in flat)
        )
        if wrap:
            cur.execute("BEGIN TRANSACTION")
        current: SubStatement | None = None
        try:
            for sub, statements in zip(record.subs, split, strict=True):
                if record.cancel_requested.is_set():
                    raise StatementAborted
                current = sub
                sub.start()
                outcome = None
                for statement in statements:
                    if time.monotonic() > deadline:  # an interrupt between two queries is lost
                        raise StatementTimeout("statement timed out")
                    outcome = database.execute(cur, statement, values, in_transaction=wrap)
                sub.record_outcome(
                    outcome.result if outcome else None, outcome.rows if outcome else 0
                )
                sub.finish("FINISHED")
            if wrap:
                cur.execute("COMMIT")
        except BaseException as exc:
            if current is not None and current.status not in FINAL:
                aborted = isinstance(exc, StatementAborted | duckdb.InterruptException)
                if isinstance(exc, StatementTimeout):
                    current.finish(
                        "FAILED", error="ERROR: canceling statement due to statement timeout"
                    )
                else:
                    current.finish(
                        "ABORTED" if aborted else "FAILED", error=None if aborted else str(exc)
                    )
            if wrap:
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
            raise

    def _emit_event(self, record: StatementRecord, target: Target) -> None:
        """WithEvent: EventBridge gets "Redshift Data Statement Status Change"."""
        try:
            from moto.events.models import events_backends

            detail = {
                "principal": f"arn:aws:iam::{self.account_id}:root",
                "statementName": record.statement_name or "",
                "statementId": record.id,
                "redshiftQueryId": record.subs[-1].redshift_query_id,
                "state": record.status,
                "rows": max(record.subs[-1].result_rows, 0),
                "expireAt": int(record.created_at) + 86400,
            }
            events_backends[self.account_id][self.region].put_events(
                [
                    {
                        "Source": "aws.redshift-data",
                        "DetailType": "Redshift Data Statement Status Change",
                        "Detail": json.dumps(detail),
                        "Resources": [target.arn],
                        "EventBusName": "default",
                    }
                ]
            )
        except Exception:
            log.exception("could not send the event of statement %s", record.id)

    # --- statements -------------------------------------------------------------------
    def _record(self, statement_id: Any) -> StatementRecord:
        statement_id = _check_id(statement_id).split(":")[0]
        with self._lock:
            record = self.statements.get(statement_id)
        if record is None:
            raise ResourceNotFoundException("Query does not exist.")
        return record

    def describe_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._record(params.get("Id")).describe()

    def cancel_statement(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._record(params.get("Id"))
        with record.lock:
            status = record.status
        if status in FINAL:
            raise ValidationException(
                f"Could not cancel a query that is already in {status} state with ID: {record.id}"
            )
        record.cancel_requested.set()
        record.finish("ABORTED")
        threading.Thread(target=_interrupt_until_stopped, args=(record,), daemon=True).start()
        return {"Status": True}

    def _finished_sub(self, statement_id: Any) -> tuple[StatementRecord, SubStatement]:
        record = self._record(statement_id)
        if record.is_batch and ":" not in statement_id:
            raise ValidationException(
                f"{statement_id} is a batch statement: get the result of a sub-statement "
                f"({statement_id}:1, {statement_id}:2, …)"
            )
        sub = record.sub(statement_id)
        if sub is None:
            raise ResourceNotFoundException("Query does not exist.")
        if sub.status != "FINISHED" or sub.result is None:
            raise ResourceNotFoundException(NO_RESULT)
        return record, sub

    def get_statement_result(self, params: dict[str, Any]) -> dict[str, Any]:
        record, sub = self._finished_sub(params.get("Id"))
        if record.result_format == "CSV":
            raise ValidationException("The result format is CSV: use GetStatementResultV2.")
        result = sub.result
        assert result is not None
        start = _offset(params.get("NextToken"))
        out: dict[str, Any] = {
            "ColumnMetadata": result.column_metadata(),
            "Records": result.records(start, start + PAGE_ROWS),
            "TotalNumRows": len(result.rows),
        }
        if start + PAGE_ROWS < len(result.rows):
            out["NextToken"] = encode_page_token(start + PAGE_ROWS)
        return out

    def get_statement_result_v2(self, params: dict[str, Any]) -> dict[str, Any]:
        record, sub = self._finished_sub(params.get("Id"))
        if record.result_format != "CSV":
            raise ValidationException("The result format is JSON: use GetStatementResult.")
        result = sub.result
        assert result is not None
        start = _offset(params.get("NextToken"))
        out: dict[str, Any] = {
            "ColumnMetadata": result.column_metadata(),
            "Records": [{"CSVRecords": result.csv_text(start, start + PAGE_ROWS)}],
            "TotalNumRows": len(result.rows),
            "ResultFormat": "CSV",
        }
        if start + PAGE_ROWS < len(result.rows):
            out["NextToken"] = encode_page_token(start + PAGE_ROWS)
        return out

    def list_statements(self, params: dict[str, Any]) -> dict[str, Any]:
        status = params.get("Status") or "ALL"
        if status not in _STATUSES:
            raise ValidationException(f"Status must be one of {', '.join(_STATUSES)}.")
        filters: list[Callable[[StatementRecord], bool]] = []
        if status != "ALL":
            filters.append(lambda r: r.status == status)
        if name := params.get("StatementName"):
            filters.append(lambda r: (r.statement_name or "").startswith(name))
        if database := params.get("Database"):
            filters.append(lambda r: r.database == database.lower())
        if workgroup := params.get("WorkgroupName"):
            filters.append(lambda r: r.target_kind == "workgroup" and r.target_name == workgroup)
        if cluster := params.get("ClusterIdentifier"):
            filters.append(lambda r: r.target_kind == "cluster" and r.target_name == cluster)
        with self._lock:
            records = list(self.statements.values())
        records = [r for r in records if all(f(r) for f in filters)]
        records.sort(key=lambda r: r.created_at, reverse=True)
        return _page([r.list_entry() for r in records], params, "Statements")

    # --- catalog ----------------------------------------------------------------------
    def _database(self, params: dict[str, Any]) -> RedshiftDatabase:
        target = self.engine.target(self.account_id, self.region, params)
        name = params.get("Database")
        if not name:
            raise ValidationException("Database must be specified.")
        try:
            return target.database(name)
        except RedshiftSqlError as exc:
            raise DatabaseConnectionException(str(exc)) from exc

    def list_databases(self, params: dict[str, Any]) -> dict[str, Any]:
        target = self.engine.target(self.account_id, self.region, params)
        return _page(target.database_names(), params, "Databases")

    def list_schemas(self, params: dict[str, Any]) -> dict[str, Any]:
        database = self._database(params)
        return _page(database.list_schemas(params.get("SchemaPattern")), params, "Schemas")

    def list_tables(self, params: dict[str, Any]) -> dict[str, Any]:
        database = self._database(params)
        tables = database.list_tables(params.get("SchemaPattern"), params.get("TablePattern"))
        return _page(tables, params, "Tables")

    def describe_table(self, params: dict[str, Any]) -> dict[str, Any]:
        database = self._database(params)
        schema, table = params.get("Schema"), params.get("Table")
        columns = database.describe_table(schema or ("public" if table else None), table)
        out = _page(columns, params, "ColumnList", limit=1000)
        if table:
            out["TableName"] = table
        return out


def _interrupt_until_stopped(record: StatementRecord, deadline_s: float = 60.0) -> None:
    """Interrupt the statement's cursor until its worker lets go of it.

    An interrupt only stops the query running at that instant: between two queries of a
    statement it would be lost, so it is repeated until the worker has stopped.
    """
    deadline = time.monotonic() + deadline_s
    while record.cursor is not None and time.monotonic() < deadline:
        cursor = record.cursor
        if cursor is not None:
            with contextlib.suppress(duckdb.Error, AttributeError):
                cursor.interrupt()
        time.sleep(INTERRUPT_INTERVAL_S)
