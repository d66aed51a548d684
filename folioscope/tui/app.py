"""``folioscope play``: step through a trace, forwards and backwards.

The app holds one trace and a target step.  Keys and buttons only move the
target (cheap); a single render, scheduled with ``call_later``, turns it into
a :class:`~folioscope.tui.frames.Frame` (``trace.state_at``, checkpointed)
that the widgets are data-bound to — so holding a key down coalesces into
one render per burst instead of queueing hundreds.
"""

from __future__ import annotations

import gc
from time import monotonic
from typing import Iterable, Protocol

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer

from ..mm.variants import VARIANT_NAMES
from ..replay.trace import Trace
from .batches import CpuBatches
from .dialogs import GotoScreen, HelpScreen, VariantScreen
from .error_panel import ErrorPanel, error_message
from .folios import FolioTable
from .format import NARROW_BELOW
from .frames import Frame, TraceIndex, after, before
from .header import ReplayHeader
from .holders import HoldersView
from .keys import BINDINGS, action_commands, key_help
from .lists import LruLists
from .messages import FolioSelected, LineClicked
from .source_view import SourceView
from .step_events import StepEvents

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)
"""Play speeds, steps per second."""
MAX_FPS = 30
"""Playing never ticks faster than this; faster speeds advance several steps a tick."""


class TraceSource(Protocol):
    """Where the trace comes from (``folioscope.replay.source``)."""

    recomputable: bool

    def build(self, variant: str | None = None) -> Trace: ...


class ReplayApp(App[int]):
    """Replay one trace; re-run it under another variant or after an edit.

    Keys (also in the footer, the command palette and on ``?``): see BINDINGS.
    """

    CSS_PATH = "app.tcss"
    TITLE = "folioscope play"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide")]

    BINDINGS = BINDINGS

    step: var[int] = var(0, init=False)
    """The step the user asked for (rendered on the next ``call_later``)."""
    frame: var[Frame | None] = var(None, init=False)
    """The step on screen; the widgets are bound to it."""
    selected: var[str | None] = var(None, init=False)
    """The folio under the cursor (holders, ``]``/``[``)."""
    playing: var[bool] = var(False, init=False)
    """Whether the trace is playing."""
    speed: var[float] = var(2.0, init=False)
    """Play speed in steps per second."""

    def __init__(self, source: TraceSource, trace: Trace, start_step: int = 0) -> None:
        super().__init__()
        self.source = source
        """Builds the trace again for a variant switch or a reload."""
        self.trace = trace
        """The trace on screen."""
        self.index = TraceIndex(trace)
        """Searches over ``trace``."""
        self.chosen_variant: str | None = None
        """The variant picked with ``v`` (kept across reloads)."""
        self._render_pending = False
        self._play_timer = None
        self._played_at = 0.0
        self._play_credit = 0.0
        self._ends: tuple[bool, bool] | None = None
        self.freeze_traces = False
        """Move each installed trace out of the GC's sight (``run`` sets it)."""
        start = max(0, min(start_step, trace.last))
        frame = Frame.at(trace, start)
        self.set_reactive(ReplayApp.step, start)
        self.set_reactive(ReplayApp.frame, frame)
        self.set_reactive(ReplayApp.selected, follow(frame, None))

    def compose(self) -> ComposeResult:
        yield ReplayHeader(id="header").data_bind(ReplayApp.frame, ReplayApp.playing, ReplayApp.speed)
        with Horizontal(id="top"):
            yield FolioTable(id="folios").data_bind(ReplayApp.frame, ReplayApp.selected)
            yield HoldersView(id="holders").data_bind(ReplayApp.frame, ReplayApp.selected)
        with Horizontal(id="lower"):
            with Vertical(id="facts"):
                yield CpuBatches(id="batches").data_bind(ReplayApp.frame)
                yield LruLists(id="lists").data_bind(ReplayApp.frame)
            with Vertical(id="story"):
                yield StepEvents(id="events").data_bind(ReplayApp.frame)
                yield SourceView(id="source").data_bind(ReplayApp.frame)
        yield ErrorPanel(id="error")
        yield Footer()

    # --- rendering (coalesced) ----------------------------------------------

    def validate_step(self, step: int) -> int:
        return max(0, min(step, self.trace.last))

    def watch_step(self) -> None:
        if not self._render_pending:
            self._render_pending = True
            self.call_later(self._render)

    def _render(self) -> None:
        """Show ``self.step`` unless it is already on screen."""
        self._render_pending = False
        frame = self.frame
        if frame is None or frame.index != self.step or frame.trace is not self.trace:
            self.show_step(self.step)

    def show_step(self, index: int) -> None:
        """Render step ``index`` now (the render path the benchmark times)."""
        frame = Frame.at(self.trace, index)
        self.frame = frame
        self.selected = follow(frame, self.selected)
        ends = (index == 0, index >= self.trace.last)
        if ends != self._ends:
            self._ends = ends
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Back/First disabled at step 0, Next/Last at the end (dimmed, no-op)."""
        if action in ("step_back", "first_step"):
            return True if self.step > 0 else None
        if action in ("step_forward", "last_step"):
            return True if self.step < self.trace.last else None
        return True

    # --- moving -------------------------------------------------------------

    def action_step_forward(self) -> None:
        """Next step (no-op at the last)."""
        self.step += 1

    def action_step_back(self) -> None:
        """Previous step (no-op at step 0)."""
        self.step -= 1

    def action_first_step(self) -> None:
        """Step 0, the declared state."""
        self.step = 0

    def action_last_step(self) -> None:
        """The last step."""
        self.step = self.trace.last

    def action_goto(self) -> None:
        """Ask for a step number."""
        def done(value: int | None) -> None:
            if value is not None:
                self.step = value
        self.push_screen(GotoScreen(self.step, self.trace.last), done)

    def action_next_change(self) -> None:
        """The next step that changes the selected folio."""
        self._jump(after, self.index.folio_changes(self.selected or ""),
                   f"no later step changes {self.selected}")

    def action_prev_change(self) -> None:
        """The previous step that changed the selected folio."""
        self._jump(before, self.index.folio_changes(self.selected or ""),
                   f"no earlier step changes {self.selected}")

    def action_next_issue(self) -> None:
        """The next step with a non-ok result or a failed expectation."""
        self._jump(after, self.index.attention(), "no later failure or non-ok result")

    def action_prev_issue(self) -> None:
        """The previous step with a non-ok result or a failed expectation."""
        self._jump(before, self.index.attention(), "no earlier failure or non-ok result")

    def _jump(self, search, indexes: list[int], nothing: str) -> None:
        target = search(indexes, self.step)
        if target is None:
            self.notify(nothing, timeout=2)
        else:
            self.step = target

    def action_select_folio(self, delta: int) -> None:
        """Move the folio cursor."""
        folios = self.frame.folios if self.frame else ()
        if not folios:
            return
        pos = folios.index(self.selected) if self.selected in folios else 0
        self.selected = folios[max(0, min(len(folios) - 1, pos + delta))]

    @on(FolioSelected)
    def _folio_selected(self, message: FolioSelected) -> None:
        self.selected = message.name

    @on(LineClicked)
    def _line_clicked(self, message: LineClicked) -> None:
        steps = self.index.at_line(message.line)
        if not steps:
            self.notify(f"no step runs line {message.line}", timeout=2)
            return
        target = after(steps, self.step)
        self.step = steps[0] if target is None else target

    # --- playing ------------------------------------------------------------

    def action_toggle_play(self) -> None:
        """Play or pause (from step 0 again when at the end)."""
        if not self.playing and self.step >= self.trace.last:
            self.step = 0
        self.playing = not self.playing

    def action_faster(self) -> None:
        """Play faster."""
        self.speed = next((s for s in SPEEDS if s > self.speed), SPEEDS[-1])

    def action_slower(self) -> None:
        """Play slower."""
        self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0])

    def watch_playing(self) -> None:
        self._restart_timer()

    def watch_speed(self) -> None:
        self._restart_timer()

    def _restart_timer(self) -> None:
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None
        if self.playing:
            self._played_at = monotonic()
            self._play_credit = 0.0
            self._play_timer = self.set_interval(max(1 / self.speed, 1 / MAX_FPS), self._tick)

    def _tick(self) -> None:
        """Advance by the time elapsed × speed: when frames are slower than the
        speed asks, intermediate steps are skipped rather than the play slowed."""
        if self.step >= self.trace.last:
            self.playing = False
            return
        now = monotonic()
        self._play_credit += (now - self._played_at) * self.speed
        self._played_at = now
        advance = int(self._play_credit)
        if advance:
            self._play_credit -= advance
            self.step += advance

    # --- variants and reloading ---------------------------------------------

    def action_switch_variant(self) -> None:
        """Re-run the scenario under another kernel variant (a .fs file only)."""
        if not self.source.recomputable:
            self.notify("This is a saved trace: open the .fs scenario to switch variants.",
                        title="Cannot switch variant", severity="warning")
            return

        def done(name: str | None) -> None:
            if name and name != self.trace.variant:
                self.notify(f"running under {name}…", timeout=2)
                self.rebuild(name, f"re-ran under {name}")
        self.push_screen(VariantScreen(VARIANT_NAMES, self.trace.variant), done)

    def action_reload(self) -> None:
        """Parse and run the file again after an edit; the position is kept."""
        if not self.source.recomputable:
            self.notify("This is a saved trace: there is no scenario to reload.",
                        title="Cannot reload", severity="warning")
            return
        self.notify("reloading…", timeout=2)
        self.rebuild(self.chosen_variant, "reloaded")

    @work(thread=True, exclusive=True, group="build", exit_on_error=False)
    def rebuild(self, variant: str | None, done: str) -> None:
        """Build the trace again off the UI thread, then install it."""
        try:
            trace = self.source.build(variant)
        except Exception as err:  # ScenarioError, ImportError, CannotRecompute, ...
            self.call_from_thread(self._build_failed, err, done)
        else:
            self.call_from_thread(self.install, trace, variant, f"{done} ({trace.variant})"
                                  if done == "reloaded" else done)

    def install(self, trace: Trace, variant: str | None, done: str) -> None:
        """Show ``trace`` at the current step (clamped)."""
        if variant is not None:
            self.chosen_variant = variant
        self.trace = trace
        self.index = TraceIndex(trace)
        if self.freeze_traces:
            keep_out_of_gc()
        self.set_reactive(ReplayApp.step, self.validate_step(self.step))
        self.show_step(self.step)
        self.query_one(ErrorPanel).hide()
        self.clear_notifications()  # the "running…" one
        self.notify(f"{done}: step {self.step}/{trace.last}", timeout=3)

    def _build_failed(self, error: Exception, done: str) -> None:
        what = "reload" if done.startswith("reloaded") else "variant switch"
        self.query_one(ErrorPanel).show(error_message(error),
                                        f"{what} failed — still showing the previous trace")
        self.clear_notifications()
        self.bell()

    def action_dismiss_error(self) -> None:
        """Close the error panel."""
        self.query_one(ErrorPanel).hide()

    # --- layout and help ----------------------------------------------------

    def action_toggle_source(self) -> None:
        """Hide or show the source (swap it with the events when narrow)."""
        self.screen.toggle_class("-source-toggled")

    def action_help(self) -> None:
        """Show the keys and the legend."""
        self.push_screen(HelpScreen(key_help(self)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from action_commands(self)


def follow(frame: Frame, selected: str | None) -> str | None:
    """The folio to select on ``frame``: ``selected`` while it exists, or its
    migration target ``F'`` once it is freed; else the first folio."""
    folios = frame.folios
    if selected not in folios:
        selected = folios[0] if folios else None
    while selected is not None and frame.folio(selected, "freed") and f"{selected}'" in folios:
        selected = f"{selected}'"
    return selected


def keep_out_of_gc() -> None:
    """Freeze what exists now (the trace: millions of small objects for a long
    run) so that full collections do not pause the UI while stepping."""
    gc.freeze()


def run(source: TraceSource, trace: Trace, start_step: int = 0) -> int:
    """Run the replayer on an already-built trace; the exit code (0 on quit)."""
    keep_out_of_gc()
    app = ReplayApp(source, trace, start_step)
    app.freeze_traces = True
    app.run()
    return app.return_code or 0
