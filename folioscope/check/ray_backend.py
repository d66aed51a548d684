"""``folioscope check --ray ADDRESS|auto``: the shards of parallel.py as Ray
actors, one per CPU of the cluster unless ``--workers`` says how many.

Ray is an optional extra (``pip install 'folioscope[ray]'``), imported only
here, and this module only when ``--ray`` is given.  Actors talk as the
processes of ProcessPool do, but a level's fingerprint batches go from the
generating actor to the owning one as object references: the driver only
sees counts, events and the winners' order keys.  Batches are one per pair
of shards per level, so a call carries thousands of fingerprints (Ray's
guide: tasks under ~10 ms do not speed up).

Ray workers are separate interpreters, not forks: each actor runs with
PYTHONHASHSEED=0 (runtime_env ``env_vars``) and process-independent
fingerprints (shard.StableExplorer: CPython 3.11 hashes None by address);
every actor's fingerprint of the initial node is compared before a search.
Actors are kept for the next search of the same process (starting one
costs seconds).
"""

from __future__ import annotations

import dataclasses
import time

from .parallel import ParallelError
from .program import Program
from .shard import Shard, ShardConfig

RUNTIME_ENV = {"env_vars": {"PYTHONHASHSEED": "0"}}
START_TIMEOUT = 300.0
"""Seconds to wait for the actors (each needs a free CPU of the cluster)."""
INSTALL_HINT = "pip install 'folioscope[ray]'"

_actors: dict[tuple[str, int], list] = {}
"""(Ray job, size) -> the actors kept for it."""


def require():
    """The ray module, or ParallelError saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ParallelError(f"--ray needs Ray, an optional extra: {INSTALL_HINT}") from None
    return ray


def connect(address: str) -> None:
    """``auto``: the running cluster (RAY_ADDRESS, or the latest `ray start`
    on this machine), else a new local one; otherwise that address."""
    ray = require()
    if ray.is_initialized():
        return
    try:
        if address == "auto":
            try:
                ray.init(address="auto")
            except ConnectionError:
                ray.init(include_dashboard=False)
        else:
            ray.init(address=address)
    except Exception as err:   # Ray raises ConnectionError, ValueError, RuntimeError...
        raise ParallelError(f"cannot connect to the Ray cluster at {address}: {err}") from None


class RayPool:
    """The shards of one search as Ray actors (the pool parallel.py drives)."""

    class Opener:
        """What ParallelExplorer calls to open the pool for a program."""

        def __init__(self, actors: list) -> None:
            self.actors = actors
            self.size = len(actors)

        def __call__(self, program: Program, n: int, config: ShardConfig) -> "RayPool":
            return RayPool(self.actors[:n], program, config)

    @classmethod
    def opener(cls, address: str, workers: int | None) -> "RayPool.Opener":
        connect(address)
        return cls.Opener(_actor_pool(workers))

    def __init__(self, actors: list, program: Program, config: ShardConfig) -> None:
        self.ray = require()
        self.actors = actors
        self.n = len(actors)
        self._batches: list | None = None
        config = dataclasses.replace(config, stable=True)
        shared = self.ray.put(program)
        probes = self._get([a.reset.remote(shared, i, self.n, config)
                            for i, a in enumerate(actors)], timeout=START_TIMEOUT)
        if len(set(probes)) != 1:
            raise ParallelError("Ray workers fingerprint the same state differently (a different "
                                "folioscope or Python on some node?)")

    def call(self, method: str, args: list[tuple | None]) -> list:
        refs = [None if a is None else actor.call.remote(method, *a)
                for actor, a in zip(self.actors, args)]
        got = iter(self._get([r for r in refs if r is not None]))
        return [None if r is None else next(got) for r in refs]

    def call_one(self, index: int, method: str, *args):
        return self._get(self.actors[index].call.remote(method, *args))

    def expand(self, depth: int) -> list[dict]:
        refs = [a.expand.options(num_returns=self.n + 1).remote(depth) for a in self.actors]
        self._batches = [r[1:] for r in refs]
        return self._get([r[0] for r in refs])

    def decide(self) -> list:
        batches, self._batches = self._batches, None
        assert batches is not None
        return self._get([actor.decide.remote(*[b[owner] for b in batches])
                          for owner, actor in enumerate(self.actors)])

    def close(self) -> None:
        self._get([a.release.remote() for a in self.actors])

    def abort(self) -> None:
        """Drop the actors' work: the next search finds them (after their
        current call) with nothing kept."""
        for actor in self.actors:
            actor.release.remote()

    def _get(self, refs, timeout: float | None = None):
        try:
            return self.ray.get(refs, timeout=timeout)
        except self.ray.exceptions.GetTimeoutError:
            raise ParallelError(f"{self.n} Ray workers did not start within {timeout:g} s "
                                "(are the cluster's CPUs taken by other jobs?)") from None
        except self.ray.exceptions.RayError as err:
            raise ParallelError(f"a Ray worker failed: {err}") from None


def _actor_pool(workers: int | None) -> list:
    """``workers`` actors (one per CPU of the cluster if None), kept for
    later searches in this Ray job."""
    ray = require()
    cpus = int(ray.cluster_resources().get("CPU", 0))
    n = workers or max(cpus, 1)
    if n > cpus:
        raise ParallelError(f"--workers {n} but the Ray cluster has {cpus} CPUs "
                            "(one actor per CPU)")
    key = (ray.get_runtime_context().get_job_id(), n)
    if key not in _actors:
        actor = ray.remote(num_cpus=1)(ShardActor).options(runtime_env=RUNTIME_ENV)
        _actors[key] = [actor.remote() for _ in range(n)]
    return _actors[key]


class ShardActor:
    """One shard in a Ray worker (made a Ray actor class by _actor_pool)."""

    def __init__(self) -> None:
        self.shard: Shard | None = None

    def reset(self, program: Program, index: int, n: int, config: ShardConfig) -> int:
        self.shard = Shard(program, index, n, config)
        return self.shard.probe()

    def call(self, method: str, *args):
        return getattr(self.shard, method)(*args)

    def expand(self, depth: int) -> tuple:
        stats, batches = self.shard.expand(depth)  # type: ignore[union-attr]
        return (stats, *batches)

    def decide(self, *batches: bytes):
        return self.shard.decide(*batches)  # type: ignore[union-attr]

    def release(self) -> None:
        self.shard = None

    def cpu_seconds(self) -> float:
        """This worker's CPU time so far (for benchmarks/check_parallel.py)."""
        return time.process_time()
