"""Figures for `folioscope check --workers N` and `--ray`: wall and CPU
seconds of one search with 1 process (the in-process explorer), N worker
processes, and a local Ray cluster, on 4 CPUs x 4 operations over shared
folios with environment drains (40,414 states, 148,641 transitions).

    python benchmarks/check_parallel.py [--runs N] [--workers 2] [--small] [--no-ray]

Runs of each kind alternate (1, N, Ray, 1, N, Ray, ...) so a busy machine
slows them alike; the figures are medians.  CPU seconds add the worker
processes' (or Ray actors') time to the driver's.  speed-up = wall(1) /
wall(N); efficiency = speed-up / N; CPU ratio = cpu(N) / cpu(1), the
protocol's overhead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "check"))

from folioscope.check.parallel import ParallelExplorer  # noqa: E402
from folioscope.check.program import Call, EnvAction, Program, Thread  # noqa: E402
from folioscope.check.search import Explorer  # noqa: E402
from folioscope.mm import Machine  # noqa: E402
from folioscope.mm.variants import get_variant  # noqa: E402
from randprog import shared_3x4  # noqa: E402

OPS = (("activate", "deactivate_file", "rotate", "mark_accessed"),
       ("mark_accessed", "activate", "lazyfree", "deactivate"),
       ("rotate", "mark_accessed", "activate", "deactivate_file"),
       ("deactivate", "rotate", "mark_accessed", "activate"))


def shared_4x4(variant: str = "v6.17") -> Program:
    """randprog.shared_3x4 with a fourth CPU; `may drain` on cpu0-cpu2."""
    m = Machine(variant, 4)
    for name in "ABC":
        m.declare(name, "file")
    threads = []
    for cpu, ops in enumerate(OPS):
        folios = ("ABCA"[cpu % 3:] + "ABC"[:cpu % 3])
        threads.append(Thread(cpu, tuple(Call(op, (folios[k % len(folios)],))
                                         for k, op in enumerate(ops))))
    return Program("4x4", get_variant(variant), m.state, tuple(threads),
                   tuple(EnvAction("drain", cpu) for cpu in range(3)))


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def run_local(program: Program, workers: int) -> tuple[float, float, object]:
    wall, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
    explorer = (Explorer(program) if workers == 1 else ParallelExplorer(program, workers=workers))
    result = explorer.run()
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu + _children_cpu() - child
    return wall, cpu, (result, getattr(explorer, "moved", 0))


def run_ray(program: Program, opener) -> tuple[float, float, object]:
    import ray

    def actors_cpu() -> float:
        return sum(ray.get([a.cpu_seconds.remote() for a in opener.actors]))

    before = actors_cpu()
    wall, cpu = time.perf_counter(), time.process_time()
    explorer = ParallelExplorer(program, workers=opener.size, pool=opener)
    result = explorer.run()
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu + actors_cpu() - before
    return wall, cpu, (result, explorer.moved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--small", action="store_true", help="3 CPUs x 4 ops (4,120 states)")
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    program = shared_3x4() if args.small else shared_4x4()
    kinds = {"1 process": lambda: run_local(program, 1),
             f"{args.workers} workers": lambda: run_local(program, args.workers)}
    if not args.no_ray:
        try:
            import ray
        except ImportError:
            print("(ray not installed: pip install 'folioscope[ray]' for the Ray row)")
        else:
            from folioscope.check import ray_backend

            started = time.perf_counter()
            ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
            opener = ray_backend.RayPool.opener("auto", args.workers)
            run_ray(shared_3x4(), opener)                       # actors up and warm
            print(f"(ray.init and {args.workers} actors: {time.perf_counter() - started:.1f} s)")
            kinds[f"Ray, {args.workers} actors"] = lambda: run_ray(program, opener)
    samples: dict[str, list] = {k: [] for k in kinds}
    for _ in range(args.runs):
        for kind, run in kinds.items():
            samples[kind].append(run())
    base_wall = statistics.median(s[0] for s in samples["1 process"])
    base_cpu = statistics.median(s[1] for s in samples["1 process"])
    result = samples["1 process"][0][2][0]
    print(f"{program.name}: {result.states:,} states, {result.transitions:,} transitions, "
          f"depth {result.depth}; medians of {args.runs} runs, {os.cpu_count()} cores")
    header = (f"{'backend':16} {'wall s':>7} {'cpu s':>7} {'speed-up':>8} {'efficiency':>10} "
              f"{'cpu ratio':>9} {'moved':>6}")
    print(header)
    print("-" * len(header))
    for kind, runs in samples.items():
        n = 1 if kind == "1 process" else args.workers
        wall = statistics.median(s[0] for s in runs)
        cpu = statistics.median(s[1] for s in runs)
        found, moved = runs[0][2]
        assert (found.states, found.transitions) == (result.states, result.transitions), kind
        print(f"{kind:16} {wall:>7.2f} {cpu:>7.2f} {base_wall / wall:>8.2f} "
              f"{base_wall / wall / n:>10.2f} {cpu / base_cpu:>9.2f} {moved:>6,}")


if __name__ == "__main__":
    main()
