"""The folios table: one row per folio, the current step's changes
highlighted, a cursor on the selected folio.

A line-API scroll view rather than a DataTable: a step usually changes a few
cells, and a DataTable re-measures whole columns and re-renders every cell
on each update, which made playing a 30-folio scenario crawl.  Here each
row is one Rich ``Text`` rendered into a cached strip.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .format import CHANGED, EMPTY, flags_cell, value_cell
from .frames import Frame
from .messages import FolioSelected

COLUMNS = (("folio", "folio"), ("ref", "refcount"), ("map", "mapcount"), ("pins", "pins"),
           ("mlk", "mlock_count"), ("list", "list"), ("flags", "flags"), ("zone", "zone"))
"""(column label, folio field) in display order."""
GAP = 2
"""Spaces between columns."""


class FolioTable(ScrollView):
    """The folios of the state after the current step, a header line on top.

    Not focusable: the app's keys (up/down, j/k) move the cursor, so that
    left/right/home/end always step through the trace; a click selects a
    row and posts :class:`~folioscope.tui.messages.FolioSelected`.

    Component classes: ``folio-table--header``, ``folio-table--cursor``.
    """

    COMPONENT_CLASSES = {"folio-table--header", "folio-table--cursor"}
    DEFAULT_CSS = """
    FolioTable > .folio-table--header { text-style: bold; }
    FolioTable > .folio-table--cursor { background: $primary 45%; }
    """

    can_focus = False
    frame: var[Frame | None] = var(None)
    """The step on screen."""
    selected: var[str | None] = var(None)
    """The folio under the cursor."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._names: tuple[str, ...] = ()
        self._rows: list[list[Text]] = []
        self._widths: list[int] = [len(label) for label, _ in COLUMNS]
        self._strips: dict[tuple[int, bool], Strip] = {}
        self._styles: tuple[Style, Style, Style] | None = None

    # --- data ---------------------------------------------------------------

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None:
            return
        names = frame.folios
        self.border_title = f"folios ({len(names)})" if len(names) > 1 else "folio"
        rows = [row_cells(frame, name) for name in names]
        widths = [len(label) for label, _ in COLUMNS]
        for row in rows:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], cell.cell_len)
        if names == self._names and widths == self._widths:
            # Same shape: repaint only the rows that differ (most steps touch one folio).
            for index, (old, new) in enumerate(zip(self._rows, rows)):
                if old != new:
                    self._strips.pop((index, False), None)
                    self._strips.pop((index, True), None)
                    self.refresh_line(index + 1)
            self._rows = rows
            return
        resized = len(names) != len(self._names) or widths != self._widths
        self._names, self._rows, self._widths = names, rows, widths
        self._strips.clear()
        self.virtual_size = Size(self._line_width(), len(rows) + 1)
        self.refresh(layout=resized)
        self._reveal()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def _get_styles(self) -> tuple[Style, Style, Style]:
        """(base, header, cursor) styles, looked up once: ``rich_style`` walks the DOM."""
        if self._styles is None:
            self._styles = (self.rich_style, self.get_component_rich_style("folio-table--header"),
                            self.get_component_rich_style("folio-table--cursor"))
        return self._styles

    def watch_selected(self) -> None:
        self._strips.clear()
        self.refresh()
        self._reveal()

    def _reveal(self) -> None:
        if self.selected in self._names:
            row = self._names.index(self.selected)
            self.scroll_to_region(Region(0, row + 1, 1, 1), animate=False, immediate=False,
                                  spacing=None)

    def _line_width(self) -> int:
        return sum(self._widths) + GAP * (len(self._widths) - 1)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._line_width()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows) + 1

    # --- rendering ----------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self._get_styles()[0]
        if y == 0:
            key = (-1, False)
        else:
            index = scroll_y + y - 1
            if index >= len(self._rows):
                return Strip.blank(width, base)
            key = (index, self._names[index] == self.selected)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(*key)
            self._strips[key] = strip
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def _render_row(self, index: int, cursor: bool) -> Strip:
        base, header, highlight = self._get_styles()
        if index < 0:
            cells = [Text(label) for label, _ in COLUMNS]
            style = header
        else:
            cells = self._rows[index]
            style = highlight if cursor else None
        line = Text()
        for i, (cell, width) in enumerate(zip(cells, self._widths)):
            if i:
                line.append(" " * GAP)
            line.append_text(cell)
            line.append(" " * (width - cell.cell_len))
        segments = list(line.render(self.app.console))
        strip = Strip(segments, line.cell_len).apply_style(base)
        if style:
            strip = Strip(Segment.apply_style(strip, post_style=style), strip.cell_length)
        return strip

    # --- mouse --------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = self.scroll_offset.y + offset.y - 1
        if 0 <= index < len(self._names) and self._names[index] != self.selected:
            self.post_message(FolioSelected(self._names[index]))


def row_cells(frame: Frame, name: str) -> list[Text]:
    """The cells of one folio's row."""
    p = f"folio.{name}."
    if frame.folio(name, "freed"):
        style = CHANGED if p + "freed" in frame.changed else "dim"
        return [Text(name, style=style), Text("freed", style=style)] + [Text("") for _ in COLUMNS[2:]]
    touched = any(k.startswith(p) for k in frame.changed)
    cells = [Text(name, style="bold" + (" yellow" if touched else ""))]
    # traces saved before `pins` existed counted the pins in `pincount`
    pins = "pins" if p + "pins" in frame.state else "pincount"
    for _, key in COLUMNS[1:5]:
        key = pins if key == "pins" else key
        cells.append(value_cell(frame.state.get(p + key), frame.old(p + key), p + key in frame.changed))
    cells.append(list_cell(frame, name))
    cells.append(flags_cell(frame.state.get(p + "flags", ()), frame.old(p + "flags")))
    zone = frame.state.get(p + "zone", "")
    cells.append(Text(str(zone), style="" if zone != "normal" else EMPTY))
    return cells


def list_cell(frame: Frame, name: str) -> Text:
    """The LRU list, or what isolated the folio."""
    p = f"folio.{name}."
    where = frame.state.get(p + "list", "none")
    isolated = frame.state.get(p + "isolated", "none")
    if where == "none" and isolated != "none":
        where = f"isolated:{isolated}"
    changed = any(p + k in frame.changed for k in ("list", "isolated"))
    style = CHANGED if changed else (EMPTY if where == "none" else "")
    return Text(str(where), style=style)
