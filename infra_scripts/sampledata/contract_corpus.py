"""The bad-file corpus of a business described by settings (``bad_files`` in its settings).

Each entry names a file, its problem and how to build it from good records (drawn like the
seed files, seeded by the file name) — and states its expected verdict: ``expect`` is the
file-level code that rejects the whole file, or, without it, the file is accepted and each
change or copied key carries the code that rejects its row. The codes are written in the
settings by reading the contract's rules, never computed here. Entry keys:

- ``kind``: ``records`` (default), ``bytes`` (``text`` as UTF-8), ``header_only``,
  ``binary_junk``;
- ``rows`` (default 10); ``format`` (default: the file's extension; ``csv`` for other names);
- ``columns``: the columns written, in this order (default: every contract column);
- ``drop_columns``; ``extra_columns`` (name → value in every row); ``duplicate_column``;
- ``changes``: ``[{"row", "set": {column: value}, "expect"}]``; a value
  ``{"$absent": true}`` removes the key, ``{"$repeat": text, "$length": n}`` is a long text;
- ``all_rows``: column → value set in every row; ``copy_key``: ``[{"row", "from", "expect"}]``
  gives a row the de-duplication key of an earlier one;
- ``csv``: ``delimiter`` / ``line_end``; ``encoding`` (``utf-8-sig``, ``utf-16-le-bom``,
  ``latin-1``); ``truncate``: keep this fraction of the bytes; ``wrap``: a JSON object
  ``{**with, key: records}`` instead of an array; ``gzip``: compress.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import zlib
from typing import Any

from infra_scripts.sampledata import xlsx
from infra_scripts.sampledata.business import Settings
from infra_scripts.sampledata.corpus import BadFile
from infra_scripts.sampledata.orders import Counters, OrderSampler, Record
from infra_scripts.sampledata.record_files import FORMATS, csv_bytes, encode, json_object

_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "latin-1": "latin-1"}
_UTF16_BOM = b"\xff\xfe"


def good_records(settings: Settings, name: str, count: int) -> list[Record]:
    """``count`` valid lines (every contract column), seeded by ``name``."""
    seed = settings.corpus_seed * 2**32 + zlib.crc32(name.encode())
    sampler = OrderSampler(settings, random.Random(seed), Counters(settings))
    return sampler.lines(settings.corpus_day, count)


def corpus(settings: Settings) -> list[BadFile]:
    """Every corpus file of the settings, in their order."""
    return [bad_file(settings, spec) for spec in settings.bad_files]


def bad_file(settings: Settings, spec: dict[str, Any]) -> BadFile:
    """One corpus file and its expected verdict, from its settings entry."""
    name, problem = spec["file"], spec["problem"]
    rows = spec.get("rows", 10)

    def build() -> bytes:
        return _build(settings, spec)

    if "expect" in spec:
        return BadFile(name, problem, build, reason_code=spec["expect"])
    changed = [*spec.get("changes", []), *spec.get("copy_key", [])]
    rejects = [(change["row"], change["expect"]) for change in changed if change["expect"]]
    rows_seen = [row for row, _ in rejects]
    if len(set(rows_seen)) != len(rows_seen):
        raise ValueError(f"{name}: one expected code per row")
    return BadFile(name, problem, build, rows_total=rows, rejects=tuple(sorted(rejects)))


def _format(spec: dict[str, Any]) -> str:
    if "format" in spec:
        return spec["format"]
    extension = spec["file"].rsplit(".", 1)[-1].lower()
    return extension if extension in FORMATS else "csv"


def _build(settings: Settings, spec: dict[str, Any]) -> bytes:
    kind = spec.get("kind", "records")
    if kind == "bytes":
        return spec["text"].encode()
    if kind == "binary_junk":
        junk = random.Random(zlib.crc32(spec["file"].encode())).randbytes(2048)
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + junk
    if kind == "header_only":
        return _header_only(settings, spec)
    if kind != "records":
        raise ValueError(f"{spec['file']}: unknown kind {kind!r}")
    data = _encoded(_records(settings, spec), spec)
    if "truncate" in spec:
        data = data[: int(len(data) * spec["truncate"])]
    return gzip.compress(data, mtime=0) if spec.get("gzip") else data


def _header_only(settings: Settings, spec: dict[str, Any]) -> bytes:
    columns = list(spec.get("columns", settings.contract.names))
    fmt = _format(spec)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        xlsx.write_rows(buffer, columns, [])
        return buffer.getvalue()
    return (",".join(columns) + "\n").encode()


def _records(settings: Settings, spec: dict[str, Any]) -> list[Record]:
    records = good_records(settings, spec["file"], spec.get("rows", 10))
    columns = list(spec.get("columns", settings.contract.names))
    records = [{c: r[c] for c in columns if c not in spec.get("drop_columns", ())} for r in records]
    for record in records:
        record.update(spec.get("extra_columns", {}))
        record.update({c: _value(v) for c, v in spec.get("all_rows", {}).items()})
    for copy in spec.get("copy_key", []):
        original = records[copy["from"] - 1]
        records[copy["row"] - 1].update({c: original[c] for c in settings.contract.dedup_key})
    for change in spec.get("changes", []):
        record = records[change["row"] - 1]
        for column, value in change["set"].items():
            if isinstance(value, dict) and value.get("$absent"):
                del record[column]
            else:
                record[column] = _value(value)
    return records


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "$repeat" in value:
        return (value["$repeat"] * value["$length"])[: value["$length"]]
    return value


def _encoded(records: list[Record], spec: dict[str, Any]) -> bytes:
    fmt = _format(spec)
    if "wrap" in spec:
        wrapper = {**spec["wrap"]["with"], spec["wrap"]["key"]: records}
        return _json_object(wrapper)
    if "duplicate_column" in spec:
        column, header = spec["duplicate_column"], list(records[0])
        rows = ([*r.values(), r[column]] for r in records)
        data = csv_bytes([*header, column], rows, **spec.get("csv", {}))
    else:
        data = encode(records, fmt, **spec.get("csv", {}))
    encoding = spec.get("encoding")
    if encoding == "utf-16-le-bom":
        return _UTF16_BOM + data.decode().encode("utf-16-le")
    if encoding is not None:
        return data.decode().encode(_ENCODINGS[encoding])
    return data


def _json_object(value: dict[str, Any]) -> bytes:
    inner = {k: [json_object(r) for r in v] if isinstance(v, list) else v for k, v in value.items()}
    return json.dumps(inner, indent=2, ensure_ascii=False).encode()
