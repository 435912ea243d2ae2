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
- ListDatabases / GetDatabase of AwsDataCatalog (any case) show the Glue Data Catalog's
  databases; ListDataCatalogs / GetDataCatalog show AwsDataCatalog; ListTableMetadata /
  GetTableMetadata read Glue's tables; Update/DeleteDataCatalog; BatchGetNamedQuery;
  ListQueryExecutions pages (:mod:`.metadata`).

Work groups, named queries and prepared statements are moto's, plus what moto 5.2.5 lacks:
UpdateWorkGroup (configuration updates), Update/DeleteNamedQuery, ListEngineVersions, and
prepared statements kept per work group with Update/Delete/List/BatchGetPreparedStatement
(:mod:`.resources`).

The query operations are :mod:`.service`'s; it and its DuckDB/sqlglot engine (~40 MB) are
imported on the first query, so an idle server does not hold them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import moto.athena.models as athena_models
import moto.athena.responses as athena_responses

from infra_scripts.exceptions import MotoVersionError
from infra_scripts.localcloud.motolayer.patching import MOTO_VERSION, add, replace, require
from infra_scripts.localcloud.runtime import OnFirstUse, ServerContext
from infra_scripts.localcloud.services.athena import metadata, resources
from infra_scripts.localcloud.services.athena.metadata import catalog_case_insensitive
from infra_scripts.localcloud.services.athena.resources import (
    named_query_guard,
    sync_glue_databases,
    update_work_group,
    work_group_guard,
)

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.athena.service import AthenaService

log = logging.getLogger("localcloud.athena")

_AthenaBackend = require(athena_models, "AthenaBackend")
_AthenaResponse = require(athena_responses, "AthenaResponse")

# AthenaResponse's query operations, answered by the service.
QUERY_RESPONSES = (
    "start_query_execution",
    "get_query_execution",
    "get_query_results",
    "stop_query_execution",
)

# prepared-statement operations: moto's, replaced; and those moto 5.2.5 lacks
PREPARED_REPLACED = ("create_prepared_statement", "get_prepared_statement")
PREPARED_ADDED = (
    "update_prepared_statement",
    "delete_prepared_statement",
    "list_prepared_statements",
    "batch_get_prepared_statement",
)


def _load_service(ctx: ServerContext) -> AthenaService:
    from infra_scripts.localcloud.services.athena.service import athena_service

    return athena_service(ctx.work_dir, on_end=ctx.state_hooks.changed)


RESTART_REASON = "the local cloud restarted while the query was running"


def _end_unfinished_queries() -> list[str]:
    """After a restart: queries the last server did not finish end FAILED."""
    from infra_scripts.localcloud.services.athena.engine import QueryExecution

    ended = 0
    for accounts in athena_models.athena_backends.values():
        for backend in accounts.values():
            for execution in backend.executions.values():
                if isinstance(execution, QueryExecution):
                    execution.connections = []
                    ended += execution.finish("FAILED", RESTART_REASON)
    return [f"{ended} unfinished query(ies) ended FAILED ({RESTART_REASON})"] if ended else []


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
    service = OnFirstUse("Athena's query engine", lambda: _load_service(ctx))
    ctx.state_hooks.on_restore("athena", _end_unfinished_queries)

    # the backend: what every caller (HTTP or in-process) goes through
    replace(
        _AthenaBackend,
        "start_query_execution",
        lambda self, query, context, config, workgroup, execution_parameters: service.get().start(
            self, query, context, config, workgroup, execution_parameters
        ),
    )
    replace(
        _AthenaBackend,
        "get_query_results",
        lambda self, exec_id: service.get().results(self, exec_id),
    )
    replace(
        _AthenaBackend,
        "stop_query_execution",
        lambda self, exec_id: service.get().stop(self, exec_id),
    )
    # the responses: ClientRequestToken, AthenaError/Statistics, paging, Athena's error texts
    for operation in QUERY_RESPONSES:
        replace(
            _AthenaResponse,
            operation,
            lambda self, _op=operation: getattr(service.get(), _op)(self),
        )
    add(
        _AthenaResponse,
        "batch_get_query_execution",
        lambda self: service.get().batch_get_query_execution(self),
    )
    add(_AthenaResponse, "update_work_group", update_work_group)
    for operation in ("delete_named_query", "update_named_query", "list_engine_versions"):
        add(_AthenaResponse, operation, getattr(resources, operation))
    replace(
        _AthenaResponse,
        "get_named_query",
        named_query_guard(require(_AthenaResponse, "get_named_query")),
    )
    for operation in ("get_work_group", "delete_work_group"):
        replace(_AthenaResponse, operation, work_group_guard(require(_AthenaResponse, operation)))
    # prepared statements, per work group (:mod:`.resources`)
    for operation in PREPARED_REPLACED:
        replace(_AthenaResponse, operation, getattr(resources, operation))
    for operation in PREPARED_ADDED:
        add(_AthenaResponse, operation, getattr(resources, operation))

    # catalog metadata (:mod:`.metadata`): any spelling of AwsDataCatalog, the Glue tables
    for operation in ("list_databases", "get_database"):
        replace(
            _AthenaBackend,
            operation,
            catalog_case_insensitive(require(_AthenaBackend, operation), sync_glue_databases),
        )
    for operation in (
        "list_data_catalogs",
        "get_data_catalog",
        "list_query_executions",
        "get_query_runtime_statistics",
    ):
        replace(_AthenaResponse, operation, getattr(metadata, operation))
    for operation in (
        "list_table_metadata",
        "get_table_metadata",
        "batch_get_named_query",
        "update_data_catalog",
        "delete_data_catalog",
    ):
        add(_AthenaResponse, operation, getattr(metadata, operation))
    log.info("Athena executor installed (its DuckDB engine loads on the first query)")


__all__ = ["install"]
