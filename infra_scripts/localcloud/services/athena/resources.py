"""Athena's resources besides query executions, where moto 5.2.5 lacks or gets them wrong:
work groups (UpdateWorkGroup, errors for unknown names, where results go), named queries
(Update/DeleteNamedQuery, errors for unknown ids), engine versions (ListEngineVersions),
prepared statements (per work group, with List/Update/Delete/BatchGet and AWS's errors) and the
databases of ``AwsDataCatalog`` (the Glue Data Catalog's). Nothing here runs SQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import moto.athena.models as athena_models

from infra_scripts.localcloud.sqlengine.catalog import glue_backend
from infra_scripts.localcloud.sqlengine.paging import decode_page_token, encode_page_token


def error_response(
    message: str, code: str = "InvalidRequestException"
) -> tuple[str, dict[str, int]]:
    """An Athena error answer, as moto's response methods return one."""
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
        return error_response(f"WorkGroup {name} is not found.")
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


def update_named_query(response: Any) -> Any:
    """UpdateNamedQuery (moto 5.2.5 lacks it): name, description and query string replaced."""
    query_id = response._get_param("NamedQueryId")
    named_query = response.athena_backend.named_queries.get(query_id)
    if named_query is None:
        return error_response(f"NamedQuery {query_id} was not found")
    named_query.name = response._get_param("Name")
    named_query.description = response._get_param("Description")
    named_query.query_string = response._get_param("QueryString")
    return json.dumps({})


# The engine the local cloud emulates is Athena engine version 3 (Trino); AUTO selects it.
ENGINE_V3 = "Athena engine version 3"
ENGINE_VERSIONS = (
    {"SelectedEngineVersion": "AUTO", "EffectiveEngineVersion": ENGINE_V3},
    {"SelectedEngineVersion": ENGINE_V3, "EffectiveEngineVersion": ENGINE_V3},
)


def list_engine_versions(response: Any) -> Any:
    """ListEngineVersions (moto 5.2.5 lacks it): AUTO and version 3, the one emulated."""
    return json.dumps({"EngineVersions": list(ENGINE_VERSIONS)})


def named_query_guard(original: Any) -> Any:
    """GetNamedQuery of an unknown id: InvalidRequestException (moto fails with a 500)."""

    def get_named_query(self: Any) -> Any:
        query_id = self._get_param("NamedQueryId")
        if query_id not in self.athena_backend.named_queries:
            return error_response(f"NamedQuery {query_id} was not found")
        return original(self)

    return get_named_query


def work_group_guard(original: Any) -> Any:
    """Get/DeleteWorkGroup of an unknown name: InvalidRequestException (moto answers {})."""

    def guarded(self: Any) -> Any:
        name = self._get_param("WorkGroup")
        if self.athena_backend.get_work_group(name) is None:
            return error_response(f"WorkGroup {name} is not found.")
        return original(self)

    return guarded


def sync_glue_databases(backend: Any, catalog_name: str | None) -> None:
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


# --- prepared statements ----------------------------------------------------------------------
# moto 5.2.5 keeps one prepared statement per name whatever its work group, answers
# GetPreparedStatement of an unknown name with a 500 and lacks List/Update/Delete/BatchGet.
# Here they are kept per (work group, name), as Athena keeps them.

MAX_PREPARED_STATEMENTS = 1000  # per work group (Athena's quota)
MAX_PREPARED_PAGE = 50  # ListPreparedStatements: MaxResults 1..50
MAX_PREPARED_BATCH = 50  # BatchGetPreparedStatement: 1..50 names


class PreparedStatementError(Exception):
    """A prepared-statement request Athena refuses: (error code, message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _prepared_store(backend: Any) -> dict[tuple[str, str], Any]:
    store = backend.prepared_statements
    for key in [k for k in store if not isinstance(k, tuple)]:  # moto's own, keyed by name
        entry = store.pop(key)
        store[(str(entry.workgroup), key)] = entry
    return store


def _require_work_group(backend: Any, work_group: str | None) -> str:
    name = work_group or "primary"
    if backend.get_work_group(name) is None:
        raise PreparedStatementError("InvalidRequestException", f"WorkGroup {name} is not found.")
    return name


def _not_found(name: str, work_group: str) -> PreparedStatementError:
    return PreparedStatementError(
        "ResourceNotFoundException",
        f"Prepared statement {name} was not found in workgroup {work_group}.",
    )


def put_prepared_statement(
    backend: Any,
    work_group: str | None,
    name: str,
    query: str,
    description: str | None = None,
    replace: bool = False,
) -> None:
    """Create (or, with ``replace``, create or overwrite) a prepared statement."""
    group = _require_work_group(backend, work_group)
    store = _prepared_store(backend)
    key = (group, name)
    if key in store and not replace:
        raise PreparedStatementError(
            "InvalidRequestException",
            f"Prepared statement {name} already exists in workgroup {group}.",
        )
    if key not in store and sum(1 for g, _ in store if g == group) >= MAX_PREPARED_STATEMENTS:
        raise PreparedStatementError(
            "TooManyRequestsException",
            f"WorkGroup {group} already has {MAX_PREPARED_STATEMENTS} prepared statements.",
        )
    entry = athena_models.PreparedStatement(
        statement_name=name, workgroup=group, query_statement=query, description=description
    )
    entry.last_modified_time = datetime.now(UTC)
    store[key] = entry


def find_prepared_statement(backend: Any, work_group: str | None, name: str) -> Any:
    """The prepared statement ``name`` of a work group, or ResourceNotFoundException."""
    group = _require_work_group(backend, work_group)
    entry = _prepared_store(backend).get((group, name))
    if entry is None:
        raise _not_found(name, group)
    return entry


def remove_prepared_statement(backend: Any, work_group: str | None, name: str) -> None:
    group = _require_work_group(backend, work_group)
    if _prepared_store(backend).pop((group, name), None) is None:
        raise _not_found(name, group)


def _described(entry: Any) -> dict[str, Any]:
    described = {
        "StatementName": entry.statement_name,
        "QueryStatement": entry.query_statement,
        "WorkGroupName": str(entry.workgroup),
        "LastModifiedTime": _epoch(entry.last_modified_time),
    }
    if entry.description:
        described["Description"] = entry.description
    return described


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.astimezone()).timestamp()
    return float(value)


def _answer(work: Any) -> Any:
    try:
        return json.dumps(work())
    except PreparedStatementError as exc:
        return error_response(exc.message, exc.code)


def create_prepared_statement(response: Any) -> Any:
    """CreatePreparedStatement: a name already used in the work group is refused."""
    return _answer(
        lambda: (
            put_prepared_statement(
                response.athena_backend,
                response._get_param("WorkGroup"),
                response._get_param("StatementName"),
                response._get_param("QueryStatement"),
                response._get_param("Description"),
            )
            or {}
        )
    )


def get_prepared_statement(response: Any) -> Any:
    """GetPreparedStatement: ResourceNotFoundException for an unknown name (moto: a 500)."""
    return _answer(
        lambda: {
            "PreparedStatement": _described(
                find_prepared_statement(
                    response.athena_backend,
                    response._get_param("WorkGroup"),
                    response._get_param("StatementName"),
                )
            )
        }
    )


def update_prepared_statement(response: Any) -> Any:
    """UpdatePreparedStatement (moto 5.2.5 lacks it): new query text and description."""

    def work() -> dict[str, Any]:
        entry = find_prepared_statement(
            response.athena_backend,
            response._get_param("WorkGroup"),
            response._get_param("StatementName"),
        )
        entry.query_statement = response._get_param("QueryStatement")
        entry.description = response._get_param("Description")
        entry.last_modified_time = datetime.now(UTC)
        return {}

    return _answer(work)


def delete_prepared_statement(response: Any) -> Any:
    """DeletePreparedStatement (moto 5.2.5 lacks it)."""
    return _answer(
        lambda: (
            remove_prepared_statement(
                response.athena_backend,
                response._get_param("WorkGroup"),
                response._get_param("StatementName"),
            )
            or {}
        )
    )


def list_prepared_statements(response: Any) -> Any:
    """ListPreparedStatements (moto 5.2.5 lacks it): a work group's, by name, paged."""
    backend = response.athena_backend
    try:
        group = _require_work_group(backend, response._get_param("WorkGroup"))
    except PreparedStatementError as exc:
        return error_response(exc.message, exc.code)
    limit = response._get_param("MaxResults")
    limit = MAX_PREPARED_PAGE if limit is None else int(limit)
    if not 1 <= limit <= MAX_PREPARED_PAGE:
        bound = (
            f"less than or equal to {MAX_PREPARED_PAGE}"
            if limit > MAX_PREPARED_PAGE
            else "greater than or equal to 1"
        )
        return error_response(
            f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value {bound}"
        )
    entries = sorted(
        (e for (g, _), e in _prepared_store(backend).items() if g == group),
        key=lambda e: e.statement_name,
    )
    start = 0
    token = response._get_param("NextToken")
    if token:
        offset = decode_page_token(token, f"prepared/{group}")
        if offset is None:
            return error_response("Invalid NextToken")
        start = offset
    page = entries[start : start + limit]
    answer: dict[str, Any] = {
        "PreparedStatements": [
            {"StatementName": e.statement_name, "LastModifiedTime": _epoch(e.last_modified_time)}
            for e in page
        ]
    }
    if start + len(page) < len(entries):
        answer["NextToken"] = encode_page_token(start + len(page), f"prepared/{group}")
    return json.dumps(answer)


def batch_get_prepared_statement(response: Any) -> Any:
    """BatchGetPreparedStatement (moto 5.2.5 lacks it): unknown names are
    UnprocessedPreparedStatementNames."""
    backend = response.athena_backend
    names = response._get_param("PreparedStatementNames") or []
    if not 1 <= len(names) <= MAX_PREPARED_BATCH:
        bound = (
            f"less than or equal to {MAX_PREPARED_BATCH}" if names else "greater than or equal to 1"
        )
        return error_response(
            f"1 validation error detected: Value '{names}' at 'preparedStatementNames' failed to "
            f"satisfy constraint: Member must have length {bound}"
        )
    try:
        group = _require_work_group(backend, response._get_param("WorkGroup"))
    except PreparedStatementError as exc:
        return error_response(exc.message, exc.code)
    found, unprocessed = [], []
    for name in names:
        entry = _prepared_store(backend).get((group, name))
        if entry is None:
            unprocessed.append(
                {
                    "StatementName": name,
                    "ErrorCode": "INVALID_INPUT",
                    "ErrorMessage": _not_found(name, group).message,
                }
            )
        else:
            found.append(_described(entry))
    return json.dumps(
        {"PreparedStatements": found, "UnprocessedPreparedStatementNames": unprocessed}
    )
