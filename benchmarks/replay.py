"""How fast ``folioscope play`` is on a long trace.  Prints figures; asserts nothing.

    python benchmarks/replay.py [--steps 100000]

Builds a trace of about ``--steps`` steps from a small scenario with a
``repeat`` block (parsed by folioscope.dsl, run by the interpreter), then:

- the time to build it, and the memory it holds (tracemalloc, second build);
- the time to the first frame of the replayer, headless (App.run_test until
  the app is mounted and its screen composited), for that trace and for the
  bundled B2 scenario;
- the time of seeks through the app's render path, to the last step, back
  to the first, to the steps farthest from any checkpoint, and one step
  each way: from ``ReplayApp.show_step`` (``trace.state_at`` plus the
  widgets' updates) until Textual has written the frame to the (headless)
  terminal, as wall and CPU time; and, as a worst case, ``show_step`` plus
  a layout and a composite of every widget.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from folioscope.dsl import parse_text  # noqa: E402
from folioscope.replay import run_scenario  # noqa: E402
from folioscope.replay.source import ScenarioSource  # noqa: E402
from folioscope.replay.trace import CHECKPOINT_CHANGES, Trace  # noqa: E402
from folioscope.resources import default_scenario  # noqa: E402

OPS_PER_ROUND = 5
SCENARIO = """title "replay benchmark"
kernel v6.18
cpus 2
folio F anon
folio G file
folio H shmem locked=1
folio P1..P8 anon
repeat {rounds} {{
  cpu0 mark_accessed F
  cpu0 mark_accessed F
  cpu0 drain
  cpu1 deactivate F
  cpu1 drain
}}
"""


class BenchSource:
    """A recomputable source for the benchmark scenario."""

    recomputable = True

    def __init__(self, text: str) -> None:
        self.text = text

    def build(self, variant: str | None = None) -> Trace:
        return run_scenario(parse_text(self.text, "benchmark.fs"), variant)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def composite(app) -> None:
    """Lay out and composite the whole screen now, as a refresh would."""
    screen = app.screen
    screen._refresh_layout(app.size)
    screen._compositor.render_update(full=True)


async def first_frame(source, trace: Trace) -> tuple[float, object]:
    """Seconds from creating the app to its first composited screen."""
    from folioscope.tui.app import ReplayApp

    start = time.perf_counter()
    app = ReplayApp(source, trace)
    async with app.run_test(size=(120, 40)) as pilot:
        composite(app)
        elapsed = time.perf_counter() - start
        await pilot.pause()
    return elapsed, app


async def seeks(source, trace: Trace) -> dict[str, tuple[list[float], list[float], list[float], list[float]]]:
    """Per target, five runs of: wall time from show_step to the frame on the
    (headless) terminal, CPU time over the same span, a full composite
    instead, and state_at alone."""
    from folioscope.tui.app import ReplayApp

    app = ReplayApp(source, trace)
    displayed = asyncio.Event()
    display = app._display

    def spy(screen, renderable) -> None:
        display(screen, renderable)
        displayed.set()

    app._display = spy
    last = trace.last
    mid = last // 2 + CHECKPOINT_CHANGES // 2
    targets = {
        "to the last step": last,
        "back to the first step": 0,
        f"to step {mid} (mid-checkpoint)": mid,
        f"to step {mid + 1} (mid-checkpoint)": mid + 1,
        "one step forward": mid + 2,
        "one step back": mid + 1,
    }
    results = {name: ([], [], [], []) for name in targets}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(5):
            for name, index in targets.items():
                wall, cpu, full, state_only = results[name]
                start = time.perf_counter()
                trace.state_at(index)
                state_only.append(time.perf_counter() - start)
                await pilot.pause()
                displayed.clear()
                start, start_cpu = time.perf_counter(), time.process_time()
                app.show_step(index)
                await asyncio.wait_for(displayed.wait(), 5)
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                await pilot.pause()
                app.show_step((index + 1) % (last + 1))
                await pilot.pause()
                start = time.perf_counter()
                app.show_step(index)
                composite(app)
                full.append(time.perf_counter() - start)
                await pilot.pause()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000, help="about this many steps")
    parser.add_argument("--no-memory", action="store_true", help="skip the second, traced build")
    args = parser.parse_args()

    rounds = max(1, args.steps // OPS_PER_ROUND)
    source = BenchSource(SCENARIO.format(rounds=rounds))
    print(f"folioscope replay benchmark — Python {sys.version.split()[0]}")

    gc.collect()
    start = time.perf_counter()
    trace = source.build()
    built = time.perf_counter() - start
    print(f"trace: {trace.last:,} steps, {len(trace.state_at(0))} state keys, "
          f"checkpoint every {CHECKPOINT_CHANGES}+ changes")
    print(f"  build (parse + run the model)        {ms(built)}")

    if not args.no_memory:
        gc.collect()
        tracemalloc.start()
        again = source.build()
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  memory held by the trace             {held / 2**20:8.1f} MiB "
              f"(peak while building {peak / 2**20:.1f} MiB; "
              f"{held / max(1, again.last):.0f} bytes/step)")
        del again

    from folioscope.tui.app import keep_out_of_gc

    keep_out_of_gc()  # as folioscope.tui.app.run() does
    b2 = ScenarioSource(str(default_scenario()))
    b2_trace = b2.build()
    small, _ = asyncio.run(first_frame(b2, b2_trace))
    large, _ = asyncio.run(first_frame(source, trace))
    print("first frame (headless, 120x40)")
    print(f"  {default_scenario().name} ({b2_trace.last} steps)  {ms(small)}")
    print(f"  benchmark trace ({trace.last:,} steps)      {ms(large)}")

    print("seek, 120x40, median / max of 5 runs:")
    print("  wall: show_step until the frame is written (includes Textual's frame pacing, <= 1/60 s)")
    print("  cpu: process time over that span; full: show_step + layout + composite of every widget")
    for name, (wall, cpu, full, state_times) in asyncio.run(seeks(source, trace)).items():
        print(f"  {name:<30} wall {ms(statistics.median(wall))} / {ms(max(wall))}"
              f"   cpu {ms(statistics.median(cpu))}"
              f"   full {ms(statistics.median(full))}"
              f"   state_at {ms(statistics.median(state_times))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
