"""Athena's resources besides query executions, where moto 5.2.5 lacks or gets them wrong:
work groups (UpdateWorkGroup, errors for unknown names, where results go), named queries
(DeleteNamedQuery, errors for unknown ids) and the databases of ``AwsDataCatalog`` (the Glue
Data Catalog's). Nothing here runs SQL."""

from __future__ import annotations

import json
from typing import Any

import moto.athena.models as athena_models

from infra_scripts.localcloud.sqlengine.catalog import glue_backend


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
