"""The analytics SQL: generic templates filled from each contract, and each business's own.

Every query parses in its engine's dialect (sqlglot); the generic templates name no business
column; the café's view, fact table and COPY follow its contract; the bookstore's SQL is what
it was before contracts (``TODAY``: the files as they were, comments dropped).
"""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from pipeline_src.contracts import bundled, model
from pipeline_src.contracts.model import Contract
from pipeline_src.etl import table as etl_table
from pipeline_src.sql import derive, fill, queries, templates

VALUES = {
    "database": "retail",
    "table": "sales",
    "schema": "public",
    "external_schema": "lake",
    "bucket": "processed",
    "role_arn": "arn:aws:iam::123456789012:role/redshift",
    "region": "us-east-1",
    "partition_value": "Fiction",
    "partition_folder": "Fiction",
    "genre": "Fiction",  # today's COPY named its partition placeholder after the column
}
DIALECT = {"athena": "trino", "redshift": "redshift"}
# sqlglot cannot parse these statements; it keeps them as opaque commands.
UNPARSEABLE = {"external_schema"}
BUSINESSES = ("bookstore", "cafe")
CASES = [
    (business, engine, name)
    for business in BUSINESSES
    for engine in DIALECT
    for name in queries(engine, model.get(business))
]
LINEAGE = {"sale_date", "source_key", "source_version", "source_row", "ingested_at", "load_id"}


def parsed(engine: str, sql: str, values: dict[str, str] = VALUES) -> list[exp.Expression]:
    return [s for s in sqlglot.parse(fill(sql, values), read=DIALECT[engine]) if s]


def normalised(engine: str, sql: str) -> list[str]:
    """Each statement as sqlglot writes it: no comments, one layout."""
    return [s.sql(dialect=DIALECT[engine], comments=False) for s in parsed(engine, sql)]


def column_defs(statement: exp.Expression) -> list[tuple[str, str]]:
    """(name, type and constraints) of each column a CREATE TABLE defines, in order."""
    return [
        (
            c.name,
            " ".join([c.args["kind"].sql("redshift"), *(k.sql("redshift") for k in c.constraints)]),
        )
        for c in statement.find_all(exp.ColumnDef)
    ]


def primary_key(statement: exp.Expression) -> list[str]:
    [key] = list(statement.find_all(exp.PrimaryKey))
    return [e.name for e in key.expressions]


def bookstore(engine: str) -> dict[str, str]:
    return queries(engine, model.get("bookstore"))


def cafe(engine: str) -> dict[str, str]:
    return queries(engine, model.get("cafe"))


@pytest.mark.parametrize(("business", "engine", "name"), CASES, ids=["/".join(c) for c in CASES])
def test_every_query_parses(business, engine, name):
    statements = parsed(engine, queries(engine, model.get(business))[name])
    assert statements
    commands = [s for s in statements if isinstance(s, exp.Command)]
    if name in UNPARSEABLE:
        assert commands
    else:
        assert not commands, commands


def test_each_business_has_its_own_analytics_beside_the_generic_queries():
    generic_athena = {
        "curated_sales",
        "data_quality",
        "cross_file_duplicates",
        "daily_trend",
        "revenue_by_partition",
    }
    generic_redshift = {
        "external_schema",
        "fact_sales",
        "copy_fact_sales",
        "spectrum_fact_sales",
        "merge_fact_sales",
        "daily_running_total",
        "partition_ranking",
        "spectrum_vs_loaded",
    }
    assert set(bookstore("athena")) == generic_athena | {
        "revenue_by_genre",
        "top_titles",
        "price_bands",
        "revenue_by_age_group",
    }
    assert set(bookstore("redshift")) == generic_redshift | {
        "genre_ranking",
        "top_titles_per_genre",
    }
    assert set(cafe("athena")) == generic_athena | {
        "top_items",
        "orders_by_hour",
        "size_mix",
        "eat_in_share",
        "revenue_by_category",
    }
    assert set(cafe("redshift")) == generic_redshift | {
        "category_ranking",
        "top_items_per_category",
    }


def test_no_contract_means_the_bookstore():
    assert queries("athena") == bookstore("athena")
    assert queries("redshift") == bookstore("redshift")
    with pytest.raises(ValueError, match="unknown SQL engine"):
        queries("bigquery")


@pytest.mark.parametrize("engine", DIALECT)
def test_generic_templates_name_no_business_column(engine):
    columns = {c.name for name in bundled() for c in model.get(name).columns} - LINEAGE
    assert {"genre", "transaction_id", "order_id", "item", "price", "quantity"} <= columns
    for stem, path in templates(engine).items():
        words = set(re.findall(r"[a-z_][a-z0-9_]*", path.read_text(encoding="utf-8").lower()))
        assert not words & columns, (stem, sorted(words & columns))


@pytest.mark.parametrize(("business", "engine", "name"), CASES, ids=["/".join(c) for c in CASES])
def test_only_runtime_placeholders_are_left(business, engine, name):
    left = set(re.findall(r"\$\{([^}]*)\}", queries(engine, model.get(business))[name]))
    assert left <= {
        "database",
        "table",
        "schema",
        "external_schema",
        "bucket",
        "role_arn",
        "region",
        "partition_value",
        "partition_folder",
    }


def test_the_cafe_view_keeps_each_order_line_once():
    [view] = parsed("athena", cafe("athena")["curated_sales"])
    [window] = list(view.find_all(exp.Window))
    assert [c.sql() for c in window.args["partition_by"]] == ["s.order_id", "s.item"]
    select = view.expression
    assert [e.name for e in select.expressions] == [
        *("item", "unit_price", "quantity", "order_id", "sold_at", "size", "eat_in"),
        *("sale_date", "source_key", "source_version", "source_row", "ingested_at", "load_id"),
        "category",
    ]


def test_the_cafe_fact_table_has_its_columns_types_and_key():
    [schema, table] = parsed("redshift", cafe("redshift")["fact_sales"])
    assert isinstance(schema, exp.Create) and schema.kind == "SCHEMA"
    assert column_defs(table) == [
        ("item", "VARCHAR(1024) NOT NULL"),
        ("category", "VARCHAR(1024) NOT NULL"),
        ("unit_price", "DECIMAL(8, 2) NOT NULL"),
        ("quantity", "INTEGER NOT NULL"),
        ("order_id", "VARCHAR(9) NOT NULL"),
        ("sold_at", "TIMESTAMP NOT NULL"),
        ("size", "VARCHAR(7)"),
        ("eat_in", "BOOLEAN"),
        ("sale_date", "DATE NOT NULL"),
        ("source_key", "VARCHAR(1024) NOT NULL"),
        ("source_version", "VARCHAR(1024)"),
        ("source_row", "BIGINT"),
        ("ingested_at", "TIMESTAMP"),
    ]
    assert primary_key(table) == ["order_id", "item"]
    text = fill(cafe("redshift")["fact_sales"], VALUES)
    assert "DISTKEY (order_id)" in text and "SORTKEY (sale_date)" in text


@pytest.mark.parametrize("business", BUSINESSES)
def test_the_copy_staging_table_has_the_parquet_column_order(business):
    contract = model.get(business)
    stage = parsed("redshift", queries("redshift", contract)["copy_fact_sales"])[0]
    assert stage.args["kind"] == "TABLE" and stage.this.this.name == "stage_sales"
    assert [name for name, _ in column_defs(stage)] == etl_table.file_schema(contract).names


def test_the_cafe_copy_merges_on_order_and_item_and_sets_the_category_from_the_path():
    values = {**VALUES, "partition_value": "Coffee", "partition_folder": "Coffee"}
    statements = parsed("redshift", cafe("redshift")["copy_fact_sales"], values)
    copy = statements[1]
    assert isinstance(copy, exp.Copy)
    assert "'s3://processed/sales/category=Coffee/'" in copy.sql("redshift")
    delete = statements[3]
    assert isinstance(delete, exp.Delete)
    assert delete.args["where"].this.sql("redshift") == (
        "fact_sales.order_id = stage_committed.order_id AND fact_sales.item = stage_committed.item"
    )
    insert = statements[4]
    columns = [c.name for c in insert.this.expressions]
    values_ = [e.sql("redshift") for e in insert.expression.expressions]
    assert dict(zip(columns, values_, strict=True))["category"] == "'Coffee'"
    assert columns == [
        name for name, _ in column_defs(parsed("redshift", cafe("redshift")["fact_sales"])[1])
    ]


def test_the_cafe_data_quality_checks_follow_its_rules():
    sql = cafe("athena")["data_quality"]
    assert isinstance(parsed("athena", sql)[0], exp.Union)
    names = re.findall(r"^SELECT '([^']*)'", sql, re.M)
    assert names == [
        "duplicate order_id + item across files",
        "negative or missing unit_price",
        "quantity below 1 or missing",
        "missing item, category, order_id or sold_at",
        "rows without lineage",
        "sale date in the future",
    ]
    assert "WHERE quantity IS NULL OR quantity < 1\n" in sql
    assert "WHERE unit_price IS NULL OR unit_price < 0\n" in sql


def test_a_contract_without_lengths_or_measures_gets_default_lengths_and_counts_rows():
    document = {
        "format": 1,
        "business": {"name": "kiosk"},
        "columns": [
            {"name": "thing", "type": "string", "required": True},
            {"name": "shelf", "type": "string", "required": True},
            {"name": "colour", "type": "string", "allowed": ["red", "grün"]},
            {"name": "amount", "type": "decimal(6,1)", "required": True},
        ],
        "partition_by": ["shelf"],
        "dedup_key": ["thing", "amount"],
        "measures": {"revenue": "amount", "units": "1"},
    }
    contract = Contract(document)
    sql = queries("redshift", contract)
    [_, table] = parsed("redshift", sql["fact_sales"])
    assert column_defs(table)[:4] == [
        ("thing", "VARCHAR(4096) NOT NULL"),  # 1,024 characters of up to 4 bytes each
        ("shelf", "VARCHAR(4096) NOT NULL"),
        ("colour", "VARCHAR(5)"),  # bytes: ü is two
        ("amount", "DECIMAL(6, 1) NOT NULL"),
    ]
    assert primary_key(table) == ["thing", "amount"]
    [view] = parsed("athena", queries("athena", contract)["curated_sales"])
    [window] = list(view.find_all(exp.Window))
    assert [c.sql() for c in window.args["partition_by"]] == ["s.thing", "s.amount"]
    copy = parsed("redshift", sql["copy_fact_sales"])
    [window] = list(copy[2].find_all(exp.Window))
    assert [c.sql() for c in window.args["partition_by"]] == ["s.thing", "s.amount"]
    assert "SUM(amount) AS revenue" in queries("athena", contract)["daily_trend"]


def test_placeholders_leave_runtime_names_and_refuse_an_unknown_alias():
    values = {"key": ("a", "b"), "one": "x"}
    assert derive.apply("${key} ${s.key} ${one} ${t.one} ${table}", values) == (
        "a, b s.a, s.b x t.x ${table}"
    )
    with pytest.raises(KeyError):
        derive.apply("${s.unknown}", values)


def test_fill_refuses_a_missing_value():
    with pytest.raises(KeyError):
        fill("SELECT * FROM ${table}", {})


# --- the bookstore: as before contracts ---------------------------------------------------

UNCHANGED = [
    ("athena", "curated_sales"),
    ("athena", "cross_file_duplicates"),
    ("athena", "daily_trend"),
    ("athena", "revenue_by_genre"),
    ("athena", "top_titles"),
    ("athena", "price_bands"),
    ("athena", "revenue_by_age_group"),
    ("redshift", "external_schema"),
    ("redshift", "daily_running_total"),
    ("redshift", "genre_ranking"),
    ("redshift", "spectrum_vs_loaded"),
    ("redshift", "top_titles_per_genre"),
]


@pytest.mark.parametrize(("engine", "name"), UNCHANGED, ids=["/".join(c) for c in UNCHANGED])
def test_the_bookstore_query_is_todays(engine, name):
    assert normalised(engine, bookstore(engine)[name]) == normalised(engine, TODAY[engine, name])


@pytest.mark.parametrize(
    ("generic", "today"),
    [("revenue_by_partition", None), ("partition_ranking", ("redshift", "genre_ranking"))],
)
def test_the_generic_partition_queries_group_the_bookstore_by_genre(generic, today):
    if today:
        assert normalised("redshift", bookstore("redshift")[generic]) == normalised(
            "redshift", TODAY[today]
        )
    else:
        [select] = parsed("athena", bookstore("athena")[generic])
        assert [g.sql() for g in select.args["group"].expressions] == ["genre"]
        assert "SUM(price * quantity) AS revenue" in select.sql("trino")


def test_the_bookstore_data_quality_is_todays_plus_the_required_columns():
    new = normalised("athena", bookstore("athena")["data_quality"])
    expected = normalised("athena", BOOKSTORE_DATA_QUALITY)
    assert new == expected
    today = normalised("athena", TODAY["athena", "data_quality"])[0]
    branches = today.split(" UNION ALL ")
    assert all(branch in new[0] for branch in branches)


def test_the_bookstore_fact_table_is_todays_in_contract_order():
    [_, table] = parsed("redshift", bookstore("redshift")["fact_sales"])
    [_, before] = parsed("redshift", TODAY["redshift", "fact_sales"])
    # transaction ids of 8 to 12 digits; free text of 1,024 characters is up to 4,096 bytes
    widened = {
        "transaction_id": ("VARCHAR(9) NOT NULL", "VARCHAR(13) NOT NULL"),
        **{
            name: ("VARCHAR(1024) NOT NULL", "VARCHAR(4096) NOT NULL")
            for name in ("title", "genre")
        },
        **{name: ("VARCHAR(1024)", "VARCHAR(4096)") for name in ("store_id", "payment_method")},
    }
    expected = {
        name: widened[name][1] if name in widened else kind for name, kind in column_defs(before)
    }
    assert {name: dict(column_defs(before))[name] for name in widened} == {
        name: old for name, (old, _) in widened.items()
    }
    assert dict(column_defs(table)) == expected
    assert [name for name, _ in column_defs(table)] == [
        *model.get("bookstore").names,
        *("sale_date", "source_key", "source_version", "source_row", "ingested_at"),
    ]
    assert primary_key(table) == primary_key(before) == ["transaction_id"]
    text = fill(bookstore("redshift")["fact_sales"], VALUES)
    assert "DISTKEY (transaction_id)" in text and "SORTKEY (sale_date)" in text


def test_the_bookstore_copy_loads_what_it_loaded():
    new = parsed("redshift", bookstore("redshift")["copy_fact_sales"])
    before = parsed("redshift", TODAY["redshift", "copy_fact_sales"])
    assert [type(s) for s in new] == [type(s) for s in before]
    stage = dict(column_defs(new[0]))
    assert stage.pop("transaction_id") == "VARCHAR(13)"  # the contract allows 8 to 12 digits
    for name in ("title", "store_id", "payment_method"):  # 1,024 characters: up to 4,096 bytes
        assert stage.pop(name) == "VARCHAR(4096)"
    widened = ("transaction_id", "title", "store_id", "payment_method")
    assert list(stage.items()) == [c for c in column_defs(before[0]) if c[0] not in widened]
    for index in (1, 3, 5, 6):  # COPY, DELETE, DROPs
        assert new[index].sql("redshift") == before[index].sql("redshift")
    committed_new, committed_before = new[2].expression, before[2].expression
    assert {e.name for e in committed_new.expressions} == {
        e.name for e in committed_before.expressions
    }
    assert committed_new.args["from_"].sql("redshift") == committed_before.args["from_"].sql(
        "redshift"
    )

    def pairs(insert: exp.Insert) -> dict[str, str]:
        columns = [c.name for c in insert.this.expressions]
        values = [e.sql("redshift") for e in insert.expression.expressions]
        return dict(zip(columns, values, strict=True))

    assert pairs(new[4]) == pairs(before[4])
    assert pairs(new[4])["genre"] == "'Fiction'"


BOOKSTORE_DATA_QUALITY = """\
SELECT 'duplicate transaction_id across files' AS check_name, COUNT(*) AS problems
FROM (
    SELECT transaction_id
    FROM "${database}"."${table}"
    GROUP BY transaction_id
    HAVING COUNT(*) > 1
) AS duplicates
UNION ALL
SELECT 'negative or missing price', COUNT(*)
FROM "${database}"."${table}"
WHERE price IS NULL OR price < 0
UNION ALL
SELECT 'quantity below 1', COUNT(*)
FROM "${database}"."${table}"
WHERE quantity < 1
UNION ALL
SELECT 'missing title, age_group, genre, book_id or transaction_id', COUNT(*)
FROM "${database}"."${table}"
WHERE title IS NULL OR age_group IS NULL OR genre IS NULL OR book_id IS NULL
    OR transaction_id IS NULL
UNION ALL
SELECT 'rows without lineage', COUNT(*)
FROM "${database}"."${table}"
WHERE source_key IS NULL OR ingested_at IS NULL
UNION ALL
SELECT 'sale date in the future', COUNT(*)
FROM "${database}"."${table}"
WHERE sale_date > current_date
"""

# The files as they were before contracts (git: pipeline_src/sql/*/*.sql), comments dropped.
TODAY = {
    ("athena", "curated_sales"): """\
CREATE OR REPLACE VIEW "${database}"."${table}_curated" AS
SELECT
    title, price, age_group, book_id, transaction_id, sold_at, store_id, quantity,
    payment_method, sale_date, source_key, source_version, source_row, ingested_at, load_id,
    genre
FROM (
    SELECT
        s.*,
        ROW_NUMBER() OVER (
            PARTITION BY s.transaction_id
            ORDER BY l.committed_at, s.source_key, s.source_row
        ) AS occurrence
    FROM "${database}"."${table}" AS s
    JOIN "${database}"."${table}_loads" AS l
        ON s.source_key = l.source_key AND s.load_id = l.load_id
) AS committed
WHERE occurrence = 1
""",
    ("athena", "cross_file_duplicates"): """\
SELECT
    s.transaction_id,
    COUNT(*) AS copies,
    MIN(s.source_key) AS first_file,
    MAX(s.source_key) AS last_file
FROM "${database}"."${table}" AS s
JOIN "${database}"."${table}_loads" AS l
    ON s.source_key = l.source_key AND s.load_id = l.load_id
GROUP BY s.transaction_id
HAVING COUNT(*) > 1
ORDER BY s.transaction_id
""",
    ("athena", "daily_trend"): """\
SELECT
    sale_date,
    SUM(price * quantity) AS revenue,
    AVG(SUM(price * quantity)) OVER (
        ORDER BY sale_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW
    ) AS revenue_7d_avg
FROM "${database}"."${table}_curated"
GROUP BY sale_date
ORDER BY sale_date
""",
    ("athena", "data_quality"): """\
SELECT 'duplicate transaction_id across files' AS check_name, COUNT(*) AS problems
FROM (
    SELECT transaction_id
    FROM "${database}"."${table}"
    GROUP BY transaction_id
    HAVING COUNT(*) > 1
) AS duplicates
UNION ALL
SELECT 'negative or missing price', COUNT(*)
FROM "${database}"."${table}"
WHERE price IS NULL OR price < 0
UNION ALL
SELECT 'quantity below 1', COUNT(*)
FROM "${database}"."${table}"
WHERE quantity < 1
UNION ALL
SELECT 'rows without lineage', COUNT(*)
FROM "${database}"."${table}"
WHERE source_key IS NULL OR ingested_at IS NULL
UNION ALL
SELECT 'sale date in the future', COUNT(*)
FROM "${database}"."${table}"
WHERE sale_date > current_date
""",
    ("athena", "revenue_by_genre"): """\
SELECT
    genre,
    COUNT(*) AS sales,
    SUM(quantity) AS copies,
    SUM(price * quantity) AS revenue,
    ROUND(AVG(price), 2) AS avg_price
FROM "${database}"."${table}_curated"
GROUP BY genre
ORDER BY revenue DESC
""",
    ("athena", "top_titles"): """\
SELECT
    title,
    genre,
    SUM(quantity) AS copies,
    SUM(price * quantity) AS revenue
FROM "${database}"."${table}_curated"
GROUP BY title, genre
ORDER BY copies DESC, revenue DESC
LIMIT 10
""",
    ("athena", "price_bands"): """\
SELECT
    CAST(FLOOR(price / 10) * 10 AS INTEGER) AS band_from,
    CAST(FLOOR(price / 10) * 10 + 10 AS INTEGER) AS band_to,
    COUNT(*) AS sales,
    SUM(price * quantity) AS revenue
FROM "${database}"."${table}_curated"
GROUP BY 1, 2
ORDER BY 1
""",
    ("athena", "revenue_by_age_group"): """\
SELECT
    age_group,
    COUNT(*) AS sales,
    SUM(price * quantity) AS revenue,
    ROUND(100.0 * SUM(price * quantity) / SUM(SUM(price * quantity)) OVER (), 1) AS revenue_pct
FROM "${database}"."${table}_curated"
GROUP BY age_group
ORDER BY age_group
""",
    ("redshift", "external_schema"): """\
CREATE EXTERNAL SCHEMA IF NOT EXISTS ${external_schema}
FROM DATA CATALOG
DATABASE '${database}'
IAM_ROLE '${role_arn}'
REGION '${region}';
""",
    ("redshift", "fact_sales"): """\
CREATE SCHEMA IF NOT EXISTS ${schema};

CREATE TABLE IF NOT EXISTS ${schema}.fact_sales (
    transaction_id VARCHAR(9) NOT NULL,
    sale_date DATE NOT NULL,
    sold_at TIMESTAMP,
    title VARCHAR(1024) NOT NULL,
    genre VARCHAR(1024) NOT NULL,
    age_group VARCHAR(3) NOT NULL,
    book_id VARCHAR(7) NOT NULL,
    price DECIMAL(10, 2) NOT NULL,
    quantity INTEGER NOT NULL,
    store_id VARCHAR(1024),
    payment_method VARCHAR(1024),
    source_key VARCHAR(1024) NOT NULL,
    source_version VARCHAR(1024),
    source_row BIGINT,
    ingested_at TIMESTAMP,
    PRIMARY KEY (transaction_id)
)
DISTKEY (book_id)
SORTKEY (sale_date);
""",
    ("redshift", "copy_fact_sales"): """\
CREATE TEMP TABLE stage_sales (
    title VARCHAR(1024),
    price DECIMAL(10, 2),
    age_group VARCHAR(3),
    book_id VARCHAR(7),
    transaction_id VARCHAR(9),
    sold_at TIMESTAMP,
    store_id VARCHAR(1024),
    quantity INTEGER,
    payment_method VARCHAR(1024),
    sale_date DATE,
    source_key VARCHAR(1024),
    source_version VARCHAR(1024),
    source_row BIGINT,
    ingested_at TIMESTAMP,
    load_id VARCHAR(64)
);

COPY stage_sales
FROM 's3://${bucket}/sales/genre=${genre}/'
IAM_ROLE '${role_arn}'
FORMAT AS PARQUET;

CREATE TEMP TABLE stage_committed AS
SELECT
    transaction_id, sale_date, sold_at, title, age_group, book_id, price, quantity,
    store_id, payment_method, source_key, source_version, source_row, ingested_at
FROM (
    SELECT
        s.*,
        ROW_NUMBER() OVER (
            PARTITION BY s.transaction_id
            ORDER BY l.committed_at, s.source_key, s.source_row
        ) AS occurrence
    FROM stage_sales AS s
    JOIN ${external_schema}.${table}_loads AS l
        ON s.source_key = l.source_key AND s.load_id = l.load_id
) AS committed
WHERE occurrence = 1;

DELETE FROM ${schema}.fact_sales
USING stage_committed
WHERE fact_sales.transaction_id = stage_committed.transaction_id;

INSERT INTO ${schema}.fact_sales (
    transaction_id, sale_date, sold_at, title, genre, age_group, book_id, price, quantity,
    store_id, payment_method, source_key, source_version, source_row, ingested_at
)
SELECT
    transaction_id, sale_date, sold_at, title, '${genre}', age_group, book_id, price, quantity,
    store_id, payment_method, source_key, source_version, source_row, ingested_at
FROM stage_committed;

DROP TABLE stage_committed;

DROP TABLE stage_sales;
""",
    ("redshift", "daily_running_total"): """\
SELECT
    sale_date,
    SUM(price * quantity) AS revenue,
    SUM(SUM(price * quantity)) OVER (ORDER BY sale_date ROWS UNBOUNDED PRECEDING) AS running_total,
    SUM(price * quantity) - LAG(SUM(price * quantity)) OVER (ORDER BY sale_date) AS change
FROM ${schema}.fact_sales
GROUP BY sale_date
ORDER BY sale_date;
""",
    ("redshift", "genre_ranking"): """\
SELECT
    genre,
    SUM(price * quantity) AS revenue,
    RANK() OVER (ORDER BY SUM(price * quantity) DESC) AS revenue_rank,
    ROUND(100.0 * SUM(price * quantity) / SUM(SUM(price * quantity)) OVER (), 1) AS revenue_pct
FROM ${schema}.fact_sales
GROUP BY genre
ORDER BY revenue_rank;
""",
    ("redshift", "spectrum_vs_loaded"): """\
SELECT
    lake.genre,
    lake.rows_in_lake,
    NVL(loaded.rows_loaded, 0) AS rows_loaded
FROM (
    SELECT genre, COUNT(*) AS rows_in_lake
    FROM ${external_schema}.${table}
    GROUP BY genre
) AS lake
LEFT JOIN (
    SELECT genre, COUNT(*) AS rows_loaded
    FROM ${schema}.fact_sales
    GROUP BY genre
) AS loaded ON loaded.genre = lake.genre
ORDER BY lake.genre;
""",
    ("redshift", "top_titles_per_genre"): """\
SELECT genre, title, copies, title_rank
FROM (
    SELECT
        genre,
        title,
        SUM(quantity) AS copies,
        ROW_NUMBER() OVER (PARTITION BY genre ORDER BY SUM(quantity) DESC, title) AS title_rank
    FROM ${schema}.fact_sales
    GROUP BY genre, title
) AS ranked
WHERE title_rank <= 3
ORDER BY genre, title_rank;
""",
}


def test_both_loads_stage_the_same_columns_and_share_the_merge():
    for contract in (model.get("bookstore"), model.get("cafe")):
        sql = queries("redshift", contract)
        copy_stage = parsed("redshift", sql["copy_fact_sales"])[0]  # CREATE TEMP TABLE (…)
        spectrum_stage = parsed("redshift", sql["spectrum_fact_sales"])[0]  # … AS SELECT
        copied = [c.name for c in copy_stage.this.expressions]
        selected = [c.alias_or_name for c in spectrum_stage.expression.expressions]
        assert copied == selected == etl_table.file_schema(contract).names
        merge = sql["merge_fact_sales"]
        assert sql["copy_fact_sales"].endswith(merge) and sql["spectrum_fact_sales"].endswith(merge)
        assert "-- @include" not in sql["copy_fact_sales"] + sql["spectrum_fact_sales"]


@pytest.mark.parametrize(
    ("spec", "length"),
    [
        ({"max_length": 7, "pattern": "B[0-9]{6}"}, 7),  # ASCII only: characters are bytes
        ({"max_length": 9, "pattern": "[0-9]{2}-[0-9]{6}"}, 9),
        ({"max_length": 10, "pattern": "\\d{10}"}, 40),  # \d matches other scripts' digits
        ({"max_length": 10, "pattern": "[A-Z].*"}, 40),
        ({"max_length": 10}, 40),
        ({"allowed": ["rot", "grün"]}, 5),
        ({}, 4 * 300),  # the contract's max_field_chars
        ({"max_length": 20000}, 65535),
    ],
)
def test_varchar_lengths_are_bytes_as_redshift_counts(spec, length):
    column = model.column({"name": "x", "type": "string", **spec})
    assert derive.text_length(column, 300) == length
