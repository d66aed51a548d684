"""Benchmark of the kernel model (folioscope.mm): prints figures, asserts nothing.

    python benchmarks/engine.py [--ops N] [--variant NAME] [--all-variants]

Figures:
* operations per second of ``Machine.apply`` over a 100,000-operation
  scenario (a realistic mix on a few folios across 4 CPUs: add_lru via
  putback, mark_accessed, activate, deactivate, rotate, mlock/munlock,
  map/unmap in a VM_LOCKED vma, drains, drain_all, gup_longterm + unpin),
  without and with the invariant checks tests use;
* gup_longterm with a migration (a fresh ZONE_MOVABLE folio each time);
* memory per 1,000 steps (tracemalloc), keeping every Outcome as a caller
  building a trace would;
* the same scenario through ``folioscope.replay.interpreter.run_scenario``
  (full trace: flat states, diffs, checkpoints), if it is usable;
* ``State.clone()`` (snapshot) and ``State.key()`` / ``hash`` per second.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from folioscope.mm import Machine, VARIANT_NAMES  # noqa: E402

NCPUS = 4

DECLS = [
    ("A", "anon", {"referenced": True}),
    ("B", "file", {"mapped": 1}),
    ("C", "anon", {}),
    ("D", "file", {}),
    ("E", "anon", {}),
    ("S", "shmem", {"locked": 1}),
]
"""The folios of the mix; all in ZONE_NORMAL, so gup_longterm pins in place."""


def round_ops(r: int) -> list[tuple]:
    """One round of the mix on CPU ``r % 4`` (and its neighbour): the folios
    come back to a like state at the end of the round, so rounds repeat."""
    c, n = r % NCPUS, (r + 1) % NCPUS
    ops = [
        ("mark_accessed", c, ("A",), ()),
        ("mark_accessed", c, ("A",), ()),            # the second one activates
        ("activate", n, ("B",), ()),
        ("deactivate", c, ("A",), ()),
        ("rotate", c, ("D",), ()),
        ("mlock", c, ("C",), ()),
        ("munlock", n, ("C",), ()),
        ("map", c, ("S",), ("locked",)),
        ("unmap", n, ("S",), ("locked",)),
        ("isolate", c, ("E",), ()),
        ("putback", c, ("E",), ()),                  # folio_add_lru
        ("gup_longterm", c, ("E", "B"), ("touch",)),
        ("unpin", c, ("E",), ()),
        ("unpin", c, ("B",), ()),
        ("deactivate_file", n, ("D",), ()),
        ("drain", c, (), ()),
        ("drain", n, (), ()),
    ]
    if r % 8 == 7:
        ops.append(("drain_all", c, (), ()))
    return ops


def scenario_ops(total: int) -> list[tuple]:
    ops: list[tuple] = []
    r = 0
    while len(ops) < total:
        ops.extend(round_ops(r))
        r += 1
    return ops[:total]


def new_machine(variant: str, check: bool = False) -> Machine:
    m = Machine(variant, NCPUS, check=check)
    for name, kind, attrs in DECLS:
        m.declare(name, kind, **attrs)
    return m


def bench_engine(variant: str, ops: list[tuple], check: bool = False) -> tuple[float, dict]:
    m = new_machine(variant, check)
    results: dict[str, int] = {}
    gc.collect()
    t0 = time.perf_counter()
    for op, cpu, folios, flags in ops:
        out = m.apply(op, cpu, folios, flags)
        results[out.result] = results.get(out.result, 0) + 1
    dt = time.perf_counter() - t0
    return len(ops) / dt, results


def bench_migrations(variant: str, count: int, per_machine: int = 20) -> float:
    """gup_longterm of a fresh ZONE_MOVABLE folio, migrated each time (with a
    stale lru_activate entry on another CPU, so d drains and a fails).  A new
    machine every ``per_machine`` pins keeps the state small (each migration
    adds a folio F'); pass a large ``per_machine`` to see the cost grow with
    the number of folios."""
    t0 = time.perf_counter()
    m = None
    for i in range(count):
        if i % per_machine == 0:
            m = Machine(variant, NCPUS)
        name = f"M{i}"
        m.declare(name, "anon", zone="movable", referenced=True)
        m.apply("mark_accessed", 1, (name,))
        m.apply("gup_longterm", 0, (name,))
        m.apply("drain", 0)
        m.apply("drain", 1)
    return count / (time.perf_counter() - t0)


def bench_memory(variant: str, ops: list[tuple]) -> float:
    """Bytes retained per 1,000 steps when every Outcome is kept."""
    m = new_machine(variant)
    kept = []
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    for op, cpu, folios, flags in ops:
        kept.append(m.apply(op, cpu, folios, flags))
    gc.collect()
    now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (now - base) / (len(ops) / 1000), peak


def _op_line(op: str, cpu: int, folios: tuple, flags: tuple) -> str:
    name = "drain all" if op == "drain_all" else op
    return " ".join([f"cpu{cpu}", name, *folios, *flags])


def _scenario_text(total: int, variant: str) -> str:
    """The scenario as DSL text: the 8-round period of the mix in a
    ``repeat`` block (files are limited in size, not in steps), then the
    remainder."""
    lines = [f"kernel {variant}", f"cpus {NCPUS}"]
    for name, kind, attrs in DECLS:
        words = [f"{k}={v}" if v is not True else k for k, v in attrs.items()]
        lines.append(" ".join(["folio", name, kind, *words]))
    period = [o for r in range(8) for o in round_ops(r)]
    times, rest = divmod(total, len(period))
    if times:
        lines.append(f"repeat {times} {{")
        lines += ["  " + _op_line(*o) for o in period]
        lines.append("}")
    lines += [_op_line(*o) for o in period[:rest]]
    return "\n".join(lines) + "\n"


def _scenario_ast(ops: list[tuple], variant: str):
    """The same scenario built as an AST, when the parser is not usable."""
    from folioscope.dsl.ast import FolioDecl, Op, Pos, Scenario

    pos = Pos(1, 1, 1, 1)
    sc = Scenario(path="<benchmark>", source="", kernel=variant, cpus=NCPUS)
    sc.decls = [FolioDecl((name,), kind, dict(attrs), pos) for name, kind, attrs in DECLS]
    sc.body = [Op(cpu, op, folios, flags, None, pos, f"cpu{cpu} {op}")
               for op, cpu, folios, flags in ops]
    return sc


def bench_trace(variant: str, ops: list[tuple]) -> str:
    try:
        from folioscope.replay.interpreter import run_scenario
    except Exception as err:                       # pragma: no cover - reported, not fatal
        return f"run_scenario not importable: {type(err).__name__}: {err}"
    how = "parsed text"
    try:
        from folioscope.dsl import parse_text
        t0 = time.perf_counter()
        scenario = parse_text(_scenario_text(len(ops), variant), "<benchmark>")
        parse_s = time.perf_counter() - t0
    except Exception as err:
        how = f"AST built directly (parser: {type(err).__name__}: {str(err).splitlines()[0][:80]})"
        scenario, parse_s = _scenario_ast(ops, variant), 0.0
    try:
        gc.collect()
        t0 = time.perf_counter()
        trace = run_scenario(scenario, variant)
        dt = time.perf_counter() - t0
    except Exception as err:
        return f"run_scenario failed: {type(err).__name__}: {err}"
    rate = len(ops) / dt
    # memory of a trace of 20,000 steps
    small = ops[:20000]
    try:
        small_sc = parse_text(_scenario_text(len(small), variant), "<benchmark>") \
            if how == "parsed text" else _scenario_ast(small, variant)
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        small_trace = run_scenario(small_sc, variant)
        gc.collect()
        now, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        per_k = (now - base) / (len(small) / 1000)
        del small_trace
        mem = f"{per_k / 1024:,.1f} KiB per 1,000 steps (trace kept)"
    except Exception as err:
        mem = f"memory not measured: {type(err).__name__}: {err}"
    parse = f"; parse {parse_s:.2f} s" if parse_s else ""
    return (f"{rate:,.0f} steps/s ({len(trace) - 1:,} steps in {dt:.2f} s, {how}{parse}); {mem}")


def bench_state(variant: str, ops: list[tuple], seconds: float = 1.0) -> tuple[float, float, float]:
    m = new_machine(variant)
    for op, cpu, folios, flags in ops[:1000]:         # a typical mid-run state
        m.apply(op, cpu, folios, flags)
    st = m.state

    def rate(fn) -> float:
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            for _ in range(200):
                fn()
            n += 200
        return n / (time.perf_counter() - t0)

    return rate(st.clone), rate(st.key), rate(lambda: hash(st))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=100_000)
    ap.add_argument("--variant", default="v6.18", choices=VARIANT_NAMES)
    ap.add_argument("--all-variants", action="store_true",
                    help="also print the engine rate for every variant")
    args = ap.parse_args(argv)
    ops = scenario_ops(args.ops)
    v = args.variant
    print(f"folioscope engine benchmark: {len(ops):,} operations, {NCPUS} CPUs, "
          f"{len(DECLS)} folios, variant {v}, Python {sys.version.split()[0]}")

    rate, results = bench_engine(v, ops)
    print(f"engine  Machine.apply            {rate:>12,.0f} ops/s   results {results}")
    rate_c, _ = bench_engine(v, ops[:20000], check=True)
    print(f"engine  Machine.apply check=True {rate_c:>12,.0f} ops/s   (20,000 ops; invariants + backup)")
    print(f"engine  gup_longterm + migration {bench_migrations(v, 2000):>12,.0f} pins/s "
          "(each: declare, mark_accessed, gup_longterm, 2 drains; <= 40 folios)")
    print(f"engine  the same, state growing     {bench_migrations(v, 1000, per_machine=1000):>9,.0f} pins/s "
          "(up to 2,000 folios: gup_longterm's backup clones the whole state)")
    per_k, peak = bench_memory(v, ops[:20000])
    print(f"memory  outcomes kept            {per_k / 1024:>12,.1f} KiB per 1,000 steps "
          f"(peak {peak / 1024 / 1024:.1f} MiB over 20,000 steps)")
    clone, key, hsh = bench_state(v, ops)
    print(f"state   State.clone (snapshot)   {clone:>12,.0f} /s")
    print(f"state   State.key                {key:>12,.0f} /s")
    print(f"state   hash(State)              {hsh:>12,.0f} /s")
    print(f"trace   run_scenario             {bench_trace(v, ops)}")
    if args.all_variants:
        for name in VARIANT_NAMES:
            r, res = bench_engine(name, ops[:20000])
            print(f"variant {name:<17}        {r:>12,.0f} ops/s   results {res}")


if __name__ == "__main__":
    main()
