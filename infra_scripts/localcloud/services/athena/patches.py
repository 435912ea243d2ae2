"""Athena executor: the local cloud really runs Athena queries, on DuckDB.

moto 5.2.5 records query executions but never runs SQL (GetQueryResults is empty, so
awswrangler's default CTAS path silently returns an empty DataFrame). This module patches
``AthenaBackend`` (start_query_execution, get_query_results, stop_query_execution: what every
caller, HTTP or in-process, goes through) and ``AthenaResponse`` (the API's details) so that:

- StartQueryExecution validates the work group and the result location as Athena does
  (EnforceWorkGroupConfiguration overrides the client's OutputLocation; no location at all is
  an InvalidRequestException), honours ClientRequestToken, and queues the query on
  :class:`~infra_scripts.localcloud.services.athena.engine.AthenaEngine`, which runs it in a worker
  thread (QUEUED → RUNNING → SUCCEEDED / FAILED / CANCELLED) under the work group's
  BytesScannedCutoffPerQuery;
- GetQueryExecution / BatchGetQueryExecution report real states, StateChangeReason,
  AthenaError, Statistics and the output location. A GetQueryExecution of a running query
  waits up to :data:`STATUS_GRACE_S` for it to finish (as a real call's latency would), so
  clients polling every second (awswrangler) see quick queries finish on their first poll;
- GetQueryResults pages the results (header row first for SELECT, Athena type names,
  MaxResults ≤ 1000, NextToken); StopQueryExecution cancels (interrupts DuckDB);
- ListDatabases / GetDatabase of AwsDataCatalog show the Glue Data Catalog's databases.

Work groups, named queries and prepared statements are moto's, plus what moto 5.2.5 lacks:
UpdateWorkGroup (configuration updates) and DeleteNamedQuery.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any

import moto.athena.exceptions as athena_exceptions
import moto.athena.models as athena_models
import moto.athena.responses as athena_responses

from infra_scripts.exceptions import MotoVersionError
from infra_scripts.localcloud.motolayer.patching import MOTO_VERSION, add, replace, require
from infra_scripts.localcloud.runtime import ServerContext
from infra_scripts.localcloud.services.athena.engine import (
    DEFAULT_QUERY_TIMEOUT_S,
    FINAL_STATES,
    MAX_RESULTS,
    AthenaEngine,
    QueryExecution,
)
from infra_scripts.localcloud.services.athena.results import rows_payload
from infra_scripts.localcloud.sqlengine.catalog import glue_backend
from infra_scripts.localcloud.sqlengine.paging import decode_page_token, encode_page_token

log = logging.getLogger("localcloud.athena")

STATUS_GRACE_S = 0.25
TIMEOUT_ENV = "RETAIL_KIT_ATHENA_QUERY_TIMEOUT_S"
NO_OUTPUT_LOCATION = (
    "No output location provided. An output location is required either through the "
    "Workgroup result configuration setting or as an API input."
)

_AthenaBackend = require(athena_models, "AthenaBackend")
_AthenaResponse = require(athena_responses, "AthenaResponse")
AthenaClientError = require(athena_exceptions, "AthenaClientError")
QueryStillRunning = require(athena_exceptions, "QueryStillRunning")


def _error(message: str, code: str = "InvalidRequestException") -> tuple[str, dict[str, int]]:
    return json.dumps({"__type": code, "Message": message}), {"status": 400}


def resolve_output_location(
    configuration: dict[str, Any], client: dict[str, Any] | None
) -> str | None:
    """Where a query's results go: the work group's when enforced, else the client's, else
    the work group's."""
    workgroup_location = (configuration.get("ResultConfiguration") or {}).get("OutputLocation")
    client_location = (client or {}).get("OutputLocation")
    if configuration.get("EnforceWorkGroupConfiguration") and workgroup_location:
        return workgroup_location
    return client_location or workgroup_location


def _cutoff(configuration: dict[str, Any]) -> int | None:
    value = configuration.get("BytesScannedCutoffPerQuery")
    return int(value) if value else None


class AthenaService:
    """The patched operations, bound to one engine."""

    def __init__(self, engine: AthenaEngine) -> None:
        self.engine = engine
        self._tokens: dict[tuple[str, str], str] = {}
        self._tokens_lock = threading.Lock()

    @staticmethod
    def _execution(backend: Any, execution_id: str | None) -> QueryExecution | None:
        execution = backend.executions.get(execution_id or "")
        return execution if isinstance(execution, QueryExecution) else None

    def start(
        self,
        backend: Any,
        query: str,
        context: dict[str, str] | None,
        client_config: dict[str, Any] | None,
        workgroup_name: str | None,
        parameters: list[str] | None,
        token: str | None = None,
    ) -> str:
        """Validate and queue a query (AthenaBackend.start_query_execution); return its id."""
        workgroup_name = workgroup_name or "primary"
        workgroup = backend.work_groups.get(workgroup_name)
        if workgroup is None:
            raise AthenaClientError(
                "InvalidRequestException", f"WorkGroup {workgroup_name} is not found."
            )
        if getattr(workgroup, "state", "ENABLED") == "DISABLED":
            raise AthenaClientError(
                "InvalidRequestException", f"WorkGroup {workgroup_name} is disabled."
            )
        if not (query or "").strip():
            raise AthenaClientError(
                "InvalidRequestException",
                "1 validation error detected: Value at 'queryString' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1",
            )
        configuration = workgroup.configuration or {}
        location = resolve_output_location(configuration, client_config)
        if not location:
            raise AthenaClientError("InvalidRequestException", NO_OUTPUT_LOCATION)
        if not location.startswith("s3://") or len(location) <= len("s3://"):
            raise AthenaClientError(
                "InvalidRequestException", f"outputLocation is not a valid S3 path: {location}"
            )
        with self._tokens_lock:
            known = self._tokens.get((backend.account_id, token)) if token else None
        if known is not None:
            return known
        enforced = bool(configuration.get("EnforceWorkGroupConfiguration"))
        result_configuration = {
            k: v
            for k, v in ({} if enforced else (client_config or {})).items()
            if k in ("EncryptionConfiguration", "ExpectedBucketOwner", "AclConfiguration")
        }
        execution = self.engine.new_execution(
            query=query,
            account_id=backend.account_id,
            region=backend.region_name,
            workgroup=workgroup,
            context={k: v for k, v in (context or {}).items() if k in ("Database", "Catalog")},
            result_prefix=location.rstrip("/"),
            result_configuration=result_configuration,
            cutoff_bytes=_cutoff(configuration),
            parameters=parameters,
        )
        backend.executions[execution.execution_id] = execution
        if token:
            with self._tokens_lock:
                self._tokens[(backend.account_id, token)] = execution.execution_id
        self.engine.submit(execution)
        return execution.execution_id

    def start_query_execution(self, response: Any) -> Any:
        try:
            execution_id = self.start(
                response.athena_backend,
                response._get_param("QueryString") or "",
                response._get_param("QueryExecutionContext"),
                response._get_param("ResultConfiguration"),
                response._get_param("WorkGroup"),
                response._get_param("ExecutionParameters"),
                response._get_param("ClientRequestToken"),
            )
        except AthenaClientError as exc:
            return _error(exc.message)
        return json.dumps({"QueryExecutionId": execution_id})

    def results(self, backend: Any, execution_id: str) -> Any:
        """AthenaBackend.get_query_results: the first page, as moto's QueryResults."""
        execution = self._execution(backend, execution_id)
        if execution is None:
            raise AthenaClientError(
                "InvalidRequestException", f"QueryExecution {execution_id} was not found"
            )
        if execution.state != "SUCCEEDED":
            raise QueryStillRunning(current_status=execution.state)
        columns, rows, _ = self.engine.page(execution, 0, MAX_RESULTS)
        return athena_models.QueryResults(
            rows=rows_payload(rows), column_info=[c.column_info() for c in columns]
        )

    def stop(self, backend: Any, execution_id: str) -> None:
        """AthenaBackend.stop_query_execution: cancel (interrupt DuckDB)."""
        execution = self._execution(backend, execution_id)
        if execution is None:
            raise AthenaClientError(
                "InvalidRequestException", f"QueryExecution {execution_id} was not found"
            )
        self.engine.stop(execution)

    def get_query_execution(self, response: Any) -> Any:
        execution_id = response._get_param("QueryExecutionId")
        execution = self._execution(response.athena_backend, execution_id)
        if execution is None:
            return _error(f"QueryExecution {execution_id} was not found")
        if execution.state not in FINAL_STATES:
            execution.done.wait(STATUS_GRACE_S)
        return json.dumps({"QueryExecution": execution.describe()})

    def batch_get_query_execution(self, response: Any) -> Any:
        found, unprocessed = [], []
        for execution_id in response._get_param("QueryExecutionIds") or []:
            execution = self._execution(response.athena_backend, execution_id)
            if execution is None:
                unprocessed.append(
                    {
                        "QueryExecutionId": execution_id,
                        "ErrorCode": "INVALID_INPUT",
                        "ErrorMessage": f"QueryExecution {execution_id} was not found",
                    }
                )
            else:
                found.append(execution.describe())
        return json.dumps({"QueryExecutions": found, "UnprocessedQueryExecutionIds": unprocessed})

    def get_query_results(self, response: Any) -> Any:
        execution_id = response._get_param("QueryExecutionId")
        execution = self._execution(response.athena_backend, execution_id)
        if execution is None:
            return _error(f"QueryExecution {execution_id} was not found")
        limit = response._get_param("MaxResults")
        limit = MAX_RESULTS if limit is None else int(limit)
        if limit < 1 or limit > MAX_RESULTS:
            return _error(
                f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
                f"constraint: Member must have value less than or equal to {MAX_RESULTS}"
            )
        if execution.state in ("QUEUED", "RUNNING"):
            return _error(f"Query has not yet finished. Current state: {execution.state}")
        if execution.state != "SUCCEEDED":
            return _error(
                f"Query did not finish successfully. Final query state: {execution.state}"
                + (f"\n{execution.reason}" if execution.reason else "")
            )
        offset = 0
        token = response._get_param("NextToken")
        if token:
            decoded = decode_page_token(token, scope=execution_id)
            if decoded is None:
                return _error("The NextToken is not valid for this query execution.")
            offset = decoded
        columns, rows, total = self.engine.page(execution, offset, limit)
        body: dict[str, Any] = {
            "UpdateCount": execution.result.update_count if execution.result else 0,
            "ResultSet": {
                "Rows": rows_payload(rows),
                "ResultSetMetadata": {"ColumnInfo": [c.column_info() for c in columns]},
            },
        }
        if offset + len(rows) < total:
            body["NextToken"] = encode_page_token(offset + len(rows), scope=execution_id)
        return json.dumps(body)

    def stop_query_execution(self, response: Any) -> Any:
        try:
            self.stop(response.athena_backend, response._get_param("QueryExecutionId"))
        except AthenaClientError as exc:
            return _error(exc.message)
        return json.dumps({})


_SETTABLE = (
    "EnforceWorkGroupConfiguration",
    "PublishCloudWatchMetricsEnabled",
    "BytesScannedCutoffPerQuery",
    "RequesterPaysEnabled",
    "EngineVersion",
    "AdditionalConfiguration",
    "ExecutionRole",
    "CustomerContentEncryptionConfiguration",
    "EnableMinimumEncryptionConfiguration",
    "ManagedQueryResultsConfiguration",
)
_RESULT_SETTINGS = (
    "OutputLocation",
    "EncryptionConfiguration",
    "ExpectedBucketOwner",
    "AclConfiguration",
)


def apply_configuration_updates(configuration: dict[str, Any], updates: dict[str, Any]) -> None:
    """UpdateWorkGroup's ``ConfigurationUpdates`` applied to a work group's Configuration."""
    for key in _SETTABLE:
        if key in updates:
            configuration[key] = updates[key]
    if updates.get("RemoveBytesScannedCutoffPerQuery"):
        configuration.pop("BytesScannedCutoffPerQuery", None)
    result_updates = updates.get("ResultConfigurationUpdates") or {}
    if result_updates:
        result = configuration.setdefault("ResultConfiguration", {})
        for key in _RESULT_SETTINGS:
            if result_updates.get(f"Remove{key}"):
                result.pop(key, None)
            if key in result_updates:
                result[key] = result_updates[key]


def update_work_group(response: Any) -> Any:
    """UpdateWorkGroup (moto 5.2.5 lacks it): description, state and configuration updates."""
    name = response._get_param("WorkGroup")
    work_group = response.athena_backend.work_groups.get(name)
    if work_group is None:
        return _error(f"WorkGroup {name} is not found.")
    apply_configuration_updates(
        work_group.configuration, response._get_param("ConfigurationUpdates") or {}
    )
    if response._get_param("Description") is not None:
        work_group.description = response._get_param("Description")
    if response._get_param("State"):
        work_group.state = response._get_param("State")
    return json.dumps({})


def delete_named_query(response: Any) -> Any:
    """DeleteNamedQuery (moto 5.2.5 lacks it)."""
    response.athena_backend.named_queries.pop(response._get_param("NamedQueryId"), None)
    return json.dumps({})


def _named_query_guard(original: Any) -> Any:
    """GetNamedQuery of an unknown id: InvalidRequestException (moto fails with a 500)."""

    def get_named_query(self: Any) -> Any:
        query_id = self._get_param("NamedQueryId")
        if query_id not in self.athena_backend.named_queries:
            return _error(f"NamedQuery {query_id} was not found")
        return original(self)

    return get_named_query


def _work_group_guard(original: Any) -> Any:
    """Get/DeleteWorkGroup of an unknown name: InvalidRequestException (moto answers {})."""

    def guarded(self: Any) -> Any:
        name = self._get_param("WorkGroup")
        if self.athena_backend.get_work_group(name) is None:
            return _error(f"WorkGroup {name} is not found.")
        return original(self)

    return guarded


def _sync_glue_databases(backend: Any, catalog_name: str | None) -> None:
    """Show the Glue Data Catalog's databases as AwsDataCatalog's (as Athena does)."""
    if (catalog_name or "AwsDataCatalog").lower() != "awsdatacatalog":
        return
    glue = glue_backend(backend.account_id, backend.region_name)
    names = set(glue.databases)
    for key in [k for k in backend.databases if k[0].lower() == "awsdatacatalog"]:
        if key[1] not in names:
            del backend.databases[key]
    for name, database in list(glue.databases.items()):
        key = ("AwsDataCatalog", name)
        if key not in backend.databases:
            backend.databases[key] = athena_models.Database(
                catalog_name="AwsDataCatalog",
                database_name=name,
                description=database.input.get("Description") or "",
                parameters=database.input.get("Parameters") or {},
            )


def install(ctx: ServerContext) -> None:
    """Patch moto so Athena queries run on the local cloud's DuckDB engine."""
    for name in ("executions", "work_groups", "databases"):
        probe = _AthenaBackend("us-east-1", "123456789012")
        if not hasattr(probe, name):
            raise MotoVersionError(
                f"moto internals changed: AthenaBackend.{name} is missing; the local cloud "
                f"needs moto=={MOTO_VERSION}"
            )
    require(athena_models, "Database")
    require(_AthenaResponse, "athena_backend")
    timeout_s = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_QUERY_TIMEOUT_S)
    service = AthenaService(AthenaEngine(ctx.work_dir, timeout_s=timeout_s))

    # the backend: what every caller (HTTP or in-process) goes through
    replace(
        _AthenaBackend,
        "start_query_execution",
        lambda self, query, context, config, workgroup, execution_parameters: service.start(
            self, query, context, config, workgroup, execution_parameters
        ),
    )
    replace(
        _AthenaBackend, "get_query_results", lambda self, exec_id: service.results(self, exec_id)
    )
    replace(
        _AthenaBackend, "stop_query_execution", lambda self, exec_id: service.stop(self, exec_id)
    )
    # the responses: ClientRequestToken, AthenaError/Statistics, paging, Athena's error texts
    for operation in (
        "start_query_execution",
        "get_query_execution",
        "get_query_results",
        "stop_query_execution",
    ):
        handler = getattr(service, operation)
        replace(_AthenaResponse, operation, lambda self, _h=handler: _h(self))
    add(_AthenaResponse, "update_work_group", update_work_group)
    add(_AthenaResponse, "delete_named_query", delete_named_query)
    replace(
        _AthenaResponse,
        "get_named_query",
        _named_query_guard(require(_AthenaResponse, "get_named_query")),
    )
    for operation in ("get_work_group", "delete_work_group"):
        replace(_AthenaResponse, operation, _work_group_guard(require(_AthenaResponse, operation)))
    add(
        _AthenaResponse,
        "batch_get_query_execution",
        lambda self: service.batch_get_query_execution(self),
    )

    original_list = replace(_AthenaBackend, "list_databases", _AthenaBackend.list_databases)
    original_get = require(_AthenaBackend, "get_database")

    def list_databases(self: Any, catalog_name: str, **kwargs: Any) -> Any:
        _sync_glue_databases(self, catalog_name)
        return original_list(self, catalog_name, **kwargs)

    def get_database(self: Any, catalog_name: str, database_name: str) -> Any:
        _sync_glue_databases(self, catalog_name)
        return original_get(self, catalog_name, database_name)

    replace(_AthenaBackend, "list_databases", list_databases)
    replace(_AthenaBackend, "get_database", get_database)
    log.info("Athena executor installed (DuckDB engine, query timeout %ss)", timeout_s)


__all__ = ["AthenaService", "install", "resolve_output_location"]
