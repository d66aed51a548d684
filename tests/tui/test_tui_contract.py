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


def test_run_returns_the_exit_code(monkeypatch):
    seen = {}

    def fake_run(self, *args, **kwargs):
        seen["step"] = self.step
        seen["trace"] = self.trace
        self._return_code = 0

    monkeypatch.setattr(ReplayApp, "run", fake_run)
    monkeypatch.setattr(tui_app, "keep_out_of_gc", lambda: None)
    trace = b2_trace()
    assert run(SavedSource(trace), trace, start_step=3) == 0
    assert seen == {"step": 3, "trace": trace}


def test_run_reports_a_crash_as_non_zero(monkeypatch):
    def fake_run(self, *args, **kwargs):
        self._return_code = 1

    monkeypatch.setattr(ReplayApp, "run", fake_run)
    monkeypatch.setattr(tui_app, "keep_out_of_gc", lambda: None)
    trace = b2_trace()
    assert run(SavedSource(trace), trace) == 1


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
