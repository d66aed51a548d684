"""Time and peak memory of the cases that once cost more than their size
(issue 12), each at 1x, 2x, 4x and 8x its base size, so the curve shows
whether the cost is linear; then each documented limit at its maximum.

    python benchmarks/limits.py [--runs N] [--quick]

Figures are CPU seconds (median of N runs) to build the trace and render it
as text, and tracemalloc's peak.  `per unit` is seconds per unit of size:
flat along a row means linear.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

from folioscope.dsl import parse_text
from folioscope.replay import run_scenario
from folioscope.views import text

CASES = {
    "expects: repeat N { expect }": (
        5_000, lambda n: f"folio F anon\ncpu0 drain\nrepeat {n} {{ expect F.refcount == 1 }}\n"),
    "drain all: repeat N": (
        1_000, lambda n: f"cpus 4\nfolio F anon\nrepeat {n} {{ cpu0 drain all }}\n"),
    "cheap drains: repeat N, 1,000 folios, 64 CPUs": (
        20_000, lambda n: f"cpus 64\nfolio F1..F1000 anon\nrepeat {n} {{ cpu0 drain }}\n"),
    "gup_longterm of N folios, 64 CPUs": (
        250, lambda n: f"cpus 64\nfolio F1..F{n} anon zone=movable\ncpu0 gup_longterm F1..F{n}\n"),
    "sys_mlock of N folios named twice": (
        1_250, lambda n: f"folio F1..F{n} anon\ncpu0 sys_mlock F1..F{n} F1..F{n}\n"),
    "N CPUs queueing one folio": (
        8, lambda n: f"cpus {n}\nfolio F anon new\n"
                     + "".join(f"cpu{c} add_lru F\n" for c in range(n))),
}


AT_THE_LIMITS = {
    "file of 128 KiB (comments)": lambda: "folio F anon\n" + "# " + "x" * 100 + "\n" * 0
    + ("cpu0 drain  # " + "x" * 60 + "\n") * 1700,
    "1,000,000 steps (cheap)": lambda: "folio F anon\nrepeat 1000 { repeat 1000 { cpu0 drain } }\n",
    "100,000 folios": lambda: "".join(f"folio A{k}x1..A{k}x10000 anon\n" for k in range(10))
    + "cpu0 drain\n",
    "64 CPUs, all busy": lambda: "cpus 64\nfolio F1..F64 anon\n"
    + "".join(f"cpu{c} activate F{c + 1}\n" for c in range(64)) + "cpu0 drain all\n",
    "1,000,000 expectations": lambda: "folio F anon\nrepeat 1000000 { expect F.refcount == 1 }\n",
    "10,000 folios in one gup_longterm": lambda: "cpus 64\nfolio F1..F10000 anon zone=movable\n"
    "cpu0 gup_longterm F1..F10000\n",
}
"""Each documented limit (docs/language.md, "Limits") at its maximum."""


def measure(source: str, runs: int) -> tuple[float, float, float]:
    """(trace seconds, render seconds, peak MiB)."""
    scenario = parse_text(source)
    build, render = [], []
    for _ in range(runs):
        start = time.process_time()
        trace = run_scenario(scenario)
        middle = time.process_time()
        text.render(trace)
        build.append(middle - start)
        render.append(time.process_time() - middle)
    tracemalloc.start()
    text.render(run_scenario(scenario))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(build), statistics.median(render), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1x and 2x only")
    parser.add_argument("--limits", action="store_true",
                        help="also run each documented limit at its maximum (minutes, GBs)")
    args = parser.parse_args()
    scales = (1, 2) if args.quick else (1, 2, 4, 8)
    print(f"{'case':46} {'size':>7} {'trace s':>8} {'text s':>8} {'peak MiB':>9} {'µs/unit':>9}")
    for name, (base, make) in CASES.items():
        for scale in scales:
            n = base * scale
            build, render, peak = measure(make(n), args.runs)
            print(f"{name:46} {n:>7,} {build:>8.3f} {render:>8.3f} {peak:>9.1f} "
                  f"{(build + render) / n * 1e6:>9.1f}")
    if args.limits:
        print()
        print(f"{'at the limit':46} {'':>7} {'trace s':>8} {'text s':>8} {'peak MiB':>9}")
        for name, make in AT_THE_LIMITS.items():
            build, render, peak = measure(make(), 1)
            print(f"{name:46} {'':>7} {build:>8.3f} {render:>8.3f} {peak:>9.1f}")


if __name__ == "__main__":
    main()
