"""The top of the screen: where we are, and the transport buttons."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Button

from .format import result_style
from .frames import Frame


class Where(Widget):
    """The two lines of text; updating them repaints without a layout pass."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._text = Text()

    def show(self, text: Text) -> None:
        """Replace the text."""
        self._text = text
        self.refresh()

    def render(self) -> Text:
        return self._text


class ReplayHeader(Horizontal):
    """Title, file, variant, ``step k/N`` and the current statement's headline.

    The buttons run the same ``app.*`` actions as the keys; Back/First are
    disabled at step 0 and Next/Last at the last step.
    """

    frame: var[Frame | None] = var(None)
    """The step on screen."""
    playing: var[bool] = var(False)
    """Whether the app is playing the trace."""
    speed: var[float] = var(2.0)
    """Play speed, steps per second."""

    def compose(self) -> ComposeResult:
        yield Where(id="where")
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

    def _update(self) -> None:
        if self.is_mounted and self.frame is not None:
            self.query_one(Where).show(header_text(self.frame, self.playing, self.speed))


def header_text(frame: Frame, playing: bool, speed: float) -> Text:
    """Two unwrapped lines: where we are in the run, then the statement."""
    trace, step = frame.trace, frame.step
    top = Text(no_wrap=True, overflow="ellipsis")
    top.append(f"step {frame.index}/{frame.last}", style="bold")
    top.append("  ")
    top.append(f" {trace.variant} ", style="reverse")
    top.append(f"  ▶ {speed:g}/s" if playing else f"  {speed:g}/s", style="green" if playing else "dim")
    top.append("   ")
    if trace.title:
        top.append(trace.title, style="bold")
        top.append("  ")
    top.append(trace.path.rsplit("/", 1)[-1], style="dim")
    bottom = Text(no_wrap=True, overflow="ellipsis")
    if step.index:
        bottom.append(step.text, style="bold")
        bottom.append(" → ")
        bottom.append(step.result, style=result_style(step.result))
        if step.result != "ok":
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
        bottom.append(f"   {len(frame.folios)} folio(s), {trace.cpus} CPUs", style="dim")
    return Text("\n").join([top, bottom])
