"""Redshift Data API executor: statements really run, on DuckDB (see :mod:`.redshift_data`).

moto 5.2.5's Redshift Data API never finishes a statement, returns fixed fake rows under
a wrong field name (``TotalNumberRows``) and lacks BatchExecuteStatement, ListStatements
and the catalog operations. Here every operation of ``RedshiftDataAPIServiceResponse`` and
the backend's statement methods are replaced by the kit's service, which executes Redshift
SQL on one persistent DuckDB database per workgroup (or cluster) and database. The service
and DuckDB are imported on the first request, so an idle server does not hold them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from infra_scripts.exceptions import MotoVersionError
from infra_scripts.localcloud.motolayer.patching import MOTO_VERSION, add, replace, require
from infra_scripts.localcloud.runtime import OnFirstUse, ServerContext

if TYPE_CHECKING:
    from infra_scripts.localcloud.services.redshift_data.service import RedshiftDataEngine

Engine = OnFirstUse["RedshiftDataEngine"]

log = logging.getLogger("localcloud.redshift_data")

# Response method (moto's naming: the action in snake case) → the service's method.
OPERATIONS = (
    "execute_statement",
    "batch_execute_statement",
    "describe_statement",
    "get_statement_result",
    "get_statement_result_v2",
    "cancel_statement",
    "list_statements",
    "list_databases",
    "list_schemas",
    "list_tables",
    "describe_table",
)
MOTO_OPERATIONS = (
    "execute_statement",
    "describe_statement",
    "get_statement_result",
    "cancel_statement",
)
# moto's backend keyword arguments → the API's parameter names.
_BACKEND_ARGS = {
    "cluster_identifier": "ClusterIdentifier",
    "workgroup_name": "WorkgroupName",
    "database": "Database",
    "db_user": "DbUser",
    "parameters": "Parameters",
    "secret_arn": "SecretArn",
    "sql": "Sql",
    "statement_id": "Id",
}


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _response_handler(
    engine: Engine, operation: str
) -> Callable[[Any], tuple[int, dict[str, str], str]]:
    def handle(self: Any) -> tuple[int, dict[str, str], str]:
        body = self.body.decode() if isinstance(self.body, bytes) else self.body
        params = json.loads(body) if body else {}
        service = engine.get().service(self.current_account, self.region)
        result = getattr(service, operation)(params)
        return (
            200,
            {"Content-Type": "application/x-amz-json-1.1"},
            json.dumps(result, default=_json_default),
        )

    handle.__name__ = operation
    handle._kit = True  # type: ignore[attr-defined]
    return handle


def _backend_method(engine: Engine, operation: str) -> Callable[..., dict[str, Any]]:
    def call(self: Any, **kwargs: Any) -> dict[str, Any]:
        params = {_BACKEND_ARGS.get(k, k): v for k, v in kwargs.items() if v is not None}
        return getattr(engine.get().service(self.account_id, self.region_name), operation)(params)

    call.__name__ = operation
    return call


def _load_engine(ctx: ServerContext) -> RedshiftDataEngine:
    from infra_scripts.localcloud.services.redshift_data.service import RedshiftDataEngine

    return RedshiftDataEngine(ctx)


def _end_unfinished(ctx: ServerContext) -> list[str]:
    from infra_scripts.localcloud.services.redshift_data.service import end_unfinished_statements

    return end_unfinished_statements(ctx)


def install(ctx: ServerContext) -> None:
    """Route every Redshift Data API operation to the kit's DuckDB-backed service."""
    from moto.redshiftdata import models, responses

    response_cls = require(responses, "RedshiftDataAPIServiceResponse")
    backend_cls = require(models, "RedshiftDataAPIServiceBackend")
    require(models, "redshiftdata_backends")
    for name in MOTO_OPERATIONS:
        require(response_cls, name)
        require(backend_cls, name)
    for name in set(OPERATIONS) - set(MOTO_OPERATIONS):
        if hasattr(response_cls, name) and not getattr(getattr(response_cls, name), "_kit", False):
            raise MotoVersionError(
                f"moto now implements RedshiftData {name}; the local cloud's Redshift Data "
                f"executor is written for moto=={MOTO_VERSION}"
            )
    engine: Engine = OnFirstUse("Redshift's SQL engine", lambda: _load_engine(ctx))
    ctx.state_hooks.on_restore("redshift-data", lambda: _end_unfinished(ctx))
    for name in OPERATIONS:
        handler = _response_handler(engine, name)
        if name in MOTO_OPERATIONS:
            replace(response_cls, name, handler)
        else:
            add(response_cls, name, handler)
    for name in MOTO_OPERATIONS:
        replace(backend_cls, name, _backend_method(engine, name))
