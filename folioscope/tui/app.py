"""``folioscope play``: step through a trace, forwards and backwards.

The app holds one trace and a target step.  Keys and buttons only move the
target (cheap); a single render, scheduled with ``call_later``, turns it into
a :class:`~folioscope.tui.frames.Frame` (``trace.state_at``, checkpointed)
that the widgets are data-bound to — so holding a key down coalesces into
one render per burst instead of queueing hundreds.

A long scenario is built in a thread while the first steps are on screen
(:class:`~folioscope.replay.source.TraceBuild`); every build has a
generation number, and only the newest generation may install what it built,
so a slow reload can never replace the result of a later one.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Iterable, Protocol

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from ..mm.variants import VARIANT_NAMES
from ..replay.source import TraceBuild, start_build
from ..replay.trace import Trace
from .batches import BatchesBox, CpuBatches, parse_cpus
from .dialogs import CpuScreen, GotoScreen, HelpScreen, VariantScreen
from .error_panel import ErrorPanel, error_message
from .folios import FolioTable
from .format import NARROW_BELOW, escape_lines, printable
from .frames import Frame, TraceIndex, after, before
from .header import DEFAULT_SPEED, Progress, ReplayHeader
from .history import JumpHistory
from .holders import HoldersView
from .keys import BINDINGS, action_commands, key_help
from .lists import LruLists
from .messages import FolioSelected, LineClicked
from .position import GONE, Place
from .source_view import SourceView
from .step_events import StepEvents

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)
"""Play speeds, steps per second."""
MAX_FPS = 30
"""Playing never ticks faster than this; faster speeds advance several steps a tick."""
BUILD_SLICE = 0.25
"""Seconds a background build runs between two updates of the screen."""


class TraceSource(Protocol):
    """Where the trace comes from (``folioscope.replay.source``)."""

    recomputable: bool

    def build(self, variant: str | None = None) -> Trace: ...


@dataclass
class Rebuild:
    """A variant switch or reload under way: installed once the step at the
    user's place is built (or the build ends)."""

    variant: str | None
    done: str
    """What to say when it is installed: ``reloaded``, ``re-ran under v6.18``."""
    place: Place
    step: int
    """The step number on screen when it started (the fallback)."""
    installed: bool = False
    index: TraceIndex | None = None
    """Searches over the new build, grown as it grows (to find ``place``)."""


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
    speed: var[float] = var(DEFAULT_SPEED, init=False)
    """Play speed in steps per second."""
    progress: var[Progress | None] = var(None, init=False)
    """A build under way (None when the trace on screen is whole)."""
    pinned_cpus: var[frozenset[int]] = var(frozenset(), init=False)
    """CPUs the batches panel shows even when they hold nothing (``c``)."""

    def __init__(self, source: TraceSource, trace: Trace | TraceBuild, start_step: int = 0) -> None:
        super().__init__()
        self.source = source
        """Builds the trace again for a variant switch or a reload."""
        build = trace if isinstance(trace, TraceBuild) else TraceBuild.finished(trace)
        self.trace = build.view()
        """The trace on screen (the steps built so far while building)."""
        self.index = TraceIndex(self.trace)
        """Searches over ``trace``."""
        self.history = JumpHistory()
        """Jumps, for ``b``/``f``."""
        self.chosen_variant: str | None = None
        """The variant picked with ``v`` (kept across reloads)."""
        self._first_build = build if not build.done else None
        self._generation = 0
        self._rebuild: Rebuild | None = None
        self._wanted_step = start_step if start_step > self.trace.last and not build.done else None
        self._render_pending = False
        self._play_timer = None
        self._played_at = 0.0
        self._play_credit = 0.0
        self._ends: tuple[bool, bool] | None = None
        self.freeze_traces = False
        """Move each installed trace out of the GC's sight (``run`` sets it)."""
        start = max(0, min(start_step, self.trace.last))
        frame = Frame.at(self.trace, start)
        self.set_reactive(ReplayApp.step, start)
        self.set_reactive(ReplayApp.frame, frame)
        self.set_reactive(ReplayApp.selected, follow(frame, None))
        if self._first_build is not None:
            self.set_reactive(ReplayApp.progress, Progress("building", self.trace.last, build.planned))

    def compose(self) -> ComposeResult:
        yield ReplayHeader(id="header").data_bind(ReplayApp.frame, ReplayApp.playing,
                                                  ReplayApp.speed, ReplayApp.progress)
        with Horizontal(id="top"):
            yield FolioTable(id="folios").data_bind(ReplayApp.frame, ReplayApp.selected)
            yield HoldersView(id="holders").data_bind(ReplayApp.frame, ReplayApp.selected)
        with Horizontal(id="lower"):
            with Vertical(id="facts"):
                with BatchesBox(id="batches"):
                    yield CpuBatches(id="batches-body").data_bind(ReplayApp.frame,
                                                                  ReplayApp.pinned_cpus)
                yield LruLists(id="lists").data_bind(ReplayApp.frame)
                yield SourceView(id="source").data_bind(ReplayApp.frame)
            with Vertical(id="story"):
                yield StepEvents(id="events").data_bind(ReplayApp.frame)
        yield ErrorPanel(id="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fit_footer()
        if self._first_build is not None:
            # after the first frame: a build thread would slow its drawing down
            self.call_after_refresh(self._continue_first_build)

    def _continue_first_build(self) -> None:
        if self._first_build is not None:
            self._run_build(self._generation, None, self._first_build)
            self._first_build = None

    def on_resize(self) -> None:
        self._fit_footer()

    def _fit_footer(self) -> None:
        """Narrow screens leave out the palette hint so that r, ? and q fit."""
        footer = self.query_one(Footer)
        footer.show_command_palette = self.size.width >= NARROW_BELOW

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
        """Back/First disabled at step 0, Next/Last at the end (dimmed, no-op);
        no variant switch or reload for a saved trace (left out of the footer)."""
        if action in ("step_back", "first_step"):
            return True if self.step > 0 else None
        if action in ("step_forward", "last_step"):
            return True if self.step < self.trace.last else None
        if action == "jump_back":
            return True if self.history.can_go_back(self.step) else None
        if action == "jump_forward":
            return True if self.history.can_go_forward() else None
        if action in ("switch_variant", "reload"):
            return self.source.recomputable
        if action == "cannot_recompute":
            return not self.source.recomputable
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
        """The last step (built so far)."""
        self.step = self.trace.last

    def action_goto(self) -> None:
        """Ask for a step number."""
        def done(value: int | None) -> None:
            if value is not None:
                self.jump_to(self.validate_step(value))
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
            self.notify(nothing, timeout=2, markup=False)
        else:
            self.jump_to(target)

    def jump_to(self, target: int) -> None:
        """Go to ``target`` and remember the jump (``b`` comes back)."""
        if target != self.step:
            self.history.jumped(self.step, target)
            self.step = target
            self.refresh_bindings()

    def action_jump_back(self) -> None:
        """Back to where the last jump started."""
        target = self.history.back(self.step)
        if target is not None:
            self.step = target
        self.refresh_bindings()

    def action_jump_forward(self) -> None:
        """Forward again to where that jump led."""
        target = self.history.forward()
        if target is not None:
            self.step = target
        self.refresh_bindings()

    def action_select_folio(self, delta: int) -> None:
        """Move the folio cursor."""
        folios = self.frame.folios if self.frame else ()
        if not folios:
            return
        pos = folios.index(self.selected) if self.selected in folios else 0
        self.selected = folios[max(0, min(len(folios) - 1, pos + delta))]

    def action_scroll_events(self, pages: int) -> None:
        """Scroll what the kernel did by pages (negative: up)."""
        self.query_one(StepEvents).scroll_pages(pages)

    def action_scroll_batches(self, lines: int) -> None:
        """Scroll the per-CPU batches."""
        self.query_one(BatchesBox).scroll_relative(y=lines, animate=False)

    def action_pick_cpus(self) -> None:
        """Ask which CPUs the batches panel always shows."""
        def done(value: str | None) -> None:
            if value is None:
                return
            try:
                self.pinned_cpus = parse_cpus(value, self.trace.cpus)
            except ValueError as err:
                self.notify(printable(str(err)), severity="warning", markup=False)
        self.push_screen(CpuScreen(self.pinned_cpus, self.trace.cpus), done)

    @on(FolioSelected)
    def _folio_selected(self, message: FolioSelected) -> None:
        self.selected = message.name

    @on(LineClicked)
    def _line_clicked(self, message: LineClicked) -> None:
        steps = self.index.at_line(message.line)
        if not steps:
            self.notify(f"no step runs line {message.line}", timeout=2, markup=False)
            return
        target = after(steps, self.step)
        self.jump_to(steps[0] if target is None else target)

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
            if self.progress is None:
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
        def done(name: str | None) -> None:
            if name and name != self.trace.variant:
                self.rebuild(name, f"re-ran under {name}")
        self.push_screen(VariantScreen(VARIANT_NAMES, self.trace.variant), done)

    def action_reload(self) -> None:
        """Parse and run the file again after an edit; the source line is kept."""
        self.rebuild(self.chosen_variant, "reloaded")

    def action_cannot_recompute(self, what: str) -> None:
        """``v`` or ``r`` on a saved trace: say why nothing happens."""
        if what == "variant":
            self.notify("This is a saved trace: open the .fs scenario to switch variants.",
                        title="Cannot switch variant", severity="warning", markup=False)
        else:
            self.notify("This is a saved trace: there is no scenario to reload.",
                        title="Cannot reload", severity="warning", markup=False)

    def rebuild(self, variant: str | None, done: str) -> None:
        """Build the trace again in the background; any older build is dropped."""
        self._generation += 1
        self._rebuild = Rebuild(variant, done, Place.of(self.trace, self.index, self.step), self.step)
        what = "reloading" if done == "reloaded" else f"running under {variant}"
        self.progress = Progress(what, 0, None)
        self._run_build(self._generation, variant, None)

    @work(thread=True, exclusive=True, group="build", exit_on_error=False)
    def _run_build(self, generation: int, variant: str | None, build: TraceBuild | None) -> None:
        """Build (or go on building) off the UI thread, handing the UI what is
        built every BUILD_SLICE; stops as soon as a newer build starts or the
        app exits."""
        worker = get_current_worker()
        try:
            if build is None:
                build = start_build(self.source, variant)
            while True:
                done = build.advance(BUILD_SLICE)
                if worker.is_cancelled or generation != self._generation:
                    return
                self.call_from_thread(self._built, generation, build, build.view(), done)
                if done:
                    return
        except Exception as err:  # ScenarioError, ImportError, CannotRecompute, a model bug...
            if not worker.is_cancelled and generation == self._generation:
                self.call_from_thread(self._build_failed, generation, err)

    def _built(self, generation: int, build: TraceBuild, view: Trace, done: bool) -> None:
        """More of generation ``generation`` is built (ignored if superseded)."""
        if generation != self._generation:
            return
        rebuild = self._rebuild
        if rebuild is not None and not rebuild.installed:
            if rebuild.index is None:
                rebuild.index = TraceIndex(view)
            index = rebuild.index
            index.grow(view)
            target = rebuild.place.find(view, index)
            if target is None and not done:
                self.progress = Progress(self.progress.what if self.progress else "building",
                                         view.last, build.planned)
                return  # the old trace stays until the user's place is built
            rebuild.installed = True
            fallback = target is None or target == GONE
            self._install(view, index, min(rebuild.step, view.last) if fallback else target,
                          rebuild.variant)
        else:
            self._grow(view, done)
        if done:
            self.progress = None
            if rebuild is not None:
                self._rebuild = None
                self.clear_notifications()
                self.notify(printable(f"{rebuild.done} ({view.variant}): step {self.step}/{view.last}"
                                      if rebuild.done == "reloaded" else
                                      f"{rebuild.done}: step {self.step}/{view.last}"),
                            timeout=3, markup=False)
        else:
            what = self.progress.what if self.progress else "building"
            self.progress = Progress(what, view.last, build.planned)

    def _grow(self, view: Trace, done: bool) -> None:
        """The trace on screen has more steps (``done``: all of them)."""
        self.trace = view
        self.index.grow(view)
        if self.freeze_traces:
            keep_out_of_gc()
        if self._wanted_step is not None and (done or view.last >= self._wanted_step):
            self.set_reactive(ReplayApp.step, min(self._wanted_step, view.last))
            self._wanted_step = None
        self.show_step(self.step)

    def _install(self, trace: Trace, index: TraceIndex, step: int, variant: str | None) -> None:
        """Show ``trace`` (another build of the file) at ``step``."""
        if variant is not None:
            self.chosen_variant = variant
        self.trace = trace
        self.index = index
        self.history = JumpHistory()
        self._wanted_step = None
        if self.freeze_traces:
            keep_out_of_gc()
        self.set_reactive(ReplayApp.step, self.validate_step(step))
        self.show_step(self.step)
        self.query_one(ErrorPanel).hide()
        self.refresh_bindings()

    def install(self, trace: Trace, variant: str | None, done: str) -> None:
        """Show a whole ``trace`` at the current step (clamped)."""
        self._install(trace, TraceIndex(trace), self.step, variant)
        self.notify(printable(f"{done}: step {self.step}/{trace.last}"), timeout=3, markup=False)

    def _build_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        rebuild, self._rebuild = self._rebuild, None
        self.progress = None
        if rebuild is not None and not rebuild.installed:
            what = "reload" if rebuild.done == "reloaded" else "variant switch"
            title = f"{what} failed — still showing the previous trace"
        else:
            title = f"the run stopped after step {self.trace.last}"
        self.query_one(ErrorPanel).show(escape_lines(error_message(error)), title)
        self.clear_notifications()
        self.bell()

    def action_dismiss_error(self) -> None:
        """Close the error panel."""
        self.query_one(ErrorPanel).hide()

    # --- layout, screenshots and help ---------------------------------------

    def action_toggle_source(self) -> None:
        """Hide or show the source (narrow screens: swap it with the batches and lists)."""
        self.screen.toggle_class("-source-toggled")

    def action_save_screenshot(self) -> None:
        """Save an SVG of the screen in the current directory."""
        try:
            path = self.save_screenshot(path=".")
        except OSError as err:
            self.notify(printable(f"could not save the screenshot: {err.strerror or err}"),
                        severity="error", markup=False)
        else:
            self.notify(printable(f"screenshot saved: {Path(path).resolve()}"), timeout=4, markup=False)

    def action_help(self) -> None:
        """Show the keys and the legend."""
        self.push_screen(HelpScreen(key_help(self)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":  # Textual's saves to ~/Downloads
                yield command
        yield from action_commands(self)

    def on_unmount(self) -> None:
        self._generation += 1  # a build still running stops at its next slice


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


def run(source: TraceSource, trace: Trace | TraceBuild, start_step: int = 0) -> int:
    """Run the replayer on a trace, whole or still building; the exit code
    (0 on quit)."""
    keep_out_of_gc()
    app = ReplayApp(source, trace, start_step)
    app.freeze_traces = True
    app.run()
    return app.return_code or 0
