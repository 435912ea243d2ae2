"""The bookstore's bad-file corpus: one problem per file, each with the validator's verdict.

``write_bad_corpus(dir)`` writes every file plus ``manifest.json`` (format: ``corpus``);
``write_bad_corpus(dir, contract="cafe")`` writes another business's corpus, described in
its settings (``contract_corpus``). Codes: ``reason_codes``.
"""

from __future__ import annotations

import gzip
import io
import random
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra_scripts.sampledata import business, xlsx
from infra_scripts.sampledata import corpus as corpus_files
from infra_scripts.sampledata.catalog import book_by_title
from infra_scripts.sampledata.corpus import MANIFEST_NAME as MANIFEST_NAME
from infra_scripts.sampledata.corpus import BadFile
from infra_scripts.sampledata.corpus_io import (
    Record,
    good_records,
    records_csv,
    records_xlsx,
    to_csv,
    to_json,
    to_jsonl,
    to_xlsx,
)
from infra_scripts.sampledata.schema import SEED_COLUMNS

ABSENT = object()  # a change value that removes the key (JSON formats)
Change = tuple[str, Any, str]  # (column, new value, expected reason code)
BOM = b"\xef\xbb\xbf"


# --- builders --------------------------------------------------------------------------


def _records(name: str, count: int = 10, extended: bool = False) -> list[Record]:
    return good_records(name, count, extended)


def _csv(name: str, count: int = 10, **kwargs: Any) -> bytes:
    return records_csv(_records(name, count), **kwargs).encode()


def _with_title(records: list[Record], row: int, title: str) -> list[Record]:
    book = book_by_title(title)
    records[row - 1].update(
        title=title, price=book.list_cents / 100, genre=book.genre, book_id=book.book_id
    )
    return records


def _changed(name: str, count: int, changes: dict[int, Change], extended: bool) -> list[Record]:
    records = _records(name, count, extended)
    for row, (column, value, _) in changes.items():
        if value is ABSENT:
            del records[row - 1][column]
        else:
            records[row - 1][column] = value
    return records


_ENCODERS: dict[str, Callable[[list[Record]], bytes]] = {
    "csv": lambda records: records_csv(records).encode(),
    "json": lambda records: to_json(records).encode(),
    "jsonl": lambda records: to_jsonl(records).encode(),
    "xlsx": records_xlsx,
}


def row_case(
    file: str,
    problem: str,
    changes: dict[int, Change],
    count: int = 10,
    extended: bool = False,
) -> BadFile:
    """A file of ``count`` good rows where some values are changed; the format from the name."""
    encode = _ENCODERS[file.rsplit(".", 1)[1]]
    rejects = tuple((row, code) for row, (_, _, code) in sorted(changes.items()))
    return BadFile(
        file,
        problem,
        lambda: encode(_changed(file, count, changes, extended)),
        rows_total=count,
        rejects=rejects,
    )


def rejected(file: str, problem: str, code: str, build: Callable[[], bytes]) -> BadFile:
    """A file the validator must reject as a whole."""
    return BadFile(file, problem, build, reason_code=code)


def accepted(file: str, problem: str, rows: int, build: Callable[[], bytes]) -> BadFile:
    """A file that looks odd but must be accepted with every row."""
    return BadFile(file, problem, build, rows_total=rows)


def _renamed_header(name: str, header: list[str]) -> bytes:
    records = _records(name)
    return to_csv(header, (list(r.values()) for r in records)).encode()


def _binary_junk() -> bytes:
    junk = random.Random(zlib.crc32(b"binary_junk")).randbytes(2048)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + junk


def _truncated_json() -> bytes:
    text = to_json(_records("truncated.json", 5))
    return text[: len(text) * 2 // 3].encode()


def _duplicate_column() -> bytes:
    records = _records("duplicate_column.csv")
    rows = ([*r.values(), r["price"]] for r in records)
    return to_csv([*SEED_COLUMNS, "price"], rows).encode()


def _empty_sheet() -> bytes:
    return to_xlsx(None, [])


def _with_extra_sheet() -> bytes:
    records = _records("xlsx_extra_sheet.xlsx")
    workbook, sheet = xlsx.new_workbook()
    sheet.append(xlsx.header_cells(sheet, list(records[0])))
    for record in records:
        sheet.append(list(record.values()))
    notes = workbook.create_sheet("Notes")
    notes.append(["Exported from the till on 2026-11-02. Prices include VAT."])
    buffer = io.BytesIO()
    xlsx.save(workbook, buffer)
    return buffer.getvalue()


def _quoted_fields() -> bytes:
    records = _records("quoted_fields.csv", 8)
    _with_title(records, 2, "Girl, Woman, Other")
    _with_title(records, 3, "Tomorrow, and Tomorrow, and Tomorrow")
    records[4]["title"] = 'The "Lost" Chapter'
    records[6]["title"] = "A Title Split\nOver Two Lines"
    return records_csv(records).encode()


def _lowercase_padded_header() -> bytes:
    header = [" Title ", "PRICE", "age_group ", "Genre", " BOOK_ID", "Transaction_Id "]
    return _renamed_header("lowercase_padded_header.csv", header)


def _reordered_columns() -> bytes:
    records = _records("reordered_columns.csv")
    order = ["transaction_id", "book_id", "title", "genre", "age_group", "price"]
    return to_csv(order, ([r[c] for c in order] for r in records)).encode()


def _unknown_extra_column() -> bytes:
    records = _records("unknown_extra_column.csv")
    for index, record in enumerate(records):
        record["discount_code"] = "AUTUMN10" if index % 3 == 0 else ""
    return records_csv(records).encode()


def _blank_lines() -> bytes:
    lines = records_csv(_records("blank_lines.csv")).splitlines(keepends=True)
    # header is line 0: blank lines after data rows 3 and 7, an all-empty row after row 5
    lines.insert(8, "\n")
    lines.insert(6, ",,,,,\n")
    lines.insert(4, "\n")
    return ("".join(lines) + "\n\n").encode()


def _ragged_rows() -> bytes:
    records = _records("ragged_rows.csv")
    rows = [list(r.values()) for r in records]
    rows[3].append("EXTRA")
    rows[8].pop()
    return to_csv(SEED_COLUMNS, rows).encode()


def _duplicate_ids() -> bytes:
    records = _records("duplicate_transaction_ids.csv", 20)
    for row, original in ((11, 1), (15, 2), (20, 2)):
        records[row - 1]["transaction_id"] = records[original - 1]["transaction_id"]
    return records_csv(records).encode()


def _malformed_lines() -> bytes:
    lines = to_jsonl(_records("malformed_line.jsonl")).splitlines(keepends=True)
    lines[2] = lines[2][: len(lines[2]) // 2] + "\n"  # cut in the middle
    lines[6] = lines[6].replace('"price":', '"price"', 1)  # missing colon
    return "".join(lines).encode()


def _non_object_records() -> bytes:
    records: list[Any] = _records("non_object_records.json")
    records[3] = "The Alchemist,17.99,30s,Fiction,B198786,T12345678"
    records[6] = list(records[6].values())
    return to_json(records).encode()


def _extended_optional_blank() -> bytes:
    records = _records("extended_optional_blank.csv", extended=True)
    for row in (2, 5):
        records[row - 1].update(sold_at=None, store_id=None, quantity=None, payment_method=None)
    return records_csv(records).encode()


# --- the corpus ------------------------------------------------------------------------


def corpus() -> list[BadFile]:
    """Every corpus file, file-level rejections first."""
    long_title = ("A Very Long Title " * 60_000)[: 1 << 20]
    hyperlink = '=HYPERLINK("http://evil.example/discount","Click for 50% off")'
    return [
        rejected("empty.csv", "0-byte file", "EMPTY_FILE", lambda: b""),
        rejected(
            "header_only.csv",
            "the header line and no data rows",
            "HEADER_ONLY",
            lambda: (",".join(SEED_COLUMNS) + "\n").encode(),
        ),
        rejected("empty_array.json", "a JSON file holding just []", "EMPTY_FILE", lambda: b"[]"),
        rejected(
            "missing_column.csv",
            "the genre column is missing",
            "MISSING_COLUMNS",
            lambda: records_csv(
                [
                    {k: v for k, v in r.items() if k != "genre"}
                    for r in _records("missing_column.csv")
                ]
            ).encode(),
        ),
        rejected(
            "misspelt_header.csv",
            "header says transacton_id (misspelt): transaction_id is missing",
            "MISSING_COLUMNS",
            lambda: _renamed_header("misspelt_header.csv", [*SEED_COLUMNS[:5], "transacton_id"]),
        ),
        rejected(
            "duplicate_column.csv",
            "the price column appears twice",
            "DUPLICATE_COLUMNS",
            _duplicate_column,
        ),
        rejected(
            "pipe_delimited.csv",
            "fields separated by | (not an accepted delimiter)",
            "DELIMITER_NOT_DETECTED",
            lambda: _csv("pipe_delimited.csv", delimiter="|"),
        ),
        rejected(
            "binary_junk.csv",
            "binary content (PNG-like header and random bytes) named .csv",
            "UNREADABLE_FILE",
            _binary_junk,
        ),
        rejected(
            "utf16_le.csv",
            "a valid CSV encoded as UTF-16 LE with BOM",
            "UNSUPPORTED_ENCODING",
            lambda: b"\xff\xfe" + records_csv(_records("utf16_le.csv")).encode("utf-16-le"),
        ),
        rejected(
            "latin1.csv",
            "Latin-1 encoded text (the é of Les Misérables is byte 0xE9)",
            "UNSUPPORTED_ENCODING",
            lambda: records_csv(_with_title(_records("latin1.csv"), 2, "Les Misérables")).encode(
                "latin-1"
            ),
        ),
        rejected(
            "truncated.json",
            "JSON array cut off in the middle of an object",
            "MALFORMED_JSON",
            _truncated_json,
        ),
        rejected(
            "object_not_array.json",
            'top-level JSON object {"store": ..., "sales": [...]} instead of an array',
            "NOT_A_JSON_ARRAY",
            lambda: to_json({"store": "S01", "sales": _records("object_not_array.json")}).encode(),
        ),
        rejected(
            "json_missing_column.json",
            "no object has an age_group key",
            "MISSING_COLUMNS",
            lambda: to_json(
                [
                    {k: v for k, v in r.items() if k != "age_group"}
                    for r in _records("json_missing_column.json")
                ]
            ).encode(),
        ),
        rejected(
            "wrong_extension.txt",
            "a valid CSV with a .txt extension",
            "UNSUPPORTED_FORMAT",
            lambda: _csv("wrong_extension.txt"),
        ),
        rejected(
            "compressed.csv.gz",
            "a gzip-compressed CSV (compressed uploads are not supported)",
            "UNSUPPORTED_FORMAT",
            lambda: gzip.compress(_csv("compressed.csv.gz"), mtime=0),
        ),
        rejected(
            "csv_named.xlsx",
            "CSV text with an .xlsx extension",
            "UNREADABLE_FILE",
            lambda: _csv("csv_named.xlsx"),
        ),
        rejected(
            "header_only.xlsx",
            "workbook with the header row and no data rows",
            "HEADER_ONLY",
            lambda: to_xlsx(SEED_COLUMNS, []),
        ),
        rejected(
            "empty_sheet.xlsx",
            "workbook whose first sheet has no cells",
            "EMPTY_FILE",
            _empty_sheet,
        ),
        rejected(
            "all_rows_invalid.csv",
            "every row has the price N/A",
            "NO_VALID_ROWS",
            lambda: records_csv(
                [{**r, "price": "N/A"} for r in _records("all_rows_invalid.csv", 5)]
            ).encode(),
        ),
        # accepted: unusual but valid
        accepted(
            "utf8_bom.csv",
            "UTF-8 with a byte-order mark (allowed) and a non-ASCII title",
            10,
            lambda: (
                BOM
                + records_csv(_with_title(_records("utf8_bom.csv"), 3, "Les Misérables")).encode()
            ),
        ),
        accepted(
            "semicolon_delimited.csv",
            "fields separated by ; (detected)",
            10,
            lambda: _csv("semicolon_delimited.csv", delimiter=";"),
        ),
        accepted(
            "tab_delimited.csv",
            "fields separated by tabs (detected)",
            10,
            lambda: _csv("tab_delimited.csv", delimiter="\t"),
        ),
        accepted(
            "quoted_fields.csv",
            "quoted titles with embedded commas, doubled quotes and a newline",
            8,
            _quoted_fields,
        ),
        accepted(
            "unknown_extra_column.csv",
            "an extra discount_code column (ignored)",
            10,
            _unknown_extra_column,
        ),
        accepted(
            "lowercase_padded_header.csv",
            "header names in other cases and padded with spaces (matched insensitively)",
            10,
            _lowercase_padded_header,
        ),
        accepted(
            "reordered_columns.csv",
            "the required columns in a different order (matched by name)",
            10,
            _reordered_columns,
        ),
        accepted(
            "crlf_line_endings.csv",
            "Windows line endings (CRLF)",
            10,
            lambda: _csv("crlf_line_endings.csv", line_end="\r\n"),
        ),
        accepted(
            "blank_lines.csv",
            "blank lines, an all-empty row (,,,,,) and trailing newlines (skipped, not rows)",
            10,
            _blank_lines,
        ),
        accepted(
            "json_price_as_string.json",
            'prices as JSON strings ("27.14"); values are validated by their text',
            10,
            lambda: to_json(
                [{**r, "price": repr(r["price"])} for r in _records("json_price_as_string.json")]
            ).encode(),
        ),
        accepted(
            "xlsx_extra_sheet.xlsx",
            "workbook with a second Notes sheet (only the first sheet is read)",
            10,
            _with_extra_sheet,
        ),
        accepted(
            "extended_optional_blank.csv",
            "extended columns left blank in rows 2 and 5 (optional columns may be empty)",
            10,
            _extended_optional_blank,
        ),
        # accepted, some rows rejected
        row_case(
            "text_in_price.csv",
            "price is text: twenty, $27.14",
            {4: ("price", "twenty", "INVALID_PRICE"), 9: ("price", "$27.14", "INVALID_PRICE")},
        ),
        row_case(
            "price_too_many_decimals.csv",
            "price 27.149 has three decimals",
            {5: ("price", "27.149", "INVALID_PRICE")},
        ),
        row_case(
            "negative_price.csv",
            "price -12.5",
            {3: ("price", "-12.5", "NEGATIVE_PRICE")},
        ),
        row_case(
            "non_finite_price.csv",
            "prices NaN, inf and -Infinity",
            {
                2: ("price", "NaN", "NON_FINITE_PRICE"),
                6: ("price", "inf", "NON_FINITE_PRICE"),
                8: ("price", "-Infinity", "NON_FINITE_PRICE"),
            },
        ),
        row_case(
            "invalid_age_group.csv",
            "age_group teen and 100s",
            {
                3: ("age_group", "teen", "INVALID_AGE_GROUP"),
                7: ("age_group", "100s", "INVALID_AGE_GROUP"),
            },
        ),
        row_case(
            "bad_book_id.csv",
            "book_id B12345 (5 digits) and BK-99812",
            {
                2: ("book_id", "B12345", "INVALID_BOOK_ID"),
                5: ("book_id", "BK-99812", "INVALID_BOOK_ID"),
            },
        ),
        row_case(
            "bad_transaction_id.csv",
            "transaction_id T123 and 123456789 (no T)",
            {
                4: ("transaction_id", "T123", "INVALID_TRANSACTION_ID"),
                8: ("transaction_id", "123456789", "INVALID_TRANSACTION_ID"),
            },
        ),
        BadFile(
            "duplicate_transaction_ids.csv",
            "rows 11, 15 and 20 repeat the transaction ids of rows 1, 2 and 2",
            _duplicate_ids,
            rows_total=20,
            rejects=tuple((row, "DUPLICATE_TRANSACTION_ID") for row in (11, 15, 20)),
        ),
        row_case(
            "formula_injection.csv",
            "titles that spreadsheets would run as formulas (=HYPERLINK, @SUM, +cmd)",
            {
                3: ("title", hyperlink, "FORMULA_INJECTION"),
                7: ("title", "@SUM(1+1)*cmd|' /C calc'!A0", "FORMULA_INJECTION"),
                9: ("title", "+cmd|' /C notepad'!A0", "FORMULA_INJECTION"),
            },
        ),
        row_case(
            "nested_values.json",
            "an object as title and a list as genre",
            {
                2: ("title", {"en": "Dune", "fr": "Dune"}, "NESTED_VALUE"),
                5: ("genre", ["Fiction", "Classic"], "NESTED_VALUE"),
            },
        ),
        row_case(
            "very_long_title.csv",
            "a 1 MiB title on one line (beyond csv's default 128 KiB field limit)",
            {2: ("title", long_title, "FIELD_TOO_LONG")},
            count=5,
        ),
        BadFile(
            "ragged_rows.csv",
            "row 4 has 7 fields, row 9 has 5",
            _ragged_rows,
            rows_total=10,
            rejects=((4, "WRONG_FIELD_COUNT"), (9, "WRONG_FIELD_COUNT")),
        ),
        row_case(
            "missing_values.csv",
            "empty genre (row 3) and empty transaction_id (row 6)",
            {
                3: ("genre", "", "MISSING_VALUE"),
                6: ("transaction_id", "", "MISSING_VALUE"),
            },
        ),
        row_case(
            "missing_values.json",
            "an object without genre (row 2) and a null title (row 4)",
            {2: ("genre", ABSENT, "MISSING_VALUE"), 4: ("title", None, "MISSING_VALUE")},
        ),
        BadFile(
            "malformed_line.jsonl",
            "line 3 cut in half, line 7 lacks a colon",
            _malformed_lines,
            rows_total=10,
            rejects=((3, "MALFORMED_JSON_LINE"), (7, "MALFORMED_JSON_LINE")),
        ),
        BadFile(
            "non_object_records.json",
            "array element 4 is a string, element 7 a list",
            _non_object_records,
            rows_total=10,
            rejects=((4, "INVALID_RECORD"), (7, "INVALID_RECORD")),
        ),
        row_case(
            "xlsx_text_in_price.xlsx",
            "a text cell N/A in the price column",
            {4: ("price", "N/A", "INVALID_PRICE")},
        ),
        row_case(
            "extended_bad_quantity.jsonl",
            "quantity 0, -1, two and 1.5",
            {
                2: ("quantity", 0, "INVALID_QUANTITY"),
                4: ("quantity", -1, "INVALID_QUANTITY"),
                6: ("quantity", "two", "INVALID_QUANTITY"),
                8: ("quantity", 1.5, "INVALID_QUANTITY"),
            },
            extended=True,
        ),
        row_case(
            "extended_bad_sold_at.csv",
            "sold_at 2026-13-01T10:00:00, yesterday and 01/11/2026 10:00",
            {
                3: ("sold_at", "2026-13-01T10:00:00", "INVALID_SOLD_AT"),
                5: ("sold_at", "yesterday", "INVALID_SOLD_AT"),
                9: ("sold_at", "01/11/2026 10:00", "INVALID_SOLD_AT"),
            },
            extended=True,
        ),
        row_case(
            "mixed_good_and_bad.csv",
            "30 rows, 5 bad in different ways",
            {
                3: ("price", "abc", "INVALID_PRICE"),
                8: ("genre", "", "MISSING_VALUE"),
                12: ("age_group", "70-79", "INVALID_AGE_GROUP"),
                19: ("book_id", "B0001", "INVALID_BOOK_ID"),
                25: ("price", "-5.0", "NEGATIVE_PRICE"),
            },
            count=30,
        ),
    ]


def _other_corpus(contract: str) -> list[BadFile]:
    from infra_scripts.sampledata import contract_corpus  # imports corpus_io like this module

    return contract_corpus.corpus(business.load(contract))


def files_of(contract: str = business.SPECIALISED) -> list[BadFile]:
    """The corpus of a business (the bookstore's is :func:`corpus`)."""
    return corpus() if contract == business.SPECIALISED else _other_corpus(contract)


def manifest(
    files: list[BadFile] | None = None, contract: str = business.SPECIALISED
) -> list[dict[str, Any]]:
    """The manifest entries of the corpus."""
    return corpus_files.manifest(files if files is not None else files_of(contract))


def write_bad_corpus(out_dir: Path, contract: str = business.SPECIALISED) -> list[Path]:
    """Write every corpus file and ``manifest.json`` into ``out_dir``; return the paths."""
    return corpus_files.write_corpus(files_of(contract), out_dir)


def unexpected_files(out_dir: Path, contract: str = business.SPECIALISED) -> list[Path]:
    """Files in ``out_dir`` that the corpus does not write (stale ones, to delete by hand)."""
    return corpus_files.unexpected(files_of(contract), out_dir)


def markdown_table(
    entries: list[dict[str, Any]] | None = None, contract: str = business.SPECIALISED
) -> str:
    """The corpus as a Markdown table: file, problem, expected outcome."""
    return corpus_files.markdown_table(entries if entries is not None else manifest(None, contract))
