"""The demand model: how many sales happen when, and what sells.

It gives the numbers a story worth charting: weekend peaks, a slow store, one bestseller
that leads every day, a seasonal genre whose share rises over the period and a gentle
upward trend in total volume towards the holidays.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np

from infra_scripts.sampledata.catalog import (
    BESTSELLER_TITLE,
    CATALOG,
    SEASONAL_GENRE,
    STORES,
)

#: Relative sales volume Monday .. Sunday.
WEEKDAY_FACTORS: tuple[float, ...] = (0.80, 0.85, 0.90, 0.95, 1.15, 1.65, 1.35)
#: Relative sales by opening hour 09:00 .. 20:00 (lunch and after-work peaks).
HOUR_WEIGHTS: tuple[float, ...] = (3, 4, 6, 9, 8, 6, 6, 7, 9, 10, 7, 4)
FIRST_HOUR = 9
BESTSELLER_BOOST = 4.0
SEASONAL_RAMP = 3.0  # the seasonal genre's weight multiplier on the last day
VOLUME_TREND = 0.20  # total volume on the last day vs the first, before weekday effects


def day_list(start: date, days: int) -> list[date]:
    """The calendar days of the period."""
    return [start + timedelta(days=offset) for offset in range(days)]


def _progress(index: int, days: int) -> float:
    """Position of a day in the period, 0.0 (first day) .. 1.0 (last day)."""
    return index / (days - 1) if days > 1 else 0.0


def day_weights(start: date, days: int) -> np.ndarray:
    """Relative sales volume of each day (weekday pattern times a slow upward trend)."""
    return np.array(
        [
            WEEKDAY_FACTORS[day.weekday()] * (1.0 + VOLUME_TREND * _progress(index, days))
            for index, day in enumerate(day_list(start, days))
        ]
    )


def allocate(total: int, weights: np.ndarray) -> list[int]:
    """Split ``total`` rows over buckets proportionally (largest remainder, exact sum).

    Every bucket gets at least one row when ``total`` allows it.
    """
    buckets = len(weights)
    floor = 1 if total >= buckets else 0
    spare = total - floor * buckets
    shares = spare * weights / weights.sum()
    counts = np.floor(shares).astype(np.int64)
    leftover = spare - int(counts.sum())
    order = np.argsort(-(shares - counts), kind="stable")
    counts[order[:leftover]] += 1
    return [int(count) + floor for count in counts]


@cache
def _base_weights() -> tuple[np.ndarray, np.ndarray]:
    popularity = np.array([book.popularity for book in CATALOG], dtype=np.float64)
    popularity[[book.title == BESTSELLER_TITLE for book in CATALOG]] *= BESTSELLER_BOOST
    seasonal = np.array([book.genre == SEASONAL_GENRE for book in CATALOG])
    return popularity, seasonal


def title_cdf(day_index: int, days: int) -> np.ndarray:
    """Cumulative title probabilities on a day of the period (for ``searchsorted``)."""
    popularity, seasonal = _base_weights()
    weights = popularity.copy()
    weights[seasonal] *= 1.0 + (SEASONAL_RAMP - 1.0) * _progress(day_index, days)
    return cdf(weights)


def store_weights() -> np.ndarray:
    """Relative traffic of each store (S03 is the slow one)."""
    return np.array([traffic for _, _, traffic in STORES])


def cdf(weights: np.ndarray | tuple[float, ...]) -> np.ndarray:
    """Normalised cumulative distribution of non-negative weights, last value exactly 1."""
    values = np.cumsum(np.asarray(weights, dtype=np.float64))
    values /= values[-1]
    values[-1] = 1.0
    return values
