"""`folioscope check --workers N` prints exactly what one process prints:
the same verdict block, JSON and witness files on random programs with
random conditions, locations, thread expects and bounds, for 2 and 3
workers; fingerprints that agree across unrelated processes; clean errors."""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import random
import subprocess
import sys
from pathlib import Path

import pytest

from folioscope.check import parallel
from folioscope.check.condition import Atom, Condition
from folioscope.check.parallel import ParallelError, ParallelExplorer, ProcessPool
from folioscope.check.search import Bounds, Explorer
from folioscope.check.shard import Shard, StableExplorer
from folioscope.cli import main
from folioscope.dsl.ast import Expect, ExpectField, Pos
from parity import conditioned, outputs, report
from randprog import program, shared_3x4

pytestmark = pytest.mark.slow     # worker processes

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT = sorted((ROOT / "scenarios").glob("c*.fs"))


def _random_case(seed: int):
    rng = random.Random(seed)
    p = program(rng, rng.choice(("v5.18", "v6.11", "v6.17")), ncpus=rng.choice((2, 3)),
                nops=rng.choice((3, 4, 5)), global_ops=rng.random() < 0.4)
    return rng, conditioned(rng, p), rng.random() < 0.5, rng.random() < 0.3


def _bounds(rng: random.Random, full) -> Bounds:
    """A bound that may stop the search anywhere, chosen on the full search."""
    roll = rng.random()
    if roll < 0.2:
        return Bounds(max_states=rng.randint(1, full.states))
    if roll < 0.35:
        return Bounds(max_depth=rng.randint(0, full.depth))
    if roll < 0.6:
        return Bounds(first=True)
    return Bounds()


@pytest.mark.parametrize("seed", range(60))
def test_workers_print_what_one_process_prints(seed):
    rng, p, por, invariants = _random_case(seed)
    bounds = _bounds(rng, Explorer(p, por=por).run())
    one = outputs(report(p, Explorer(p, por, bounds, invariants), por))
    for workers in (2, 3):
        many = ParallelExplorer(p, por, bounds, invariants, workers=workers,
                                balance_min=rng.choice((1, 4)))
        assert outputs(report(p, many, por)) == one, f"--workers {workers}"


def _exists(folio: str, value: str) -> Condition:
    return Condition("exists", Atom(ExpectField((folio,), "list", "==", value)),
                     f"{folio}.list == {value}")


def _failing_expect(p):
    """cpu1's second call expects A on the inactive list: false on some paths."""
    thread = p.threads[1]
    expect = Expect(ExpectField(("A",), "list", "==", "inactive_file"), (), Pos(5, 1, 5, 9),
                    "expect A.list == inactive_file")
    calls = list(thread.calls)
    calls[1] = dataclasses.replace(calls[1], expects=(expect,))
    threads = list(p.threads)
    threads[1] = dataclasses.replace(thread, calls=tuple(calls))
    return dataclasses.replace(p, threads=tuple(threads))


@pytest.mark.parametrize("kind", ["exists", "always", "expect"])
def test_shared_folios_with_balance_moves(kind):
    """3 CPUs x 4 ops on shared folios (4,120 states), with a condition, an
    invariant violated in many states on every shard, a thread expect that
    fails on many paths: nodes move between shards, nothing printed changes."""
    p = shared_3x4()
    p.condition = _exists("A", "active_file")
    if kind == "always":
        p.condition = Condition("always", _exists("A", "inactive_file").expr, "A inactive")
    elif kind == "expect":
        p = _failing_expect(p)
    one = outputs(report(p, Explorer(p)))
    many = ParallelExplorer(p, workers=2)
    assert outputs(report(p, many)) == one
    assert many.moved > 0


@pytest.mark.parametrize("bounds", [Bounds(max_states=1000), Bounds(max_depth=7),
                                    Bounds(first=True), Bounds(max_states=1, first=True)],
                         ids=["max-states", "max-depth", "first", "max-states=1"])
def test_bounds_stop_identically(bounds):
    p = shared_3x4()
    p.condition = _exists("B", "inactive_file")
    one_search = Explorer(p, bounds=bounds)
    one = outputs(report(p, one_search))
    many = outputs(report(p, ParallelExplorer(p, bounds=bounds, workers=2)))
    assert many == one
    assert "Bound reached" in one[0] or "Stopped at the first witness" in one[0]


def test_spawned_workers_agree():
    """Spawned workers (no shared hash seed or addresses) with stable
    fingerprints print the same as one process."""
    rng, p, por, invariants = _random_case(7)
    spawn = functools.partial(ProcessPool, method="spawn")
    one = outputs(report(p, Explorer(p, por, Bounds(), invariants), por))
    many = ParallelExplorer(p, por, Bounds(), invariants, workers=2, pool=spawn)
    assert outputs(report(p, many, por)) == one


def _stable_fingerprints(p) -> list[int]:
    e = StableExplorer(p)
    root = e._root()
    seen, frontier = {e._fingerprint(root)}, [root]
    while frontier:
        nxt = []
        for node in frontier:
            for move in e.enabled(node):
                child, _ = e.apply(node, move)
                fp = e._fingerprint(child)
                if fp not in seen:
                    seen.add(fp)
                    nxt.append(child)
        frontier = nxt
    return sorted(seen)


def test_stable_fingerprints_agree_across_processes(monkeypatch):
    """Two interpreters started apart (different addresses: CPython 3.11
    hashes None by address) with PYTHONHASHSEED=0 fingerprint alike, and
    tell the states apart as Explorer does."""
    p = shared_3x4()
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    with multiprocessing.get_context("spawn").Pool(2) as workers:
        a, b = workers.map(_stable_fingerprints, [p, p])
    assert a == b
    assert len(a) == Explorer(p, por=False).run().states


def test_a_failing_worker_is_an_error_not_a_hang(monkeypatch):
    def broken(self, depth):
        raise RuntimeError("boom")

    monkeypatch.setattr(Shard, "expand", broken)      # forked workers inherit it
    p = shared_3x4()
    with pytest.raises(ParallelError, match="boom"):
        ParallelExplorer(p, workers=2).run()


def test_one_worker_is_the_in_process_explorer():
    from folioscope.check.report import Options

    p = shared_3x4()
    assert type(parallel.explorer_for(p, Options(workers=1))) is Explorer
    assert type(parallel.explorer_for(p, Options())) is Explorer
    assert isinstance(parallel.explorer_for(p, Options(workers=2)), ParallelExplorer)


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_bad_workers_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(ROOT / "scenarios" / "b7-endless-retry.fs"), "--workers", value])
    assert exit_.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_workers_auto_is_the_cores():
    from folioscope.check.command import _workers

    assert _workers("auto") == parallel.available_cores() >= 1
    assert _workers("3") == 3


@pytest.mark.parametrize("path", CONCURRENT, ids=[p.name for p in CONCURRENT])
def test_bundled_scenarios_same_for_two_workers(path, tmp_path, capsys):
    """Text, JSON and witness files of every bundled concurrent scenario,
    --workers 2 against --workers 1, under every variant."""
    runs = {}
    for workers in ("1", "2"):
        out_dir = tmp_path / workers
        texts = []
        for fmt in ("text", "json"):
            code = main(["check", str(path), "--kernel", "all", "--no-time", "--progress", "none",
                         "--format", fmt, "--workers", workers, "-o", str(out_dir), "--force"])
            texts.append((code, capsys.readouterr().out.replace(str(out_dir), "DIR")))
        files = {f.name: f.read_text() for f in sorted(out_dir.iterdir())}
        runs[workers] = texts, files
    assert runs["2"] == runs["1"]


def test_without_the_ray_extra_ray_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)          # import ray fails
    code = main(["check", str(ROOT / "scenarios" / "c1-opx-opy.fs"), "--ray", "auto"])
    assert code == 2
    assert "pip install 'folioscope[ray]'" in capsys.readouterr().err


def test_ray_is_imported_only_for_ray():
    script = ("import sys; from folioscope.cli import main; "
              f"code = main(['check', {str(ROOT / 'scenarios' / 'c1-opx-opy.fs')!r}, '--workers', "
              "'2', '--no-time', '--progress', 'none']); "
              "assert 'ray' not in sys.modules, 'ray imported'; sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Observation c1-opx-opy" in done.stdout
