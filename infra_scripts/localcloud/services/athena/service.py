"""Athena's query API on the local cloud's engine: StartQueryExecution (work group checks,
result location, ClientRequestToken), GetQueryExecution, BatchGetQueryExecution,
GetQueryResults (paging) and StopQueryExecution, as :mod:`.patches` installs them into moto."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import moto.athena.exceptions as athena_exceptions
import moto.athena.models as athena_models

from infra_scripts.localcloud.motolayer.patching import require
from infra_scripts.localcloud.services.athena.engine import (
    DEFAULT_QUERY_TIMEOUT_S,
    FINAL_STATES,
    MAX_RESULTS,
    AthenaEngine,
    QueryExecution,
)
from infra_scripts.localcloud.services.athena.resources import (
    error_response,
    resolve_output_location,
)
from infra_scripts.localcloud.services.athena.results import rows_payload
from infra_scripts.localcloud.services.athena.reuse import (
    ReuseConfigurationError,
    find_reusable,
    reuse_policy,
)
from infra_scripts.localcloud.sqlengine.paging import decode_page_token, encode_page_token

STATUS_GRACE_S = 0.25
TIMEOUT_ENV = "RETAIL_KIT_ATHENA_QUERY_TIMEOUT_S"
NO_OUTPUT_LOCATION = (
    "No output location provided. An output location is required either through the "
    "Workgroup result configuration setting or as an API input."
)

AthenaClientError = require(athena_exceptions, "AthenaClientError")
QueryStillRunning = require(athena_exceptions, "QueryStillRunning")


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
        reuse: dict[str, Any] | None = None,
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
        try:
            policy = reuse_policy(reuse)
        except ReuseConfigurationError as exc:
            raise AthenaClientError("InvalidRequestException", str(exc)) from exc
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
            reuse=policy,
        )
        previous = None
        if policy.enabled:
            earlier = [
                e for e in list(backend.executions.values()) if isinstance(e, QueryExecution)
            ]
            previous = find_reusable(
                execution, earlier, execution.submitted_at, self.engine.result_exists
            )
        backend.executions[execution.execution_id] = execution
        if token:
            with self._tokens_lock:
                self._tokens[(backend.account_id, token)] = execution.execution_id
        if previous is not None:
            self.engine.reuse_result(execution, previous)
        else:
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
                response._get_param("ResultReuseConfiguration"),
            )
        except AthenaClientError as exc:
            return error_response(exc.message)
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
            return error_response(f"QueryExecution {execution_id} was not found")
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
            return error_response(f"QueryExecution {execution_id} was not found")
        limit = response._get_param("MaxResults")
        limit = MAX_RESULTS if limit is None else int(limit)
        if limit < 1 or limit > MAX_RESULTS:
            return error_response(
                f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
                f"constraint: Member must have value less than or equal to {MAX_RESULTS}"
            )
        if execution.state in ("QUEUED", "RUNNING"):
            return error_response(f"Query has not yet finished. Current state: {execution.state}")
        if execution.state != "SUCCEEDED":
            return error_response(
                f"Query did not finish successfully. Final query state: {execution.state}"
                + (f"\n{execution.reason}" if execution.reason else "")
            )
        offset = 0
        token = response._get_param("NextToken")
        if token:
            decoded = decode_page_token(token, scope=execution_id)
            if decoded is None:
                return error_response("The NextToken is not valid for this query execution.")
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
            return error_response(exc.message)
        return json.dumps({})


def athena_service(work_dir: Path, on_end: Callable[[], None] | None = None) -> AthenaService:
    """The service on a new engine, with the query timeout from :data:`TIMEOUT_ENV`;
    ``on_end`` is told when a query reaches a final state."""
    timeout_s = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_QUERY_TIMEOUT_S)
    return AthenaService(AthenaEngine(work_dir, timeout_s=timeout_s, on_end=on_end))
