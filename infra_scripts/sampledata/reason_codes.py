"""The stable, machine-readable reasons a file or a row is rejected.

File-level codes reject the whole file (nothing is loaded); row-level codes reject single rows
while the rest of the file loads. The pipeline's validator reports exactly these codes; the
bad-file corpus (``sample_data/bad/manifest.json``) states which one each file must produce.
"""

from __future__ import annotations

MAX_FIELD_CHARS = 1024
AGE_GROUP_VALUES: tuple[str, ...] = ("10s", "20s", "30s", "40s", "50s", "60s", "70s", "80s", "90s")
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

FILE_LEVEL: dict[str, str] = {
    "UNSUPPORTED_FORMAT": "the extension is not .csv, .json, .jsonl or .xlsx (case-insensitive)",
    "FILE_TOO_LARGE": "the object is larger than the pipeline's configured maximum size",
    "EMPTY_FILE": "no content: 0 bytes or only whitespace, an empty JSON array, "
    "or an XLSX first sheet without cells",
    "UNREADABLE_FILE": "the content is not the format the extension names "
    "(NUL bytes in a text file, an .xlsx that is not a workbook)",
    "UNSUPPORTED_ENCODING": "text is not UTF-8 (a UTF-8 BOM is fine; UTF-16/32 or Latin-1 are not)",
    "DELIMITER_NOT_DETECTED": "the CSV header contains none of the accepted delimiters "
    "(comma, semicolon, tab)",
    "MISSING_COLUMNS": "a required column is absent from the header "
    "(JSON: absent from every object)",
    "DUPLICATE_COLUMNS": "two header names are equal after trimming and lower-casing",
    "HEADER_ONLY": "a header but no data rows",
    "MALFORMED_JSON": "a .json file is not valid JSON",
    "NOT_A_JSON_ARRAY": "a .json file's top-level value is not an array",
    "NO_VALID_ROWS": "every data row was rejected",
}

ROW_LEVEL: dict[str, str] = {
    "WRONG_FIELD_COUNT": "a CSV row has more or fewer fields than the header",
    "MALFORMED_JSON_LINE": "a .jsonl line is not valid JSON",
    "INVALID_RECORD": "a JSON array element or JSON Lines line is not an object",
    "MISSING_VALUE": "a required value is empty, null or absent",
    "NESTED_VALUE": "a JSON object or array where a single value is expected",
    "FIELD_TOO_LONG": f"a value longer than {MAX_FIELD_CHARS:,} characters",
    "FORMULA_INJECTION": "a text value starts with = + - @ tab or carriage return",
    "INVALID_PRICE": "price is not a decimal number with at most 2 decimal places",
    "NON_FINITE_PRICE": "price is NaN or infinite",
    "NEGATIVE_PRICE": "price is below zero",
    "INVALID_AGE_GROUP": "age_group is not one of 10s, 20s, … 90s",
    "INVALID_BOOK_ID": "book_id is not B followed by 6 digits",
    "INVALID_TRANSACTION_ID": "transaction_id is not T followed by 8 digits",
    "INVALID_SOLD_AT": "sold_at (optional) is not an ISO-8601 date or date-time",
    "INVALID_QUANTITY": "quantity (optional) is not a whole number of at least 1",
    "DUPLICATE_TRANSACTION_ID": "a transaction_id already seen in an earlier valid row "
    "of the same file (the first is kept)",
}

ALL_CODES: dict[str, str] = {**FILE_LEVEL, **ROW_LEVEL}


def markdown_table(codes: dict[str, str]) -> str:
    """A Markdown table of codes and their meanings (for sample_data/README.md)."""
    lines = ["| Code | Meaning |", "| --- | --- |"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in codes.items()]
    return "\n".join(lines) + "\n"
