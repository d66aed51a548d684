"""What the kernel did in the current step: the events as the model wrote
them (already indented), what changed, and the expectations checked after it.

A line-API scroll view: the lines are wrapped once per step (and per width)
with their indentation kept on continuation lines, and only visible lines
are rendered; a new step needs no layout pass.
"""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..mm.events import INDENT, Event
from ..views.text import change_lines
from .format import result_style
from .frames import Frame

_CALL = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\()")
_BAD = re.compile(r"failed|-E[A-Z]+|\bBUG\b|LIVELOCK|too late|missed")

Item = tuple[int, Text]
"""A logical line: its indentation and its text."""


class StepEvents(ScrollView):
    """Scrollable events of the current step (back at the top on each step)."""

    can_focus = False
    frame: var[Frame | None] = var(None)
    """The step on screen."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._items: list[Item] = []
        self._lines: list[Text] = []
        self._width = 0
        self._strips: dict[int, Strip] = {}
        self._base: Style | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._strips.clear()

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None:
            return
        self.border_title = f"step {frame.index}: what the kernel did" if frame.index else "step 0"
        self._items = event_items(frame)
        self._wrap(force=True)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def on_resize(self) -> None:
        self._wrap()

    def _wrap(self, force: bool = False) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or (width == self._width and not force):
            return
        self._width = width
        console = self.app.console
        lines: list[Text] = []
        for indent, text in self._items:
            for line in text.wrap(console, max(8, width - indent)) if text else [Text()]:
                line.rstrip()
                lines.append(Text(" " * indent) + line if indent else line)
        self._lines = lines
        self._strips.clear()
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._base is None:
            self._base = self.rich_style
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        if index >= len(self._lines):
            return Strip.blank(width, self._base)
        strip = self._strips.get(index)
        if strip is None:
            segments = list(self._lines[index].render(self.app.console))
            strip = Strip(segments).apply_style(self._base)
            self._strips[index] = strip
        return strip.crop(0, width).extend_cell_length(width, self._base)

    @property
    def text(self) -> str:
        """The logical lines as plain text (for tests)."""
        return "\n".join(" " * indent + text.plain for indent, text in self._items)


def event_items(frame: Frame) -> list[Item]:
    """The step's detail, events, changes and expectations."""
    step = frame.step
    out: list[Item] = []
    if step.index == 0:
        out.append((0, Text("the declared initial state", style="dim")))
    if step.detail:
        out.append((0, Text(f"{step.result}: {step.detail}", style=result_style(step.result))))
    out += [event_line(event) for event in step.events]
    lines = change_lines(step.changes)
    if lines:
        out.append((0, Text("changed", style="bold")))
        out += [(2, Text(line, style="yellow")) for line in lines]
    elif step.index:
        out.append((0, Text("nothing changed", style="dim")))
    if step.expects:
        out.append((0, Text("expectations", style="bold")))
        for o in step.expects:
            if o.ok:
                out.append((2, Text.assemble(("✓ ", "green"), f"line {o.line}: {o.text}")))
            else:
                out.append((2, Text.assemble(("✗ ", "bold red"), (f"line {o.line}: {o.text}", "bold red"))))
                out.append((6, Text(f"expected {o.expected}", style="red")))
                out.append((6, Text(f"actual   {o.actual}", style="red")))
    return out


def event_line(event: Event) -> Item:
    """One event: the kernel function in cyan, failures in red."""
    body = event.text
    text = Text(body)
    match = _CALL.match(body)
    if match:
        text.stylize("cyan", match.start(1), match.end(1))
    for bad in _BAD.finditer(body):
        text.stylize("red", bad.start(), bad.end())
    return len(INDENT) * event.depth, text
