"""Athena on the local cloud: the rest of the Hive DDL Athena parses — ALTER TABLE REPLACE
COLUMNS, ALTER DATABASE SET DBPROPERTIES, SHOW CREATE TABLE / VIEW, SHOW VIEWS, DESCRIBE
FORMATTED — and INSERT INTO a partitioned Hive (text) table.

Every statement goes through boto3's Athena client; catalog effects are read back with boto3's
Glue client. The expected outputs follow Athena's documentation (cited at each test) and, where
Athena prints what Hive prints, Hive's layout.
"""

from __future__ import annotations

import gzip

import pytest

from tests.helpers import unique
from tests.localcloud.test_athena import Athena
from tests.localcloud.test_athena_ddl_trino import Catalog

pytestmark = pytest.mark.localcloud

CSV_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


@pytest.fixture(scope="module")
def catalog(session) -> Catalog:
    bucket = unique("athena-ddl-more")
    database = unique("athena_ddl_more", sep="_")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    session.client("glue").create_database(DatabaseInput={"Name": database})
    s3.put_object(Bucket=bucket, Key="names/names.csv", Body=b"ada,lovelace,london\n")
    athena = Athena(session, database, f"s3://{bucket}/results/")
    return Catalog(athena, session.client("glue"), bucket, database)


def _table(catalog: Catalog, name: str) -> dict:
    return catalog.glue.get_table(DatabaseName=catalog.database, Name=name)["Table"]


# --- ALTER TABLE REPLACE COLUMNS ---------------------------------------------------------------
# https://docs.aws.amazon.com/athena/latest/ug/alter-table-replace-columns.html: "Removes all
# existing columns from a table created with the LazySimpleSerDe and replaces them with the set
# of columns specified" — the doc's own example, names_cities (col1, col2, col3).


def test_replace_columns_renames_the_columns(catalog: Catalog) -> None:
    athena = catalog.athena
    athena.run(
        "CREATE EXTERNAL TABLE names_cities (col1 string, col2 string, col3 string) "
        "PARTITIONED BY (dt string) ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' "
        f"LOCATION 's3://{catalog.bucket}/names/'"
    )
    answer = athena.run(
        "ALTER TABLE names_cities REPLACE COLUMNS "
        "(first_name string, last_name string COMMENT 'family', city string)"
    )
    assert answer.execution["StatementType"] == "DDL"
    assert answer.execution["SubstatementType"] == "ALTER_TABLE_REPLACE_COLUMNS"
    table = _table(catalog, "names_cities")
    columns = table["StorageDescriptor"]["Columns"]
    assert [(c["Name"], c["Type"]) for c in columns] == [
        ("first_name", "string"),
        ("last_name", "string"),
        ("city", "string"),
    ]
    assert columns[1]["Comment"] == "family"
    assert [k["Name"] for k in table["PartitionKeys"]] == ["dt"]  # partition keys stay
    shown = [r[0].strip() for r in athena.run("SHOW COLUMNS IN names_cities").rows]
    assert shown == ["first_name", "last_name", "city", "dt"]

    # dropping a column: list only the ones to keep
    athena.run("ALTER TABLE names_cities REPLACE COLUMNS (first_name string, city string)")
    columns = _table(catalog, "names_cities")["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == ["first_name", "city"]

    # a partition's own columns
    athena.run("ALTER TABLE names_cities ADD PARTITION (dt = '2025')")
    athena.run("ALTER TABLE names_cities PARTITION (dt = '2025') REPLACE COLUMNS (x int)")
    partition = catalog.glue.get_partition(
        DatabaseName=catalog.database, TableName="names_cities", PartitionValues=["2025"]
    )["Partition"]
    assert [(c["Name"], c["Type"]) for c in partition["StorageDescriptor"]["Columns"]] == [
        ("x", "int")
    ]


def test_replace_columns_failures(catalog: Catalog) -> None:
    athena = catalog.athena
    athena.run(
        "CREATE EXTERNAL TABLE rc_fail (a int) PARTITIONED BY (p string) STORED AS PARQUET "
        f"LOCATION 's3://{catalog.bucket}/rc_fail/'"
    )
    duplicate = athena.fail("ALTER TABLE rc_fail REPLACE COLUMNS (a int, a string)")
    assert "Duplicate column name a" in duplicate["StateChangeReason"]
    clash = athena.fail("ALTER TABLE rc_fail REPLACE COLUMNS (p string)")
    assert clash["StateChangeReason"].startswith("FAILED: ")
    missing = athena.fail("ALTER TABLE nope REPLACE COLUMNS (a int)")
    assert missing["StateChangeReason"].startswith("TABLE_NOT_FOUND")
    assert [c["Name"] for c in _table(catalog, "rc_fail")["StorageDescriptor"]["Columns"]] == ["a"]


# --- ALTER DATABASE SET DBPROPERTIES -----------------------------------------------------------
# https://docs.aws.amazon.com/athena/latest/ug/alter-database-set-dbproperties.html: "Creates one
# or more properties for a database"; "If a property_name already exists, the old value is
# overwritten with property_value."


def test_alter_database_set_dbproperties(catalog: Catalog) -> None:
    athena, glue = catalog.athena, catalog.glue
    name = unique("dbprops", sep="_")
    athena.run(f"CREATE DATABASE {name} WITH DBPROPERTIES ('creator' = 'jane', 'dept' = 'ops')")
    answer = athena.run(
        f"ALTER DATABASE {name} SET DBPROPERTIES ('dept' = 'finance', 'team' = 'a''b')"
    )
    assert answer.execution["StatementType"] == "DDL"
    assert glue.get_database(Name=name)["Database"]["Parameters"] == {
        "creator": "jane",
        "dept": "finance",
        "team": "a'b",
    }
    athena.run(f"ALTER SCHEMA {name} SET DBPROPERTIES ('creator' = 'joe')")
    assert glue.get_database(Name=name)["Database"]["Parameters"]["creator"] == "joe"
    missing = athena.fail("ALTER DATABASE no_such_db SET DBPROPERTIES ('a' = 'b')")
    assert "Database does not exist: no_such_db" in missing["StateChangeReason"]
    athena.run(f"DROP DATABASE {name}")


# --- SHOW CREATE TABLE / SHOW CREATE VIEW ------------------------------------------------------
# https://docs.aws.amazon.com/athena/latest/ug/show-create-table.html: "Analyzes an existing
# table named table_name to generate the query that created it." Athena prints Hive's text, one
# line per row of the single column createtab_stmt.


def test_show_create_table_prints_hive_ddl(catalog: Catalog) -> None:
    athena = catalog.athena
    athena.run(
        "CREATE EXTERNAL TABLE shown (id int COMMENT 'the id', name string) "
        "PARTITIONED BY (dt string, hr int) "
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE "
        f"LOCATION 's3://{catalog.bucket}/shown/' "
        "TBLPROPERTIES ('skip.header.line.count' = '1')"
    )
    answer = athena.run("SHOW CREATE TABLE shown")
    assert answer.execution["StatementType"] == "UTILITY"
    assert answer.names == ["createtab_stmt"]
    assert [row[0] for row in answer.rows] == [
        f"CREATE EXTERNAL TABLE `{catalog.database}`.`shown`(",
        "  `id` int COMMENT 'the id', ",
        "  `name` string)",
        "PARTITIONED BY ( ",
        "  `dt` string, ",
        "  `hr` int)",
        "ROW FORMAT SERDE ",
        f"  '{CSV_SERDE}' ",
        "WITH SERDEPROPERTIES ( ",
        "  'field.delim'=',', ",
        "  'serialization.format'=',') ",
        "STORED AS INPUTFORMAT ",
        "  'org.apache.hadoop.mapred.TextInputFormat' ",
        "OUTPUTFORMAT ",
        "  'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'",
        "LOCATION",
        f"  's3://{catalog.bucket}/shown/'",
        "TBLPROPERTIES (",
        "  'classification'='csv', ",
        "  'skip.header.line.count'='1')",
    ]
    # the text is a statement Athena runs again
    text = "\n".join(row[0] for row in answer.rows).replace("`shown`", "`shown_again`")
    athena.run(text)
    assert (
        _table(catalog, "shown_again")["StorageDescriptor"]["SerdeInfo"]["Parameters"]
        == (_table(catalog, "shown")["StorageDescriptor"]["SerdeInfo"]["Parameters"])
    )


def test_show_create_table_of_parquet_leaves_out_the_default_serialization_format(
    catalog: Catalog,
) -> None:
    catalog.athena.run(
        "CREATE TABLE ctas_shown WITH (format = 'PARQUET', "
        f"external_location = 's3://{catalog.bucket}/ctas_shown/') AS SELECT 1 AS a"
    )
    lines = [r[0] for r in catalog.athena.run("SHOW CREATE TABLE ctas_shown").rows]
    assert lines[:4] == [
        f"CREATE EXTERNAL TABLE `{catalog.database}`.`ctas_shown`(",
        "  `a` int)",
        "ROW FORMAT SERDE ",
        "  'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' ",
    ]
    assert "WITH SERDEPROPERTIES ( " not in lines
    assert not any("'EXTERNAL'" in line for line in lines)


# https://docs.aws.amazon.com/athena/latest/ug/create-table.html: "[COMMENT table_comment]";
# the Glue table keeps it as its "comment" parameter (what PyAthena's and SQLAlchemy's
# get_table_comment read), and SHOW CREATE TABLE prints it after the columns.


def test_table_comment_is_the_comment_parameter(catalog: Catalog) -> None:
    athena = catalog.athena
    athena.run(
        "CREATE EXTERNAL TABLE commented (id int COMMENT 'order id') "
        "COMMENT 'the day\\'s orders' STORED AS PARQUET "  # Hive escapes with a backslash
        f"LOCATION 's3://{catalog.bucket}/commented/'"
    )
    assert _table(catalog, "commented")["Parameters"]["comment"] == "the day's orders"
    metadata = catalog.athena.client.get_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName=catalog.database, TableName="commented"
    )["TableMetadata"]
    assert metadata["Parameters"]["comment"] == "the day's orders"
    lines = [r[0] for r in athena.run("SHOW CREATE TABLE commented").rows]
    assert lines[2] == "COMMENT 'the day\\'s orders'"
    assert not any(line.strip().startswith("'comment'") for line in lines)


# A CTAS whose query follows a comment (dbt-athena writes a model's leading comment there).


def test_ctas_with_comments_between_as_and_the_query(catalog: Catalog) -> None:
    catalog.athena.run(
        "CREATE TABLE ctas_commented WITH (format = 'PARQUET', "
        f"external_location = 's3://{catalog.bucket}/ctas_commented/') AS\n"
        "-- the model's description\n/* and a block */\nSELECT 1 AS a -- trailing\n"
    )
    assert catalog.athena.run("SELECT a FROM ctas_commented").rows == [("1",)]


def test_show_create_view_and_show_views(catalog: Catalog) -> None:
    # https://docs.aws.amazon.com/athena/latest/ug/show-create-view.html
    # https://docs.aws.amazon.com/athena/latest/ug/show-views.html:
    # SHOW VIEWS [IN database_name] [LIKE 'regular_expression']
    athena = catalog.athena
    athena.run("CREATE VIEW ones AS SELECT 1 AS one")
    athena.run("CREATE VIEW twos AS SELECT 2 AS two")
    created = athena.run("SHOW CREATE VIEW ones")
    assert created.names == ["Create View"]
    assert created.execution["SubstatementType"] == "SHOW_CREATE_VIEW"
    assert created.rows == [
        (
            f"CREATE VIEW awsdatacatalog.{catalog.database}.ones SECURITY DEFINER AS\n"
            "SELECT\n  1 AS one",
        )
    ]
    not_view = athena.fail("SHOW CREATE VIEW names_cities")
    assert not_view["StateChangeReason"].startswith("NOT_SUPPORTED")
    assert "is a table, not a view" in not_view["StateChangeReason"]
    assert athena.fail("SHOW CREATE VIEW nope")["StateChangeReason"].startswith("TABLE_NOT_FOUND")
    assert athena.fail("SHOW CREATE TABLE ones")["State"] == "FAILED"

    views = athena.run("SHOW VIEWS")
    assert views.names == ["views"]
    assert views.rows == [("ones",), ("twos",)]  # the tables are left out
    assert athena.run(f"SHOW VIEWS IN {catalog.database} LIKE 'tw*'").rows == [("twos",)]
    assert athena.run("SHOW VIEWS LIKE 'one*|two*'").rows == [("ones",), ("twos",)]
    athena.run("DROP VIEW ones")
    athena.run("DROP VIEW twos")
    assert athena.run("SHOW VIEWS").rows == []


# --- DESCRIBE FORMATTED ------------------------------------------------------------------------
# https://docs.aws.amazon.com/athena/latest/ug/describe-table.html: DESCRIBE [EXTENDED |
# FORMATTED] [db_name.]table_name — FORMATTED "renders output in tabular format"; the blocks
# are Hive's.


def test_describe_formatted(catalog: Catalog) -> None:
    athena = catalog.athena
    athena.run(
        "CREATE EXTERNAL TABLE described (id int COMMENT 'the id', name string) "
        "PARTITIONED BY (dt string) STORED AS PARQUET "
        f"LOCATION 's3://{catalog.bucket}/described/' TBLPROPERTIES ('owner_team' = 'data')"
    )
    answer = athena.run(f"DESCRIBE FORMATTED {catalog.database}.described")
    assert answer.execution["StatementType"] == "UTILITY"
    assert answer.names == ["col_name", "data_type", "comment"]
    rows = [tuple(v.strip() for v in row) for row in answer.rows]
    assert rows[:5] == [
        ("# col_name", "data_type", "comment"),
        ("", "", ""),
        ("id", "int", "the id"),
        ("name", "string", ""),
        ("", "", ""),
    ]
    assert answer.rows[0][0] == "# col_name".ljust(20)  # Hive pads to 20 characters
    assert rows[5:10] == [
        ("# Partition Information", "", ""),
        ("# col_name", "data_type", "comment"),
        ("", "", ""),
        ("dt", "string", ""),
        ("", "", ""),
    ]
    fields = {r[0]: r[1] for r in rows if r[0].endswith(":")}
    assert ("# Detailed Table Information", "", "") in rows
    assert fields["Database:"] == catalog.database
    assert fields["Location:"] == f"s3://{catalog.bucket}/described/"
    assert fields["Table Type:"] == "EXTERNAL_TABLE"
    assert fields["SerDe Library:"] == (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    assert fields["InputFormat:"].endswith("MapredParquetInputFormat")
    parameters = rows.index(("Table Parameters:", "", ""))
    assert ("", "owner_team", "data") in rows[parameters:]
    assert ("", "classification", "parquet") in rows[parameters:]
    assert ("# Storage Information", "", "") in rows
    athena.run("CREATE VIEW described_view AS SELECT id FROM described")
    view_rows = [
        tuple(v.strip() for v in r) for r in athena.run("DESCRIBE FORMATTED described_view").rows
    ]
    assert ("Table Type:", "VIRTUAL_VIEW", "") in view_rows
    assert ("# View Information", "", "") in view_rows
    assert "# Storage Information" not in [r[0] for r in view_rows]
    athena.run("DROP VIEW described_view")
    # plain DESCRIBE keeps its layout: no header block, no table information
    plain = [r[0].strip() for r in athena.run("DESCRIBE described").rows]
    assert plain[:3] == ["id", "name", "dt"]
    assert "# Detailed Table Information" not in plain


# --- INSERT INTO a partitioned Hive table ------------------------------------------------------
# https://docs.aws.amazon.com/athena/latest/ug/insert-into.html: "Inserts new rows into a
# destination table based on a SELECT query statement"; for a partitioned table Athena writes
# the files under the partitions' folders and adds the new partitions to the catalog.


def test_insert_into_partitioned_text_table(catalog: Catalog, session) -> None:
    athena, s3, bucket = catalog.athena, session.client("s3"), catalog.bucket
    athena.run(
        "CREATE EXTERNAL TABLE visits (page string, n int) PARTITIONED BY (day string) "
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' "
        f"LOCATION 's3://{bucket}/visits/'"
    )
    # a partition registered elsewhere: INSERT INTO writes into its location
    athena.run(
        f"ALTER TABLE visits ADD PARTITION (day = '2025-01-01') LOCATION 's3://{bucket}/old-day/'"
    )
    inserted = athena.run(
        "INSERT INTO visits SELECT * FROM (VALUES ('home', 3, '2025-01-01'), "
        "('cart', 1, '2025-01-02'), ('home', 5, '2025-01-02')) AS t(page, n, day)"
    )
    assert inserted.execution["StatementType"] == "DML"
    assert inserted.update_count == 3
    partitions = catalog.glue.get_partitions(DatabaseName=catalog.database, TableName="visits")
    locations = {
        tuple(p["Values"]): p["StorageDescriptor"]["Location"] for p in partitions["Partitions"]
    }
    assert locations == {
        ("2025-01-01",): f"s3://{bucket}/old-day/",
        ("2025-01-02",): f"s3://{bucket}/visits/day=2025-01-02/",
    }
    old_day = s3.list_objects_v2(Bucket=bucket, Prefix="old-day/").get("Contents", [])
    assert len(old_day) == 1
    assert not s3.list_objects_v2(Bucket=bucket, Prefix="visits/day=2025-01-01/").get("Contents")
    body = s3.get_object(Bucket=bucket, Key=old_day[0]["Key"])["Body"].read()
    if old_day[0]["Key"].endswith(".gz"):
        body = gzip.decompress(body)
    assert body.decode().splitlines() == ["home|3"]  # the table's delimiter, no partition column
    answer = athena.run("SELECT day, page, n FROM visits ORDER BY day, page")
    assert answer.rows == [
        ("2025-01-01", "home", "3"),
        ("2025-01-02", "cart", "1"),
        ("2025-01-02", "home", "5"),
    ]
    assert athena.run("SHOW PARTITIONS visits").rows == [
        ("day=2025-01-01",),
        ("day=2025-01-02",),
    ]
    athena.run("INSERT INTO visits (page, day) VALUES ('faq', '2025-01-03')")
    assert athena.run("SELECT page, n FROM visits WHERE day = '2025-01-03'").rows == [("faq", None)]


# --- Iceberg: the local cloud's documented gap, refused by name ---------------------------------
# Athena creates Iceberg tables with CTAS WITH (table_type = 'ICEBERG') or CREATE TABLE …
# TBLPROPERTIES ('table_type' = 'ICEBERG'), and only they take MERGE INTO, UPDATE and DELETE
# (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg.html). The local cloud has no
# Iceberg tables: each statement fails with NOT_SUPPORTED saying so, and makes no Hive stand-in.


ICEBERG = "NOT_SUPPORTED: Iceberg tables are not supported by the local cloud's Athena"


def test_iceberg_ctas_and_create_are_refused_by_name(catalog: Catalog) -> None:
    athena = catalog.athena
    ctas = athena.fail(
        "CREATE TABLE ice WITH (table_type = 'ICEBERG', is_external = false, "
        f"location = 's3://{catalog.bucket}/ice/') AS SELECT 1 AS a"
    )
    assert ctas["StateChangeReason"].startswith(ICEBERG)
    created = athena.fail(
        f"CREATE TABLE ice (a int) LOCATION 's3://{catalog.bucket}/ice/' "
        "TBLPROPERTIES ('table_type' = 'ICEBERG')"
    )
    assert created["StateChangeReason"].startswith(ICEBERG)
    with pytest.raises(catalog.glue.exceptions.EntityNotFoundException):
        catalog.glue.get_table(DatabaseName=catalog.database, Name="ice")
    bad = athena.fail("CREATE TABLE ice WITH (table_type = 'DELTA') AS SELECT 1 AS a")
    assert bad["StateChangeReason"].startswith("INVALID_TABLE_PROPERTY: table_type must be")


@pytest.mark.parametrize(
    ("sql", "substatement"),
    [
        (
            "MERGE INTO rows_kept t USING (SELECT 1 AS a) s ON t.a = s.a WHEN MATCHED THEN DELETE",
            "MERGE",
        ),
        ("UPDATE rows_kept SET a = 2", "UPDATE"),
        ("DELETE FROM rows_kept WHERE a = 1", "DELETE"),
    ],
)
def test_row_changes_are_refused_and_the_rows_stay(
    catalog: Catalog, sql: str, substatement: str
) -> None:
    athena = catalog.athena
    athena.run(
        "CREATE TABLE IF NOT EXISTS rows_kept WITH (format = 'PARQUET', "
        f"external_location = 's3://{catalog.bucket}/rows_kept/') AS SELECT 1 AS a"
    )
    execution = athena.wait(athena.start(sql))
    reason = execution["Status"]["StateChangeReason"]
    assert execution["Status"]["State"] == "FAILED"
    assert "Modifying Hive table rows is only supported for transactional tables" in reason
    assert "Iceberg tables are not supported" in reason
    assert (execution["StatementType"], execution["SubstatementType"]) == ("DML", substatement)
    assert athena.run("SELECT a FROM rows_kept").rows == [("1",)]
