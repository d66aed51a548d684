"""The scenario source with the current step's line highlighted and the
lines of failed expectations marked; a click jumps to that line's next step.

A line-API scroll view: only the visible lines are rendered, however long
the scenario is.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.markup import escape
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .format import printable
from .frames import Frame
from .messages import LineClicked

CURRENT = Style(reverse=True, bold=True)
FAILED = Style(color="red")
HELD = Style(color="green")
NUMBER = Style(dim=True)


class SourceView(ScrollView):
    """``trace.source``: ``▶`` and reverse video on the current step's line,
    ``✗`` beside an expectation that fails somewhere in the run, ``✓``/``✗``
    bold beside those checked after the current step.  Posts
    :class:`~folioscope.tui.messages.LineClicked`."""

    can_focus = False
    frame: var[Frame | None] = var(None)
    """The step on screen."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lines: list[str] = []
        self._failed: set[int] = set()
        self._scanned = 0
        self._trace_key: tuple | None = None
        self._current: int | None = None
        self._checked: dict[int, bool] = {}
        self._base: Style | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None:
            return
        step = frame.step
        current = step.line if step.index else None
        checked = {o.line: o.ok for o in step.expects}
        trace = frame.trace
        key = (trace.path, trace.source, trace.variant)
        if key != self._trace_key:
            self._trace_key = key
            self._lines = [printable(line) for line in trace.source.splitlines()] or [""]
            self._failed, self._scanned = set(), 0
            width = max(len(line) for line in self._lines) + self._gutter() + 1
            self.virtual_size = Size(width, len(self._lines))
            self.border_title = escape(printable(trace.path.rsplit("/", 1)[-1]))
            self.refresh()
        else:
            # Repaint only the lines whose marks change.
            before = set(self._checked) | {self._current or 0}
            for line in before | set(checked) | {current or 0}:
                if line:
                    self.refresh_line(line - 1)
        self._scan_failures(trace)
        self._current, self._checked = current, checked
        if current:
            self.call_after_refresh(self._reveal, current)

    def _scan_failures(self, trace) -> None:
        """Lines of failed expectations: only the steps not seen yet (a trace
        that is still building grows between frames)."""
        steps = trace.steps
        if len(steps) < self._scanned:
            self._failed, self._scanned = set(), 0
        for step in steps[self._scanned:]:
            for o in step.expects:
                if not o.ok and o.line not in self._failed:
                    self._failed.add(o.line)
                    self.refresh_line(o.line - 1)
        self._scanned = len(steps)

    def _reveal(self, line: int, center: bool = False) -> None:
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if center or not top <= line - 1 < top + height:
            self.scroll_to(y=max(0, line - 1 - height // 2), animate=False)

    def on_resize(self) -> None:
        if self._current:
            self.call_after_refresh(self._reveal, self._current, True)

    def _gutter(self) -> int:
        return 2 + len(str(len(self._lines))) + 1

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        number = y + scroll_y + 1
        width = self.scrollable_content_region.width
        if self._base is None:
            self._base = self.rich_style  # walks the DOM: once, not per line
        if number > len(self._lines):
            return Strip.blank(width, self._base)
        text = self.line_text(number)
        segments = list(text.render(self.app.console))
        strip = Strip(segments).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width).apply_style(self._base)

    def line_text(self, number: int) -> Text:
        """One numbered, marked source line."""
        digits = len(str(len(self._lines)))
        body = self._lines[number - 1]
        if number == self._current:
            return Text.assemble(("▶ ", "bold"), (f"{number:>{digits}} ", "bold"), (body, CURRENT))
        if number in self._checked:
            ok = self._checked[number]
            return Text.assemble(("✓ " if ok else "✗ ", "bold green" if ok else "bold red"),
                                 (f"{number:>{digits}} ", NUMBER), (body, HELD if ok else FAILED))
        if number in self._failed:
            return Text.assemble(("✗ ", "red"), (f"{number:>{digits}} ", NUMBER), (body, FAILED))
        return Text.assemble("  ", (f"{number:>{digits}} ", NUMBER), body)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y + self.scroll_offset.y < len(self._lines):
            self.post_message(LineClicked(offset.y + self.scroll_offset.y + 1))
