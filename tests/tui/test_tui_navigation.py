"""Stepping through a trace: keys, buttons, the ends, goto, play, searches."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Button, Input

from folioscope.tui.app import ReplayApp
from folioscope.tui.dialogs import GotoScreen, HelpScreen
from folioscope.tui.keys import key_help

from tui_support import (FakeSource, SavedSource, b2_trace, header_text, notifications, run,
                         screen_text, settle, two_folio_trace)

pytestmark = pytest.mark.slow     # Textual pilots with timers


def saved_app(trace=None, start: int = 0) -> ReplayApp:
    trace = trace or b2_trace()
    return ReplayApp(SavedSource(trace), trace, start)


def test_step_forward_and_back():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.frame.index == 0
            assert "step 0/6" in header_text(app)
            await pilot.press("right")
            await settle(pilot)
            assert app.frame.index == 1
            assert "step 1/6" in header_text(app)
            assert "cpu1 add_lru F → ok" in header_text(app)
            await pilot.press("n", "n", "n")
            await settle(pilot)
            assert app.frame.index == 4
            assert "cpu0 gup_longterm F → ENOMEM" in header_text(app)
            await pilot.press("left", "p")
            await settle(pilot)
            assert app.frame.index == 2
    run(body())


def test_back_at_zero_and_forward_at_end_are_noops():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.query_one("#back", Button).disabled
            assert app.query_one("#first", Button).disabled
            assert not app.query_one("#forward", Button).disabled
            await pilot.press("left", "p", "home")
            await settle(pilot)
            assert app.frame.index == 0
            await pilot.press("end")
            await settle(pilot)
            assert app.frame.index == 6
            assert app.query_one("#forward", Button).disabled
            assert app.query_one("#last", Button).disabled
            assert not app.query_one("#back", Button).disabled
            await pilot.press("right", "n", "end")
            await settle(pilot)
            assert app.frame.index == 6
            await pilot.press("home")
            await settle(pilot)
            assert app.frame.index == 0
    run(body())


def test_buttons_run_the_same_actions():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.click("#forward")
            await pilot.click("#forward")
            await settle(pilot)
            assert app.frame.index == 2
            await pilot.click("#back")
            await settle(pilot)
            assert app.frame.index == 1
            await pilot.click("#last")
            await settle(pilot)
            assert app.frame.index == 6
            await pilot.click("#forward")  # disabled: nothing happens
            await settle(pilot)
            assert app.frame.index == 6
            await pilot.click("#first")
            await settle(pilot)
            assert app.frame.index == 0
    run(body())


def test_start_step_is_clamped():
    async def body():
        app = saved_app(start=99)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.frame.index == 6
    run(body())


def test_goto_dialog():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("g")
            await settle(pilot)
            assert isinstance(app.screen, GotoScreen)
            await pilot.press("5", "enter")
            await settle(pilot)
            assert not isinstance(app.screen, GotoScreen)
            assert app.frame.index == 5
            await pilot.press("g", "9", "9", "enter")
            await settle(pilot)
            assert app.frame.index == 6  # clamped
            await pilot.press("g", "2", "escape")
            await settle(pilot)
            assert app.frame.index == 6  # cancelled
            await pilot.press("g", "e", "n", "d", "enter")
            await settle(pilot)
            assert app.frame.index == 6
            await pilot.press("g", "z", "enter")  # not a number: the dialog stays
            await settle(pilot)
            assert isinstance(app.screen, GotoScreen)
            assert app.screen.query_one(Input).value == "z"
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, GotoScreen)
    run(body())


def test_play_advances_and_pause_stops():
    async def body():
        app = saved_app(two_folio_trace(500))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for _ in range(5):
                await pilot.press("plus")
            assert app.speed == 64
            await pilot.press("space")
            assert app.playing
            for _ in range(100):
                await pilot.pause(0.02)
                if app.frame.index >= 3:
                    break
            await pilot.press("space")
            assert not app.playing
            await settle(pilot)
            stopped = app.frame.index
            assert 3 <= stopped < 500
            await pilot.pause(0.1)
            await settle(pilot)
            assert app.frame.index == stopped
            await pilot.press("minus")
            assert app.speed == 32
    run(body())


def test_play_stops_at_the_end_and_restarts_from_zero():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for _ in range(12):
                await pilot.press("plus")
            assert app.speed == 256
            await pilot.press("space")
            for _ in range(200):
                await pilot.pause(0.01)
                if not app.playing:
                    break
            await settle(pilot)
            assert not app.playing
            assert app.frame.index == 6
            for _ in range(12):
                await pilot.press("minus")
            assert app.speed == 0.5
            await pilot.press("space")  # from the end: starts again at step 0
            assert app.playing
            assert app.step <= 1  # 0.5 steps/s: at most one tick so far
            await pilot.press("space")
            assert not app.playing
            await settle(pilot)
            assert app.frame.index <= 1
    run(body())


def test_play_button_toggles():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.click("#play")
            assert app.playing
            assert str(app.query_one("#play", Button).label) == "❚❚"
            await pilot.click("#play")
            assert not app.playing
    run(body())


def test_next_and_previous_change_of_selected_folio():
    async def body():
        app = saved_app(two_folio_trace())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.selected == "A"
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert app.frame.index == 1
            await pilot.press("down")  # select B
            await settle(pilot)
            assert app.selected == "B"
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert app.frame.index == 3
            await pilot.press("right_square_bracket")  # B never changes again
            await settle(pilot)
            assert app.frame.index == 3
            assert any("no later step changes B" in n for n in notifications(app))
            await pilot.press("up", "right_square_bracket")
            await settle(pilot)
            assert app.selected == "A"
            assert app.frame.index == 4
            await pilot.press("left_square_bracket")
            await settle(pilot)
            assert app.frame.index == 2
    run(body())


def test_clicking_a_folio_row_selects_it():
    async def body():
        app = saved_app(two_folio_trace())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.click("#folios", offset=(3, 3))  # border, header, A, B
            await settle(pilot)
            assert app.selected == "B"
            assert "who holds B" in str(app.query_one("#holders").border_title)
    run(body())


def test_next_and_previous_failure():
    async def body():
        app = saved_app(two_folio_trace())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("x")
            await settle(pilot)
            assert app.frame.index == 2  # failed expectation
            await pilot.press("x")
            await settle(pilot)
            assert app.frame.index == 4  # ENOMEM
            await pilot.press("x")
            await settle(pilot)
            assert app.frame.index == 4
            assert any("no later failure" in n for n in notifications(app))
            await pilot.press("X")
            await settle(pilot)
            assert app.frame.index == 2
    run(body())


def test_next_failure_in_b2():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("x")
            await settle(pilot)
            assert app.frame.index == 4
            assert "✗ 1 expectation failed" in header_text(app)
    run(body())


def test_a_flood_of_keys_renders_once_per_burst():
    async def body():
        trace = two_folio_trace(500)
        app = saved_app(trace)
        renders = []
        original = app.show_step
        app.show_step = lambda index: (renders.append(index), original(index))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for _ in range(300):
                app._driver.send_message(events.Key("right", None))
            await settle(pilot)
            assert app.frame.index == 300
            assert len(renders) < 30, renders
            for _ in range(400):
                app._driver.send_message(events.Key("left", None))
            await settle(pilot)
            assert app.frame.index == 0
    run(body())


def test_help_screen_lists_the_keys():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            keys = dict((desc, key) for key, desc in key_help(app))
            assert keys["Next step"].startswith("→")
            assert "[" in keys["Previous step that changed the selected folio"]
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, HelpScreen)
    run(body())


def test_command_palette_offers_the_actions():
    async def body():
        app = ReplayApp(FakeSource(), b2_trace())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            names = [c.title for c in app.get_system_commands(app.screen)]
            for expected in ("Next step", "Previous step", "Play / pause", "Go to step",
                             "Switch kernel variant (re-run)", "Reload the scenario file after editing it",
                             "Next non-ok result or failed expectation", "Back to where the last jump "
                             "(g ] [ x X, a click) started", "Save an SVG screenshot in the current directory"):
                assert expected in names
            assert "Screenshot" not in names  # Textual's own saves to ~/Downloads
    run(body())


def test_a_saved_trace_offers_no_variant_switch_nor_reload():
    async def body():
        app = saved_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            names = [c.title for c in app.get_system_commands(app.screen)]
            assert "Switch kernel variant (re-run)" not in names
            assert "Reload the scenario file after editing it" not in names
            footer = screen_text(app).splitlines()[-1]
            assert "Variant" not in footer and "Reload" not in footer
            assert "Quit" in footer
    run(body())


def test_source_is_toggled_with_s():
    async def body():
        app = ReplayApp(FakeSource(), b2_trace())
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.query_one("#source").display
            await pilot.press("s")
            await settle(pilot)
            assert not app.query_one("#source").display
    run(body())


def test_clicking_a_source_line_goes_to_its_next_step():
    async def body():
        app = saved_app(two_folio_trace())  # line k + 2 runs step k; line 5 runs step 3
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.click("#source", offset=(6, 1 + 4))  # border, then line 5
            await settle(pilot)
            assert app.frame.index == 3
            await pilot.click("#source", offset=(6, 1 + 0))  # line 1: a declaration
            await settle(pilot)
            assert app.frame.index == 3
            assert any("no step runs line 1" in n for n in notifications(app))
    run(body())
