"""Athena's catalog metadata API, where moto 5.2.5 lacks it or answers other than AWS.

- ListDataCatalogs always lists ``AwsDataCatalog`` (Type ``GLUE``, the account's Glue Data
  Catalog) before the catalogs created with CreateDataCatalog; GetDataCatalog answers it, with
  ``Parameters`` ``{"catalog-id": <account>}``. Catalog names are case-insensitive
  (``awsdatacatalog`` is PyAthena's default).
- ListTableMetadata / GetTableMetadata read the Glue Data Catalog: ``TableType``
  (``EXTERNAL_TABLE``, ``VIRTUAL_VIEW``), columns and partition keys, and the ``Parameters``
  Athena shows (the table's own, plus ``location``, ``inputformat``, ``outputformat``,
  ``serde.serialization.lib`` and ``serde.param.*`` from its storage descriptor).
  ``Expression`` filters table names as Glue's GetTables does (``*`` any characters, ``|``
  alternatives, the whole name, case-insensitive). A missing database or table is a
  ``MetadataException`` naming Glue's ``EntityNotFoundException``.
- UpdateDataCatalog / DeleteDataCatalog of created catalogs (``AwsDataCatalog`` refused).
- BatchGetNamedQuery, and ListQueryExecutions with paging (newest first, the ``primary``
  work group when none is given).

Nothing here runs SQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from infra_scripts.localcloud.services.athena.resources import error_response
from infra_scripts.localcloud.sqlengine.catalog import glue_backend
from infra_scripts.localcloud.sqlengine.paging import decode_page_token, encode_page_token

AWS_DATA_CATALOG = "AwsDataCatalog"
MAX_TABLE_METADATA = 50  # ListTableMetadata's MaxResults range is 1..50
MAX_DATA_CATALOGS = 50  # ListDataCatalogs: 2..50
MAX_QUERY_EXECUTIONS = 50  # ListQueryExecutions: 0..50
MAX_NAMED_QUERY_IDS = 50  # BatchGetNamedQuery: 1..50 ids


def is_aws_data_catalog(name: str | None) -> bool:
    """Whether ``name`` is Athena's name of the Glue Data Catalog (any case; absent = it)."""
    return (name or AWS_DATA_CATALOG).lower() == AWS_DATA_CATALOG.lower()


def canonical_catalog(name: str | None) -> str:
    """``AwsDataCatalog`` for any spelling of it, else the name as given."""
    return AWS_DATA_CATALOG if is_aws_data_catalog(name) else str(name)


def _metadata_error(operation: str, message: str) -> tuple[str, dict[str, int]]:
    return error_response(
        f"An error occurred (EntityNotFoundException) when calling the {operation} operation: "
        f"{message} (Service: AmazonDataCatalog; Status Code: 400; "
        "Error Code: EntityNotFoundException)",
        code="MetadataException",
    )


def _validation_error(value: Any, member: str, constraint: str) -> tuple[str, dict[str, int]]:
    return error_response(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
        f"constraint: {constraint}"
    )


def _paged_answer(
    items: list[Any],
    response: Any,
    scope: str,
    key: str,
    limit_max: int,
    limit_min: int = 1,
    render: Callable[[Any], Any] = lambda item: item,
) -> Any:
    """The answer holding, under ``key``, the page of ``items`` that MaxResults / NextToken
    ask for (each rendered) and the next page's NextToken; or the error answer for a bad
    MaxResults or NextToken."""
    limit = response._get_param("MaxResults")
    limit = limit_max if limit is None else int(limit)
    if limit < limit_min or limit > limit_max:
        bound = (
            f"Member must have value less than or equal to {limit_max}"
            if limit > limit_max
            else f"Member must have value greater than or equal to {limit_min}"
        )
        return _validation_error(limit, "maxResults", bound)
    token = response._get_param("NextToken")
    start = 0
    if token:
        offset = decode_page_token(token, scope)
        if offset is None:
            return error_response("Invalid NextToken")  # AWS: InvalidRequestException
        start = offset
    page = items[start : start + limit] if limit else items[start:]
    end = start + len(page)
    answer: dict[str, Any] = {key: [render(item) for item in page]}
    if limit and end < len(items):
        answer["NextToken"] = encode_page_token(end, scope)
    return json.dumps(answer)


# --- data catalogs ------------------------------------------------------------------------


def _aws_data_catalog(account_id: str) -> dict[str, Any]:
    return {
        "Name": AWS_DATA_CATALOG,
        "Type": "GLUE",
        "Parameters": {"catalog-id": account_id},
    }


def list_data_catalogs(response: Any) -> Any:
    """ListDataCatalogs: ``AwsDataCatalog`` first, then the created catalogs."""
    backend = response.athena_backend
    summaries = [{"CatalogName": AWS_DATA_CATALOG, "Type": "GLUE"}]
    summaries += [
        {"CatalogName": catalog.name, "Type": catalog.type}
        for catalog in backend.data_catalogs.values()
        if not is_aws_data_catalog(catalog.name)
    ]
    return _paged_answer(
        summaries, response, "datacatalogs", "DataCatalogsSummary", MAX_DATA_CATALOGS, 2
    )


def get_data_catalog(response: Any) -> Any:
    """GetDataCatalog: ``AwsDataCatalog`` (any case) or a created catalog."""
    backend = response.athena_backend
    name = response._get_param("Name")
    if is_aws_data_catalog(name):
        return json.dumps({"DataCatalog": _aws_data_catalog(backend.account_id)})
    catalog = backend.get_data_catalog(name)
    if catalog is None:
        return error_response(f"Catalog {name} was not found.")
    return json.dumps({"DataCatalog": catalog})


def _created_catalog(response: Any, action: str) -> tuple[Any, Any]:
    """(the created catalog ``Name`` names, None) or (None, the error answer): AwsDataCatalog
    is the account's Glue Data Catalog, which Athena does not let a caller change."""
    name = response._get_param("Name")
    if is_aws_data_catalog(name):
        return None, error_response(
            f"{AWS_DATA_CATALOG} is the account's Glue Data Catalog: it cannot be {action}"
        )
    catalog = response.athena_backend.data_catalogs.get(name)
    if catalog is None:
        return None, error_response(f"Catalog {name} was not found.")
    return catalog, None


def update_data_catalog(response: Any) -> Any:
    """UpdateDataCatalog (moto 5.2.5 lacks it): type, description and parameters replaced."""
    catalog, error = _created_catalog(response, "updated")
    if error is not None:
        return error
    catalog.type = response._get_param("Type")
    catalog.description = response._get_param("Description")
    catalog.parameters = response._get_param("Parameters") or {}
    return json.dumps({})


def delete_data_catalog(response: Any) -> Any:
    """DeleteDataCatalog (moto 5.2.5 lacks it): the catalog, as it was, in the answer."""
    catalog, error = _created_catalog(response, "deleted")
    if error is not None:
        return error
    described = response.athena_backend.get_data_catalog(catalog.name)
    del response.athena_backend.data_catalogs[catalog.name]
    return json.dumps({"DataCatalog": {**described, "Status": "DELETE_COMPLETE"}})


# --- tables -------------------------------------------------------------------------------


def _timestamp(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _columns(entries: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    columns = []
    for entry in entries or []:
        column = {"Name": entry["Name"], "Type": entry.get("Type") or ""}
        if entry.get("Comment"):
            column["Comment"] = entry["Comment"]
        columns.append(column)
    return columns


def table_metadata(table: Any) -> dict[str, Any]:
    """Athena's TableMetadata of a moto Glue ``FakeTable``."""
    described = table.as_dict()
    storage = described.get("StorageDescriptor") or {}
    serde = storage.get("SerdeInfo") or {}
    parameters: dict[str, str] = {}
    for key, athena_key in (
        ("Location", "location"),
        ("InputFormat", "inputformat"),
        ("OutputFormat", "outputformat"),
    ):
        if storage.get(key):
            parameters[athena_key] = storage[key]
    if serde.get("SerializationLibrary"):
        parameters["serde.serialization.lib"] = serde["SerializationLibrary"]
    for key, value in (serde.get("Parameters") or {}).items():
        parameters[f"serde.param.{key}"] = str(value)
    parameters.update({k: str(v) for k, v in (described.get("Parameters") or {}).items()})
    metadata: dict[str, Any] = {
        "Name": described["Name"],
        "TableType": described.get("TableType") or "EXTERNAL_TABLE",
        "Columns": _columns(storage.get("Columns")),
        "PartitionKeys": _columns(described.get("PartitionKeys")),
        "Parameters": parameters,
    }
    created = _timestamp(described.get("CreateTime"))
    if created is not None:
        metadata["CreateTime"] = created
    # Glue keeps LastAccessTime only when a client set it; a table never accessed since it
    # was created was last accessed when created.
    accessed = _timestamp(described.get("LastAccessTime"))
    if accessed is None:
        accessed = created
    if accessed is not None:
        metadata["LastAccessTime"] = accessed
    return metadata


def name_filter(expression: str | None) -> re.Pattern[str] | None:
    """The names ListTableMetadata's ``Expression`` matches, as Glue's GetTables reads it:
    ``*`` is any characters (``.*`` stays as it is), ``|`` separates alternatives, and the
    whole name must match, ignoring case. None when there is no expression."""
    if not expression:
        return None
    alternatives = []
    for part in expression.split("|"):
        alternatives.append(re.sub(r"(?<!\.)\*", ".*", part.strip()))
    return re.compile("(?:" + "|".join(alternatives) + ")", re.IGNORECASE)


def _glue_database(response: Any, operation: str) -> Any:
    """The Glue database a table-metadata call names, or its error answer."""
    backend = response.athena_backend
    catalog = response._get_param("CatalogName")
    database_name = response._get_param("DatabaseName") or ""
    if not is_aws_data_catalog(catalog):
        if backend.get_data_catalog(catalog) is None:
            return error_response(f"Catalog {catalog} was not found.")
        return error_response(
            f"Catalog {catalog} is not the Glue Data Catalog: the local cloud reads only "
            "AwsDataCatalog's tables",
            code="MetadataException",
        )
    glue = glue_backend(backend.account_id, backend.region_name)
    database = glue.databases.get(database_name) or glue.databases.get(database_name.lower())
    if database is None:
        return _metadata_error(operation, f"Database {database_name} not found.")
    return database


def list_table_metadata(response: Any) -> Any:
    """ListTableMetadata: the Glue tables of a database, by name, filtered and paged."""
    database = _glue_database(response, "ListTableMetadata")
    if isinstance(database, tuple):
        return database
    expression = response._get_param("Expression")
    try:
        pattern = name_filter(expression)
    except re.error as exc:
        return error_response(f"Invalid expression {expression!r}: {exc}")
    tables = sorted(list(database.tables.values()), key=lambda t: t.name)
    if pattern is not None:
        tables = [t for t in tables if pattern.fullmatch(t.name)]
    scope = f"tables/{database.name}/{expression or ''}"
    return _paged_answer(
        tables, response, scope, "TableMetadataList", MAX_TABLE_METADATA, render=table_metadata
    )


def get_table_metadata(response: Any) -> Any:
    """GetTableMetadata of a Glue table (or view)."""
    database = _glue_database(response, "GetTableMetadata")
    if isinstance(database, tuple):
        return database
    name = response._get_param("TableName") or ""
    table = database.tables.get(name) or database.tables.get(name.lower())
    if table is None:
        return _metadata_error("GetTableMetadata", f"Table {name} not found.")
    return json.dumps({"TableMetadata": table_metadata(table)})


# --- named queries and query executions ---------------------------------------------------


def _named_query(query: Any) -> dict[str, Any]:
    described = {
        "Name": query.name,
        "Database": query.database,
        "QueryString": query.query_string,
        "NamedQueryId": query.id,
        "WorkGroup": query.workgroup.name if query.workgroup is not None else "primary",
    }
    if query.description:
        described["Description"] = query.description
    return described


def batch_get_named_query(response: Any) -> Any:
    """BatchGetNamedQuery (moto 5.2.5 lacks it): unknown ids are UnprocessedNamedQueryIds."""
    ids = response._get_param("NamedQueryIds") or []
    if not 1 <= len(ids) <= MAX_NAMED_QUERY_IDS:
        return _validation_error(
            ids,
            "namedQueryIds",
            f"Member must have length less than or equal to {MAX_NAMED_QUERY_IDS}"
            if ids
            else "Member must have length greater than or equal to 1",
        )
    found, unprocessed = [], []
    for query_id in ids:
        query = response.athena_backend.named_queries.get(query_id)
        if query is None:
            unprocessed.append(
                {
                    "NamedQueryId": query_id,
                    "ErrorCode": "INVALID_INPUT",
                    "ErrorMessage": f"NamedQuery {query_id} was not found",
                }
            )
        else:
            found.append(_named_query(query))
    return json.dumps({"NamedQueries": found, "UnprocessedNamedQueryIds": unprocessed})


def list_query_executions(response: Any) -> Any:
    """ListQueryExecutions: the work group's (``primary`` by default) ids, newest first, paged
    (moto lists every work group's, oldest first, unpaged)."""
    backend = response.athena_backend
    work_group = response._get_param("WorkGroup") or "primary"
    if backend.get_work_group(work_group) is None:
        return error_response(f"WorkGroup {work_group} is not found.")
    ids = [
        execution_id
        for execution_id, execution in reversed(list(backend.executions.items()))
        if (getattr(execution.workgroup, "name", None) or "primary") == work_group
    ]
    return _paged_answer(
        ids, response, f"executions/{work_group}", "QueryExecutionIds", MAX_QUERY_EXECUTIONS, 0
    )


# --- databases (moto's, with any spelling of AwsDataCatalog) -------------------------------


def catalog_case_insensitive(original: Any, sync: Any) -> Any:
    """Wrap AthenaBackend.list_databases / get_database so that any spelling of
    ``AwsDataCatalog`` names it, and its databases are the Glue Data Catalog's."""

    def wrapped(self: Any, catalog_name: str, *args: Any, **kwargs: Any) -> Any:
        catalog_name = canonical_catalog(catalog_name)
        sync(self, catalog_name)
        return original(self, catalog_name, *args, **kwargs)

    return wrapped


_TIMELINE = (
    "QueryQueueTimeInMillis",
    "ServicePreProcessingTimeInMillis",
    "QueryPlanningTimeInMillis",
    "EngineExecutionTimeInMillis",
    "ServiceProcessingTimeInMillis",
    "TotalExecutionTimeInMillis",
)


def get_query_runtime_statistics(response: Any) -> Any:
    """GetQueryRuntimeStatistics of a real execution (moto answers fixed numbers): the
    Timeline of its Statistics and, once it finished, its Rows (bytes scanned, rows out)."""
    execution_id = response._get_param("QueryExecutionId")
    execution = response.athena_backend.executions.get(execution_id)
    if execution is None or not hasattr(execution, "describe"):
        return error_response(f"QueryExecution {execution_id} was not found")
    statistics = execution.describe().get("Statistics") or {}
    answer: dict[str, Any] = {"Timeline": {k: statistics[k] for k in _TIMELINE if k in statistics}}
    result = getattr(execution, "result", None)
    if execution.state == "SUCCEEDED" and result is not None:
        answer["Rows"] = {
            "InputBytes": int(statistics.get("DataScannedInBytes") or 0),
            "OutputRows": int(result.row_count or len(result.text_rows)),
        }
    return json.dumps({"QueryRuntimeStatistics": answer})
