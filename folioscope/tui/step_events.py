"""What the kernel did in the current step: the events as the model wrote
them (already indented), what changed, and the expectations checked after it."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from ..views.text import change_lines
from .format import result_style
from .frames import Frame

_CALL = re.compile(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)(\()")
_BAD = re.compile(r"failed|-E[A-Z]+|\bBUG\b|LIVELOCK|too late|missed")


class StepEvents(VerticalScroll):
    """Scrollable events of the current step (scrolled to the top on each step)."""

    can_focus = False
    frame: reactive[Frame | None] = reactive(None)
    """The step on screen."""

    def compose(self):
        yield Static(id="events-text")

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None:
            return
        self.border_title = f"step {frame.index}: what the kernel did" if frame.index else "step 0"
        self.query_one("#events-text", Static).update(events_text(frame))
        self.scroll_home(animate=False)


def events_text(frame: Frame) -> Group:
    """The step's detail, events, changes and expectations; a wrapped line
    keeps its indentation."""
    step = frame.step
    out: list[RenderableType] = []
    if step.index == 0:
        out.append(Text("the declared initial state", style="dim"))
    if step.detail:
        out.append(Text(f"{step.result}: {step.detail}", style=result_style(step.result)))
    out += [event_line(event) for event in step.events]
    lines = change_lines(step.changes)
    if lines:
        out.append(Text("changed", style="bold"))
        out += [Padding(Text(line, style="yellow"), (0, 0, 0, 2)) for line in lines]
    elif step.index:
        out.append(Text("nothing changed", style="dim"))
    if step.expects:
        out.append(Text("expectations", style="bold"))
        for o in step.expects:
            if o.ok:
                out.append(Padding(Text.assemble(("✓ ", "green"), f"line {o.line}: {o.text}"), (0, 0, 0, 2)))
            else:
                out.append(Padding(Text.assemble(("✗ ", "bold red"), (f"line {o.line}: {o.text}", "bold red")),
                                   (0, 0, 0, 2)))
                out.append(Padding(Text(f"expected {o.expected}\nactual   {o.actual}", style="red"),
                                   (0, 0, 0, 6)))
    return Group(*out)


def event_line(event: str) -> RenderableType:
    """One event: the kernel function in cyan, failures in red; indented."""
    body = event.lstrip(" ")
    text = Text(body)
    match = _CALL.match(body)
    if match:
        text.stylize("cyan", match.start(2), match.end(2))
    for bad in _BAD.finditer(body):
        text.stylize("red", bad.start(), bad.end())
    indent = len(event) - len(body)
    return Padding(text, (0, 0, 0, indent)) if indent else text
