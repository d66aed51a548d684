"""``folioscope check --workers N``: one search over N shards (shard.py),
with output identical for any N.

Level-synchronous BFS, as distributed TLC: each shard keeps the frontier
nodes it generated, fingerprints go to their owner (``fp % N``), owners keep
the visited set and the parent pointers.  Among the candidates for a new
fingerprint the owner keeps the least ``(parent rank, move index)``: the
parent sequential BFS reaches it from.  The driver ranks each level's
winners globally by that key (the order ``Explorer`` appends them in), so
depths, parents, witnesses and the representative of each final outcome
(the first in BFS order) are those of ``--workers 1``; it merges the
shards' finals and problems in that same order.  Bounds are checked where
``Explorer`` checks them: ``--max-states``, ``--max-depth`` and
``--time-limit`` before each level, ``--first`` after each node (the level
is cut back to the node that decided it, ``tally``), so every count printed
is the one a single process prints.

The transport is a pool: ``ProcessPool`` (forked processes and pipes, here)
or ``ray_backend.RayPool``.  ``--workers 1`` stays the in-process Explorer.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import multiprocessing
import os
import signal
import time
import traceback
from array import array

from .program import Program
from .search import Bounds, Explorer, Problem, SearchResult
from .shard import MOVE_BITS, ROOT, Shard, ShardConfig, order_key, reduced
from .steps import Move

BALANCE_SLACK = 0.05
"""Move frontier nodes when a shard holds this much more than its share."""
BALANCE_MIN = 64
"""... and the level has at least this many nodes per shard."""


class ParallelError(RuntimeError):
    """A worker failed or could not be started."""


def explorer_for(program: Program, options, progress=None) -> Explorer:
    """The explorer ``options`` ask for: the in-process one for one worker,
    else a parallel one over processes or a Ray cluster."""
    args = (program, options.por, options.bounds, options.invariants, progress,
            getattr(options, "all_states", False))
    if getattr(options, "ray", None):
        from .ray_backend import RayPool

        pool = RayPool.opener(options.ray, options.workers)
        return ParallelExplorer(*args, workers=pool.size, pool=pool)
    if (options.workers or 1) > 1:
        return ParallelExplorer(*args, workers=options.workers)
    return Explorer(*args)


def available_cores() -> int:
    """``--workers auto``: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:             # not on Linux
        return os.cpu_count() or 1


class ParallelExplorer(Explorer):
    """``Explorer.run`` over shards; everything else (enabled, apply, the
    checks) is Explorer's, so witnesses are rebuilt as for one process."""

    def __init__(self, program: Program, por: bool = True, bounds: Bounds | None = None,
                 invariants: bool = False, progress=None, all_states: bool = False, *,
                 workers: int = 2, pool=None, balance_min: int = BALANCE_MIN) -> None:
        super().__init__(program, por, bounds, invariants, progress, all_states)
        self.all_states = all_states
        self.workers = workers
        self.open_pool = pool or ProcessPool
        self.balance_min = balance_min
        self.moved = 0
        """Frontier nodes handed from one shard to another (the benchmark's
        figure of the cost of balance)."""

    def run(self) -> SearchResult:
        started = time.monotonic()
        out = SearchResult()
        config = ShardConfig(self.por, self.invariants, self.bounds.first,
                             all_states=self.all_states)
        pool = self.open_pool(self.program, self.workers, config)
        try:
            self._search(pool, out, started)
            self._witness_paths(pool, out)
        except BaseException:            # Ctrl-C or a failed worker: do not wait for the rest
            pool.abort()
            raise
        pool.close()
        out.seconds = time.monotonic() - started
        return out

    # --- the levels ---------------------------------------------------------------

    def _search(self, pool, out: SearchResult, started: float) -> None:
        n = pool.n
        root_fp, problems, positive, negative = pool.call_one(0, "plant_root")
        pool.call_one(root_fp % n, "own_root", root_fp)
        self._root_fp = root_fp
        out.states = 1
        for problem in problems:
            self._add_problem(out, problem[2])
        out.invariant_positive += positive
        out.invariant_negative += negative
        depth, queued = 0, 1
        while queued:
            if self._out_of_bounds(out, depth, queued, started):
                out.left = queued
                break
            expanded = pool.expand(depth)
            keys, per_shard = _rank(pool.decide(), n)
            adopted = pool.call("adopt", per_shard)
            cut = self._merge(out, expanded, adopted, depth)
            if cut is not None:
                self._cut(pool, out, keys, cut)
                queued = 0
            else:
                out.states += len(keys)
                out.transitions += sum(s["transitions"] for s in expanded)
                out.invariant_positive += sum(a[1] for a in adopted)
                out.invariant_negative += sum(a[2] for a in adopted)
                if len(keys):
                    depth += 1
                queued = len(keys)
            out.depth = depth
            if self.progress:
                self.progress(out, queued, depth, time.monotonic() - started)
            if queued:
                self.moved += _balance(pool, [a[3] for a in adopted], self.balance_min)

    def _merge(self, out: SearchResult, expanded: list[dict], adopted: list,
               depth: int) -> int | None:
        """Add the level's finals and problems in sequential order; with
        ``--first``, stop at the node that decides and return its rank."""
        events = []
        for stats in expanded:
            events += [(key, 0, (final_key, final)) for key, final_key, final in stats["finals"]]
            events += stats["problems"]
        for problems, *_ in adopted:
            events += problems
        events.sort(key=lambda e: (e[0], e[1]))
        first = self.bounds.first
        cut = 0 if first and depth == 0 and self._decided(out) else None
        for key, _, item in events:
            rank = key >> MOVE_BITS
            if cut is not None and rank > cut:
                break
            if isinstance(item, Problem):
                changed = self._add_problem(out, item)
            else:
                changed = _add_final(out, *item)
            if first and cut is None and changed and self._decided(out):
                cut = rank
        return cut

    def _cut(self, pool, out: SearchResult, keys: array, cut: int) -> None:
        """``--first`` decided at node ``cut``: count the level up to it."""
        limit = order_key(cut, ROOT)
        kept = sum(1 for key in keys if key <= limit)
        tallies = pool.call("tally", [(cut,)] * pool.n)
        out.states += kept
        out.transitions += sum(t[0] for t in tallies)
        out.invariant_positive += sum(t[1] for t in tallies)
        out.invariant_negative += sum(t[2] for t in tallies)
        out.complete, out.bound, out.left = False, "first", kept

    @staticmethod
    def _add_problem(out: SearchResult, problem: Problem) -> bool:
        """As Explorer records problems: one ``always`` violation, one failed
        thread ``expect`` per line, every deadlock and invariant violation."""
        if problem.kind == "always" and any(p.kind == "always" for p in out.problems):
            return False
        if problem.kind == "expect":
            line = problem.message.split(":", 1)[0] + ":"
            if any(p.kind == "expect" and p.message.startswith(line) for p in out.problems):
                return False
        out.problems.append(problem)
        return True

    # --- witnesses ----------------------------------------------------------------

    def _witness_paths(self, pool, out: SearchResult) -> None:
        """Fill ``out``'s BFS tree with the paths to every final and problem
        node (all witness.py reads): parent pointers from their owners, the
        moves by replaying from the root."""
        targets = [f.node_fp for f in out.finals.values()] + [p.node_fp for p in out.problems]
        links = _links(pool, targets)
        root_fp = self._root_fp
        out.moves.append(Move("root", -1))
        out.remember(root_fp, 0, None)
        nodes = {root_fp: self._root()}
        for fp in targets:
            chain = []
            while fp not in nodes:
                chain.append(fp)
                fp = links[fp][0]
            for fp in reversed(chain):
                parent_fp, index = links[fp]
                parent = nodes[parent_fp]
                moves = reduced(self, parent, self.enabled(parent))
                nodes[fp], _ = self.apply(parent, moves[index])
                out.remember(fp, out.ids[parent_fp], moves[index])


def _add_final(out: SearchResult, key: tuple, final) -> bool:
    known = out.finals.get(key)
    if known is not None:
        known.count += 1
        return False
    out.finals[key] = final
    return True


def _rank(owners: list[tuple[bytes, bytes, bytes]], n: int) -> tuple[array, list]:
    """The level's winners in sequential order: per generating shard, the
    fingerprints it won and their global ranks."""
    keys, fps, gens = array("q"), array("q"), bytearray()
    for k, f, g in owners:
        keys.frombytes(k)
        fps.frombytes(f)
        gens += g
    order = sorted(range(len(keys)), key=keys.__getitem__)   # n sorted runs: a merge
    won = [(array("q"), array("q")) for _ in range(n)]
    for rank, i in enumerate(order):
        mine, ranks = won[gens[i]]
        mine.append(fps[i])
        ranks.append(rank)
    return keys, [(f.tobytes(), r.tobytes()) for f, r in won]


def _links(pool, targets: list[int]) -> dict[int, tuple[int, int]]:
    """fingerprint -> (parent fingerprint, move index), up to the root, for
    every target: one round of questions to the owners per BFS level."""
    links: dict[int, tuple[int, int]] = {}
    pending = set(targets)
    while pending:
        asked: list[list[int]] = [[] for _ in range(pool.n)]
        for fp in sorted(pending):
            asked[fp % pool.n].append(fp)
        answers = pool.call("parents", [(fps,) if fps else None for fps in asked])
        pending = set()
        for fps, answer in zip(asked, answers, strict=True):
            for fp, link in zip(fps, answer or (), strict=True):
                links[fp] = link
                if link[1] != ROOT and link[0] not in links:
                    pending.add(link[0])
    return links


def _balance(pool, sizes: list[int], least: int) -> int:
    """Even the frontier out when a shard holds more than its share (states
    stay home otherwise: the root's shard would keep everything).  Which
    shard holds a node changes nothing but the time: ranks are global.
    Returns how many nodes moved."""
    n, total = len(sizes), sum(sizes)
    if total < max(least, 1) * n:
        return 0
    share = [total // n + (1 if i < total % n else 0) for i in range(n)]
    if max(s / t for s, t in zip(sizes, share, strict=True)) <= 1 + BALANCE_SLACK:
        return 0
    need = [[i, t - s] for i, (s, t) in enumerate(zip(sizes, share, strict=True)) if s < t]
    plans: list = [None] * n
    for giver, (s, t) in enumerate(zip(sizes, share, strict=True)):
        surplus, plan = s - t, []
        while surplus > 0 and need:
            dest = need[0]
            count = min(surplus, dest[1])
            plan.append((dest[0], count))
            surplus -= count
            dest[1] -= count
            if not dest[1]:
                need.pop(0)
        if plan:
            plans[giver] = (plan,)
    gifts: list[list[bytes]] = [[] for _ in range(n)]
    for given in pool.call("give", plans):
        for dest, blob in given or ():
            gifts[dest].append(blob)
    pool.call("take", [tuple(g) if g else None for g in gifts])
    return sum(max(0, s - t) for s, t in zip(sizes, share, strict=True))


# --- the transports ------------------------------------------------------------------


class _LocalPool(abc.ABC):
    """A level of the search over ``call``: each shard expands its frontier,
    then decides the fingerprints it owns from every shard's batch for it."""

    n: int
    _batches: list | None

    @abc.abstractmethod
    def call(self, method: str, args: list[tuple | None]) -> list:
        """``method(*args[i])`` on shard i (None: not on that shard), in order."""

    def expand(self, depth: int) -> list[dict]:
        results = self.call("expand", [(depth,)] * self.n)
        self._batches = [batches for _, batches in results]
        return [stats for stats, _ in results]

    def decide(self) -> list:
        batches, self._batches = self._batches, None
        assert batches is not None
        return self.call("decide", [tuple(b[owner] for b in batches) for owner in range(self.n)])


class InlinePool(_LocalPool):
    """N shards in this process, one after another: the protocol without
    processes (tests, and the benchmark's measure of its overhead)."""

    def __init__(self, program: Program, n: int, config: ShardConfig) -> None:
        self.n = n
        self.shards = [Shard(program, i, n, config) for i in range(n)]
        self._batches: list | None = None

    def call(self, method: str, args: list[tuple | None]) -> list:
        return [None if a is None else getattr(s, method)(*a) for s, a in zip(self.shards, args, strict=True)]

    def call_one(self, index: int, method: str, *args):
        return getattr(self.shards[index], method)(*args)

    def close(self) -> None:
        self.shards = []

    abort = close




class ProcessPool(_LocalPool):
    """N worker processes on this machine, each serving one Shard over a pipe.

    Forked where the platform can (the children share the parent's hash
    seed, so the in-process fingerprint serves); elsewhere spawned with a
    fixed PYTHONHASHSEED and process-independent fingerprints."""

    def __init__(self, program: Program, n: int, config: ShardConfig,
                 method: str | None = None) -> None:
        method = method or ("fork" if "fork" in multiprocessing.get_all_start_methods()
                            else "spawn")
        ctx = multiprocessing.get_context(method)
        config = dataclasses.replace(config, stable=method != "fork")
        self.n = n
        self._conns, self._procs = [], []
        self._batches: list | None = None
        with _hash_seed(None if method == "fork" else "0"):
            for index in range(n):
                mine, theirs = ctx.Pipe()
                # typeshed's get_context(str) is a BaseContext, which has no Process;
                # the context of every start method has one
                proc = ctx.Process(target=_serve, args=(theirs, program, index, n, config),  # type: ignore[attr-defined]
                                   name=f"folioscope-shard-{index}", daemon=True)
                proc.start()
                theirs.close()
                self._conns.append(mine)
                self._procs.append(proc)

    def call(self, method: str, args: list[tuple | None]) -> list:
        """``method(*args[i])`` on every shard i whose args are not None, at
        once; their results in shard order (None where not called)."""
        for conn, a in zip(self._conns, args, strict=True):
            if a is not None:
                conn.send((method, a))
        return [None if a is None else _answer(conn, i)
                for i, (conn, a) in enumerate(zip(self._conns, args, strict=True))]

    def call_one(self, index: int, method: str, *args):
        self._conns[index].send((method, args))
        return _answer(self._conns[index], index)

    def close(self) -> None:
        for conn in self._conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for conn in self._conns:
            conn.close()

    def abort(self) -> None:
        for proc in self._procs:
            proc.terminate()
        for proc in self._procs:
            proc.join()
        for conn in self._conns:
            conn.close()


@contextlib.contextmanager
def _hash_seed(seed: str | None):
    """PYTHONHASHSEED=seed for the processes started meanwhile (spawned
    ones hash strings alike only with the same seed)."""
    before = os.environ.get("PYTHONHASHSEED")
    if seed is not None:
        os.environ["PYTHONHASHSEED"] = seed
    try:
        yield
    finally:
        if seed is not None:
            if before is None:
                del os.environ["PYTHONHASHSEED"]
            else:
                os.environ["PYTHONHASHSEED"] = before


def _answer(conn, index: int):
    try:
        status, value = conn.recv()
    except (EOFError, OSError):
        raise ParallelError(f"worker {index} died (out of memory?)") from None
    if status == "error":
        raise ParallelError(f"worker {index} failed:\n{value}")
    return value


def _serve(conn, program: Program, index: int, n: int, config: ShardConfig) -> None:
    """A worker process: serve one Shard until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl-C is the driver's to handle
    shard = Shard(program, index, n, config)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        method, args = message
        try:
            reply = ("ok", getattr(shard, method)(*args))
        except Exception:
            reply = ("error", traceback.format_exc())
        conn.send(reply)
