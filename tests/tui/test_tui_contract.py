"""The contract with the CLI: run(source, trace, start_step) -> exit code,
and folioscope.tui itself importing nothing heavy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import folioscope.tui.app as tui_app
from folioscope.tui.app import ReplayApp, follow, run
from folioscope.tui.frames import Frame
from folioscope.views.json_trace import load

from tui_support import REPO, SavedSource, b2_trace, b2_variant_trace


def headless(monkeypatch, keys, seen: dict) -> None:
    """Make ``run`` drive the real app headless: record what it shows, then
    press ``keys``; the exit code is whatever the app ends with."""
    real_run = ReplayApp.run

    def run_headless(self, *args, **kwargs):
        async def pilot(p):
            await p.pause()
            seen.update(step=self.frame.index, trace=self.frame.trace)
            await p.press(*keys)
            await p.pause()
        return real_run(self, headless=True, auto_pilot=pilot, size=(100, 30))

    monkeypatch.setattr(ReplayApp, "run", run_headless)
    monkeypatch.setattr(tui_app, "keep_out_of_gc", lambda: None)


def test_run_opens_at_the_start_step_and_quits_with_0(monkeypatch):
    seen: dict = {}
    headless(monkeypatch, ["q"], seen)
    trace = b2_trace()
    assert run(SavedSource(trace), trace, start_step=3) == 0
    assert seen == {"step": 3, "trace": trace}


def test_run_reports_a_crash_as_non_zero(monkeypatch, capsys):
    def broken(self):
        raise RuntimeError("a bug in a widget")

    headless(monkeypatch, ["right"], {})
    monkeypatch.setattr(ReplayApp, "action_step_forward", broken)
    trace = b2_trace()
    assert run(SavedSource(trace), trace) != 0


def test_importing_the_package_does_not_load_textual():
    code = "import sys, folioscope.tui; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_selection_follows_a_migrated_folio():
    frame = Frame.at(b2_variant_trace("v6.11"), 4)
    assert follow(frame, "F") == "F"
    assert follow(frame, "nope") == "F"
    migrated = load((Path(__file__).parent / "data" / "b2-scenario-v6.18.json").read_text())
    assert follow(Frame.at(migrated, 4), "F") == "F'"   # F freed, F' pinned
    assert follow(Frame.at(migrated, 3), "F") == "F"
