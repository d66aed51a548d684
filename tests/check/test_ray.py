"""`folioscope check --ray`: a 2-CPU local Ray cluster prints exactly what
one process prints (text, JSON, witness files), bounds included.  Skipped
where the `ray` extra is not installed (`pip install -e '.[test,ray]'`)."""

from __future__ import annotations

import os
import random
import sys

import pytest

ray = pytest.importorskip("ray")

from folioscope.check import ray_backend  # noqa: E402
from folioscope.check.parallel import ParallelExplorer  # noqa: E402
from folioscope.check.report import Options  # noqa: E402
from folioscope.check.search import Bounds, Explorer  # noqa: E402
from folioscope.check.shard import ShardConfig  # noqa: E402
from parity import conditioned, outputs, report  # noqa: E402
from randprog import program, shared_3x4  # noqa: E402
from test_parallel import CONCURRENT, _exists, _failing_expect  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """One local Ray instance for the module (starting one costs seconds):
    2 CPUs, as Ray's testing tips advise for small CI machines."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray_backend.RayPool.opener("auto", 2)
    ray.shutdown()


def _ray(p, cluster, por=True, bounds=None, invariants=False):
    return ParallelExplorer(p, por, bounds, invariants, workers=cluster.size, pool=cluster)


def test_actors_agree_on_fingerprints(cluster):
    """Actors run with PYTHONHASHSEED=0 and stable fingerprints agree; the
    in-process fingerprint would not (CPython 3.11 hashes None by address)."""
    p = shared_3x4()
    actors = cluster.actors
    stable = ray.get([a.reset.remote(p, i, 2, ShardConfig(stable=True))
                      for i, a in enumerate(actors)])
    assert len(set(stable)) == 1
    env = ray.remote(lambda: os.environ.get("PYTHONHASHSEED"))
    assert ray.get(env.options(runtime_env=ray_backend.RUNTIME_ENV, num_cpus=0).remote()) == "0"
    if sys.version_info < (3, 12):
        native = ray.get([a.reset.remote(p, i, 2, ShardConfig(stable=False))
                          for i, a in enumerate(actors)])
        assert len(set(native)) == 2


@pytest.mark.parametrize("seed", range(12))
def test_ray_prints_what_one_process_prints(cluster, seed):
    rng = random.Random(seed)
    p = conditioned(rng, program(rng, rng.choice(("v5.18", "v6.11", "v6.17")), ncpus=3, nops=4,
                                 global_ops=rng.random() < 0.4))
    bounds = rng.choice((Bounds(), Bounds(first=True), Bounds(max_states=20)))
    one = outputs(report(p, Explorer(p, bounds=bounds)))
    assert outputs(report(p, _ray(p, cluster, bounds=bounds))) == one


@pytest.mark.parametrize("kind", ["exists", "always", "expect", "max-states", "first"])
def test_shared_folios_on_ray(cluster, kind):
    p = shared_3x4()
    p.condition = _exists("A", "active_file")
    bounds = Bounds()
    if kind == "always":
        p.condition = ray_backend_always()
    elif kind == "expect":
        p = _failing_expect(p)
    elif kind == "max-states":
        bounds = Bounds(max_states=1000)
    elif kind == "first":
        bounds = Bounds(first=True)
    one = outputs(report(p, Explorer(p, bounds=bounds)))
    assert outputs(report(p, _ray(p, cluster, bounds=bounds))) == one


def ray_backend_always():
    from folioscope.check.condition import Condition

    return Condition("always", _exists("A", "inactive_file").expr, "A inactive")


def test_options_ray_uses_the_cluster(cluster):
    from folioscope.check.parallel import explorer_for

    explorer = explorer_for(shared_3x4(), Options(ray="auto"))
    assert isinstance(explorer, ParallelExplorer) and explorer.workers == 2


def test_more_workers_than_cpus_is_refused(cluster):
    from folioscope.check.parallel import ParallelError

    with pytest.raises(ParallelError, match="2 CPUs"):
        ray_backend.RayPool.opener("auto", 3)


@pytest.mark.parametrize("path", CONCURRENT, ids=[p.name for p in CONCURRENT])
def test_bundled_scenarios_same_on_ray(cluster, path, tmp_path, capsys):
    from folioscope.cli import main

    runs = []
    for extra in ([], ["--ray", "auto"]):
        out_dir = tmp_path / str(len(runs))
        texts = []
        for fmt in ("text", "json"):
            code = main(["check", str(path), "--kernel", "all", "--no-time", "--progress", "none",
                         "--format", fmt, "-o", str(out_dir), "--force", *extra])
            texts.append((code, capsys.readouterr().out.replace(str(out_dir), "DIR")))
        runs.append((texts, {f.name: f.read_text() for f in sorted(out_dir.iterdir())}))
    assert runs[1] == runs[0]
