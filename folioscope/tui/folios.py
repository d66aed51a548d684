"""The folios table: one row per folio, the current step's changes
highlighted, a row cursor for the selected folio."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import DataTable

from .format import CHANGED, EMPTY, flags_cell, value_cell
from .frames import Frame
from .messages import FolioSelected

COLUMNS = (("folio", "folio"), ("ref", "refcount"), ("map", "mapcount"), ("pins", "pincount"),
           ("mlk", "mlock_count"), ("list", "list"), ("flags", "flags"), ("zone", "zone"))
"""(column label, folio field) in display order."""


class FolioTable(DataTable):
    """The folios of the state after the current step.

    Not focusable: the app's keys (up/down, j/k) move the cursor, so that
    left/right/home/end always step through the trace; a click selects a row.
    Posts :class:`~folioscope.tui.messages.FolioSelected`.
    """

    can_focus = False
    frame: reactive[Frame | None] = reactive(None)
    """The step on screen."""
    selected: reactive[str | None] = reactive(None)
    """The folio under the cursor."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._names: tuple[str, ...] = ()

    def on_mount(self) -> None:
        for label, key in COLUMNS:
            self.add_column(label, key=key)

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None:
            return
        names = frame.folios
        if names != self._names:
            self.clear()
            for name in names:
                self.add_row(*row_cells(frame, name), key=name)
            self._names = names
            self._move_to(self.selected)
        else:
            for name in names:
                for (_, key), cell in zip(COLUMNS, row_cells(frame, name)):
                    self.update_cell(name, key, cell, update_width=True)

    def watch_selected(self, name: str | None) -> None:
        self._move_to(name)

    def _move_to(self, name: str | None) -> None:
        if name in self._names and self.cursor_row != self._names.index(name):
            self.move_cursor(row=self._names.index(name), animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        # The event may be stale (rows rebuilt, cursor moved since): read the cursor.
        if 0 <= self.cursor_row < len(self._names):
            name = self._names[self.cursor_row]
            if name != self.selected:
                self.post_message(FolioSelected(name))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()


def row_cells(frame: Frame, name: str) -> list[Text]:
    """The cells of one folio's row."""
    p = f"folio.{name}."
    if frame.folio(name, "freed"):
        freed = p + "freed" in frame.changed
        return [Text(name, style=CHANGED if freed else "dim"), Text("freed", style=CHANGED if freed else "dim")] + [
            Text("") for _ in COLUMNS[2:]]
    touched = any(k.startswith(p) for k in frame.changed)
    cells = [Text(name, style="bold" + (" yellow" if touched else ""))]
    for _, key in COLUMNS[1:5]:
        cells.append(value_cell(frame.state.get(p + key), frame.old(p + key), p + key in frame.changed))
    cells.append(list_cell(frame, name))
    cells.append(flags_cell(frame.state.get(p + "flags", ()), frame.old(p + "flags")))
    zone = frame.state.get(p + "zone", "")
    cells.append(Text(str(zone), style="" if zone != "normal" else EMPTY))
    return cells


def list_cell(frame: Frame, name: str) -> Text:
    """The LRU list (with ``/head`` or ``/tail``), or what isolated it."""
    p = f"folio.{name}."
    where = frame.state.get(p + "list", "none")
    isolated = frame.state.get(p + "isolated", "none")
    if where == "none" and isolated != "none":
        where = f"isolated:{isolated}"
    changed = any(p + k in frame.changed for k in ("list", "isolated"))
    style = CHANGED if changed else (EMPTY if where == "none" else "")
    return Text(str(where), style=style)
