"""Issue 8 items 11-14 and issue 13 items 1 and 4, on screen: the events
panel from the keyboard, the jump history, 80x24, expected results, saved
traces' footer, reload by source line, screenshots, escaped file strings,
and a slow reload that a newer one supersedes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from folioscope.replay.source import ScenarioSource, TraceBuild
from folioscope.replay.trace import Trace
from folioscope.tui.app import ReplayApp
from folioscope.tui.history import JumpHistory
from folioscope.tui.step_events import StepEvents
from folioscope.views.json_trace import load

from tui_support import (FIXTURE, FakeSource, SavedSource, b2_trace, b2_variant_trace, header_text,
                         run, screen_text, settle, two_folio_trace)

pytestmark = pytest.mark.slow     # Textual pilots with timers


def app_run(app: ReplayApp, size, script):
    """Run ``script(pilot)`` against ``app`` and return what it returns."""
    async def body():
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            return await script(pilot)
    return run(body())


# --- the events panel (item 11) ----------------------------------------------

def test_failed_expectations_come_first_in_what_the_kernel_did():
    async def script(pilot):
        return pilot.app.query_one(StepEvents).text
    text = app_run(ReplayApp(SavedSource(b2_trace()), b2_trace(), 4), (120, 40), script)
    lines = text.splitlines()
    assert lines[0] == "✗ line 14: expect F has mlocked lru"
    assert lines[1].strip() == "expected has mlocked lru"
    assert lines[2].strip().startswith("actual   flags unevictable")
    assert lines[3].startswith("__gup_longterm_locked")


def test_what_the_kernel_did_scrolls_from_the_keyboard():
    async def script(pilot):
        events = pilot.app.query_one(StepEvents)
        assert events.max_scroll_y > 0  # a gup step does not fit at 80x24
        await pilot.press("pagedown")
        await settle(pilot)
        down = events.scroll_offset.y
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")
        await settle(pilot)
        bottom = events.scroll_offset.y
        await pilot.press("pageup", "pageup", "pageup", "pageup", "pageup", "pageup")
        await settle(pilot)
        return down, bottom, events.max_scroll_y, events.scroll_offset.y
    down, bottom, most, top = app_run(ReplayApp(SavedSource(b2_trace()), b2_trace(), 4),
                                      (80, 24), script)
    assert down > 0 and bottom == most and top == 0


# --- the jump history (item 12) ----------------------------------------------

def test_jump_history_is_a_list_with_a_cursor():
    history = JumpHistory()
    assert not history.can_go_back(0)
    history.jumped(0, 5)
    history.jumped(5, 9)
    assert history.back(9) == 5 and history.back(5) == 0
    assert history.back(0) is None
    assert history.forward() == 5 and history.forward() == 9 and history.forward() is None
    history.back(9)
    history.jumped(7, 2)  # from 7 (stepped from 5): forward entries go
    assert history.steps == (0, 5, 7, 2) and not history.can_go_forward()


def test_b_and_f_go_back_and_forward_over_jumps():
    trace = two_folio_trace(8)

    async def script(pilot):
        app, seen = pilot.app, []
        for keys in (["g", *"6", "enter"], ["b"], ["f"], ["left", "left"], ["right_square_bracket"],
                     ["b"], ["b"], ["b"], ["x"], ["b"], ["f"]):
            await pilot.press(*keys)
            await settle(pilot)
            seen.append(app.step)
        return seen
    seen = app_run(ReplayApp(SavedSource(trace), trace, 0), (120, 40), script)
    # goto 6, back to 0, forward to 6, step to 4, ] to 5, back to 4 (where ]
    # started), back to 6, back to 0 (where the goto started), x to 2 (the
    # forward entries go), back to 0, forward to 2
    assert seen == [6, 0, 6, 4, 5, 4, 6, 0, 2, 0, 2]


# --- 80x24, results, saved traces (item 14) ----------------------------------

def test_at_80x24_the_footer_keeps_reload_help_and_quit_and_the_header_fits():
    async def script(pilot):
        return screen_text(pilot.app).splitlines()
    lines = app_run(ReplayApp(FakeSource(), b2_trace(), 4), (80, 24), script)
    footer = lines[-1]
    for key in ("r Reload", "? Help", "q Quit", "v Variant"):
        assert key in footer, footer
    assert "Will Deacon's pin failure  b2-will-deacon-pin-failure.fs" in lines[0]
    assert lines[1].rstrip().endswith("line 10")  # the statement line is whole
    assert "…" not in lines[0] + lines[1]


def test_an_expected_non_ok_result_is_marked_expected_not_failed():
    assert "→ ENOMEM (expected)" in header_of(b2_trace(), 4)   # expect result == ENOMEM held
    unexpected = header_of(two_folio_trace(), 4)               # ENOMEM nobody expected
    assert "→ ENOMEM ✗" in unexpected and "expected)" not in unexpected


def test_a_split_statement_waiting_is_not_marked_as_a_failure():
    from folioscope.dsl import parse_text
    from folioscope.replay import run_scenario
    from folioscope.tui.frames import is_attention

    trace = run_scenario(parse_text("folio F anon\ncpu0 sys_mlock F split\ncpu0 resume\n", "s.fs"))
    header = header_of(trace, 1)
    assert "→ waiting" in header and "✗" not in header
    assert not any(is_attention(step) for step in trace.steps)


def header_of(trace: Trace, step: int, size=(120, 40)) -> str:
    async def script(pilot):
        return header_text(pilot.app)
    return app_run(ReplayApp(SavedSource(trace), trace, step), size, script)


def test_a_long_composed_variant_name_stays_on_the_header_line():
    name = "v6.17+gup_drain_trigger=lru_or_mlocked"
    for size in ((80, 24), (140, 45)):
        header = header_of(b2_variant_trace(name), 4, size)
        top, bottom = header.splitlines()
        assert f" {name} " in top and bottom.startswith("cpu0 gup_longterm F")


def test_screenshot_goes_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "no-home"))  # no ~/Downloads

    async def script(pilot):
        await pilot.press("S")
        await settle(pilot)
    app_run(ReplayApp(SavedSource(b2_trace()), b2_trace(), 4), (100, 30), script)
    shots = list(tmp_path.glob("*.svg"))
    assert len(shots) == 1 and "gup_longterm" in shots[0].read_text()


# --- reload (item 14, issue 13 item 4) ---------------------------------------

def test_reload_keeps_the_source_line_not_the_step_number(tmp_path):
    path = tmp_path / "edit.fs"
    path.write_text("folio F anon\ncpu0 get F\ncpu0 get F\ncpu0 put F\ncpu0 get F\n")

    async def script(pilot):
        app = pilot.app
        await pilot.press("right", "right", "right")
        await settle(pilot)
        assert app.frame.step.text == "cpu0 put F" and app.frame.step.line == 4
        path.write_text("folio F anon\n# a comment\ncpu0 get F\ncpu0 get F\ncpu0 get F\n"
                        "cpu0 put F\ncpu0 get F\n")
        await pilot.press("r")
        await settle(pilot)
        return app.frame.index, app.frame.step.line, app.frame.step.text
    source = ScenarioSource(str(path))
    index, line, text = app_run(ReplayApp(source, source.start(), 0), (120, 40), script)
    assert (index, line, text) == (4, 6, "cpu0 put F")


class SlowThenQuick:
    """A scenario whose first reload takes seconds, the second none."""

    recomputable = True

    def __init__(self) -> None:
        self.reloads = 0
        self.slow_steps_built = 0

    def start(self, variant: str | None = None) -> TraceBuild:
        self.reloads += 1
        if self.reloads == 1:
            return TraceBuild.start(self._slow(), planned=400_000)
        return TraceBuild.finished(b2_variant_trace("v6.11", steps=2))

    def _slow(self):
        whole = b2_variant_trace("v6.18")
        trace = Trace(whole.path, whole.source, "the 400,000-step version", "v6.18", whole.cpus)
        trace.start(whole.state_at(0), whole.steps[0])
        yield trace
        while True:  # the same steps again and again, slowly
            for _ in whole.steps[1:]:
                time.sleep(0.05)
                self.slow_steps_built += 1
                yield trace

    def build(self, variant=None):
        raise AssertionError("the app builds through start()")


def test_a_newer_reload_supersedes_a_slower_older_one():
    source = SlowThenQuick()
    first = b2_trace()

    async def script(pilot):
        app = pilot.app
        await pilot.press("r")
        await pilot.pause(0.4)
        during = header_text(app)
        await pilot.press("r")
        await settle(pilot)
        await pilot.pause(1.5)  # the slow build would have delivered by now
        built = source.slow_steps_built
        await pilot.pause(0.5)
        return during, header_text(app), app.trace, built, source.slow_steps_built
    during, after, trace, built, later = app_run(ReplayApp(source, first, 1), (120, 40), script)
    assert "reloading" in during and "step 1/6" in during  # the old trace, with progress
    assert "step 1/2" in after and "reloading" not in after
    assert trace.last == 2 and trace.title == "B2 as v6.11"
    assert later == built  # the superseded build stopped


# --- escaping (issue 13 item 1) ----------------------------------------------

NASTY = "\x1b]2;PWNED\x07\x1b[31mred [bold]x[/bold]\nsecond line"


def nasty_trace() -> Trace:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc["title"] = NASTY
    doc["path"] = "dir/\x1b[2Jname\n.fs"
    doc["source"] = "folio F shmem # \x1b[41m\x07\nline two\x1b]0;x\x07"
    doc["steps"][0]["events"].append("\x1b[31mevent\x1b[0m [red]markup[/red]")
    doc["steps"][0]["detail"] = "detail\x1b[5m"
    doc["steps"][3]["expects"][2]["actual"] = "actual\x1b[1m\x08"
    holders = doc["initial"]["folio.F.holders"]
    doc["initial"]["folio.F.holders"] = [[label + "\x1b[7m", n] for label, n in holders]
    for step in doc["steps"]:
        for change in step["changes"]:
            for side in ("old", "new"):
                if change["key"] == "folio.F.holders" and change[side]:
                    change[side] = [[label + "\x1b[7m", n] for label, n in change[side]]
    return load(json.dumps(doc))


def test_strings_from_a_file_cannot_drive_the_terminal():
    trace = nasty_trace()

    async def script(pilot):
        app, screens = pilot.app, []
        for step in (1, 4):
            app.step = step
            await settle(pilot)
            screens.append((screen_text(app), header_text(app)))
        return screens
    for size in ((120, 40), (80, 24)):
        for text, header in app_run(ReplayApp(SavedSource(trace), trace, 0), size, script):
            assert "\x1b" not in text and "\x07" not in text and "\x08" not in text
            assert "\\x1b]2;PWNED\\x07\\x1b[31mred [bold]x[/bold]\\nsecond line" in header
            lines = text.splitlines()
            assert lines[0].lstrip().startswith("step ") and lines[1].lstrip().startswith(
                ("cpu1", "cpu0"))  # the title's newline did not break the header


def test_escaped_strings_show_in_every_panel():
    trace = nasty_trace()

    async def script(pilot):
        app = pilot.app
        app.step = 1
        await settle(pilot)
        return app.query_one(StepEvents).text, screen_text(app)
    events, text = app_run(ReplayApp(SavedSource(trace), trace, 0), (140, 45), script)
    assert "\\x1b[31mevent\\x1b[0m [red]markup[/red]" in events
    assert "detail\\x1b[5m" in events
    assert "\\x1b[7m" in text  # a holder label
    assert "folio F shmem # \\x1b[41m\\x07" in text  # a source line


def test_the_default_scenario_file_is_kept_after_a_reload_with_a_title_newline(tmp_path):
    path = Path(tmp_path) / "t.fs"
    path.write_text('title "one\\ntwo"\nfolio F anon\ncpu0 get F\n')

    async def script(pilot):
        return header_text(pilot.app)
    source = ScenarioSource(str(path))
    header = app_run(ReplayApp(source, source.start(), 1), (100, 30), script)
    assert "one\\ntwo" in header.splitlines()[0]


def test_reload_after_the_line_was_edited_keeps_the_step_number(tmp_path):
    path = tmp_path / "edit.fs"
    path.write_text("folio F anon\ncpu0 get F\ncpu0 get F\ncpu0 put F\n")

    async def script(pilot):
        app = pilot.app
        await pilot.press("right", "right")
        await settle(pilot)
        path.write_text("folio F anon\ncpu0 get F\ncpu1 get F\ncpu0 put F\n")  # line 3 changed
        await pilot.press("r")
        await settle(pilot)
        return app.frame.index, app.frame.step.text
    source = ScenarioSource(str(path))
    assert app_run(ReplayApp(source, source.start(), 0), (120, 40), script) == (2, "cpu1 get F")
