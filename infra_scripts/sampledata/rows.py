"""Vectorised sampling of sale rows, one chunk at a time.

A chunk holds integer codes (indices into the catalogue and vocabularies, prices in cents,
seconds after midnight) for rows of a single day; writers turn it into text. Every column is
always sampled, whatever the schema, so a seed gives the same sales in every format and
schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import numpy as np

from infra_scripts.sampledata import story
from infra_scripts.sampledata.catalog import (
    AGE_GROUPS,
    CATALOG,
    DISCOUNTS,
    GENRE_AGE_WEIGHTS,
    GENRES,
    PAYMENT_METHODS,
    QUANTITY_WEIGHTS,
    STORES,
)
from infra_scripts.sampledata.ids import TransactionIds, render_ids


@dataclass(frozen=True)
class Chunk:
    """Rows of one day as integer codes."""

    day: date
    title: np.ndarray  # index into CATALOG
    cents: np.ndarray  # unit price in cents
    age: np.ndarray  # index into AGE_GROUPS
    txn: np.ndarray  # transaction number, 0 .. 10**8-1
    seconds: np.ndarray  # time of sale, seconds after midnight (sorted)
    store: np.ndarray  # index into STORES
    quantity: np.ndarray  # 1 ..
    payment: np.ndarray  # index into PAYMENT_METHODS

    def __len__(self) -> int:
        return len(self.title)


@dataclass(frozen=True)
class _Tables:
    list_cents: np.ndarray
    genre_of_title: np.ndarray
    age_cdf: np.ndarray  # per genre, first 5 cumulative shares
    discount_pct: np.ndarray
    discount_cdf: np.ndarray
    hour_cdf: np.ndarray
    store_cdf: np.ndarray
    quantity_cdf: np.ndarray
    payment_cdf: np.ndarray


@cache
def _tables() -> _Tables:
    return _Tables(
        list_cents=np.array([book.list_cents for book in CATALOG], dtype=np.int64),
        genre_of_title=np.array([GENRES.index(book.genre) for book in CATALOG]),
        age_cdf=np.array([story.cdf(GENRE_AGE_WEIGHTS[genre])[:-1] for genre in GENRES]),
        discount_pct=np.array([pct for pct, _ in DISCOUNTS], dtype=np.int64),
        discount_cdf=story.cdf([share for _, share in DISCOUNTS]),
        hour_cdf=story.cdf(story.HOUR_WEIGHTS),
        store_cdf=story.cdf(story.store_weights()),
        quantity_cdf=story.cdf(QUANTITY_WEIGHTS),
        payment_cdf=story.cdf([share for _, share in PAYMENT_METHODS]),
    )


def _pick(rng: np.random.Generator, cdf: np.ndarray, count: int) -> np.ndarray:
    return np.searchsorted(cdf, rng.random(count), side="right")


def sample_chunk(
    rng: np.random.Generator,
    count: int,
    day: date,
    day_index: int,
    days: int,
    ids: TransactionIds,
    first_row: int,
    store: int | None = None,
) -> Chunk:
    """Sample ``count`` sales of ``day`` (day ``day_index`` of a ``days``-day period).

    Rows get transaction numbers for row numbers ``first_row ..``; ``store`` fixes the store
    index instead of sampling it.
    """
    t = _tables()
    title = _pick(rng, story.title_cdf(day_index, days), count)
    discount = t.discount_pct[_pick(rng, t.discount_cdf, count)]
    cents = (t.list_cents[title] * discount + 50) // 100
    age_u = rng.random(count)
    age = (age_u[:, None] >= t.age_cdf[t.genre_of_title[title]]).sum(axis=1)
    hour = _pick(rng, t.hour_cdf, count) + story.FIRST_HOUR
    seconds = np.sort(hour * 3600 + rng.integers(0, 3600, count))
    stores = (
        np.full(count, store, dtype=np.int64)
        if store is not None
        else _pick(rng, t.store_cdf, count)
    )
    quantity = _pick(rng, t.quantity_cdf, count) + 1
    payment = _pick(rng, t.payment_cdf, count)
    txn = ids.numbers(first_row, count)
    return Chunk(day, title, cents, age, txn, seconds, stores, quantity, payment)


def price_text(cents: int) -> str:
    """Price text as in the original files: shortest float form (``12.8``, ``34.0``)."""
    return repr(cents / 100)


def sold_at_text(day: date, seconds: int) -> str:
    """ISO-8601 local timestamp without offset, e.g. ``2026-11-02T10:15:42``."""
    hours, rest = divmod(int(seconds), 3600)
    return f"{day.isoformat()}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def chunk_records(chunk: Chunk, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The chunk as a list of dicts (price as float, quantity as int): for small outputs."""
    makers: dict[str, Callable[[], list[Any]]] = {
        "title": lambda: [CATALOG[i].title for i in chunk.title],
        "price": lambda: [cents / 100 for cents in chunk.cents.tolist()],
        "age_group": lambda: [AGE_GROUPS[i] for i in chunk.age],
        "genre": lambda: [CATALOG[i].genre for i in chunk.title],
        "book_id": lambda: [CATALOG[i].book_id for i in chunk.title],
        "transaction_id": lambda: [v.decode() for v in render_ids(b"T", chunk.txn, 8)],
        "sold_at": lambda: [sold_at_text(chunk.day, s) for s in chunk.seconds.tolist()],
        "store_id": lambda: [STORES[i][0] for i in chunk.store],
        "quantity": lambda: chunk.quantity.tolist(),
        "payment_method": lambda: [PAYMENT_METHODS[i][0] for i in chunk.payment],
    }
    selected = [makers[name]() for name in columns]
    return [dict(zip(columns, values, strict=True)) for values in zip(*selected, strict=True)]
