"""PyAthena (DB-API, PandasCursor, ArrowCursor) and its SQLAlchemy dialect against the local
cloud, configured as their users point them at a custom endpoint: ``endpoint_url`` (PyAthena
hands it to the boto3 clients it makes, Athena's and S3's) and dummy keys."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clients.conftest import Warehouse, need_module

pytestmark = [pytest.mark.localcloud, pytest.mark.clients, pytest.mark.usefixtures("clean_aws_env")]


def _connect(warehouse: Warehouse, **kwargs):
    pyathena = need_module("pyathena")
    return pyathena.connect(
        s3_staging_dir=warehouse.staging,
        region_name=warehouse.region,
        endpoint_url=warehouse.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        schema_name=warehouse.database,
        **kwargs,
    )


def test_cursor_select_with_parameters(warehouse: Warehouse) -> None:
    with _connect(warehouse) as conn, conn.cursor() as cursor:
        cursor.execute(
            f"SELECT id, customer, amount, sold_at, region FROM {warehouse.table} "
            "WHERE customer = %(customer)s AND amount > %(minimum)s ORDER BY id",
            {"customer": "ann", "minimum": 1.0},
        )
        rows = cursor.fetchall()
        assert rows == [
            (1, "ann", 10.5, dt.datetime(2024, 1, 1, 10, 0), "eu"),
            (4, "ann", 3.0, dt.datetime(2024, 1, 3, 9, 15), "us"),
        ]
        types = {d[0]: d[1] for d in cursor.description}
        assert types == {
            "id": "bigint",
            "customer": "varchar",
            "amount": "double",
            "sold_at": "timestamp",
            "region": "varchar",
        }
        assert cursor.rowcount in (-1, 2)
        assert cursor.query_id
        assert cursor.state == "SUCCEEDED"


def test_cursor_qmark_parameters_and_aggregates(warehouse: Warehouse) -> None:
    # qmark: PyAthena sends the values as Athena ExecutionParameters (server-side).
    with _connect(warehouse) as conn, conn.cursor() as cursor:
        cursor.execute(
            f"SELECT region, count(*) AS n, sum(amount) AS total FROM {warehouse.table} "
            "WHERE id <= ? AND customer <> ? GROUP BY region ORDER BY region",
            ["6", "'nobody'"],  # SQL literals, as strings (Athena's ExecutionParameters)
            paramstyle="qmark",
        )
        assert cursor.fetchall() == [("eu", 3, pytest.approx(117.74)), ("us", 3, 38.0)]


def test_cursor_table_metadata(warehouse: Warehouse) -> None:
    with _connect(warehouse) as conn, conn.cursor() as cursor:
        table = cursor.get_table_metadata(warehouse.table)
        assert table.name == warehouse.table
        assert [(c.name, c.type) for c in table.columns] == [
            ("id", "bigint"),
            ("customer", "string"),
            ("amount", "double"),
            ("sold_at", "timestamp"),
        ]
        assert [(c.name, c.type) for c in table.partition_keys] == [("region", "string")]
        assert table.location.rstrip("/").endswith("warehouse/orders")
        listed = cursor.list_table_metadata(schema_name=warehouse.database)
        assert warehouse.table in [t.name for t in listed]
        databases = [d.name for d in cursor.list_databases(catalog_name="AwsDataCatalog")]
        assert warehouse.database in databases
        # PyAthena pages through NextToken; dbt and SQL tools spell the catalog in lower case.
        paged = cursor.list_databases(catalog_name="awsdatacatalog", max_results=1)
        assert [d.name for d in paged] == databases
        lower = cursor.get_table_metadata(warehouse.table, catalog_name="awsdatacatalog")
        assert lower.name == warehouse.table
        paged_tables = cursor.list_table_metadata(schema_name=warehouse.database, max_results=1)
        assert [t.name for t in paged_tables] == [t.name for t in listed]


def test_pandas_cursor(warehouse: Warehouse) -> None:
    """PyAthena's PandasCursor reads the result CSV through its own S3 client (endpoint_url
    applies). Its ArrowCursor is not tested: it reads through pyarrow's S3FileSystem, which
    PyAthena builds without an endpoint override (it would go to AWS)."""
    need_module("pyathena.pandas.cursor")
    from pyathena.pandas.cursor import PandasCursor

    sql = f"SELECT id, amount, sold_at FROM {warehouse.table} ORDER BY id"
    with _connect(warehouse) as conn:
        frame = conn.cursor(PandasCursor).execute(sql).as_pandas()
    assert frame["id"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["amount"].sum() == pytest.approx(warehouse.rows["amount"].sum())
    assert str(frame["sold_at"].dtype).startswith("datetime64")


# --- SQLAlchemy ---------------------------------------------------------------------------


@pytest.fixture
def engine(warehouse: Warehouse):
    sqlalchemy = need_module("sqlalchemy")
    need_module("pyathena.sqlalchemy")
    url = (
        f"awsathena+rest://testing:testing@athena.{warehouse.region}.amazonaws.com:443/"
        f"{warehouse.database}?s3_staging_dir={warehouse.staging}"
    )
    engine = sqlalchemy.create_engine(url, connect_args={"endpoint_url": warehouse.endpoint})
    yield engine
    engine.dispose()


@pytest.fixture
def view(warehouse: Warehouse) -> str:
    name = "big_orders"
    with _connect(warehouse) as conn, conn.cursor() as cursor:
        cursor.execute(
            f"CREATE OR REPLACE VIEW {name} AS "
            f"SELECT id, amount FROM {warehouse.table} WHERE amount > 10"
        )
    return name


def test_sqlalchemy_inspector(engine, warehouse: Warehouse, view: str) -> None:
    from sqlalchemy import inspect

    inspector = inspect(engine)
    assert warehouse.database in inspector.get_schema_names()
    assert warehouse.table in inspector.get_table_names(schema=warehouse.database)
    assert view in inspector.get_view_names(schema=warehouse.database)
    assert view not in inspector.get_table_names(schema=warehouse.database)
    columns = inspector.get_columns(warehouse.table, schema=warehouse.database)
    assert [(c["name"], str(c["type"])) for c in columns] == [
        ("id", "BIGINT"),
        ("customer", "VARCHAR"),
        ("amount", "DOUBLE"),
        ("sold_at", "TIMESTAMP"),
        ("region", "VARCHAR"),
    ]
    assert inspector.has_table(warehouse.table, schema=warehouse.database)
    assert not inspector.has_table("no_such_table", schema=warehouse.database)
    assert (
        inspector.get_pk_constraint(warehouse.table, schema=warehouse.database)[
            "constrained_columns"
        ]
        == []
    )
    assert inspector.get_foreign_keys(warehouse.table, schema=warehouse.database) == []
    assert inspector.get_indexes(warehouse.table, schema=warehouse.database) == []
    options = inspector.get_table_options(warehouse.table, schema=warehouse.database)
    assert options["awsathena_location"].rstrip("/").endswith("warehouse/orders")
    assert options["awsathena_file_format"] == "PARQUET" or options["awsathena_row_format"]
    assert "SELECT" in inspector.get_view_definition(view, schema=warehouse.database).upper()


def test_sqlalchemy_reflection_and_select(engine, warehouse: Warehouse) -> None:
    from sqlalchemy import MetaData, Table, func, select

    orders = Table(warehouse.table, MetaData(), autoload_with=engine, schema=warehouse.database)
    assert [c.name for c in orders.columns] == ["id", "customer", "amount", "sold_at", "region"]
    query = (
        select(orders.c.customer, func.count().label("n"))
        .where(orders.c.region == "eu")
        .group_by(orders.c.customer)
        .order_by(orders.c.customer)
    )
    with engine.connect() as connection:
        assert [tuple(r) for r in connection.execute(query)] == [("ann", 1), ("cid", 1), ("dee", 1)]


def test_pandas_read_sql(engine, warehouse: Warehouse) -> None:
    import pandas as pd

    frame = pd.read_sql(f"SELECT id, customer FROM {warehouse.table} ORDER BY id", engine)
    assert frame["customer"].tolist() == warehouse.rows.sort_values("id")["customer"].tolist()


def test_views_through_metadata_and_reflection(engine, warehouse: Warehouse, view: str) -> None:
    """A view's columns through PyAthena's table metadata, the inspector and reflection."""
    from sqlalchemy import MetaData, Table, inspect

    with _connect(warehouse) as conn, conn.cursor() as cursor:
        described = cursor.get_table_metadata(view)
        assert [(c.name, c.type) for c in described.columns] == [
            ("id", "bigint"),
            ("amount", "double"),
        ]
        assert described.table_type == "VIRTUAL_VIEW"
        matched = cursor.list_table_metadata(schema_name=warehouse.database, expression="ord*")
        assert [t.name for t in matched] == [warehouse.table]
    inspector = inspect(engine)
    columns = inspector.get_columns(view, schema=warehouse.database)
    assert [(c["name"], str(c["type"])) for c in columns] == [
        ("id", "BIGINT"),
        ("amount", "DOUBLE"),
    ]
    reflected = Table(view, MetaData(), autoload_with=engine, schema=warehouse.database)
    assert [c.name for c in reflected.columns] == ["id", "amount"]


@pytest.fixture
def commented(warehouse: Warehouse) -> str:
    with _connect(warehouse) as conn, conn.cursor() as cursor:
        cursor.execute(
            "CREATE EXTERNAL TABLE IF NOT EXISTS commented (id bigint COMMENT 'order id', "
            "note string) COMMENT 'a table with comments' STORED AS PARQUET "
            f"LOCATION 's3://{warehouse.bucket}/warehouse/commented/'"
        )
    return "commented"


def test_column_comments(engine, warehouse: Warehouse, commented: str) -> None:
    from sqlalchemy import inspect

    columns = inspect(engine).get_columns(commented, schema=warehouse.database)
    assert [(c["name"], c.get("comment")) for c in columns] == [("id", "order id"), ("note", None)]


def test_table_comment(engine, warehouse: Warehouse, commented: str) -> None:
    from sqlalchemy import inspect

    assert inspect(engine).get_table_comment(commented, schema=warehouse.database) == {
        "text": "a table with comments"
    }
