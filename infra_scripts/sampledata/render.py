"""Vectorised text rendering of chunks (CSV lines, JSON objects, JSON Lines).

Every string column comes from a small dictionary of pre-escaped texts (titles, genres,
prices by cents, times of day ...) gathered with pyarrow ``take`` and concatenated with
``binary_join_element_wise``: no per-row Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from infra_scripts.sampledata.catalog import AGE_GROUPS, CATALOG, PAYMENT_METHODS, STORES
from infra_scripts.sampledata.ids import render_ids
from infra_scripts.sampledata.rows import Chunk, price_text

Piece = pa.Array | str
MAX_PRICE_CENTS = 10_000  # prices up to 99.99
_MAX_QUANTITY = 100


def csv_field(value: str) -> str:
    """Quote a CSV field only when needed (RFC 4180, like ``csv.writer``)."""
    if any(char in value for char in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def json_text(value: object) -> str:
    """A JSON scalar as text, UTF-8 kept as is."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class _Vocab:
    csv: pa.Array
    json: pa.Array


def _vocab(values: list[str]) -> _Vocab:
    return _Vocab(
        pa.array([csv_field(v) for v in values], pa.string()),
        pa.array([json_text(v) for v in values], pa.string()),
    )


@dataclass(frozen=True)
class _Vocabs:
    title: _Vocab
    genre: _Vocab
    book_id: _Vocab
    age_group: _Vocab
    store_id: _Vocab
    payment_method: _Vocab
    price: pa.Array
    quantity: pa.Array
    time: pa.Array  # "HH:MM:SS" by second of the day


@cache
def _vocabs() -> _Vocabs:
    return _Vocabs(
        title=_vocab([book.title for book in CATALOG]),
        genre=_vocab([book.genre for book in CATALOG]),
        book_id=_vocab([book.book_id for book in CATALOG]),
        age_group=_vocab(list(AGE_GROUPS)),
        store_id=_vocab([store_id for store_id, _, _ in STORES]),
        payment_method=_vocab([name for name, _ in PAYMENT_METHODS]),
        price=pa.array([price_text(c) for c in range(MAX_PRICE_CENTS)], pa.string()),
        quantity=pa.array([str(q) for q in range(_MAX_QUANTITY)], pa.string()),
        time=_times_of_day(),
    )


def fixed_width_strings(values: np.ndarray) -> pa.Array:
    """A string array from a numpy fixed-width bytes array (``S<n>``), without a Python loop."""
    width = values.dtype.itemsize
    offsets = np.arange(len(values) + 1, dtype=np.int32) * width
    return pa.StringArray.from_buffers(
        len(values), pa.py_buffer(offsets), pa.py_buffer(values.tobytes())
    )


def _times_of_day() -> pa.Array:
    """``HH:MM:SS`` for every second of a day."""
    seconds = np.arange(86_400)
    hhmmss = [render_ids(b"", seconds // 3600, 2), render_ids(b"", seconds // 60 % 60, 2)]
    text = np.char.add(np.char.add(hhmmss[0], b":"), np.char.add(hhmmss[1], b":"))
    return fixed_width_strings(np.char.add(text, render_ids(b"", seconds % 60, 2)))


def _ids_array(numbers: np.ndarray, quoted: bool) -> pa.Array:
    if quoted:
        return fixed_width_strings(np.char.add(render_ids(b'"T', numbers, 8), b'"'))
    return fixed_width_strings(render_ids(b"T", numbers, 8))


def column_pieces(chunk: Chunk, name: str, as_json: bool) -> list[Piece]:
    """The text of one column for every row, as pieces to concatenate."""
    v = _vocabs()
    quote = '"' if as_json else ""
    vocab_index = {
        "title": chunk.title,
        "genre": chunk.title,
        "book_id": chunk.title,
        "age_group": chunk.age,
        "store_id": chunk.store,
        "payment_method": chunk.payment,
    }
    if name in vocab_index:
        vocab: _Vocab = getattr(v, name)
        return [(vocab.json if as_json else vocab.csv).take(vocab_index[name])]
    if name == "price":
        return [v.price.take(chunk.cents)]
    if name == "quantity":
        return [v.quantity.take(chunk.quantity)]
    if name == "transaction_id":
        return [_ids_array(chunk.txn, quoted=as_json)]
    if name == "sold_at":
        return [f"{quote}{chunk.day.isoformat()}T", v.time.take(chunk.seconds), quote]
    raise ValueError(f"unknown column {name!r}")


def join_pieces(pieces: list[Piece]) -> pa.Array:
    """Concatenate row-wise; adjacent literal pieces are merged first."""
    merged: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    args = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in merged]
    return pc.binary_join_element_wise(*args, "")


def csv_rows(chunk: Chunk, columns: tuple[str, ...]) -> pa.Array:
    """One CSV line per row, each ending in ``\\n``."""
    pieces: list[Piece] = []
    for index, name in enumerate(columns):
        if index:
            pieces.append(",")
        pieces += column_pieces(chunk, name, as_json=False)
    return join_pieces([*pieces, "\n"])


def json_array_items(chunk: Chunk, columns: tuple[str, ...]) -> pa.Array:
    """One ``json.dumps(indent=2)`` array item per row, each prefixed with ``,\\n``."""
    pieces: list[Piece] = [",\n  {"]
    for index, name in enumerate(columns):
        pieces.append(("," if index else "") + f"\n    {json_text(name)}: ")
        pieces += column_pieces(chunk, name, as_json=True)
    return join_pieces([*pieces, "\n  }"])


def jsonl_rows(chunk: Chunk, columns: tuple[str, ...]) -> pa.Array:
    """One compact JSON object per line, each ending in ``\\n``."""
    pieces: list[Piece] = ["{"]
    for index, name in enumerate(columns):
        pieces.append(("," if index else "") + f"{json_text(name)}:")
        pieces += column_pieces(chunk, name, as_json=True)
    return join_pieces([*pieces, "}\n"])


def array_bytes(array: pa.Array) -> memoryview:
    """The concatenated bytes of a string array, without copying."""
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)
    offsets = offsets[array.offset : array.offset + len(array) + 1]
    data = array.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]
