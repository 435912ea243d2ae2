"""Sale lines of orders at tills, for any business described by its settings (``business``).

An order happens at one time at one till, gets that till's next counter in the order id and
has 1..n lines: distinct catalogue entries (so the contract's de-duplication key, the order
id plus the entry's key, never repeats), each with a quantity, a variant when the entry has
a variant set (which changes the price) and the order's per-order values. Entries are drawn
by popularity times the boost of the hour's daypart; the number of orders follows the
weekday factors and the hour weights. Seeded with :class:`random.Random`: the same seed gives
the same lines. Records map every contract column (in contract order) to a typed value.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from infra_scripts.sampledata.business import Entry, Settings

Record = dict[str, Any]


@dataclass
class Counters:
    """The next order counter of each till (shared by every day and file of a run)."""

    settings: Settings
    next: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.next = {till.number: till.first_counter for till in self.settings.tills}
        column = self.settings.contract.column(self.settings.id_column)
        self._pattern = re.compile(column.pattern) if column.pattern else None

    def take(self, till: int) -> str:
        """The till's next order id (ValueError when the contract's pattern no longer fits)."""
        order_id = self.settings.id_format.format(till=till, counter=self.next[till])
        self.next[till] += 1
        if self._pattern is not None and not self._pattern.fullmatch(order_id):
            raise ValueError(f"order id {order_id!r} no longer fits the contract: too many orders")
        return order_id


@dataclass
class _Order:
    seconds: int
    till: int
    lines: list[Record]


def _cumulative(weights: list[float] | tuple[float, ...]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
    return min(index, len(cumulative) - 1)


class OrderSampler:
    """Draws orders and their lines for one business."""

    def __init__(self, settings: Settings, rng: random.Random, counters: Counters) -> None:
        self.s = settings
        self.rng = rng
        self.counters = counters
        self._hours = _cumulative(settings.hour_weights)
        self._tills = _cumulative([till.share for till in settings.tills])
        self._lines = _cumulative(settings.line_weights)
        self._quantity = _cumulative(settings.quantity_weights)
        self._entry_weights = {h: self._weights_at(h) for h in range(24)}

    def _weights_at(self, hour: int) -> list[float]:
        boost: dict[str, float] = {}
        for part in self.s.dayparts:
            if part.from_hour <= hour < part.to_hour:
                boost = part.boost
        group = self.s.group
        return [e.weight * boost.get(str(e.values.get(group)), 1.0) for e in self.s.entries]

    def day_orders(self, day: date, index: int = 0) -> int:
        """How many orders a day gets: the average day times its weekday factor and noise."""
        noise = self.rng.gauss(1.0, self.s.day_noise) if self.s.day_noise else 1.0
        factor = self.s.weekday_factors[day.weekday()]
        return max(1, round(self.s.orders_per_day * factor * noise))

    def orders(self, day: date, count: int) -> list[Record]:
        """The lines of ``count`` orders of ``day``, in time order."""
        return self._finish(day, [self._order() for _ in range(count)])

    def lines(self, day: date, count: int) -> list[Record]:
        """Exactly ``count`` lines of ``day`` (the last order may lose lines), in time order."""
        drawn: list[_Order] = []
        total = 0
        while total < count:
            order = self._order()
            del order.lines[count - total :]
            drawn.append(order)
            total += len(order.lines)
        return self._finish(day, drawn)

    def _order(self) -> _Order:
        hour = self.s.first_hour + _pick(self.rng, self._hours)
        seconds = hour * 3600 + self.rng.randrange(3600)
        till = self.s.tills[_pick(self.rng, self._tills)].number
        shared = {
            column: choices[_pick(self.rng, _cumulative([w for _, w in choices]))][0]
            for column, choices in self.s.per_order.items()
        }
        entries = self._distinct_entries(hour, _pick(self.rng, self._lines) + 1)
        return _Order(seconds, till, [self._line(entry, shared) for entry in entries])

    def _distinct_entries(self, hour: int, count: int) -> list[Entry]:
        weights = list(self._entry_weights[hour])
        chosen: list[Entry] = []
        for _ in range(count):
            index = _pick(self.rng, _cumulative(weights))
            chosen.append(self.s.entries[index])
            weights[index] = 0.0
        return chosen

    def _line(self, entry: Entry, shared: Record) -> Record:
        line: Record = {**entry.values, **shared}
        line[self.s.quantity_column] = _pick(self.rng, self._quantity) + 1
        if entry.variants is not None:
            variant = self.s.variants[entry.variants]
            weights = _cumulative([choice.weight for choice in variant.choices])
            choice = variant.choices[_pick(self.rng, weights)]
            line[variant.column] = choice.value
            line[self.s.price] = line[self.s.price] + choice.price_change
        return line

    def _finish(self, day: date, drawn: list[_Order]) -> list[Record]:
        midnight = datetime(day.year, day.month, day.day)
        names = self.s.contract.names
        records: list[Record] = []
        for order in sorted(drawn, key=lambda o: o.seconds):
            order_id = self.counters.take(order.till)
            sold_at = midnight + timedelta(seconds=order.seconds)
            for line in order.lines:
                line = {**line, self.s.id_column: order_id, self.s.time_column: sold_at}
                records.append({name: line.get(name) for name in names})
        return records
