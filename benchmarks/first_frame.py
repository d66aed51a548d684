"""Time to the first frame of ``folioscope play`` on a long scenario.  Prints
medians; asserts nothing.

    python benchmarks/first_frame.py [--repeats 50000] [--runs 3]

The scenario runs 2 x ``--repeats`` + 2 steps.  Two ways to open it, each
timed from reading the file until the replayer has drawn its first screen
(headless, ``App.run_test``; the moment is the app's first
``call_after_refresh`` from ``on_mount``, not a ``pilot.pause()``, which
waits for an idle app that a running build never is):

- whole first (the baseline, as ``play`` did before): ``source.build()``
  runs every step, then the app starts;
- first frame at once: ``source.start()`` parses and declares, the app
  starts on step 0 and the rest builds in the background (the run ends as
  soon as the frame is up; quitting stops the build).

Also the time the background build then takes to finish (the trace keeps
growing on screen meanwhile), against the whole build alone.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from folioscope.replay.source import ScenarioSource  # noqa: E402
from folioscope.tui import app as tui_app  # noqa: E402
from folioscope.tui.app import ReplayApp  # noqa: E402

SCENARIO = """title "a long run"
kernel v6.11
folio F anon
folio G file new
cpu0 add_lru G
repeat {repeats} {{
  cpu0 get F
  cpu0 put F
}}
cpu0 drain
expect G.refcount == 1
"""


class TimedApp(ReplayApp):
    """Notes when its first frame is on the (headless) screen."""

    CSS_PATH = str(Path(tui_app.__file__).with_name("app.tcss"))
    drawn: asyncio.Event

    def on_mount(self) -> None:
        super().on_mount()
        self.drawn = asyncio.Event()
        self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        self.drawn_at = time.perf_counter()
        self.drawn.set()


async def first_frame(path: str, whole: bool, wait_for_build: bool = False) -> tuple[float, float]:
    """(seconds to the first frame, seconds until the trace is whole)."""
    started = time.perf_counter()
    source = ScenarioSource(path)
    trace = source.build() if whole else source.start()
    app = TimedApp(source, trace)
    async with app.run_test(size=(140, 45)) as pilot:
        await app.drawn.wait()
        shown = app.drawn_at - started
        if wait_for_build:
            await app.workers.wait_for_complete()
            await pilot.pause()
        complete = time.perf_counter() - started
        assert app.progress is None or not wait_for_build
        await pilot.press("q")
    return shown, complete


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "long.fs")
        Path(path).write_text(SCENARIO.format(repeats=args.repeats))
        steps = 2 * args.repeats + 2
        whole, at_once, built = [], [], []
        for _ in range(args.runs):
            whole.append(asyncio.run(first_frame(path, whole=True))[0])
            at_once.append(asyncio.run(first_frame(path, whole=False))[0])
        for _ in range(max(1, args.runs // 2)):
            built.append(asyncio.run(first_frame(path, whole=False, wait_for_build=True))[1])
    print(f"{steps:,} steps, {args.runs} runs, medians")
    print(f"  first frame, whole trace first (baseline): {median(whole):8.2f} s")
    print(f"  first frame, the rest in the background:   {median(at_once):8.2f} s"
          f"   ({median(at_once) / median(whole):.3f} x baseline)")
    print(f"  whole trace on screen, built in background: {median(built):7.2f} s"
          f"   ({median(built) / median(whole):.2f} x baseline)")


if __name__ == "__main__":
    main()
