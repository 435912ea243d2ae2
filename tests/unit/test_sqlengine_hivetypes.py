"""Glue (Hive) type strings, parsed once in sqlengine and read the same way by both engines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import boto3
import duckdb
import pytest
from moto import mock_aws
from sqlglot import exp

from infra_scripts.localcloud.services.athena.engine import AthenaEngine
from infra_scripts.localcloud.services.athena.glue import trino_type_of_hive
from infra_scripts.localcloud.services.redshift_data import sqltext
from infra_scripts.localcloud.services.redshift_data.database import RedshiftDatabase
from infra_scripts.localcloud.services.redshift_data.results import redshift_type
from infra_scripts.localcloud.sqlengine.catalog import CatalogError, duck_type
from infra_scripts.localcloud.sqlengine.hivetypes import HiveType, HiveTypeError, parse_hive_type
from infra_scripts.localcloud.sqlengine.s3mirror import S3Mirror

ACCOUNT = "123456789012"
REGION = "us-east-1"

# (Glue type, DuckDB type both engines scan it as, Trino type Athena reports)
NESTED = [
    (
        "struct<p:decimal(10,2),q:int>",
        'STRUCT("p" DECIMAL(10,2), "q" INTEGER)',
        "row(p decimal(10,2), q integer)",
    ),
    (
        "array<struct<a:string,b:decimal(5,1)>>",
        'STRUCT("a" VARCHAR, "b" DECIMAL(5,1))[]',
        "array(row(a varchar, b decimal(5,1)))",
    ),
    ("map<string,array<int>>", "MAP(VARCHAR, INTEGER[])", "map(varchar, array(integer))"),
    (
        "map<string,decimal(10,2)>",
        "MAP(VARCHAR, DECIMAL(10,2))",
        "map(varchar, decimal(10,2))",
    ),
    (
        "struct<a:array<string>,b:map<string,int>>",
        'STRUCT("a" VARCHAR[], "b" MAP(VARCHAR, INTEGER))',
        "row(a array(varchar), b map(varchar, integer))",
    ),
]


@pytest.mark.parametrize(("glue_type", "duck", "trino"), NESTED)
def test_nested_types_with_parameters_parse_in_both_engines(glue_type, duck, trino) -> None:
    # the scans of both engines (Athena's tables, Redshift's external tables) use duck_type
    assert duck_type(glue_type) == duck
    duckdb.sql(f"SELECT CAST(NULL AS {duck})")  # DuckDB takes it
    assert trino_type_of_hive(glue_type) == trino  # what Athena reports
    assert redshift_type(duck).name == "super"  # what Redshift's DescribeTable reports
    assert str(parse_hive_type(glue_type)) == glue_type  # nothing lost on the way


def test_the_parse_tree() -> None:
    assert parse_hive_type("Struct< P : Decimal(10, 2), q:int >") == HiveType(
        "struct",
        args=(HiveType("decimal", params=(10, 2)), HiveType("int")),
        fields=("p", "q"),
    )
    assert parse_hive_type("array<map<string,bigint>>") == HiveType(
        "array", args=(HiveType("map", args=(HiveType("string"), HiveType("bigint"))),)
    )
    assert parse_hive_type("struct<`a b`:int>").fields == ("a b",)


def test_scalar_types_as_before() -> None:
    expected = {
        "decimal": "DECIMAL(10,0)",  # Hive's default precision and scale
        "decimal(12)": "DECIMAL(12,0)",  # scale 0 (it used to lose the precision too)
        "decimal(38, 6)": "DECIMAL(38,6)",
        "varchar(10)": "VARCHAR",
        "char(5)": "VARCHAR",
        "STRING": "VARCHAR",
        "integer": "INTEGER",
        "real": "FLOAT",
        "binary": "BLOB",
        "timestamp": "TIMESTAMP",
    }
    assert {t: duck_type(t) for t in expected} == expected
    assert trino_type_of_hive("string") == "varchar"
    assert trino_type_of_hive("float") == "real"
    assert trino_type_of_hive("binary") == "varbinary"
    assert trino_type_of_hive("decimal(10,2)") == "decimal(10,2)"


@pytest.mark.parametrize(
    "text",
    ["array<int", "array<int>>", "struct<a:int>x", "struct<a>", "struct<>", "map<string>", "array"],
)
def test_malformed_types_are_catalog_errors(text) -> None:
    with pytest.raises(HiveTypeError):
        parse_hive_type(text)
    with pytest.raises(CatalogError, match="unsupported column type"):
        duck_type(text)  # not a bare ValueError: the engines report it as a catalog problem


def test_unsupported_types_are_catalog_errors() -> None:
    for text in ("uniontype<int,string>", "int(3)", "interval", "double precision"):
        with pytest.raises(CatalogError, match=re.escape(f"unsupported column type '{text}'")):
            duck_type(text)


def test_sqlglot_hive_types_still_lose_fields() -> None:
    """Why the kit parses Glue types itself (a sqlglot upgrade that fixes it shows up here)."""
    built = exp.DataType.build("struct<a:int,select:string>", dialect="hive")
    assert built.sql(dialect="hive") == "STRUCT<a: INT>"  # the field "select" is gone
    assert duck_type("struct<a:int,select:string>") == 'STRUCT("a" INTEGER, "select" VARCHAR)'
    assert exp.DataType.build("array<int", dialect="hive").sql(dialect="hive") == "ARRAY<INT>"


# --- one Glue table with nested columns, read by Athena and by Redshift Spectrum ----------


@pytest.fixture
def nested_table(tmp_path: Path) -> Iterator[str]:
    """s3://data/nested/ with one Parquet file, registered as Glue table ``shop.nested``."""
    local = tmp_path / "nested.parquet"
    duckdb.sql(
        "COPY (SELECT {'p': 1.25::DECIMAL(10,2), 'q': 3} AS s, "
        "[{'a': 'x', 'b': 2.5::DECIMAL(5,1)}] AS l, MAP {'k': [1, 2]} AS m) "
        f"TO '{local}' (FORMAT parquet)"
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in ("data", "results"):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket="data", Key="nested/part-0.parquet", Body=local.read_bytes())
        glue = boto3.client("glue", region_name=REGION)
        glue.create_database(DatabaseInput={"Name": "shop"})
        glue.create_table(
            DatabaseName="shop",
            TableInput={
                "Name": "nested",
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"classification": "parquet"},
                "StorageDescriptor": {
                    "Columns": [
                        {"Name": "s", "Type": "struct<p:decimal(10,2),q:int>"},
                        {"Name": "l", "Type": "array<struct<a:string,b:decimal(5,1)>>"},
                        {"Name": "m", "Type": "map<string,array<int>>"},
                    ],
                    "Location": "s3://data/nested/",
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "SerdeInfo": {
                        "SerializationLibrary": (
                            "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                        )
                    },
                },
            },
        )
        yield "shop.nested"


def test_athena_reads_the_nested_table(tmp_path: Path, nested_table: str) -> None:
    engine = AthenaEngine(tmp_path / "athena")
    execution = engine.new_execution(
        query=f"SELECT s.p AS p, s.q AS q, cardinality(l) AS n FROM {nested_table}",
        account_id=ACCOUNT,
        region=REGION,
        workgroup=None,
        context={},
        result_prefix="s3://results/out",
        result_configuration={},
        cutoff_bytes=None,
        parameters=None,
    )
    engine._run(execution)
    assert execution.state == "SUCCEEDED", execution.reason
    columns, rows, _ = engine.page(execution, 0, 10)
    assert rows == [["p", "q", "n"], ["1.25", "3", "1"]]
    assert (columns[0].type, columns[0].precision, columns[0].scale) == ("decimal", 10, 2)


def test_redshift_spectrum_reads_the_nested_table(tmp_path: Path, nested_table: str) -> None:
    mirror = S3Mirror(tmp_path / "redshift" / "s3", ACCOUNT)
    database = RedshiftDatabase(
        "dev", tmp_path / "redshift" / "dev", mirror, ACCOUNT, REGION, lambda *_: None
    )
    try:
        with database.session() as cur:
            for sql in (
                "CREATE EXTERNAL SCHEMA spectrum FROM DATA CATALOG DATABASE 'shop' IAM_ROLE 'r'",
                "SELECT * FROM spectrum.nested",
            ):
                (statement,) = sqltext.split_statements(sql)
                outcome = database.execute(cur, statement)
        assert outcome.result is not None
        (row,) = outcome.result.records(0, 10)
        assert json.loads(row[0]["stringValue"]) == {"p": "1.25", "q": 3}
        assert json.loads(row[1]["stringValue"]) == [{"a": "x", "b": "2.5"}]
        described = database.describe_table("spectrum", "nested")
        assert [(c["name"], c["typeName"]) for c in described] == [
            ("s", "super"),
            ("l", "super"),
            ("m", "super"),
        ]
    finally:
        database.close()
