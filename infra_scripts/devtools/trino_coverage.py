"""Which of Trino's documented functions the local Athena engine runs, measured.

Athena engine version 3 is based on Trino: its functions are Trino's (AWS's "Athena engine
version 3 functions" page sends readers to Trino's documentation). ``DOCUMENTED`` below is
the list of functions Trino documents (``docs/src/main/sphinx/functions/list.md`` and
``list-by-topic.md`` of trinodb/trino, see ``SOURCE``), by topic. Each function gets a
representative call (``PROBES``) with the result Trino gives, and this runs every call
through the local engine (sqlglot translation + DuckDB, as a query execution, results read
back as Athena writes them) with every documented name allowed, then writes:

- ``infra_scripts/localcloud/services/athena/trino_functions.json``: per function its topic,
  status and how — the allow-list ``translate.check_functions`` uses (the single source:
  a call to a name with status "not supported" fails with FUNCTION_NOT_FOUND, as a call to a
  function Trino does not have);
- ``docs/trino-functions.md``: the counts per topic and the table.

A status is:

- ``supported``: the call runs locally and gives Trino's result (sqlglot maps it to DuckDB);
- ``translated``: ``translate.apply_trino_functions`` rewrites it for DuckDB (then as above);
- ``not supported``: DuckDB has no such function, or its function of that name gives another
  result (a silently wrong answer is worse than FUNCTION_NOT_FOUND), or ``KNOWN`` says so.

Run it again after changing the translation or upgrading sqlglot/DuckDB::

    .venv/bin/python -m infra_scripts.devtools.trino_coverage          # rewrite both files
    .venv/bin/python -m infra_scripts.devtools.trino_coverage --check  # exit 1 if stale
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA_FILE = ROOT / "infra_scripts/localcloud/services/athena/trino_functions.json"
DOC_FILE = ROOT / "docs/trino-functions.md"

SOURCE = {
    "repository": "trinodb/trino",
    "paths": [
        "docs/src/main/sphinx/functions/list.md",
        "docs/src/main/sphinx/functions/list-by-topic.md",
    ],
    "commit": "01e94c03cffcd2af44f60f69b6f4217f60ef7358",
    "note": (
        "Trino's development documentation (Trino 47x era); Athena engine version 3 follows "
        "Trino continuously. Operators, CASE, row pattern navigation (first, last, next, "
        "prev, classifier, match_number, permute), table functions (exclude_columns, "
        "sequence) and the Faker connector's random_string are left out; Athena's own "
        "invoker_principal() is added."
    ),
}

# Trino's documented functions by topic (list-by-topic.md; a name listed under several topics
# is under its main one, names list.md has but list-by-topic.md does not are added where the
# topic's page documents them).
DOCUMENTED: dict[str, str] = {
    "Aggregate": """
        any_value approx_distinct approx_most_frequent approx_percentile arbitrary array_agg
        avg bitwise_and_agg bitwise_or_agg bitwise_xor_agg bool_and bool_or checksum corr
        count count_if covar_pop covar_samp every geometric_mean histogram kurtosis listagg
        map_agg map_union max max_by min min_by multimap_agg numeric_histogram regr_intercept
        regr_slope skewness stddev stddev_pop stddev_samp sum var_pop var_samp variance""",
    "Array": """
        all_match any_match array_distinct array_except array_first array_histogram
        array_intersect array_join array_last array_max array_min array_position array_remove
        array_sort array_union arrays_overlap cardinality combinations contains
        contains_sequence dot_product element_at euclidean_distance filter flatten ngrams
        none_match reduce repeat sequence shuffle slice transform trim_array zip zip_with""",
    "Binary": """
        crc32 from_base32 from_base64 from_base64url from_big_endian_32 from_big_endian_64
        from_hex from_ieee754_32 from_ieee754_64 hmac_md5 hmac_sha1 hmac_sha256 hmac_sha512 md5
        murmur3 sha1 sha256 sha512 spooky_hash_v2_32 spooky_hash_v2_64 to_base32 to_base64
        to_base64url to_big_endian_32 to_big_endian_64 to_hex to_ieee754_32 to_ieee754_64
        xxhash64""",
    "Bitwise": """
        bit_count bitwise_and bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift
        bitwise_right_shift_arithmetic bitwise_xor""",
    "Color": "bar color render rgb",
    "Comparison": "greatest least",
    "Conditional": "coalesce if nullif try",
    "Conversion": "cast format format_number parse_data_size try_cast typeof",
    "DataSketches": "theta_sketch_cardinality theta_sketch_union",
    "Date and time": """
        at_timezone current_date current_time current_timestamp current_timezone date
        date_add date_diff date_format date_parse date_trunc day day_of_month day_of_week
        day_of_year dow doy extract format_datetime from_iso8601_date from_iso8601_timestamp
        from_iso8601_timestamp_nanos from_unixtime from_unixtime_nanos hour
        human_readable_seconds last_day_of_month localtime localtimestamp millisecond minute
        month now parse_datetime parse_duration quarter second timezone timezone_hour
        timezone_minute to_iso8601 to_milliseconds to_unixtime week week_of_year
        with_timezone year year_of_week yow""",
    "Geospatial": """
        bing_tile bing_tile_at bing_tile_coordinates bing_tile_polygon bing_tile_quadkey
        bing_tile_zoom_level bing_tiles_around convex_hull_agg from_encoded_polyline
        from_geojson_geometry geometry_collect_agg geometry_from_hadoop_shape
        geometry_invalid_reason geometry_nearest_points geometry_to_bing_tiles geometry_union
        geometry_union_agg great_circle_distance line_interpolate_point
        line_interpolate_points line_locate_point simplify_geometry spatial_partitioning
        spatial_partitions st_area st_asbinary st_asewkb st_asewkt st_astext st_boundary
        st_buffer st_centroid st_collect st_contains st_convexhull st_coorddim st_crosses
        st_difference st_dimension st_disjoint st_distance st_endpoint st_envelope
        st_envelopeaspts st_equals st_exteriorring st_force2d st_force3d st_geometries
        st_geometryfromtext st_geometryn st_geometrytype st_geomfrombinary st_geomfromewkt
        st_geomfromkml st_interiorringn st_interiorrings st_intersection st_intersects
        st_isclosed st_isempty st_isring st_issimple st_isvalid st_length st_linefromtext
        st_linemerge st_linestring st_makeline st_makepolygon st_minimumboundingcircle
        st_multi st_multipoint st_normalize st_numgeometries st_numinteriorring st_numpoints
        st_orientedenvelope st_overlaps st_point st_pointn st_pointonsurface st_points
        st_polygon st_polygonize st_reduceprecision st_relate st_setsrid st_srid
        st_startpoint st_symdifference st_touches st_transform st_union st_voronoipolygons
        st_within st_x st_xmax st_xmin st_y st_ymax st_ymin st_z to_encoded_polyline
        to_geojson_geometry to_geometry to_spherical_geography""",
    "HyperLogLog": "approx_set empty_approx_set merge",
    "JSON": """
        is_json_scalar json json_array json_array_contains json_array_get json_array_length
        json_exists json_extract json_extract_scalar json_format json_object json_parse
        json_query json_scalar json_serialize json_size json_value""",
    "Lambda": "reduce_agg",
    "Machine learning": """
        classify evaluate_classifier_predictions features learn_classifier
        learn_libsvm_classifier learn_libsvm_regressor learn_regressor regress""",
    "Map": """
        map map_concat map_entries map_filter map_from_entries map_keys map_values
        map_zip_with multimap_from_entries transform_keys transform_values""",
    "Math": """
        abs acos asin atan atan2 beta_cdf cbrt ceil ceiling cos cosh cosine_distance
        cosine_similarity degrees e exp floor from_base infinity inverse_beta_cdf
        inverse_normal_cdf is_finite is_infinite is_nan ln log log10 log2 mod nan normal_cdf
        pi pow power radians rand random round sign sin sinh sqrt t_cdf t_pdf tan tanh
        to_base truncate width_bucket wilson_interval_lower wilson_interval_upper""",
    "MongoDB ObjectId": "objectid objectid_timestamp timestamp_objectid",
    "Multiset": "collect element fusion intersection set",
    "Quantile digest": "qdigest_agg value_at_quantile values_at_quantiles",
    "Regular expression": """
        regexp_count regexp_extract regexp_extract_all regexp_like regexp_position
        regexp_replace regexp_split""",
    "Session": "current_catalog current_groups current_schema current_user",
    "Set digest": (
        "hash_counts intersection_cardinality jaccard_index make_set_digest merge_set_digest"
    ),
    "String": """
        chr codepoint concat concat_ws ends_with from_utf8 hamming_distance length
        levenshtein_distance lower lpad ltrim luhn_check normalize overlay position replace
        reverse rpad rtrim soundex split split_part split_to_map split_to_multimap
        starts_with strpos substr substring title_case to_utf8 translate trim upper
        word_stem""",
    "System": "version",
    "T-Digest": "tdigest_agg",
    "Teradata": "char2hexint index to_char to_date to_timestamp",
    "URL": """
        url_decode url_encode url_extract_fragment url_extract_host url_extract_parameter
        url_extract_path url_extract_port url_extract_protocol url_extract_query""",
    "UUID": "uuid",
    "Window": """
        cume_dist dense_rank first_value lag last_value lead nth_value ntile percent_rank
        rank row_number""",
    "Athena": "invoker_principal",
}

# A representative call per function and the value Trino gives, as Athena writes it in the
# result CSV (None: nondeterministic, it only has to run). A probe is a whole query when it
# starts with SELECT or WITH, otherwise a select-list expression. A function without a probe
# is called as ``name(1)``: those are the topics DuckDB has nothing for (geospatial, sketches,
# machine learning...), where any failure means "not supported".
V3 = "FROM (VALUES (1, 2.0E0), (2, 4.0E0), (3, 7.0E0)) AS t(x, y)"
PROBES: dict[str, tuple[str, str | None]] = {
    # Aggregate
    "any_value": ("SELECT any_value(x) FROM (VALUES 5) AS t(x)", "5"),
    "approx_distinct": (f"SELECT approx_distinct(x) {V3}", "3"),
    "approx_most_frequent": (
        "SELECT approx_most_frequent(1, x, 10) FROM (VALUES 'a', 'b', 'a') AS t(x)",
        "{a=2}",
    ),
    "approx_percentile": (f"SELECT approx_percentile(x, 0.5) {V3}", "2"),
    "arbitrary": ("SELECT arbitrary(x) FROM (VALUES 5) AS t(x)", "5"),
    "array_agg": (f"SELECT array_agg(x ORDER BY x) {V3}", "[1, 2, 3]"),
    "avg": (f"SELECT avg(x) {V3}", "2.0"),
    "bitwise_and_agg": ("SELECT bitwise_and_agg(x) FROM (VALUES 19, 25) AS t(x)", "17"),
    "bitwise_or_agg": ("SELECT bitwise_or_agg(x) FROM (VALUES 19, 25) AS t(x)", "27"),
    "bitwise_xor_agg": ("SELECT bitwise_xor_agg(x) FROM (VALUES 19, 25) AS t(x)", "10"),
    "bool_and": ("SELECT bool_and(b) FROM (VALUES true, false) AS t(b)", "false"),
    "bool_or": ("SELECT bool_or(b) FROM (VALUES true, false) AS t(b)", "true"),
    "checksum": (f"SELECT checksum(x) {V3}", "__trino_specific__"),
    "corr": (f"SELECT round(corr(y, x), 6) {V3}", "0.993399"),
    "count": (f"SELECT count(*) {V3}", "3"),
    "count_if": (f"SELECT count_if(x > 1) {V3}", "2"),
    "covar_pop": (f"SELECT round(covar_pop(y, x), 6) {V3}", "1.666667"),
    "covar_samp": (f"SELECT covar_samp(y, x) {V3}", "2.5"),
    "every": ("SELECT every(b) FROM (VALUES true, false) AS t(b)", "false"),
    "geometric_mean": ("SELECT geometric_mean(x) FROM (VALUES 1, 4) AS t(x)", "2.0"),
    "histogram": ("SELECT histogram(x) FROM (VALUES 'a', 'a', 'b') AS t(x)", "{a=2, b=1}"),
    "kurtosis": (
        "SELECT round(kurtosis(x), 6) FROM (VALUES 1.0E0, 2.0E0, 3.0E0, 10.0E0) AS t(x)",
        "3.228",
    ),
    "listagg": (
        "SELECT listagg(v, ',') WITHIN GROUP (ORDER BY v) FROM (VALUES 'a', 'c', 'b') t(v)",
        "a,b,c",
    ),
    "map_agg": ("SELECT map_agg(k, v) FROM (VALUES ('a', 1)) AS t(k, v)", "{a=1}"),
    "map_union": (
        "SELECT map_union(m) FROM (VALUES MAP(ARRAY['a'], ARRAY[1]), MAP(ARRAY['b'], ARRAY[2]))"
        " AS t(m)",
        None,
    ),
    "max": (f"SELECT max(x) {V3}", "3"),
    "max_by": (f"SELECT max_by(x, y) {V3}", "3"),
    "min": (f"SELECT min(x) {V3}", "1"),
    "min_by": (f"SELECT min_by(x, y) {V3}", "1"),
    "multimap_agg": (
        "SELECT multimap_agg(k, v) FROM (VALUES ('a', 1), ('a', 2)) AS t(k, v)",
        "{a=[1, 2]}",
    ),
    "numeric_histogram": (f"SELECT numeric_histogram(2, y) {V3}", None),
    "regr_intercept": (f"SELECT round(regr_intercept(y, x), 6) {V3}", "-0.666667"),
    "regr_slope": (f"SELECT round(regr_slope(y, x), 6) {V3}", "2.5"),
    "skewness": (f"SELECT skewness(y) {V3}", None),
    "stddev": (f"SELECT stddev(x) {V3}", "1.0"),
    "stddev_pop": ("SELECT stddev_pop(x) FROM (VALUES 1, 3) AS t(x)", "1.0"),
    "stddev_samp": (f"SELECT stddev_samp(x) {V3}", "1.0"),
    "sum": (f"SELECT sum(x) {V3}", "6"),
    "var_pop": ("SELECT var_pop(x) FROM (VALUES 1, 3) AS t(x)", "1.0"),
    "var_samp": (f"SELECT var_samp(x) {V3}", "1.0"),
    "variance": (f"SELECT variance(x) {V3}", "1.0"),
    "reduce_agg": (
        f"SELECT reduce_agg(x, 0, (a, b) -> a + b, (a, b) -> a + b) {V3}",
        "6",
    ),
    # Array
    "all_match": ("all_match(ARRAY[1, 2], x -> x > 0)", "true"),
    "any_match": ("any_match(ARRAY[1, 2], x -> x > 1)", "true"),
    "array_distinct": ("array_distinct(ARRAY[1, 2, 2, 3])", "[1, 2, 3]"),
    "array_except": ("array_except(ARRAY[1, 2, 3], ARRAY[2])", "[1, 3]"),
    "array_first": ("array_first(ARRAY[4, 5])", "4"),
    "array_histogram": ("array_histogram(ARRAY[42, 7, 42, NULL])", "{42=2, 7=1}"),
    "array_intersect": ("array_sort(array_intersect(ARRAY[1, 2, 3], ARRAY[3, 2, 5]))", "[2, 3]"),
    "array_join": ("array_join(ARRAY['a', NULL, 'b'], '-')", "a-b"),
    "array_last": ("array_last(ARRAY[4, 5])", "5"),
    "array_max": ("array_max(ARRAY[1, 7, 3])", "7"),
    "array_min": ("array_min(ARRAY[4, 1, 3])", "1"),
    "array_position": ("array_position(ARRAY[5, 6, 7], 7)", "3"),
    "array_remove": ("array_remove(ARRAY[1, 2, 1], 1)", "[2]"),
    "array_sort": ("array_sort(ARRAY[3, NULL, 1])", "[1, 3, NULL]"),
    "array_union": ("array_sort(array_union(ARRAY[1, 2], ARRAY[2, 3]))", "[1, 2, 3]"),
    "arrays_overlap": ("arrays_overlap(ARRAY[1, 2], ARRAY[2, 3])", "true"),
    "cardinality": ("cardinality(ARRAY[1, 2, 3])", "3"),
    "combinations": ("combinations(ARRAY[1, 2, 3], 2)", "[[1, 2], [1, 3], [2, 3]]"),
    "contains": ("contains(ARRAY[1, 2], 2)", "true"),
    "contains_sequence": ("contains_sequence(ARRAY[1, 2, 3, 4], ARRAY[2, 3])", "true"),
    "dot_product": ("dot_product(ARRAY[1.0E0, 2.0E0], ARRAY[3.0E0, 4.0E0])", "11.0"),
    "element_at": ("element_at(ARRAY[4, 5, 6], -1)", "6"),
    "euclidean_distance": (
        "euclidean_distance(ARRAY[1.0E0, 2.0E0], ARRAY[3.0E0, 4.0E0])",
        "2.8284271247461903",
    ),
    "filter": ("filter(ARRAY[5, -6, NULL, 7], x -> x > 0)", "[5, 7]"),
    "flatten": ("flatten(ARRAY[ARRAY[1, 2], ARRAY[3]])", "[1, 2, 3]"),
    "ngrams": ("ngrams(ARRAY[1, 2, 3, 4], 2)", "[[1, 2], [2, 3], [3, 4]]"),
    "none_match": ("none_match(ARRAY[1, 2], x -> x > 5)", "true"),
    "reduce": ("reduce(ARRAY[5, 20, 50], 0, (s, x) -> s + x, s -> s)", "75"),
    "repeat": ("repeat('ab', 3)", "[ab, ab, ab]"),
    "sequence": ("sequence(1, 5, 2)", "[1, 3, 5]"),
    "shuffle": ("cardinality(shuffle(ARRAY[1, 2, 3]))", "3"),
    "slice": ("slice(ARRAY[1, 2, 3, 4], 2, 2)", "[2, 3]"),
    "transform": ("transform(ARRAY[5, 6], x -> x + 1)", "[6, 7]"),
    "trim_array": ("trim_array(ARRAY[1, 2, 3, 4], 1)", "[1, 2, 3]"),
    "zip": ("cardinality(zip(ARRAY[1, 2], ARRAY['a', 'b', 'c']))", "3"),
    "zip_with": ("zip_with(ARRAY[1, 2], ARRAY[3, 4], (x, y) -> x + y)", "[4, 6]"),
    # Binary
    "crc32": ("crc32(to_utf8('abc'))", "891568578"),
    "from_base32": ("from_utf8(from_base32(to_base32(to_utf8('abc'))))", "abc"),
    "from_base64": ("from_utf8(from_base64('YWJj'))", "abc"),
    "from_base64url": ("from_utf8(from_base64url('YWJj'))", "abc"),
    "from_big_endian_32": ("from_big_endian_32(from_hex('00000102'))", "258"),
    "from_big_endian_64": ("from_big_endian_64(from_hex('0000000000000102'))", "258"),
    "from_hex": ("from_utf8(from_hex('616263'))", "abc"),
    "from_ieee754_32": ("from_ieee754_32(from_hex('3F800000'))", "1.0"),
    "from_ieee754_64": ("from_ieee754_64(from_hex('3FF0000000000000'))", "1.0"),
    "hmac_md5": ("to_hex(hmac_md5(to_utf8('abc'), to_utf8('key')))", None),
    "hmac_sha1": ("to_hex(hmac_sha1(to_utf8('abc'), to_utf8('key')))", None),
    "hmac_sha256": ("to_hex(hmac_sha256(to_utf8('abc'), to_utf8('key')))", None),
    "hmac_sha512": ("to_hex(hmac_sha512(to_utf8('abc'), to_utf8('key')))", None),
    "md5": ("to_hex(md5(to_utf8('abc')))", "900150983CD24FB0D6963F7D28E17F72"),
    "murmur3": ("to_hex(murmur3(to_utf8('abc')))", None),
    "sha1": ("to_hex(sha1(to_utf8('abc')))", "A9993E364706816ABA3E25717850C26C9CD0D89D"),
    "sha256": (
        "to_hex(sha256(to_utf8('abc')))",
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
    ),
    "sha512": ("length(to_hex(sha512(to_utf8('abc'))))", "128"),
    "spooky_hash_v2_32": ("to_hex(spooky_hash_v2_32(to_utf8('abc')))", None),
    "spooky_hash_v2_64": ("to_hex(spooky_hash_v2_64(to_utf8('abc')))", None),
    "to_base32": ("to_base32(to_utf8('abc'))", "MFRGG==="),
    "to_base64": ("to_base64(to_utf8('abc'))", "YWJj"),
    "to_base64url": ("to_base64url(to_utf8('ab?'))", "YWI_"),
    "to_big_endian_32": ("to_hex(to_big_endian_32(258))", "00000102"),
    "to_big_endian_64": ("to_hex(to_big_endian_64(258))", "0000000000000102"),
    "to_hex": ("to_hex(to_utf8('abc'))", "616263"),
    "to_ieee754_32": ("to_hex(to_ieee754_32(REAL '1.0'))", "3F800000"),
    "to_ieee754_64": ("to_hex(to_ieee754_64(1.0E0))", "3FF0000000000000"),
    "xxhash64": ("to_hex(xxhash64(to_utf8('abc')))", None),
    # Bitwise
    "bit_count": ("bit_count(9, 64)", "2"),
    "bitwise_and": ("bitwise_and(19, 25)", "17"),
    "bitwise_left_shift": ("bitwise_left_shift(5, 2)", "20"),
    "bitwise_not": ("bitwise_not(19)", "-20"),
    "bitwise_or": ("bitwise_or(19, 25)", "27"),
    "bitwise_right_shift": ("bitwise_right_shift(9, 1)", "4"),
    "bitwise_right_shift_arithmetic": ("bitwise_right_shift_arithmetic(-45, 64)", "-1"),
    "bitwise_xor": ("bitwise_xor(19, 25)", "10"),
    # Color
    "bar": ("bar(0.5, 10)", None),
    "color": ("color('red')", None),
    "render": ("render(true)", None),
    "rgb": ("rgb(255, 0, 0)", None),
    # Comparison, conditional, conversion
    "greatest": ("greatest(1, 5, 3)", "5"),
    "least": ("least(4, 2, 3)", "2"),
    "coalesce": ("coalesce(NULL, 2, 3)", "2"),
    "if": ("if(1 > 0, 'yes', 'no')", "yes"),
    "nullif": ("nullif(1, 1)", "NULL"),
    "try": ("try(1 / 0)", "NULL"),
    "cast": ("cast('12' AS integer) + 1", "13"),
    "format": ("format('%03d', 8)", "008"),
    "format_number": ("format_number(123456)", "123K"),
    "parse_data_size": ("parse_data_size('1kB')", "1024"),
    "try_cast": ("try_cast('x' AS integer)", "NULL"),
    "typeof": ("typeof('cat')", "varchar(3)"),
    # Date and time
    "at_timezone": (
        "at_timezone(TIMESTAMP '2022-11-01 09:08:07.321 UTC', 'America/Los_Angeles')",
        "2022-11-01 02:08:07.321 America/Los_Angeles",
    ),
    "current_date": ("current_date", None),
    "current_time": ("current_time", None),
    "current_timestamp": ("current_timestamp", None),
    "current_timezone": ("current_timezone()", None),
    "date": ("date('2020-05-11')", "2020-05-11"),
    "date_add": ("date_add('month', 1, DATE '2025-01-31')", "2025-02-28"),
    "date_diff": ("date_diff('day', DATE '2020-03-01', DATE '2020-03-02')", "1"),
    "date_format": (
        "date_format(TIMESTAMP '2022-10-20 05:10:00', '%m-%d-%Y %H')",
        "10-20-2022 05",
    ),
    "date_parse": ("date_parse('2022/10/20/05', '%Y/%m/%d/%H')", "2022-10-20 05:00:00.000"),
    "date_trunc": (
        "date_trunc('month', TIMESTAMP '2022-10-20 05:10:00')",
        "2022-10-01 00:00:00.000",
    ),
    "day": ("day(DATE '2020-05-11')", "11"),
    "day_of_month": ("day_of_month(DATE '2020-05-11')", "11"),
    "day_of_week": ("day_of_week(DATE '2020-05-10')", "7"),
    "day_of_year": ("day_of_year(DATE '2020-02-01')", "32"),
    "dow": ("dow(DATE '2020-05-10')", "7"),
    "doy": ("doy(DATE '2020-02-01')", "32"),
    "extract": ("extract(YEAR FROM TIMESTAMP '2022-10-20 05:10:00')", "2022"),
    "format_datetime": (
        "format_datetime(TIMESTAMP '2020-05-11 13:05:00', 'yyyy-MM-dd HH:mm')",
        "2020-05-11 13:05",
    ),
    "from_iso8601_date": ("from_iso8601_date('2020-05-11')", "2020-05-11"),
    "from_iso8601_timestamp": (
        "from_iso8601_timestamp('2020-05-11T11:15:05.055Z')",
        "2020-05-11 11:15:05.055 UTC",
    ),
    "from_iso8601_timestamp_nanos": (
        "from_iso8601_timestamp_nanos('2020-05-11T11:15:05.123456789+01:00')",
        "2020-05-11 11:15:05.123456789 +01:00",
    ),
    "from_unixtime": ("from_unixtime(0)", "1970-01-01 00:00:00.000 UTC"),
    "from_unixtime_nanos": ("from_unixtime_nanos(100)", "1970-01-01 00:00:00.000000100 UTC"),
    "hour": ("hour(TIMESTAMP '2020-05-11 13:05:00')", "13"),
    "human_readable_seconds": ("human_readable_seconds(96)", "1 minute, 36 seconds"),
    "last_day_of_month": ("last_day_of_month(DATE '2020-02-10')", "2020-02-29"),
    "localtime": ("localtime", None),
    "localtimestamp": ("localtimestamp", None),
    "millisecond": ("millisecond(TIMESTAMP '2020-05-11 13:05:00.123')", "123"),
    "minute": ("minute(TIMESTAMP '2020-05-11 13:05:00')", "5"),
    "month": ("month(DATE '2020-05-11')", "5"),
    "now": ("now()", None),
    "parse_datetime": (
        "parse_datetime('2020-05-11 13:05', 'yyyy-MM-dd HH:mm')",
        "2020-05-11 13:05:00.000 UTC",
    ),
    "parse_duration": ("parse_duration('5m')", "0 00:05:00.000"),
    "quarter": ("quarter(DATE '2020-05-11')", "2"),
    "second": ("second(TIMESTAMP '2020-05-11 13:05:07')", "7"),
    "timezone": ("timezone(TIMESTAMP '2024-01-01 12:00:00 Asia/Tokyo')", "Asia/Tokyo"),
    "timezone_hour": ("timezone_hour(TIMESTAMP '2020-05-11 13:05:00 UTC')", "0"),
    "timezone_minute": ("timezone_minute(TIMESTAMP '2020-05-11 13:05:00 UTC')", "0"),
    "to_iso8601": ("to_iso8601(DATE '2020-05-11')", "2020-05-11"),
    "to_milliseconds": ("to_milliseconds(INTERVAL '1' SECOND)", "1000"),
    "to_unixtime": ("to_unixtime(TIMESTAMP '1970-01-01 00:01:00 UTC')", "60.0"),
    "week": ("week(DATE '2020-01-01')", "1"),
    "week_of_year": ("week_of_year(DATE '2020-01-01')", "1"),
    "with_timezone": (
        "with_timezone(TIMESTAMP '2022-11-01 09:08:07.321', 'America/Los_Angeles')",
        "2022-11-01 09:08:07.321 America/Los_Angeles",
    ),
    "year": ("year(DATE '2020-05-11')", "2020"),
    "year_of_week": ("year_of_week(DATE '2021-01-01')", "2020"),
    "yow": ("yow(DATE '2021-01-01')", "2020"),
    # HyperLogLog, sketches
    "approx_set": (f"SELECT cardinality(approx_set(x)) {V3}", "3"),
    "empty_approx_set": ("cardinality(empty_approx_set())", "0"),
    "merge": (f"SELECT cardinality(merge(s)) FROM (SELECT approx_set(x) AS s {V3})", "3"),
    "qdigest_agg": (f"SELECT value_at_quantile(qdigest_agg(x), 0.5) {V3}", "2"),
    "value_at_quantile": (f"SELECT value_at_quantile(qdigest_agg(x), 0.5) {V3}", "2"),
    "values_at_quantiles": (
        f"SELECT values_at_quantiles(qdigest_agg(x), ARRAY[0.5]) {V3}",
        "[2]",
    ),
    "tdigest_agg": (f"SELECT value_at_quantile(tdigest_agg(y), 0.5) {V3}", None),
    # JSON
    "is_json_scalar": ("is_json_scalar('[1, 2, 3]')", "false"),
    "json": ("SELECT json('[1, 2]')", "[1,2]"),
    "json_array": ("json_array(1, true, 'a')", '[1,true,"a"]'),
    "json_array_contains": ("json_array_contains('[1, 2, 3]', 2)", "true"),
    "json_array_get": ('json_array_get(\'["a", [3, 9], "c"]\', 1)', "[3,9]"),
    "json_array_length": ("json_array_length('[1, 2, 3]')", "3"),
    "json_exists": ("json_exists('{\"a\": [1]}', 'lax $.a[0]')", "true"),
    "json_extract": ("json_extract('{\"a\": {\"b\": 1}}', '$.a')", '{"b":1}'),
    "json_extract_scalar": ("json_extract_scalar('[1, 2, 3]', '$[2]')", "3"),
    "json_format": ("json_format(JSON '[1, 2, 3]')", "[1,2,3]"),
    "json_object": ("json_object('x' : 1)", '{"x":1}'),
    "json_parse": ("json_parse('[1, 2, 3]')", "[1,2,3]"),
    "json_query": ("json_query('{\"a\": [10, 13]}', 'lax $.a')", "[10,13]"),
    "json_scalar": ("json_scalar(1)", None),
    "json_serialize": ("json_serialize(JSON '[1, 2]')", "[1,2]"),
    "json_size": ("json_size('{\"x\": [1, 2, 3]}', '$.x')", "3"),
    "json_value": ("json_value('{\"a\": \"nice\"}', 'lax $.a')", "nice"),
    # Map
    "map": ("map(ARRAY[1, 3], ARRAY[2, 4])", "{1=2, 3=4}"),
    "map_concat": ("map_concat(MAP(ARRAY['a'], ARRAY[1]), MAP(ARRAY['a'], ARRAY[2]))", "{a=2}"),
    "map_entries": ("cardinality(map_entries(MAP(ARRAY[1, 2], ARRAY['x', 'y'])))", "2"),
    "map_filter": (
        "map_filter(MAP(ARRAY['k1', 'k2'], ARRAY[20, 3]), (k, v) -> v > 10)",
        "{k1=20}",
    ),
    "map_from_entries": ("map_from_entries(ARRAY[(1, 'x'), (2, 'y')])", "{1=x, 2=y}"),
    "map_keys": ("map_keys(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))", "[a, b]"),
    "map_values": ("map_values(MAP(ARRAY['a', 'b'], ARRAY[1, 2]))", "[1, 2]"),
    "map_zip_with": (
        "map_zip_with(MAP(ARRAY[1], ARRAY['a']), MAP(ARRAY[1], ARRAY['d']),"
        " (k, v1, v2) -> concat(v1, v2))",
        "{1=ad}",
    ),
    "multimap_from_entries": (
        "multimap_from_entries(ARRAY[(1, 'x'), (2, 'y'), (1, 'z')])",
        "{1=[x, z], 2=[y]}",
    ),
    "transform_keys": (
        "transform_keys(MAP(ARRAY[1, 2], ARRAY['a', 'b']), (k, v) -> k + 1)",
        "{2=a, 3=b}",
    ),
    "transform_values": (
        "transform_values(MAP(ARRAY[1, 2], ARRAY[10, 20]), (k, v) -> v + k)",
        "{1=11, 2=22}",
    ),
    # Math
    "abs": ("abs(-5)", "5"),
    "acos": ("acos(1)", "0.0"),
    "asin": ("asin(0)", "0.0"),
    "atan": ("atan(0)", "0.0"),
    "atan2": ("atan2(0, 1)", "0.0"),
    "beta_cdf": ("beta_cdf(1, 1, 0.5)", "0.5"),
    "cbrt": ("round(cbrt(27), 6)", "3.0"),
    "ceil": ("ceil(1.2E0)", "2.0"),
    "ceiling": ("ceiling(1.2E0)", "2.0"),
    "cos": ("cos(0)", "1.0"),
    "cosh": ("cosh(0)", "1.0"),
    "cosine_distance": (
        "cosine_distance(ARRAY[1.0E0, 2.0E0], ARRAY[3.0E0, 4.0E0])",
        "0.01613008990009257",
    ),
    "cosine_similarity": (
        "cosine_similarity(ARRAY[1.0E0, 2.0E0], ARRAY[3.0E0, 4.0E0])",
        "0.9838699100999074",
    ),
    "degrees": ("degrees(0)", "0.0"),
    "e": ("e()", "2.718281828459045"),
    "exp": ("exp(0)", "1.0"),
    "floor": ("floor(1.8E0)", "1.0"),
    "from_base": ("from_base('ff', 16)", "255"),
    "infinity": ("infinity() > 1.0E308", "true"),
    "inverse_beta_cdf": ("inverse_beta_cdf(1, 1, 0.5)", "0.5"),
    "inverse_normal_cdf": ("inverse_normal_cdf(0, 1, 0.5)", "0.0"),
    "is_finite": ("is_finite(1.0E0)", "true"),
    "is_infinite": ("is_infinite(-infinity())", "true"),
    "is_nan": ("is_nan(nan())", "true"),
    "ln": ("ln(1)", "0.0"),
    "log": ("log(2, 8)", "3.0"),
    "log10": ("log10(100)", "2.0"),
    "log2": ("log2(8)", "3.0"),
    "mod": ("mod(-7, 3)", "-1"),
    "nan": ("is_nan(nan())", "true"),
    "normal_cdf": ("normal_cdf(0, 1, 0)", "0.5"),
    "pi": ("pi()", "3.141592653589793"),
    "pow": ("pow(2, 10)", "1024.0"),
    "power": ("power(2, 10)", "1024.0"),
    "radians": ("radians(0)", "0.0"),
    "rand": ("rand() < 1", "true"),
    "random": ("random(1) + random(5, 6)", "5"),
    "round": ("round(2.5E0)", "3.0"),
    "sign": ("sign(-3)", "-1"),
    "sin": ("sin(0)", "0.0"),
    "sinh": ("sinh(0)", "0.0"),
    "sqrt": ("sqrt(16)", "4.0"),
    "t_cdf": ("t_cdf(0, 5)", "0.5"),
    "t_pdf": ("t_pdf(0, 1)", "0.3183098861837907"),
    "tan": ("tan(0)", "0.0"),
    "tanh": ("tanh(0)", "0.0"),
    "to_base": ("to_base(255, 16)", "ff"),
    "truncate": ("truncate(-1.7E0)", "-1.0"),
    "width_bucket": ("width_bucket(5.5E0, 0, 10, 10)", "6"),
    "wilson_interval_lower": ("wilson_interval_lower(5, 10, 1.96)", "0.2365931234033014"),
    "wilson_interval_upper": ("wilson_interval_upper(5, 10, 1.96)", "0.7634068765966986"),
    # Multiset
    "collect": (f"SELECT cardinality(collect(x)) {V3}", "3"),
    "element": ("element(ARRAY[1])", "1"),
    "set": ("set(ARRAY[1, 1])", None),
    # Regular expressions
    "regexp_count": ("regexp_count('1a 2b 14m', '\\s*[a-z]+\\s*')", "3"),
    "regexp_extract": ("regexp_extract('1a 2b 14m', '(\\d+)([a-z]+)', 2)", "a"),
    "regexp_extract_all": ("regexp_extract_all('1a 2b 14m', '\\d+')", "[1, 2, 14]"),
    "regexp_like": ("regexp_like('1a 2b 14m', '\\d+b')", "true"),
    "regexp_position": ("regexp_position('I have 23 apples', '\\b\\d+\\b')", "8"),
    "regexp_replace": ("regexp_replace('1a 2b 14m', '(\\d+)([ab]) ', '3c$2 ')", "3ca 3cb 14m"),
    "regexp_split": (
        "array_join(regexp_split('1a 2b 14m', '\\s*[a-z]+\\s*'), '|')",
        "1|2|14|",
    ),
    # Session, system
    "current_catalog": ("current_catalog", "awsdatacatalog"),
    "current_groups": ("current_groups()", None),
    "current_schema": ("current_schema", None),
    "current_user": ("current_user", None),
    "version": ("version()", None),
    # String
    "chr": ("chr(65)", "A"),
    "codepoint": ("codepoint('A')", "65"),
    "concat": ("concat('a', 'b', 'c')", "abc"),
    "concat_ws": ("concat_ws(',', 'a', NULL, 'b')", "a,b"),
    "ends_with": ("ends_with('abc', 'bc')", "true"),
    "from_utf8": ("from_utf8(to_utf8('abc'))", "abc"),
    "hamming_distance": ("hamming_distance('abc', 'abd')", "1"),
    "length": ("length('abc')", "3"),
    "levenshtein_distance": ("levenshtein_distance('kitten', 'sitting')", "3"),
    "lower": ("lower('ABC')", "abc"),
    "lpad": ("lpad('ab', 4, 'x')", "xxab"),
    "ltrim": ("ltrim('  ab')", "ab"),
    "luhn_check": ("luhn_check('79927398713')", "true"),
    "normalize": ("normalize('abc')", "abc"),
    "overlay": ("overlay('Txxxxas' PLACING 'hom' FROM 2 FOR 4)", "Thomas"),
    "position": ("position('b' IN 'abc')", "2"),
    "replace": ("replace('abcb', 'b')", "ac"),
    "reverse": ("reverse('abc')", "cba"),
    "rpad": ("rpad('ab', 4, 'x')", "abxx"),
    "rtrim": ("rtrim('ab  ')", "ab"),
    "soundex": ("soundex('CHINA')", "C500"),
    "split": ("split('a,b,c', ',')", "[a, b, c]"),
    "split_part": ("split_part('a,b,c', ',', 2)", "b"),
    "split_to_map": ("split_to_map('a=1,b=2', ',', '=')", "{a=1, b=2}"),
    "split_to_multimap": ("split_to_multimap('a=1,a=2', ',', '=')", "{a=[1, 2]}"),
    "starts_with": ("starts_with('abc', 'ab')", "true"),
    "strpos": ("strpos('abcb', 'b')", "2"),
    "substr": ("substr('abcde', 2, 3)", "bcd"),
    "substring": ("substring('abcde', -2)", "de"),
    "title_case": ("title_case('hello world')", "Hello World"),
    "to_utf8": ("to_hex(to_utf8('a'))", "61"),
    "translate": ("translate('abcd', 'ac', 'z')", "zbd"),
    "trim": ("trim(BOTH '$' FROM '$var$')", "var"),
    "upper": ("upper('abc')", "ABC"),
    "word_stem": ("word_stem('running')", "run"),
    # Teradata
    "char2hexint": ("char2hexint('A')", None),
    "index": ("index('abc', 'c')", "3"),
    "to_char": ("to_char(TIMESTAMP '2020-05-11 13:05:00', 'yyyy-mm-dd')", "2020-05-11"),
    "to_date": ("to_date('2020-05-11', 'yyyy-mm-dd')", "2020-05-11"),
    "to_timestamp": (
        "to_timestamp('2020-05-11 13:05', 'yyyy-mm-dd hh24:mi')",
        "2020-05-11 13:05:00.000",
    ),
    # URL
    "url_decode": ("url_decode('a+b%2Fc')", "a b/c"),
    "url_encode": ("url_encode('a b/c')", "a+b%2Fc"),
    "url_extract_fragment": ("url_extract_fragment('http://h.com/p?q=1#frag')", "frag"),
    "url_extract_host": ("url_extract_host('http://h.com:8080/p?q=1')", "h.com"),
    "url_extract_parameter": ("url_extract_parameter('http://h.com/p?q=1&r=2', 'r')", "2"),
    "url_extract_path": ("url_extract_path('http://h.com/p/x?q=1')", "/p/x"),
    "url_extract_port": ("url_extract_port('http://h.com:8080/p')", "8080"),
    "url_extract_protocol": ("url_extract_protocol('https://127.0.0.1:8080/req_path')", "https"),
    "url_extract_query": ("url_extract_query('http://h.com/p?q=1&r=2')", "q=1&r=2"),
    "st_point": ("ST_Point(1, 2)", None),
    "st_distance": ("ST_Distance(ST_Point(1, 2), ST_Point(1, 3))", None),
    "uuid": ("length(CAST(uuid() AS varchar))", "36"),
    # Window
    "cume_dist": (f"SELECT cume_dist() OVER (ORDER BY x) {V3} ORDER BY x LIMIT 1", None),
    "dense_rank": (f"SELECT dense_rank() OVER (ORDER BY x) {V3} ORDER BY x LIMIT 1", "1"),
    "first_value": (
        f"SELECT first_value(x) OVER (ORDER BY x DESC) {V3} ORDER BY x LIMIT 1",
        "3",
    ),
    "lag": (f"SELECT lag(x) OVER (ORDER BY x) {V3} ORDER BY x DESC LIMIT 1", "2"),
    "last_value": (
        f"SELECT last_value(x) OVER (ORDER BY x ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED"
        f" FOLLOWING) {V3} ORDER BY x LIMIT 1",
        "3",
    ),
    "lead": (f"SELECT lead(x) OVER (ORDER BY x) {V3} ORDER BY x LIMIT 1", "2"),
    "nth_value": (
        f"SELECT nth_value(x, 2) OVER (ORDER BY x) {V3} ORDER BY x DESC LIMIT 1",
        "2",
    ),
    "ntile": (f"SELECT ntile(2) OVER (ORDER BY x) {V3} ORDER BY x DESC LIMIT 1", "2"),
    "percent_rank": (
        f"SELECT percent_rank() OVER (ORDER BY x) {V3} ORDER BY x DESC LIMIT 1",
        "1.0",
    ),
    "rank": (f"SELECT rank() OVER (ORDER BY x) {V3} ORDER BY x DESC LIMIT 1", "3"),
    "row_number": (
        f"SELECT row_number() OVER (ORDER BY x) {V3} ORDER BY x DESC LIMIT 1",
        "3",
    ),
}

# Functions apply_trino_functions rewrites for DuckDB (status "translated"), with how.
TRANSLATED: dict[str, str] = {
    "format_datetime": "Joda pattern → DuckDB strftime (constant patterns)",
    "parse_datetime": "Joda pattern → DuckDB strptime, as a timestamp with time zone",
    "typeof": "DuckDB typeof, its type names rewritten as Trino's (varchar(3), array(integer))",
    "date_add": "of a DATE by day…year stays a DATE, end of month clamped (as Trino)",
    "format": "Java Formatter → DuckDB format (%s %d %f %x %e, flags -+0 and ',', width, "
    "precision, %n$; not %t/%b/%c)",
    "regexp_replace": "Java replacement ($1, \\$) → RE2 (\\1); not ${name}, not a lambda",
    "sha1": "DuckDB sha1 gives hex text: unhex(sha1(x))",
    "repeat": "DuckDB repeat of a one-element list",
    "slice": "DuckDB list_slice(x, start, start + length - 1)",
    "trim_array": "DuckDB list_slice(x, 1, len(x) - n)",
    "to_base": "lower(DuckDB to_base) (Trino writes lower-case digits)",
    "every": "DuckDB bool_and",
    "codepoint": "DuckDB unicode",
    "hamming_distance": "DuckDB hamming",
    "yow": "DuckDB isoyear",
    "is_finite": "DuckDB isfinite",
    "is_infinite": "DuckDB isinf",
    "is_nan": "DuckDB isnan",
    "e": "exp(1)",
    "infinity": "CAST('Infinity' AS DOUBLE)",
    "nan": "CAST('NaN' AS DOUBLE)",
    "json_value": "lax path → DuckDB json_value, unquoted (json_extract_string)",
    "json_query": "lax path → DuckDB json_extract (->)",
    "json_exists": "lax path → DuckDB json_exists",
    "random": "random(n) / random(m, n): floor(DuckDB random() * (n - m)) + m",
    "reduce": "DuckDB list_reduce; only with an identity output function (s -> s)",
}

# What a probe cannot show: functions that run locally but differ from Trino on other
# inputs, and functions Athena itself does not offer. status None keeps the measured one.
KNOWN: dict[str, tuple[str | None, str]] = {
    "invoker_principal": ("not supported", "Athena-only (Lake Formation principal)"),
    "checksum": ("not supported", "Trino's xxhash64-based checksum has no local equivalent"),
    "approx_distinct": (None, "DuckDB's HyperLogLog: estimates differ from Trino's"),
    "approx_percentile": (None, "DuckDB's t-digest: estimates differ from Trino's"),
    "skewness": (None, "not compared with Trino (sample vs population formula unverified)"),
    "strpos": (None, "not with an instance argument (refused: NOT_SUPPORTED)"),
    "split": (None, "not with a limit (refused: NOT_SUPPORTED)"),
    "from_iso8601_timestamp": (None, "a zone offset in the text becomes UTC (same instant)"),
    "regexp_split": (None, "an empty element is written '' in arrays (Trino: nothing)"),
    "infinity": (None, "the results file writes inf (Trino: Infinity)"),
    "nan": (None, "the results file writes nan (Trino: NaN)"),
    "json_value": (None, "lax paths only; no RETURNING / ON EMPTY / ON ERROR"),
    "json_query": (None, "lax paths only; no wrapper / quotes / ON EMPTY / ON ERROR clauses"),
    "json_exists": (None, "lax paths only"),
    "current_schema": ("not supported", "DuckDB's gives main (Athena: the query's database)"),
    "current_user": ("not supported", "DuckDB's gives duckdb (Athena: the caller)"),
    "version": ("not supported", "DuckDB's gives DuckDB's version"),
    "from_iso8601_date": (None, "calendar dates only (not 2020-W10, 2020-123)"),
    "cast": (None, "CAST(json AS VARCHAR) of an array or object gives its text (Trino fails)"),
    "array_sort": (None, "not with a comparator lambda (refused: NOT_SUPPORTED)"),
    "cbrt": (None, "may differ from Trino in the last digit (3.0000000000000004)"),
}


def _probe_sql(name: str) -> tuple[str, str | None]:
    sql, expected = PROBES.get(name, (f"{name}(1)", None))
    if not re.match(r"\s*(SELECT|WITH)\s", sql, re.IGNORECASE):
        sql = f"SELECT {sql}"
    return sql, expected


def documented() -> list[tuple[str, str]]:
    """(topic, name) for every documented function, sorted by name."""
    pairs = [(topic, name) for topic, names in DOCUMENTED.items() for name in names.split()]
    return sorted(pairs, key=lambda pair: pair[1])


@contextlib.contextmanager
def engine_runner() -> Iterator[Any]:
    """A function running one Trino query through a local AthenaEngine: (ok, text)."""
    import boto3
    from moto import mock_aws

    from infra_scripts.localcloud.services.athena.engine import AthenaEngine

    with mock_aws(), tempfile.TemporaryDirectory() as tmp:
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="results")
        engine = AthenaEngine(Path(tmp))

        def run(sql: str) -> tuple[bool, str]:
            execution = engine.new_execution(
                query=sql,
                account_id="123456789012",
                region="us-east-1",
                workgroup=None,
                context={},
                result_prefix="s3://results/out",
                result_configuration={},
                cutoff_bytes=None,
                parameters=None,
            )
            engine._run(execution)
            if execution.state != "SUCCEEDED":
                return False, str(execution.reason)
            _, rows, _ = engine.page(execution, 0, 10)
            value = rows[1][0] if len(rows) > 1 and rows[1] else None
            return True, "NULL" if value is None else str(value)

        yield run


@contextlib.contextmanager
def _every_name_allowed(names: set[str]) -> Iterator[None]:
    from infra_scripts.localcloud.services.athena import translate

    saved = translate.TRINO_FUNCTIONS, translate.NOT_SUPPORTED_CLASSES
    translate.TRINO_FUNCTIONS = frozenset(names)
    translate.NOT_SUPPORTED_CLASSES = {}
    try:
        yield
    finally:
        translate.TRINO_FUNCTIONS, translate.NOT_SUPPORTED_CLASSES = saved


def _call_node(name: str, sql: str) -> Any:
    """The parsed call to ``name`` in ``sql`` (sqlglot keeps where its name was written)."""
    from sqlglot import exp

    from infra_scripts.localcloud.services.athena.translate import parse_statement

    try:
        tree = parse_statement(sql)
    except Exception:
        return None
    for node in tree.find_all(exp.Func):
        start, end = node.meta.get("start"), node.meta.get("end")
        if isinstance(start, int) and isinstance(end, int) and sql[start : end + 1].lower() == name:
            return node
    # some calls sqlglot parses specially keep no position: the probe's outermost call
    select = tree if isinstance(tree, exp.Select) else None
    first = select.expressions[0] if select is not None and select.expressions else None
    if isinstance(first, exp.Func) and re.match(rf"SELECT\s+{name}\b", sql, re.IGNORECASE):
        return first
    return None


def _sqlglot_class(name: str, sql: str) -> str | None:
    """The sqlglot expression class a call to ``name`` parses into (None: anonymous)."""
    from sqlglot import exp

    node = _call_node(name, sql)
    return None if node is None or isinstance(node, exp.Anonymous) else type(node).__name__


def _duckdb_name(name: str, sql: str) -> str | None:
    node = _call_node(name, sql)
    if node is None:
        return None
    called = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", node.sql("duckdb"))
    return called.group(1).lower() if called else "expression"


def _short(error: str) -> str:
    error = " ".join(error.split())
    return error if len(error) <= 110 else error[:107] + "..."


def measure() -> list[dict[str, Any]]:
    """Run every probe; one entry per documented function."""
    pairs = documented()
    entries = []
    with _every_name_allowed({name for _, name in pairs}), engine_runner() as run:
        for topic, name in pairs:
            sql, expected = _probe_sql(name)
            ok, text = run(sql)
            entry: dict[str, Any] = {"name": name, "topic": topic}
            if not ok:
                entry["status"] = "not supported"
                missing = "does not exist" in text or "FUNCTION_NOT_FOUND" in text
                entry["how"] = "no DuckDB equivalent" if missing else f"fails: {_short(text)}"
            elif expected is not None and text != expected:
                entry["status"] = "not supported"
                entry["how"] = f"differs: {sql[7:]} gives {text!r}, Trino {expected!r}"
            elif name in TRANSLATED:
                entry["status"] = "translated"
                entry["how"] = TRANSLATED[name]
            else:
                entry["status"] = "supported"
                duck = _duckdb_name(name, sql)
                if duck == "expression":
                    entry["how"] = "sqlglot writes a DuckDB expression"
                else:
                    entry["how"] = f"DuckDB {duck}" if duck and duck != name else "same in DuckDB"
            status, note = KNOWN.get(name, (None, ""))
            if status is not None:
                entry["status"] = status
            if note:
                entry["how"] = note if status else f"{entry['how']}; {note}"
            entry["probe"] = sql
            cls = _sqlglot_class(name, sql)
            if cls:
                entry["sqlglot"] = cls
            entries.append(entry)
    return entries


def markdown(entries: list[dict[str, Any]]) -> str:
    statuses = ("supported", "translated", "not supported")
    topics = sorted({e["topic"] for e in entries})
    lines = [
        "# Trino functions in the local Athena engine",
        "",
        "Athena engine version 3 runs Trino's functions; the local engine translates Trino SQL",
        "with sqlglot and runs it on DuckDB. This table is measured, not written by hand:",
        "`python -m infra_scripts.devtools.trino_coverage` calls every function Trino documents",
        f"({SOURCE['repository']} `{SOURCE['paths'][0]}`, commit `{SOURCE['commit'][:12]}`)",
        "through the local engine and compares the result with Trino's. **supported**: runs",
        "with Trino's result; **translated**: rewritten for DuckDB by",
        "`translate.apply_trino_functions`; **not supported**: fails with",
        "`FUNCTION_NOT_FOUND` locally (DuckDB lacks it or its function of that name differs).",
        "The data is `infra_scripts/localcloud/services/athena/trino_functions.json`, the",
        "allow-list the engine uses. A probe is one call: a supported function can still differ",
        "from Trino on other inputs (see how).",
        "",
        "| Topic | supported | translated | not supported |",
        "| --- | ---: | ---: | ---: |",
    ]
    for topic in topics:
        counts = [sum(e["topic"] == topic and e["status"] == s for e in entries) for s in statuses]
        lines.append(f"| {topic} | " + " | ".join(map(str, counts)) + " |")
    totals = [sum(e["status"] == s for e in entries) for s in statuses]
    lines.append("| **all** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    lines += ["", "| Function | Topic | Status | How |", "| --- | --- | --- | --- |"]
    for e in entries:
        how = e["how"].replace("|", "\\|")
        lines.append(f"| `{e['name']}` | {e['topic']} | {e['status']} | {how} |")
    return "\n".join(lines) + "\n"


def data(entries: list[dict[str, Any]]) -> str:
    return json.dumps({"source": SOURCE, "functions": entries}, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    entries = measure()
    outputs = {DATA_FILE: data(entries), DOC_FILE: markdown(entries)}
    if args.check:
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text() != text]
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    counts = {s: sum(e["status"] == s for e in entries) for s in ("supported", "translated")}
    print(
        f"{len(entries)} functions: {counts['supported']} supported, "
        f"{counts['translated']} translated, "
        f"{len(entries) - sum(counts.values())} not supported"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
