"""Figures for `folioscope check`: states, transitions, transitions/s,
bytes per visited state and the POR ratio, for the bundled concurrent
scenarios and for 3 CPUs x 4 operations on shared and on private folios.

    python benchmarks/check.py [--runs N]

Times are CPU seconds (time.process_time), medians of N runs; the machine is
shared, so read the ratios (POR vs no POR, measured in the same run) rather
than the absolute rates.  `peak B/st` is tracemalloc's peak over the states
visited (the BFS frontier included); `kept B/st` what each visited state
keeps for the whole search (its fingerprint and parent pointer).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "check"))

from folioscope.check.search import Explorer  # noqa: E402
from randprog import shared_3x4  # noqa: E402


def _programs():
    from folioscope.check.compile import compile_program
    from folioscope.dsl import parse_file

    for path in sorted((ROOT / "scenarios").glob("c*.fs")):
        scenario = parse_file(str(path))
        yield path.stem, compile_program(scenario, scenario.kernel or "v6.18")
    yield "3x4 shared (v6.17)", shared_3x4("v6.17")
    yield "3x4 private (v6.17)", shared_3x4("v6.17", private=True)


def measure(program, por: bool, runs: int) -> dict:
    seconds = []
    for _ in range(runs):
        start = time.process_time()
        result = Explorer(program, por=por).run()
        seconds.append(time.process_time() - start)
    tracemalloc.start()
    Explorer(program, por=por).run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    median = statistics.median(seconds)
    return {"states": result.states, "transitions": result.transitions, "seconds": median,
            "rate": result.transitions / median if median else float("inf"),
            "bytes": peak / max(result.states, 1), "visited": _visited_bytes(result)}


def _visited_bytes(result) -> float:
    """Bytes per visited state that stay for the whole search: the
    fingerprint table and the parent pointers (the frontier comes and goes)."""
    total = sys.getsizeof(result.ids) + sys.getsizeof(result.parent) + sys.getsizeof(result.via)
    total += sum(sys.getsizeof(fp) for fp in result.ids)
    total += sum(sys.getsizeof(i) for i in result.ids.values() if i > 256)
    return total / max(result.states, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    header = (f"{'program':26} {'POR':>4} {'states':>8} {'trans':>8} {'cpu s':>7} "
              f"{'trans/s':>9} {'peak B/st':>9} {'kept B/st':>9} {'POR ratio':>9}")
    print(header)
    print("-" * len(header))
    for name, program in _programs():
        full = measure(program, False, args.runs)
        reduced = measure(program, True, args.runs)
        for label, m in (("off", full), ("on", reduced)):
            ratio = f"{reduced['states'] / full['states']:.2f}" if label == "on" else ""
            print(f"{name:26} {label:>4} {m['states']:>8,} {m['transitions']:>8,} "
                  f"{m['seconds']:>7.3f} {m['rate']:>9,.0f} {m['bytes']:>9,.0f} "
                  f"{m['visited']:>9,.0f} {ratio:>9}")


if __name__ == "__main__":
    main()
