"""Tables that a notebook shows whole: long text wraps instead of ending in ``…``.

pandas cuts every cell to ``display.max_colwidth`` (50) characters when it shows a
DataFrame, which cuts exactly what the notebooks ask the learner to read: log lines,
failure causes, ARNs, mail subjects. The helpers return a :class:`WholeFrame` instead: a
DataFrame in every other respect (selecting columns keeps it one), whose notebook display
shows every cell in full, text left-aligned and wrapped to the width of the page.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pandas as pd

LONG_TEXT = 40  # characters: longer text cells are wrapped and left-aligned
_TEXT_STYLE = "text-align: left; white-space: pre-wrap; overflow-wrap: anywhere; min-width: 20em"


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)


def _is_long_text(column: pd.Series) -> bool:
    """Text that pandas would cut or that wraps: left-aligned (short text keeps the default)."""
    if not _is_text(column) or column.empty:
        return False
    return bool(column.map(lambda v: 0 if _missing(v) else len(str(v))).max() > LONG_TEXT)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, dicts, arrays: a value, not a missing one
        return False


def _text_cell(value: Any) -> str:
    if _missing(value):
        return ""
    return f'<div style="{_TEXT_STYLE}">{html.escape(str(value))}</div>'


def _plain_cell(value: Any) -> str:
    return "" if _missing(value) else html.escape(str(value))


def _time_cells(column: pd.Series) -> Callable[[Any], str]:
    """Timestamps as pandas shows them: with milliseconds when any has some."""
    times = pd.to_datetime(column)
    spec = "milliseconds" if (times.dt.microsecond.fillna(0) != 0).any() else "seconds"

    def cell(value: Any) -> str:
        if _missing(value):
            return ""
        return html.escape(pd.Timestamp(value).isoformat(sep=" ", timespec=spec))

    return cell


def _header(name: Any) -> str:
    """A column name that may break after its underscores (``billed_duration_ms``), so that
    headers do not make a table of short numbers wider than the page."""
    return html.escape(str(name)).replace("_", "_<wbr>")


class WholeFrame(pd.DataFrame):
    """A DataFrame whose notebook display never cuts a cell (see the module's docstring)."""

    @property
    def _constructor(self) -> type[WholeFrame]:
        return WholeFrame

    def _repr_html_(self) -> str:
        # Long text wraps, left-aligned, in a <div> at least 20em wide; timestamps read as
        # pandas shows them; numbers keep pandas' formatting. Inline styles: JupyterLab keeps
        # them even in an untrusted notebook, unlike <style> tags.
        formatters = {}
        for name in self.columns:
            column = self[name]
            if _is_long_text(column):
                formatters[name] = _text_cell
            elif pd.api.types.is_datetime64_any_dtype(column):
                formatters[name] = _time_cells(column)
            elif _is_text(column):
                formatters[name] = _plain_cell
        shown = pd.DataFrame(self)
        formatters = {_header(name): cell for name, cell in formatters.items()}
        shown.columns = [_header(name) for name in shown.columns]
        with pd.option_context("display.max_colwidth", None):
            return shown.to_html(
                formatters=formatters,
                escape=False,  # the formatters and _header escape the text; the rest are numbers
                notebook=True,
                border=0,
            )

    def __repr__(self) -> str:  # the text form (a terminal, a notebook's text/plain)
        return pd.DataFrame(self).to_string(max_colwidth=None)


class LogEvents(WholeFrame):
    """Log events (``time``, a stream column, ``message``) shown as a log reads: one block
    per event, its time and stream above the whole message, wrapped."""

    @property
    def _constructor(self) -> type[WholeFrame]:
        return LogEvents

    def _blocks(self) -> list[tuple[str, str]] | None:
        if "message" not in self.columns:
            return None
        heads = [c for c in self.columns if c != "message"]
        times = {
            c: _time_cells(self[c]) for c in heads if pd.api.types.is_datetime64_any_dtype(self[c])
        }
        blocks = []
        for _, row in self.iterrows():
            parts = [html.unescape(times[c](row[c])) if c in times else str(row[c]) for c in heads]
            blocks.append(
                (" · ".join(parts), "" if _missing(row["message"]) else str(row["message"]))
            )
        return blocks

    def _repr_html_(self) -> str:
        blocks = self._blocks()
        if blocks is None:
            return super()._repr_html_()
        if not blocks:
            return "<p><i>no log events</i></p>"
        pre = "white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.1em 0 0.8em 0"
        return "".join(
            f'<div style="color: var(--jp-ui-font-color2, #666)">{html.escape(head)}</div>'
            f'<pre style="{pre}">{html.escape(message)}</pre>'
            for head, message in blocks
        )

    def __repr__(self) -> str:
        blocks = self._blocks()
        if blocks is None:
            return super().__repr__()
        return "\n\n".join(f"{head}\n{message}" for head, message in blocks) or "no log events"


def whole(frame: pd.DataFrame) -> WholeFrame:
    """``frame`` as a :class:`WholeFrame` (same data, shown without cutting any cell)."""
    return WholeFrame(frame)
