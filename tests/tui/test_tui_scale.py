"""The replayer on a 64-CPU machine and on a 100,000-step run, at 80x24 and
140x45 (issue 8 items 10 and 13): which CPUs exist and which hold entries,
scrolling and picking CPUs; the first frame while the rest builds, with
progress in the header; quitting while it builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from folioscope.replay.source import ScenarioSource
from folioscope.tui.app import ReplayApp
from folioscope.tui.batches import BatchesBox, parse_cpus

from tui_support import header_text, run, screen_text, settle

pytestmark = pytest.mark.slow
SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture
def snapshot_dir(snapshot):
    snapshot.snapshot_dir = SNAPSHOTS
    return snapshot


def many_cpus(tmp_path) -> str:
    """64 CPUs; cpu5 holds 27 entries over three batches, cpu40 and cpu63 a few."""
    lines = ['title "sixty-four CPUs"', "kernel v6.11", "cpus 64",
             "folio A1..A40 anon new", "folio B1..B20 anon", "folio M1..M6 anon"]
    lines += ["cpu5 add_lru A1..A10", "cpu5 activate B1..B12", "cpu5 map M1..M5 locked"]
    lines += ["cpu40 add_lru A30..A32", "cpu63 activate B20"]
    path = tmp_path / "cpus64.fs"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def long_run(tmp_path, repeats: int = 50_000) -> str:
    path = tmp_path / "long.fs"
    path.write_text('title "a long run"\nkernel v6.11\nfolio F anon\nfolio G file new\n'
                    f"cpu0 add_lru G\nrepeat {repeats} {{\n  cpu0 get F\n  cpu0 put F\n}}\n"
                    "cpu0 drain\nexpect G.refcount == 1\n")
    return str(path)


def open_at_end(path: str, size) -> tuple[str, ReplayApp]:
    async def body():
        source = ScenarioSource(path)
        app = ReplayApp(source, source.start(), 0)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("end")
            await settle(pilot)
            app.shown_cpus = app.query_one("#batches-body")._renderable.shown
            return screen_text(app), app
    return run(body())


@pytest.mark.parametrize("size", [(140, 45), (80, 24)])
def test_64_cpus_show_which_cpus_exist_and_which_hold_entries(tmp_path, snapshot_dir, size):
    text, app = open_at_end(many_cpus(tmp_path), size)
    assert app.trace.cpus == 64
    assert "64 CPUs (cpu0–cpu63): 3 hold 31" in text
    assert "cpu5 (27)" in text and "cp…" not in text
    assert app.shown_cpus == [5, 40, 63]
    if size == (140, 45):
        assert "cpu40 (3)" in text and "cpu63 (1)" in text  # at 80x24: below, scroll with >
    snapshot_dir.assert_match(text, f"cpus64_{size[0]}x{size[1]}.txt")


def test_64_cpus_with_every_batch_empty_still_say_which_cpus_exist(tmp_path):
    path = tmp_path / "empty.fs"
    path.write_text("cpus 64\nfolio F anon\ncpu3 get F\n")
    text, _ = open_at_end(str(path), (140, 45))
    assert "64 CPUs (cpu0–cpu63): every batch empty" in text


def test_the_batches_scroll_and_cpus_can_be_pinned(tmp_path):
    async def body():
        source = ScenarioSource(many_cpus(tmp_path))
        app = ReplayApp(source, source.start(), 0)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("end")
            await settle(pilot)
            box = app.query_one(BatchesBox)
            assert box.max_scroll_y > 0  # 64 CPUs do not fit at 80x24
            await pilot.press("greater_than_sign")
            await settle(pilot)
            assert box.scroll_y > 0
            await pilot.press("less_than_sign")
            await settle(pilot)
            assert box.scroll_y == 0
            await pilot.press("c")
            await settle(pilot)
            await pilot.press(*"0-1,7", "enter")
            await settle(pilot)
            assert app.pinned_cpus == frozenset({0, 1, 7})
            await pilot.press("home")
            await settle(pilot)
            shown = app.query_one("#batches-body")._renderable.shown
            assert shown == [0, 1, 7]  # step 0: nothing queued, the pinned CPUs stay
    run(body())


def test_parse_cpus():
    assert parse_cpus("0-3, 8 cpu10", 64) == frozenset({0, 1, 2, 3, 8, 10})
    assert parse_cpus("", 64) == frozenset()
    for bad in ("64", "3-1", "x", "1-"):
        with pytest.raises(ValueError):
            parse_cpus(bad, 64)


@pytest.mark.parametrize("size", [(140, 45), (80, 24)])
def test_a_100k_step_run_shows_its_first_frame_while_the_rest_builds(tmp_path, size):
    async def body():
        source = ScenarioSource(long_run(tmp_path))
        build = source.start()
        assert build.trace.last < 100_002 == build.planned  # a 0.3 s head start, not the whole run
        app = ReplayApp(source, build, 0)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            header = header_text(app)
            assert "step 0/" in header
            assert "building" in header and "/100,002 steps" in header
            assert app.trace.last < 100_002
            await pilot.press("right")
            await pilot.pause()
            assert app.step <= 1
            # q while building: the app exits and the build thread stops
            await pilot.press("q")
        return app
    app = run(body())
    assert app.return_code in (0, None)
    assert app._generation > 0  # the build was told to stop


def test_a_100k_step_run_finishes_building_in_the_background(tmp_path):
    async def body():
        source = ScenarioSource(long_run(tmp_path))
        app = ReplayApp(source, source.start(), start_step=100_001)
        async with app.run_test(size=(140, 45)) as pilot:
            await pilot.pause()
            assert "building" in header_text(app)
            await settle(pilot)
            header = header_text(app)
            assert "building" not in header
            assert "step 100001/100002" in header  # --step beyond what was built at first
            await pilot.press("end")
            await settle(pilot)
            assert "✓ 1 expectation held" in header_text(app)
    run(body())


def test_a_view_of_a_build_is_not_changed_by_later_steps(tmp_path):
    source = ScenarioSource(long_run(tmp_path, repeats=2_000))
    build = source.start(head_start=0)
    build.advance(0.01)
    view = build.view()
    last, final = view.last, view.final_state()
    states = [view.state_at(k) for k in range(0, last + 1, max(1, last // 7))]
    while not build.advance(1):
        pass
    assert build.trace.last == 4_002 and view.last == last
    assert view.final_state() == final
    assert states == [view.state_at(k) for k in range(0, last + 1, max(1, last // 7))]
    assert [build.trace.state_at(k) for k in range(0, last + 1, max(1, last // 7))] == states
