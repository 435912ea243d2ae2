"""Contract evolution: what a deploy may apply to a running stack, and what it must refuse.

Deploy compares the contract the stack runs (``old``) with the one being deployed (``new``);
:func:`compare` lists every difference as a :class:`Change`. Columns are matched by name:
their order in a contract does not matter to Athena (it reads Parquet by column name); the
catalog table takes the new contract's columns and order, new files are written in it.
(Redshift's COPY maps columns by position: deploy says how to reload its fact table.)

Applied (compatible; files already loaded stay readable):

- adding an *optional* column: older files read as null there (its default applies to
  new files only); the catalog table gets the column (:attr:`Evolution.added_columns`);
- a required column becoming optional;
- a changed value rule. It is ``rule_loosened`` when provably looser: ``allowed`` removed or
  a superset, ``canonical`` a superset, ``min`` lowered or removed, ``max`` or ``max_length``
  raised or removed, ``pattern`` removed, ``max_field_chars`` raised, fewer
  ``formula_prefixes``. Any other change, including any changed pattern or ``case`` (looser
  cannot be decided in general), is ``rule_tightened``: also applied, since it judges only
  files loaded from now on (rows already loaded stay), but flagged in the summary;
- a changed default, description, title, sale-date source or measure; a reordering of the
  columns or of the de-duplication key (the same rows are duplicates).

Refused (breaking), each with what it would break and how to migrate:

- removing a column, or changing its type (any type change, even a wider decimal: the
  Parquet type of the files already loaded changes);
- adding a *required* column (older files lack it), an optional column becoming required;
- changing ``partition_by`` or the de-duplication key's columns;
- changing the business name (another business is another stack).

Standard library only, Python 3.9, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from pipeline_src.contracts.model import Column, Contract

NEW_STACK = "deploy as a new stack (`--stack …`) and re-upload the files"
_LOOSER = "(looser); values refused before may now load."
_TIGHTER = (
    "(tighter, or not provably looser); it judges files loaded from now on, "
    "rows already loaded stay."
)


class Change(NamedTuple):
    """One difference between the running and the new contract."""

    kind: str  # added_column, removed_column, retyped_column, rule_loosened, …
    column: str | None  # the column it concerns (None: the contract as a whole)
    breaking: bool
    message: str  # one plain sentence
    migrate: str = ""  # for a breaking change: how to get there instead


@dataclass(frozen=True)
class Evolution:
    """Every change from ``old`` to ``new``, and which of them deploy may apply."""

    old: Contract
    new: Contract
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        """The changes deploy must refuse."""
        return [c for c in self.changes if c.breaking]

    @property
    def applied(self) -> list[Change]:
        """The changes deploy applies."""
        return [c for c in self.changes if not c.breaking]

    @property
    def ok(self) -> bool:
        """True when nothing breaks: deploy may go ahead."""
        return not self.breaking

    @property
    def added_columns(self) -> tuple[Column, ...]:
        """The new optional columns to append to the catalog table, in the new order."""
        names = {c.column for c in self.applied if c.kind == "added_column"}
        return tuple(c for c in self.new.columns if c.name in names)

    def summary(self) -> list[str]:
        """A few lines for the CLI: a header, one line per change, the verdict."""
        if not self.changes:
            return [f"Contract {self.new.name}: unchanged."]
        refused = len(self.breaking)
        lines = [
            f"Contract {_renamed(self.old, self.new)}: {_count(len(self.changes), 'change')}"
            f" ({refused} refused, {len(self.changes) - refused} applied)."
        ]
        for change in self.changes:
            lines.append(f"  {_label(change):<8} {change.message}")
            if change.migrate:
                lines.append(f"  {'':<8} to migrate: {change.migrate}")
        if refused:
            lines.append("Deploy refused: migrate as shown, then deploy again.")
        return lines


def compare(old: Contract, new: Contract) -> Evolution:
    """Every difference from the running contract ``old`` to the deployed ``new``."""
    changes = [
        *_business(old, new),
        *_columns(old, new),
        *_partition(old, new),
        *_dedup_key(old, new),
        *_sale_date(old, new),
        *_measures(old, new),
        *_file_rules(old, new),
    ]
    return Evolution(old, new, changes)


# -- the business ------------------------------------------------------------------------


def _business(old: Contract, new: Contract) -> list[Change]:
    changes = []
    if old.name != new.name:
        changes.append(
            Change(
                "business_renamed",
                None,
                True,
                f"the stack runs the business `{old.name}`; `{new.name}` is another business, "
                "with its own data and its own stack.",
                f"deploy `{new.name}` as a new stack (`--stack …` with "
                f"`--contract {new.name}`) and upload its files there",
            )
        )
    if old.title != new.title:
        changes.append(
            Change(
                "title_changed",
                None,
                False,
                f"the business title changes from {old.title!r} to {new.title!r}.",
            )
        )
    return changes


# -- columns -------------------------------------------------------------------------------


def _columns(old: Contract, new: Contract) -> list[Change]:
    changes = [_removed(old, c) for c in old.columns if c.name not in new.names]
    for before in old.columns:
        if before.name in new.names:
            changes.extend(_column_changes(old, before, new.column(before.name)))
    changes.extend(_added(c) for c in new.columns if c.name not in old.names)
    common_old = [n for n in old.names if n in new.names]
    common_new = [n for n in new.names if n in old.names]
    if common_old != common_new:
        changes.append(
            Change(
                "column_order_changed",
                None,
                False,
                "the columns are listed in another order; Athena reads files by column name, "
                "so files already loaded stay readable.",
            )
        )
    return changes


def _place(contract: Contract, name: str) -> str:
    """``the 2nd column `price``` (its place in the Parquet files), or the partition column."""
    if name in contract.partition_by:
        return f"the partition column `{name}`"
    names = [c.name for c in contract.data_columns]
    return f"the {_ordinal(names.index(name) + 1)} column `{name}`"


def _removed(old: Contract, column: Column) -> Change:
    return Change(
        "removed_column",
        column.name,
        True,
        f"{_place(old, column.name)} ({column.type}) of files already loaded would no longer "
        "be readable: the new contract has no such column.",
        f"keep `{column.name}` in the contract and make it optional "
        "(files that stop sending it read as null there)",
    )


def _added(column: Column) -> Change:
    if column.required:
        return Change(
            "added_column",
            column.name,
            True,
            f"the new required column `{column.name}` ({column.type}) is missing from every "
            "file already loaded: their rows would hold null where the contract requires a "
            "value.",
            f"add `{column.name}` as an optional column (a default fills files that lack it), "
            f"or {NEW_STACK}",
        )
    default = (
        f" (its default {column.default!r} applies to new files only)"
        if column.default is not None
        else ""
    )
    return Change(
        "added_column",
        column.name,
        False,
        f"the optional column `{column.name}` ({column.type}) is added to the catalog "
        f"table; files already loaded read as null there{default}.",
    )


def _column_changes(old: Contract, before: Column, after: Column) -> list[Change]:
    changes = []
    if before.type != after.type:
        changes.append(_retyped(old, before, after))
    if before.required != after.required:
        changes.append(_required(before, after))
    changes.extend(_rules(before, after))
    if before.default != after.default:
        changes.append(
            Change(
                "default_changed",
                after.name,
                False,
                f"the default of `{after.name}` changes from {_shown(before.default)} to "
                f"{_shown(after.default)}; it fills files loaded from now on, rows already loaded "
                "stay.",
            )
        )
    for key in ("description", "invalid"):
        if getattr(before, key) != getattr(after, key):
            what = "description" if key == "description" else "explanation of a refused value"
            changes.append(
                Change(
                    "description_changed",
                    after.name,
                    False,
                    f"the {what} of `{after.name}` changes to {getattr(after, key)!r}.",
                )
            )
    return changes


def _retyped(old: Contract, before: Column, after: Column) -> Change:
    suffix = re.sub(r"[^a-z0-9]+", "_", after.type).strip("_")
    return Change(
        "retyped_column",
        after.name,
        True,
        f"{_place(old, before.name)} of files already loaded is {before.type} and would no "
        f"longer be readable as {after.type}.",
        f"add a new column (say `{after.name}_{suffix}`) of type {after.type} and keep "
        f"`{before.name}` as {before.type}, optional if files stop sending it",
    )


def _required(before: Column, after: Column) -> Change:
    if not after.required:
        return Change(
            "required_changed",
            after.name,
            False,
            f"`{after.name}` becomes optional: files without it load from now on "
            "(null there, or its default).",
        )
    return Change(
        "required_changed",
        after.name,
        True,
        f"`{after.name}` becomes required, but rows already loaded may hold null there "
        "(it was optional), and re-processing their files would refuse them.",
        f"keep `{after.name}` optional (a default fills files that lack it), or {NEW_STACK}",
    )


# -- value rules ---------------------------------------------------------------------------


def _superset(before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    """``after`` lists every value of ``before`` (an empty ``before``: no rule to cover)."""
    return bool(before) and set(before) <= set(after)


def _lower_or_none(before: Any, after: Any) -> bool:
    return after is None or (before is not None and after < before)


def _higher_or_none(before: Any, after: Any) -> bool:
    return after is None or (before is not None and after > before)


#: rule → (its words, is the new value provably looser than the old?)
_RULES: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "pattern": ("pattern", lambda before, after: after is None),
    "allowed": ("allowed values", lambda before, after: not after or _superset(before, after)),
    "canonical": ("canonical spellings", _superset),
    "case": ("case", lambda before, after: False),
    "min": ("minimum", _lower_or_none),
    "max": ("maximum", _higher_or_none),
    "max_length": ("maximum length", _higher_or_none),
}


def _rules(before: Column, after: Column) -> list[Change]:
    changes = []
    for key, (words, looser) in _RULES.items():
        was, now = getattr(before, key), getattr(after, key)
        if was != now:
            changes.append(_rule_change(after.name, words, looser(was, now), _difference(was, now)))
    return changes


def _rule_change(column: str | None, words: str, looser: bool, difference: str) -> Change:
    where = f" of `{column}`" if column else ""
    return Change(
        "rule_loosened" if looser else "rule_tightened",
        column,
        False,
        f"the {words}{where} {difference} {_LOOSER if looser else _TIGHTER}",
    )


def _difference(was: Any, now: Any) -> str:
    """``changes from 1 to 0``; for lists, what they gain and lose."""
    if isinstance(was, tuple) and isinstance(now, tuple) and was and now:
        gained = [v for v in now if v not in was]
        lost = [v for v in was if v not in now]
        parts = [f"gain {_listed(gained)}"] if gained else []
        parts += [f"lose {_listed(lost)}"] if lost else []
        return " and ".join(parts) if parts else "are reordered"
    return f"changes from {_shown(was)} to {_shown(now)}"


def _shown(value: Any) -> str:
    if value is None or value == ():
        return "none"
    if isinstance(value, tuple):
        return _listed(list(value))
    return repr(value) if isinstance(value, str) else str(value)


def _listed(values: list[Any]) -> str:
    shown = ", ".join(repr(v) for v in values[:5])
    return f"[{shown}{', …' if len(values) > 5 else ''}]"


# -- keys, sale date, measures, file rules -------------------------------------------------


def _partition(old: Contract, new: Contract) -> list[Change]:
    if old.partition_by == new.partition_by:
        return []
    was, now = _keys(old.partition_by), _keys(new.partition_by)
    folder = f"sales/{old.partition_by[0]}=<value>/" if old.partition_by else "sales/"
    return [
        Change(
            "partition_changed",
            new.partition_by[0] if new.partition_by else None,
            True,
            f"files already loaded are stored under {folder} in a catalog table partitioned "
            f"by {was}; the new contract partitions by {now}.",
            f"keep the partition column {was}; partitioning cannot change in place: to "
            f"partition by {now}, {NEW_STACK}",
        )
    ]


def _dedup_key(old: Contract, new: Contract) -> list[Change]:
    if old.dedup_key == new.dedup_key:
        return []
    was, now = _keys(old.dedup_key, " + "), _keys(new.dedup_key, " + ")
    if set(old.dedup_key) == set(new.dedup_key):
        return [
            Change(
                "dedup_key_changed",
                None,
                False,
                f"the de-duplication key is reordered from {was} to {now}: the same rows are "
                f"duplicates; their reason code becomes {new.duplicate_code}.",
            )
        ]
    return [
        Change(
            "dedup_key_changed",
            None,
            True,
            f"the curated view keeps each {was} once across the loads already committed; "
            f"a key of {now} would change which of their rows count as duplicates.",
            f"keep the de-duplication key {was}; to change it, {NEW_STACK}",
        )
    ]


def _keys(names: tuple[str, ...], joiner: str = ", ") -> str:
    return joiner.join(f"`{n}`" for n in names) if names else "nothing"


def _sale_date(old: Contract, new: Contract) -> list[Change]:
    was = (old.sale_date_column, old.sale_date_fallbacks)
    now = (new.sale_date_column, new.sale_date_fallbacks)
    if was == now:
        return []
    column = f"`{now[0]}`" if now[0] else "no column"
    return [
        Change(
            "sale_date_changed",
            new.sale_date_column,
            False,
            f"the sale date of files loaded from now on comes from {column}, else "
            f"{', '.join(now[1]) or 'nothing'}; rows already loaded keep their sale_date.",
        )
    ]


def _measures(old: Contract, new: Contract) -> list[Change]:
    changes = []
    for name in [*old.measures, *(m for m in new.measures if m not in old.measures)]:
        was, now = old.measures.get(name), new.measures.get(name)
        if was == now:
            continue
        if was is None:
            what = f"is added as `{now}`"
        elif now is None:
            what = f"is removed (it was `{was}`)"
        else:
            what = f"changes from `{was}` to `{now}`"
        changes.append(
            Change(
                "measure_changed",
                None,
                False,
                f"the measure `{name}` {what}; the analytics compute it from the stored columns.",
            )
        )
    return changes


def _file_rules(old: Contract, new: Contract) -> list[Change]:
    changes = []
    if old.max_field_chars != new.max_field_chars:
        looser = new.max_field_chars > old.max_field_chars
        difference = _difference(old.max_field_chars, new.max_field_chars)
        changes.append(_rule_change(None, "longest field", looser, difference))
    if old.formula_prefixes != new.formula_prefixes:
        looser = set(new.formula_prefixes) <= set(old.formula_prefixes)
        difference = _difference(old.formula_prefixes, new.formula_prefixes)
        changes.append(_rule_change(None, "formula prefixes refused", looser, difference))
    return changes


# -- words ---------------------------------------------------------------------------------


def _label(change: Change) -> str:
    if change.breaking:
        return "REFUSED"
    return "tighter" if change.kind == "rule_tightened" else "applied"


def _renamed(old: Contract, new: Contract) -> str:
    return old.name if old.name == new.name else f"{old.name} → {new.name}"


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
