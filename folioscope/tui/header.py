"""The top of the screen: where we are, and the transport buttons.

Two lines: the run (step, variant, a build's progress, speed, title, file)
beside the buttons, then the statement and its result across the whole
width.  Everything that comes from the file is escaped (``printable``), so a
title with a newline or an escape sequence stays on its line.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Button

from ..replay.trace import CALM_RESULTS, Step
from .format import printable, result_style
from .frames import Frame

DEFAULT_SPEED = 2.0
"""Steps per second when the replayer starts."""
STATEMENT_WIDTH = 60
"""Longest statement text shown (a gup of 10,000 folios is long)."""


@dataclass(frozen=True)
class Progress:
    """A build under way: what it is, steps built so far, steps planned."""

    what: str
    """``building``, ``reloading``, ``running under v6.18``."""
    built: int
    planned: int | None

    def text(self) -> str:
        """``building 45,000/100,000 steps (45%)``."""
        if not self.planned:
            return f"{self.what}…"
        share = min(99, int(100 * self.built / self.planned))
        return f"{self.what} {self.built:,}/{self.planned:,} steps ({share}%)"


class Where(Widget):
    """One line of text; updating it repaints without a layout pass."""

    DEFAULT_CSS = "Where { height: 1; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._text = Text()

    def show(self, text: Text) -> None:
        """Replace the text."""
        self._text = text
        self.refresh()

    def render(self) -> Text:
        return self._text


class ReplayHeader(Widget):
    """Title, file, variant, ``step k/N`` and the current statement's headline.

    The buttons run the same ``app.*`` actions as the keys; Back/First are
    disabled at step 0 and Next/Last at the last step.
    """

    frame: var[Frame | None] = var(None)
    """The step on screen."""
    playing: var[bool] = var(False)
    """Whether the app is playing the trace."""
    speed: var[float] = var(DEFAULT_SPEED)
    """Play speed, steps per second."""
    progress: var[Progress | None] = var(None)
    """A build under way."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-top"):
            yield Where(id="where-top")
            with Horizontal(id="transport"):
                yield Button("⇤", id="first", action="app.first_step", compact=True,
                             tooltip="First step (home)")
                yield Button("←", id="back", action="app.step_back", compact=True,
                             tooltip="Previous step (left, p)")
                yield Button("▶", id="play", action="app.toggle_play", compact=True,
                             tooltip="Play / pause (space)")
                yield Button("→", id="forward", action="app.step_forward", compact=True,
                             tooltip="Next step (right, n)")
                yield Button("⇥", id="last", action="app.last_step", compact=True,
                             tooltip="Last step (end)")
        yield Where(id="where-bottom")

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.can_focus = False
            button.active_effect_duration = 0  # rapid clicks must all count

    def watch_frame(self, frame: Frame | None) -> None:
        self._update()
        if frame is not None:
            at_start, at_end = frame.index == 0, frame.index >= frame.last
            self.query_one("#first", Button).disabled = at_start
            self.query_one("#back", Button).disabled = at_start
            self.query_one("#forward", Button).disabled = at_end
            self.query_one("#last", Button).disabled = at_end

    def watch_playing(self, playing: bool) -> None:
        self.query_one("#play", Button).label = "❚❚" if playing else "▶"
        self._update()

    def watch_speed(self) -> None:
        self._update()

    def watch_progress(self) -> None:
        self._update()

    def _update(self) -> None:
        if self.is_mounted and self.frame is not None:
            self.query_one("#where-top", Where).show(
                run_line(self.frame, self.playing, self.speed, self.progress))
            self.query_one("#where-bottom", Where).show(statement_line(self.frame))

    @property
    def text(self) -> str:
        """Both lines as plain text (for tests)."""
        return "\n".join(self.query_one(f"#where-{part}", Where).render().plain
                         for part in ("top", "bottom"))


def header_text(frame: Frame, playing: bool, speed: float, progress: Progress | None = None) -> Text:
    """Both lines of the header."""
    return Text("\n").join([run_line(frame, playing, speed, progress), statement_line(frame)])


def run_line(frame: Frame, playing: bool, speed: float, progress: Progress | None) -> Text:
    """``step 4/6  v6.11  2/s   Will Deacon's pin failure  b2.fs``."""
    trace = frame.trace
    top = Text(no_wrap=True, overflow="ellipsis", end="")
    top.append(f"step {frame.index}/{frame.last}", style="bold")
    top.append("  ")
    top.append(f" {printable(trace.variant)} ", style="reverse")
    if progress is not None:
        top.append(f"  {progress.text()}", style="bold magenta")
    if playing:
        top.append(f"  ▶ {speed:g}/s", style="green")
    elif speed != DEFAULT_SPEED:  # the usual speed, paused, is not worth a column
        top.append(f"  {speed:g}/s", style="dim")
    top.append("  ")
    if trace.title:
        top.append(printable(trace.title), style="bold")
        top.append("  ")
    top.append(printable(trace.path.rsplit("/", 1)[-1]), style="dim")
    if getattr(trace, "note", ""):
        top.append(f"  ({printable(trace.note)})", style="dim")
    return top


def statement_line(frame: Frame) -> Text:
    """``cpu0 gup_longterm F → ENOMEM ✗   ✗ 1 expectation failed   line 10``."""
    step = frame.step
    bottom = Text(no_wrap=True, overflow="ellipsis", end="")
    if step.index:
        text = printable(step.text)
        if len(text) > STATEMENT_WIDTH:
            text = text[:STATEMENT_WIDTH - 1] + "…"
        bottom.append(text, style="bold")
        bottom.append(" → ")
        bottom.append(printable(step.result), style=result_style(step.result))
        if step.result not in CALM_RESULTS:
            if result_expected(step):
                bottom.append(" (expected)", style="green")
            else:
                bottom.append(" ✗", style=result_style(step.result))
    else:
        bottom.append("initial state", style="bold")
    failed = sum(1 for o in step.expects if not o.ok)
    if failed:
        bottom.append(f"   ✗ {failed} expectation{'s' if failed > 1 else ''} failed", style="bold red")
    elif step.expects:
        bottom.append(f"   ✓ {len(step.expects)} expectation{'s' if len(step.expects) > 1 else ''} held",
                      style="green")
    if step.index:
        bottom.append(f"   line {step.line}", style="dim")
    else:
        bottom.append(f"   {len(frame.folios)} folio(s), {frame.trace.cpus} CPUs", style="dim")
    return bottom


def result_expected(step: Step) -> bool:
    """Whether an ``expect result == R`` checked after the step held for its
    non-ok result (an ENOMEM the scenario predicts is not a failure)."""
    return any(o.ok and o.expected == step.result and o.text.split()[:2] == ["expect", "result"]
               for o in step.expects)
