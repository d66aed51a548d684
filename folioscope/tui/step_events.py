"""What the kernel did in the current step: the expectations that failed
first (expected and actual), then the events as the model wrote them
(already indented), what changed, and the expectations that held.
PgUp/PgDn (and J/K) scroll it from the keyboard.

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
from .format import printable, result_style
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

    _step: object = None

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None or frame.step is self._step:
            return  # the same step again (its trace grew): keep the scroll
        self._step = frame.step
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

    def scroll_pages(self, pages: int) -> None:
        """Scroll by ``pages`` screenfuls (one line of overlap)."""
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_offset.y + pages * height, animate=False)

    @property
    def text(self) -> str:
        """The logical lines as plain text (for tests)."""
        return "\n".join(" " * indent + text.plain for indent, text in self._items)


def event_items(frame: Frame) -> list[Item]:
    """The step's failed expectations, detail, events, changes and the
    expectations that held."""
    step = frame.step
    out: list[Item] = []
    failed = [o for o in step.expects if not o.ok]
    for o in failed:
        out.append((0, Text.assemble(("✗ ", "bold red"), (printable(f"line {o.line}: {o.text}"), "bold red"))))
        out.append((4, Text(f"expected {printable(o.expected)}", style="red")))
        out.append((4, Text(f"actual   {printable(o.actual)}", style="red")))
    if step.index == 0:
        out.append((0, Text("the declared initial state", style="dim")))
    if step.detail:
        out.append((0, Text(printable(f"{step.result}: {step.detail}"), style=result_style(step.result))))
    out += [event_line(event) for event in step.events]
    lines = change_lines(step.changes)
    if lines:
        out.append((0, Text("changed", style="bold")))
        out += [(2, Text(printable(line), style="yellow")) for line in lines]
    elif step.index:
        out.append((0, Text("nothing changed", style="dim")))
    held = [o for o in step.expects if o.ok]
    if held:
        out.append((0, Text("expectations" + (f" ({len(failed)} failed: at the top)" if failed else ""),
                            style="bold")))
        out += [(2, Text.assemble(("✓ ", "green"), printable(f"line {o.line}: {o.text}"))) for o in held]
    return out


def event_line(event: Event) -> Item:
    """One event: the kernel function in cyan, failures in red."""
    body = printable(event.text)
    text = Text(body)
    match = _CALL.match(body)
    if match:
        text.stylize("cyan", match.start(1), match.end(1))
    for bad in _BAD.finditer(body):
        text.stylize("red", bad.start(), bad.end())
    return len(INDENT) * event.depth, text
