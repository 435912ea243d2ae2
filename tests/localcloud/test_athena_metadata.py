"""Athena's catalog metadata calls (data catalogs, databases, table metadata), named-query
batches and the query-execution list, answered from the Glue Data Catalog as AWS answers."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from botocore.exceptions import ClientError

from tests.helpers import unique

pytestmark = pytest.mark.localcloud


def _storage(columns: list[dict[str, str]], location: str) -> dict:
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            "Parameters": {"serialization.format": "1"},
        },
    }


@pytest.fixture(scope="module")
def catalog(session):
    """A Glue database with two partitioned tables, a plain one and a view."""
    glue, database = session.client("glue"), unique("meta", sep="_")
    glue.create_database(DatabaseInput={"Name": database})
    for name in ("sales_2023", "sales_2024"):
        glue.create_table(
            DatabaseName=database,
            TableInput={
                "Name": name,
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"EXTERNAL": "TRUE", "classification": "parquet"},
                "StorageDescriptor": _storage(
                    [
                        {"Name": "id", "Type": "bigint", "Comment": "order id"},
                        {"Name": "amount", "Type": "decimal(10,2)"},
                    ],
                    f"s3://bucket/{name}/",
                ),
                "PartitionKeys": [{"Name": "region", "Type": "string", "Comment": "zone"}],
            },
        )
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "customers",
            "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": _storage([{"Name": "name", "Type": "string"}], "s3://b/c/"),
        },
    )
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "big_sales",
            "TableType": "VIRTUAL_VIEW",
            "Parameters": {"presto_view": "true", "comment": "Presto View"},
            "ViewOriginalText": "/* Presto View: e30= */",
            "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}]},
        },
    )
    yield database
    for name in ("sales_2023", "sales_2024", "customers", "big_sales"):
        glue.delete_table(DatabaseName=database, Name=name)
    glue.delete_database(Name=database)


def test_aws_data_catalog_is_listed_and_described(session):
    athena = session.client("athena")
    account = session.client("sts").get_caller_identity()["Account"]
    name = unique("lambdacat")
    athena.create_data_catalog(
        Name=name, Type="LAMBDA", Parameters={"function": "arn:aws:lambda:::function:f"}
    )
    summaries = athena.list_data_catalogs()["DataCatalogsSummary"]
    assert summaries[0] == {"CatalogName": "AwsDataCatalog", "Type": "GLUE"}
    assert {"CatalogName": name, "Type": "LAMBDA"} in summaries
    for spelling in ("AwsDataCatalog", "awsdatacatalog"):
        described = athena.get_data_catalog(Name=spelling)["DataCatalog"]
        assert described["Name"] == "AwsDataCatalog"
        assert described["Type"] == "GLUE"
        assert described["Parameters"] == {"catalog-id": account}


def test_list_data_catalogs_pages(session):
    athena = session.client("athena")
    for _ in range(2):
        athena.create_data_catalog(Name=unique("pagecat"), Type="HIVE", Parameters={})
    first = athena.list_data_catalogs(MaxResults=2)
    assert len(first["DataCatalogsSummary"]) == 2
    rest = athena.list_data_catalogs(MaxResults=50, NextToken=first["NextToken"])
    names = [s["CatalogName"] for s in first["DataCatalogsSummary"] + rest["DataCatalogsSummary"]]
    assert names == [s["CatalogName"] for s in athena.list_data_catalogs()["DataCatalogsSummary"]]
    assert names.count("AwsDataCatalog") == 1


def test_databases_under_any_spelling_of_the_catalog(session, catalog):
    athena = session.client("athena")
    listed = athena.list_databases(CatalogName="awsdatacatalog")["DatabaseList"]
    assert catalog in [d["Name"] for d in listed]
    database = athena.get_database(CatalogName="awsdatacatalog", DatabaseName=catalog)
    assert database["Database"]["Name"] == catalog


def test_get_table_metadata(session, catalog):
    athena = session.client("athena")
    before = datetime.now().astimezone()
    table = athena.get_table_metadata(
        CatalogName="awsdatacatalog", DatabaseName=catalog, TableName="sales_2024"
    )["TableMetadata"]
    assert table["Name"] == "sales_2024"
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Columns"] == [
        {"Name": "id", "Type": "bigint", "Comment": "order id"},
        {"Name": "amount", "Type": "decimal(10,2)"},
    ]
    assert table["PartitionKeys"] == [{"Name": "region", "Type": "string", "Comment": "zone"}]
    assert isinstance(table["CreateTime"], datetime)
    assert (before - table["CreateTime"]).total_seconds() < 600
    assert isinstance(table["LastAccessTime"], datetime)
    parameters = table["Parameters"]
    assert parameters["EXTERNAL"] == "TRUE"
    assert parameters["classification"] == "parquet"
    assert parameters["location"] == "s3://bucket/sales_2024/"
    assert parameters["inputformat"].endswith("MapredParquetInputFormat")
    assert parameters["serde.serialization.lib"].endswith("ParquetHiveSerDe")
    assert parameters["serde.param.serialization.format"] == "1"


def test_views_are_virtual_views(session, catalog):
    athena = session.client("athena")
    view = athena.get_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName=catalog, TableName="big_sales"
    )["TableMetadata"]
    assert view["TableType"] == "VIRTUAL_VIEW"
    assert view["Columns"] == [{"Name": "id", "Type": "bigint"}]
    assert view["Parameters"]["presto_view"] == "true"


def test_list_table_metadata_pages_and_filters(session, catalog):
    athena = session.client("athena")
    everything = athena.list_table_metadata(CatalogName="awsdatacatalog", DatabaseName=catalog)
    names = [t["Name"] for t in everything["TableMetadataList"]]
    assert names == ["big_sales", "customers", "sales_2023", "sales_2024"]
    assert "NextToken" not in everything

    pages, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = athena.list_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName=catalog, MaxResults=3, **kwargs
        )
        pages.append([t["Name"] for t in page["TableMetadataList"]])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == [["big_sales", "customers", "sales_2023"], ["sales_2024"]]

    def matching(expression: str) -> list[str]:
        listed = athena.list_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName=catalog, Expression=expression
        )
        return [t["Name"] for t in listed["TableMetadataList"]]

    assert matching("sales*") == ["sales_2023", "sales_2024"]
    assert matching("sales_20.*") == ["sales_2023", "sales_2024"]
    assert matching("customers|big*") == ["big_sales", "customers"]
    assert matching("sales") == []  # the whole name must match
    assert matching("SALES_2024") == ["sales_2024"]


def test_missing_database_and_table_are_metadata_exceptions(session, catalog):
    athena = session.client("athena")
    missing_db = unique("nodb", sep="_")
    with pytest.raises(ClientError) as err:
        athena.list_table_metadata(CatalogName="AwsDataCatalog", DatabaseName=missing_db)
    assert err.value.response["Error"]["Code"] == "MetadataException"
    assert f"Database {missing_db} not found" in err.value.response["Error"]["Message"]
    assert "EntityNotFoundException" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        athena.get_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName=catalog, TableName="nope"
        )
    assert err.value.response["Error"]["Code"] == "MetadataException"
    assert "Table nope not found" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        athena.list_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName=catalog, MaxResults=51
        )
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_batch_get_named_query(session):
    athena = session.client("athena")
    query_id = athena.create_named_query(
        Name=unique("nq"), Database="default", QueryString="SELECT 1", Description="one"
    )["NamedQueryId"]
    missing = "00000000-0000-0000-0000-000000000000"
    answer = athena.batch_get_named_query(NamedQueryIds=[query_id, missing])
    [query] = answer["NamedQueries"]
    assert query["NamedQueryId"] == query_id
    assert query["QueryString"] == "SELECT 1"
    assert query["Database"] == "default"
    assert query["Description"] == "one"
    assert query["WorkGroup"] == "primary"
    [unprocessed] = answer["UnprocessedNamedQueryIds"]
    assert unprocessed["NamedQueryId"] == missing
    assert unprocessed["ErrorCode"]
    assert unprocessed["ErrorMessage"]


def test_update_named_query(session):
    athena = session.client("athena")
    query_id = athena.create_named_query(
        Name=unique("nq"), Database="default", QueryString="SELECT 1", Description="one"
    )["NamedQueryId"]
    athena.update_named_query(NamedQueryId=query_id, Name="renamed", QueryString="SELECT 2")
    query = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
    assert (query["Name"], query["QueryString"], query["Database"]) == (
        "renamed",
        "SELECT 2",
        "default",
    )
    assert "Description" not in query  # not given: cleared, as an Update replaces
    with pytest.raises(ClientError) as err:
        athena.update_named_query(
            NamedQueryId="00000000-0000-0000-0000-000000000000", Name="x", QueryString="SELECT 1"
        )
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_update_and_delete_a_data_catalog(session):
    athena = session.client("athena")
    name = unique("lambda_catalog", sep="_")
    athena.create_data_catalog(
        Name=name, Type="LAMBDA", Parameters={"function": "arn:aws:lambda:us-east-1:1:function:a"}
    )
    athena.update_data_catalog(
        Name=name,
        Type="LAMBDA",
        Description="federated",
        Parameters={"function": "arn:aws:lambda:us-east-1:1:function:b"},
    )
    catalog = athena.get_data_catalog(Name=name)["DataCatalog"]
    assert catalog["Description"] == "federated"
    assert catalog["Parameters"] == {"function": "arn:aws:lambda:us-east-1:1:function:b"}
    deleted = athena.delete_data_catalog(Name=name)["DataCatalog"]
    assert (deleted["Name"], deleted["Type"]) == (name, "LAMBDA")
    listed = [c["CatalogName"] for c in athena.list_data_catalogs()["DataCatalogsSummary"]]
    assert name not in listed and "AwsDataCatalog" in listed
    for call in (
        lambda: athena.delete_data_catalog(Name=name),
        lambda: athena.update_data_catalog(Name=name, Type="LAMBDA"),
        lambda: athena.delete_data_catalog(Name="awsdatacatalog"),
    ):
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "InvalidRequestException"


def test_list_engine_versions_names_version_3(session):
    versions = session.client("athena").list_engine_versions()["EngineVersions"]
    assert {
        "SelectedEngineVersion": "AUTO",
        "EffectiveEngineVersion": "Athena engine version 3",
    } in (versions)
    assert {v["EffectiveEngineVersion"] for v in versions} == {"Athena engine version 3"}


def test_list_query_executions_by_work_group_newest_first(session):
    athena = session.client("athena")
    work_group = unique("wg")
    athena.create_work_group(
        Name=work_group,
        Configuration={"ResultConfiguration": {"OutputLocation": "s3://nowhere/results/"}},
    )
    ids = [
        athena.start_query_execution(QueryString=f"SELECT {n}", WorkGroup=work_group)[
            "QueryExecutionId"
        ]
        for n in range(3)
    ]
    first = athena.list_query_executions(WorkGroup=work_group, MaxResults=2)
    assert first["QueryExecutionIds"] == ids[::-1][:2]
    rest = athena.list_query_executions(WorkGroup=work_group, NextToken=first["NextToken"])
    assert rest["QueryExecutionIds"] == ids[:1]
    assert "NextToken" not in rest
    assert not set(ids) & set(athena.list_query_executions()["QueryExecutionIds"])


def test_query_runtime_statistics_of_a_real_query(session):
    athena, s3, bucket = session.client("athena"), session.client("s3"), unique("stats")
    s3.create_bucket(Bucket=bucket)
    query_id = athena.start_query_execution(
        QueryString="SELECT x FROM (VALUES 1, 2, 3) AS t(x)",
        ResultConfiguration={"OutputLocation": f"s3://{bucket}/results/"},
    )["QueryExecutionId"]
    deadline = time.monotonic() + 60
    while True:
        state = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if state["Status"]["State"] not in ("QUEUED", "RUNNING") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert state["Status"]["State"] == "SUCCEEDED"
    stats = athena.get_query_runtime_statistics(QueryExecutionId=query_id)["QueryRuntimeStatistics"]
    total = state["Statistics"]["TotalExecutionTimeInMillis"]
    assert stats["Timeline"]["TotalExecutionTimeInMillis"] == total
    assert stats["Rows"]["OutputRows"] == 3
    with pytest.raises(ClientError) as err:
        athena.get_query_runtime_statistics(QueryExecutionId="no-such-query")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
