"""Switching variant and reloading: fake sources, then the real parser."""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import OptionList

from folioscope.mm.variants import VARIANT_NAMES
from folioscope.replay.source import ScenarioSource
from folioscope.views.saved import SavedTraceSource
from folioscope.tui.app import ReplayApp
from folioscope.tui.dialogs import VariantScreen
from folioscope.tui.error_panel import ErrorPanel

from tui_support import (B2_SCENARIO, FIXTURE, FakeSource, RenderedError, header_text,
                         notifications, run, screen_text, settle)

pytestmark = pytest.mark.slow     # Textual pilots rebuilding traces


async def pick_variant(pilot, name: str) -> None:
    """Open the picker with v and choose ``name``."""
    app = pilot.app
    await pilot.press("v")
    await settle(pilot)
    assert isinstance(app.screen, VariantScreen)
    app.screen.query_one(OptionList).highlighted = VARIANT_NAMES.index(name)
    await pilot.press("enter")
    await settle(pilot)


def test_variant_switch_keeps_position_and_relabels():
    async def body():
        source = FakeSource()
        app = ReplayApp(source, source.build(), start_step=4)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert " v6.11 " in header_text(app)
            await pick_variant(pilot, "v6.18")
            assert source.calls[-1] == "v6.18"
            assert app.trace.variant == "v6.18"
            assert app.frame.trace is app.trace
            assert app.frame.index == 4
            assert " v6.18 " in header_text(app)
            assert "step 4/6" in header_text(app)
            assert not isinstance(app.screen, VariantScreen)
    run(body())


def test_variant_switch_clamps_position_to_a_shorter_trace():
    async def body():
        source = FakeSource(lengths={"v5.18": 2})
        app = ReplayApp(source, source.build(), start_step=5)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pick_variant(pilot, "v5.18")
            assert app.frame.index == 2
            assert "step 2/2" in header_text(app)
            await pilot.press("right")
            await settle(pilot)
            assert app.frame.index == 2
    run(body())


def test_variant_picker_cancel_and_same_variant_do_not_rebuild():
    async def body():
        source = FakeSource()
        app = ReplayApp(source, source.build())
        source.calls.clear()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("v")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            await pick_variant(pilot, "v6.11")
            assert source.calls == []
    run(body())


def test_variant_switch_is_refused_for_a_saved_trace():
    async def body():
        saved = SavedTraceSource.open(str(FIXTURE))
        app = ReplayApp(saved, saved.trace, start_step=3)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("v")
            await settle(pilot)
            assert not isinstance(app.screen, VariantScreen)
            assert any("saved trace" in n for n in notifications(app))
            await pilot.press("r")
            await settle(pilot)
            assert app.trace is saved.trace
            assert app.frame.index == 3
    run(body())


def test_variant_kept_across_reload():
    async def body():
        source = FakeSource()
        app = ReplayApp(source, source.build(), start_step=3)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pick_variant(pilot, "will-v1")
            await pilot.press("r")
            await settle(pilot)
            assert source.calls[-1] == "will-v1"
            assert app.trace.variant == "will-v1"
            assert app.frame.index == 3
    run(body())


def test_reload_keeps_position():
    async def body():
        source = FakeSource()
        first = source.build()
        app = ReplayApp(source, first, start_step=5)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            assert source.calls[-1] is None
            assert app.trace is not first
            assert app.frame.trace is app.trace
            assert app.frame.index == 5
            assert any("reloaded" in n for n in notifications(app))
    run(body())


def test_reload_error_is_shown_and_the_old_trace_stays():
    async def body():
        source = FakeSource()
        first = source.build()
        app = ReplayApp(source, first, start_step=4)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            source.error = RenderedError("bad")
            await pilot.press("r")
            await settle(pilot)
            panel = app.query_one(ErrorPanel)
            assert panel.shown
            text = screen_text(app)
            assert "b2.fs:3:7: error: unknown operation 'ad_lru'" in text
            assert "         ^^^^^^" in text  # the caret, unwrapped and aligned
            assert "reload failed" in text
            assert app.trace is first
            assert app.frame.index == 4
            await pilot.press("right")  # still usable
            await settle(pilot)
            assert app.frame.index == 5
            await pilot.press("escape")
            await settle(pilot)
            assert not panel.shown
            # fixed: the next reload succeeds and hides nothing it should not
            source.error = RenderedError("again")
            await pilot.press("r")
            await settle(pilot)
            assert panel.shown
            source.error = None
            await pilot.press("r")
            await settle(pilot)
            assert not panel.shown
            assert app.trace is not first
            assert app.frame.index == 5
    run(body())


def test_an_error_without_render_is_shown_with_its_type():
    async def body():
        source = FakeSource()
        app = ReplayApp(source, source.build())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            source.error = ImportError("no parser yet")
            await pick_variant(pilot, "v6.17")
            assert app.query_one(ErrorPanel).shown
            assert "ImportError: no parser yet" in screen_text(app)
            assert "variant switch failed" in screen_text(app)
            assert app.trace.variant == "v6.11"
    run(body())


# --- the real thing: ScenarioSource on a .fs file --------------------------

def test_real_variant_switch_changes_the_outcome(tmp_path):
    async def body():
        path = tmp_path / "b2.fs"
        shutil.copy(B2_SCENARIO, path)
        source = ScenarioSource(str(path))
        trace = source.build()
        gup = next(s.index for s in trace.steps if s.op == "gup_longterm")
        app = ReplayApp(source, trace, start_step=gup)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert " v6.11 " in header_text(app)
            assert "gup_longterm F → ENOMEM" in header_text(app)
            await pick_variant(pilot, "v6.18")
            assert " v6.18 " in header_text(app)
            assert "gup_longterm F → ok" in header_text(app)
            assert app.frame.index == gup
            assert "F'" in app.frame.folios
    run(body())


def test_real_reload_with_a_syntax_error_then_fixed(tmp_path):
    async def body():
        path = tmp_path / "b2.fs"
        text = B2_SCENARIO.read_text(encoding="utf-8")
        path.write_text(text, encoding="utf-8")
        source = ScenarioSource(str(path))
        first = source.build()
        app = ReplayApp(source, first, start_step=2)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            path.write_text(text.replace("cpu1 add_lru F", "cpu1 ad_lru F"), encoding="utf-8")
            await pilot.press("r")
            await settle(pilot)
            assert app.query_one(ErrorPanel).shown
            shown = screen_text(app)
            assert f"{path.name}:" in shown and "error" in shown
            assert "^" in shown
            assert app.trace is first
            # edit: one more operation at the end; reload keeps the position
            path.write_text(text + "cpu1 drain\n", encoding="utf-8")
            await pilot.press("r")
            await settle(pilot)
            assert not app.query_one(ErrorPanel).shown
            assert app.trace.last == first.last + 1
            assert app.frame.index == 2
    run(body())
