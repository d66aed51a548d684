"""Text snapshots of the screen at key steps of Will Deacon's pin failure (B2).

The screen is exported as plain text (no colours, no SVG ids) and compared
with tests/tui/snapshots/*.txt.  Regenerate deliberately with
``pytest tests/tui --snapshot-update`` and read the diff before committing.
The traces are frozen JSON (tests/fixtures, tests/tui/data) so that engine
changes do not churn these files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from folioscope.views.saved import SavedTraceSource
from folioscope.tui.app import ReplayApp

from tui_support import FIXTURE, FakeSource, RenderedError, run, screen_text, settle

pytestmark = pytest.mark.slow     # Textual screens rendered

DATA = Path(__file__).parent / "data"
SNAPSHOTS = Path(__file__).parent / "snapshots"


def shot(source, trace, size, step: int, keys=()) -> str:
    async def body() -> str:
        app = ReplayApp(source, trace, start_step=step)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            return screen_text(app)
    return run(body())


@pytest.fixture
def snapshot_dir(snapshot):
    snapshot.snapshot_dir = SNAPSHOTS
    return snapshot


def fixture_shot(size, step, keys=()) -> str:
    saved = SavedTraceSource.open(str(FIXTURE))
    return shot(saved, saved.trace, size, step, keys)


def scenario_shot(variant, size, step, keys=()) -> str:
    saved = SavedTraceSource.open(str(DATA / f"b2-scenario-{variant}.json"))
    return shot(saved, saved.trace, size, step, keys)


@pytest.mark.parametrize("step", [0, 3, 4, 6])
def test_b2_fixture_at_120x40(snapshot_dir, step):
    text = fixture_shot((120, 40), step)
    assert f"step {step}/6" in text
    snapshot_dir.assert_match(text, f"b2_step{step}_120x40.txt")


def test_b2_fixture_step4_at_80x24(snapshot_dir):
    text = fixture_shot((80, 24), 4)
    assert "cpu0 gup_longterm F → ENOMEM" in text
    snapshot_dir.assert_match(text, "b2_step4_80x24.txt")


def test_b2_scenario_v611_gup_step(snapshot_dir):
    text = scenario_shot("v6.11", (120, 40), 4)
    assert "▶ 23 cpu0 gup_longterm F" in text
    snapshot_dir.assert_match(text, "b2_scenario_v6.11_step4_120x40.txt")


def test_b2_scenario_v618_gup_step(snapshot_dir):
    text = scenario_shot("v6.18", (120, 40), 4)
    assert "F'" in text and "freed" in text
    snapshot_dir.assert_match(text, "b2_scenario_v6.18_step4_120x40.txt")


def test_b2_scenario_source_at_80x24(snapshot_dir):
    text = scenario_shot("v6.11", (80, 24), 4, keys=["s"])
    assert "▶ 23 cpu0 gup_longterm F" in text
    snapshot_dir.assert_match(text, "b2_scenario_v6.11_step4_80x24_source.txt")


def test_reload_error_panel(snapshot_dir):
    source = FakeSource()
    source_trace = source.build()
    source.error = RenderedError("bad")
    text = shot(source, source_trace, (120, 40), 2, keys=["r"])
    assert "reload failed" in text  # run_test shows no toasts: nothing fades
    snapshot_dir.assert_match(text, "reload_error_120x40.txt")


def test_help_screen(snapshot_dir):
    text = fixture_shot((120, 40), 0, keys=["question_mark"])
    assert "Next step that changes the selected folio" in text
    snapshot_dir.assert_match(text, "help_120x40.txt")
