"""Athena on the local cloud, issue 18: ALTER TABLE DDL (dbt-athena's ``SET TBLPROPERTIES`` after
every CTAS), Trino's format_datetime / typeof / date_add, and FUNCTION_NOT_FOUND.

Every statement goes through boto3's Athena client (start, poll, GetQueryResults); the DDL is
checked in the Glue Data Catalog through boto3's Glue client. The expected values are the ones
Athena's and Trino's documentation give (cited at each test).
"""

from __future__ import annotations

from dataclasses import dataclass

import boto3
import pytest

from tests.helpers import unique
from tests.localcloud.test_athena import Athena

pytestmark = pytest.mark.localcloud


@dataclass
class Catalog:
    athena: Athena
    glue: object
    bucket: str
    database: str


@pytest.fixture(scope="module")
def catalog(session: boto3.Session) -> Catalog:
    bucket = unique("athena-ddl")
    database = unique("athena_ddl", sep="_")
    s3 = session.client("s3")
    s3.create_bucket(Bucket=bucket)
    session.client("glue").create_database(DatabaseInput={"Name": database})
    s3.put_object(
        Bucket=bucket,
        Key="events/events.csv",
        Body=b"1,2025-01-31,2025-01-31 14:05:09\n2,2024-02-29,2024-02-29 23:59:59\n",
    )
    athena = Athena(session, database, f"s3://{bucket}/results/")
    athena.run(
        "CREATE EXTERNAL TABLE events (id int, day date, at timestamp) "
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' STORED AS TEXTFILE "
        f"LOCATION 's3://{bucket}/events/'"
    )
    return Catalog(athena, session.client("glue"), bucket, database)


def _table(catalog: Catalog, name: str) -> dict:
    return catalog.glue.get_table(DatabaseName=catalog.database, Name=name)["Table"]


# --- ALTER TABLE / SHOW TBLPROPERTIES ---------------------------------------------------------
# https://docs.aws.amazon.com/athena/latest/ug/alter-table-set-tblproperties.html
# "If property_name already exists, its value is set to the newly specified property_value."


def test_dbt_athena_set_tblproperties_after_ctas(catalog: Catalog) -> None:
    athena = catalog.athena
    athena.run(
        "CREATE TABLE ctas_props WITH (format = 'PARQUET', "
        f"external_location = 's3://{catalog.bucket}/ctas_props/') AS SELECT 1 AS a"
    )
    # exactly what dbt-athena sends after its CTAS
    answer = athena.run(
        f"ALTER TABLE `{catalog.database}`.`ctas_props` SET TBLPROPERTIES "
        "('classification' = 'parquet')"
    )
    assert answer.execution["StatementType"] == "DDL"
    athena.run("ALTER TABLE ctas_props SET TBLPROPERTIES ('classification' = 'PARQUET', 'k'='v')")
    params = _table(catalog, "ctas_props")["Parameters"]
    assert params["classification"] == "PARQUET"
    assert params["k"] == "v"
    assert params["has_encrypted_data"] == "false"  # the others stay
    assert athena.run("SELECT a FROM ctas_props").rows == [("1",)]

    # https://docs.aws.amazon.com/athena/latest/ug/show-tblproperties.html
    shown = dict(athena.run("SHOW TBLPROPERTIES ctas_props").rows)
    assert shown["k"] == "v" and shown["classification"] == "PARQUET"
    assert athena.run("SHOW TBLPROPERTIES ctas_props('k')").rows == [("v",)]


def test_alter_table_of_a_missing_table_fails(catalog: Catalog) -> None:
    status = catalog.athena.fail("ALTER TABLE nope SET TBLPROPERTIES ('a' = 'b')")
    assert status["StateChangeReason"].startswith("TABLE_NOT_FOUND")


def test_add_columns_and_set_location(catalog: Catalog) -> None:
    # https://docs.aws.amazon.com/athena/latest/ug/alter-table-add-columns.html
    # https://docs.aws.amazon.com/athena/latest/ug/alter-table-set-location.html
    athena = catalog.athena
    athena.run(
        "CREATE EXTERNAL TABLE wide (a int) PARTITIONED BY (p string) STORED AS PARQUET "
        f"LOCATION 's3://{catalog.bucket}/wide/'"
    )
    athena.run("ALTER TABLE wide ADD COLUMNS (b string COMMENT 'new', c decimal(10,2))")
    columns = _table(catalog, "wide")["StorageDescriptor"]["Columns"]
    assert [(c["Name"], c["Type"]) for c in columns] == [
        ("a", "int"),
        ("b", "string"),
        ("c", "decimal(10,2)"),
    ]
    assert columns[1]["Comment"] == "new"
    assert catalog.athena.fail("ALTER TABLE wide ADD COLUMNS (a int)")["State"] == "FAILED"

    athena.run(f"ALTER TABLE wide SET LOCATION 's3://{catalog.bucket}/wide2/'")
    assert _table(catalog, "wide")["StorageDescriptor"]["Location"] == (
        f"s3://{catalog.bucket}/wide2/"
    )
    athena.run("ALTER TABLE wide ADD PARTITION (p = 'x')")
    athena.run(f"ALTER TABLE wide PARTITION (p = 'x') SET LOCATION 's3://{catalog.bucket}/px/'")
    partition = catalog.glue.get_partition(
        DatabaseName=catalog.database, TableName="wide", PartitionValues=["x"]
    )["Partition"]
    assert partition["StorageDescriptor"]["Location"] == f"s3://{catalog.bucket}/px/"


def test_rename_to_is_not_supported_for_hive_tables(catalog: Catalog) -> None:
    # https://docs.aws.amazon.com/athena/latest/ug/unsupported-ddl.html:
    # "ALTER TABLE table_name RENAME TO (supported for Iceberg tables)"
    status = catalog.athena.fail("ALTER TABLE events RENAME TO events2")
    assert status["StateChangeReason"].startswith("NOT_SUPPORTED")


# --- Trino functions --------------------------------------------------------------------------


def test_format_datetime_takes_joda_patterns(catalog: Catalog) -> None:
    # https://trino.io/docs/current/functions/datetime.html#format_datetime (Joda-Time patterns)
    answer = catalog.athena.run(
        "SELECT format_datetime(TIMESTAMP '2025-01-31 14:05:09', 'yyyy-MM-dd HH:mm:ss') AS f, "
        "format_datetime(TIMESTAMP '2025-01-31 14:05:09.123', 'EEE, d MMM yy h:mm a SSS') AS g"
    )
    assert answer.rows == [("2025-01-31 14:05:09", "Fri, 31 Jan 25 2:05 PM 123")]
    assert answer.types == ["varchar", "varchar"]
    column = catalog.athena.run("SELECT format_datetime(at, 'dd/MM/yyyy') FROM events ORDER BY id")
    assert column.rows == [("31/01/2025",), ("29/02/2024",)]


def test_typeof_gives_trino_type_names(catalog: Catalog) -> None:
    # https://trino.io/docs/current/functions/conversion.html#typeof:
    # typeof(123) -- integer; typeof('cat') -- varchar(3); typeof(cos(2) + 1.5) -- double
    answer = catalog.athena.run(
        "SELECT typeof(123), typeof('cat'), typeof(cos(2) + 1.5), typeof(3000000000), "
        "typeof(1.5), typeof(DATE '2025-01-31'), typeof(true), typeof(ARRAY[1, 2]), "
        "typeof(CAST(1 AS decimal(10, 2))), typeof(CAST('a' AS varchar))"
    )
    assert answer.rows == [
        (
            "integer",
            "varchar(3)",
            "double",
            "bigint",
            "decimal(2,1)",
            "date",
            "boolean",
            "array(integer)",
            "decimal(10,2)",
            "varchar",
        )
    ]
    columns = catalog.athena.run("SELECT typeof(id), typeof(day), typeof(at) FROM events LIMIT 1")
    # Hive int/date/timestamp columns are Trino integer, date, timestamp(3)
    assert columns.rows == [("integer", "date", "timestamp(3)")]


def test_date_add_of_a_date_stays_a_date(catalog: Catalog) -> None:
    # https://trino.io/docs/current/functions/datetime.html#date_add: date_add(unit, value,
    # timestamp) → [same as input]; and "date '2012-08-31' + interval '1' month → 2012-09-30"
    # (the day is clamped to the end of the month)
    answer = catalog.athena.run(
        "SELECT date_add('month', 1, DATE '2025-01-31') AS d, "
        "date_add('day', 1, DATE '2024-02-28') AS e, "
        "date_add('hour', 9, TIMESTAMP '2020-03-01 00:00:00') AS t"
    )
    assert answer.rows == [("2025-02-28", "2024-02-29", "2020-03-01 09:00:00.000")]
    assert answer.types == ["date", "date", "timestamp"]
    column = catalog.athena.run(
        "SELECT date_add('year', 1, day) AS next_year FROM events ORDER BY id"
    )
    assert column.rows == [("2026-01-31",), ("2025-02-28",)]
    assert column.types == ["date"]


@pytest.mark.parametrize(
    "sql, name",
    [
        ("SELECT xyz(1)", "xyz"),
        ("SELECT strftime(current_date, '%Y')", "strftime"),  # DuckDB's, not Trino's
        ("SELECT list_value(1, 2)", "list_value"),
    ],
)
def test_unknown_function_is_function_not_found(catalog: Catalog, sql: str, name: str) -> None:
    status = catalog.athena.fail(sql)
    assert status["StateChangeReason"] == (
        f"FUNCTION_NOT_FOUND: line 1:8: Function '{name}' not registered"
    )
    assert status["AthenaError"]["ErrorCategory"] == 2
