"""Prepared statements in SQL: ``PREPARE name FROM <statement>``, ``EXECUTE name [USING v, …]``
and ``DEALLOCATE PREPARE name``, kept in the query's work group (the statements the
Create/Get/DeletePreparedStatement API sees, :mod:`.resources`).

``EXECUTE`` runs the stored statement (a SELECT, CTAS, INSERT INTO or UNLOAD) with its ``?``
placeholders bound, in order, to the ``USING`` values or to StartQueryExecution's
``ExecutionParameters``. https://docs.aws.amazon.com/athena/latest/ug/sql-prepare.html
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import sqlglot
from sqlglot.errors import ParseError, TokenError

from infra_scripts.localcloud.services.athena import errors
from infra_scripts.localcloud.services.athena.context import (
    StatementContext,
    StatementResult,
    match_statement,
)
from infra_scripts.localcloud.services.athena.errors import AthenaQueryError
from infra_scripts.localcloud.services.athena.resources import (
    PreparedStatementError,
    find_prepared_statement,
    put_prepared_statement,
    remove_prepared_statement,
)
from infra_scripts.localcloud.services.athena.translate import (
    READ_DIALECT,
    statement_kind,
    strip_statement,
)

_NAME = r"(?P<name>[A-Za-z_][\w@:]*)"
PREPARABLE = ("select", "ctas", "insert", "unload")  # what Athena lets PREPARE hold


def _athena_backend(ctx: StatementContext) -> Any:
    from moto.athena.models import athena_backends

    return athena_backends[ctx.glue.account_id][ctx.glue.region]


def _work_group(ctx: StatementContext) -> str:
    """The work group of the running query (its execution is in moto's backend)."""
    execution = _athena_backend(ctx).executions.get(ctx.execution_id)
    return getattr(getattr(execution, "workgroup", None), "name", None) or "primary"


def _failed(exc: PreparedStatementError) -> AthenaQueryError:
    code = "PREPARED_STATEMENT_NOT_FOUND" if exc.code == "ResourceNotFoundException" else ""
    return AthenaQueryError(
        code,
        exc.message,
        error_type=errors.TYPE_NOT_FOUND if code else errors.TYPE_USER,
    )


def run_prepare(ctx: StatementContext) -> StatementResult:
    """``PREPARE name FROM <statement>``: stored (or replaced) in the query's work group."""
    match = match_statement(rf"PREPARE\s+{_NAME}\s+FROM\s+(?P<body>.+)", ctx.text)
    body = strip_statement(match.group("body"))
    kind = statement_kind(body)
    if kind.name not in PREPARABLE:
        raise errors.not_supported(
            "PREPARE takes a SELECT, CREATE TABLE AS, INSERT INTO or UNLOAD statement"
        )
    try:
        put_prepared_statement(
            _athena_backend(ctx), _work_group(ctx), match.group("name"), body, replace=True
        )
    except PreparedStatementError as exc:
        raise _failed(exc) from exc
    return StatementResult(kind="none")


def run_deallocate(ctx: StatementContext) -> StatementResult:
    """``DEALLOCATE PREPARE name``: removed from the query's work group."""
    match = match_statement(rf"DEALLOCATE\s+PREPARE\s+{_NAME}", ctx.text)
    try:
        remove_prepared_statement(_athena_backend(ctx), _work_group(ctx), match.group("name"))
    except PreparedStatementError as exc:
        raise _failed(exc) from exc
    return StatementResult(kind="none")


def using_values(text: str, clause: str) -> list[str]:
    """The SQL text of each value of an ``EXECUTE … USING v1, v2`` list."""
    try:
        select = sqlglot.parse_one(f"SELECT {clause}", read=READ_DIALECT)
    except (ParseError, TokenError) as exc:
        raise errors.syntax_error(text, None, "expected USING value [, value …]") from exc
    return [value.sql(dialect=READ_DIALECT) for value in select.expressions]


def run_execute(
    ctx: StatementContext, handlers: dict[str, Callable[[StatementContext], StatementResult]]
) -> StatementResult:
    """``EXECUTE name [USING v1, …]``: the prepared statement, its ``?`` bound in order to the
    USING values or (without USING) to the ExecutionParameters."""
    match = match_statement(rf"EXECUTE\s+{_NAME}(?:\s+USING\s+(?P<using>.+))?", ctx.text)
    try:
        entry = find_prepared_statement(_athena_backend(ctx), _work_group(ctx), match.group("name"))
    except PreparedStatementError as exc:
        raise _failed(exc) from exc
    parameters = ctx.parameters
    if match.group("using") is not None:
        if ctx.parameters:
            raise AthenaQueryError(
                "INVALID_PARAMETER_USAGE",
                "Execution parameters cannot be given both in the USING clause and as "
                "ExecutionParameters",
            )
        parameters = using_values(ctx.text, match.group("using"))
    body = strip_statement(entry.query_statement)
    kind = statement_kind(body)
    handler = handlers.get(kind.name) if kind.name in PREPARABLE else None
    if handler is None:
        raise errors.not_supported(f"prepared statement {entry.statement_name} cannot be run")
    return handler(dataclasses.replace(ctx, text=body, parameters=parameters))
