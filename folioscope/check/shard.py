"""One worker of a parallel search (parallel.py drives them): the frontier
nodes it generated, and the visited fingerprints it owns.

Distributed TLC's split (tlaplus/tlaplus ``tlc2/tool/distributed/
TLCWorker.java`` with its fingerprint servers, ``fp/IFPSetManager.java``):
states stay with the shard that made them, only fingerprints travel.  Per
BFS level a shard

1. ``expand``: computes every successor of its frontier nodes and sends
   ``(fingerprint, order key, parent fingerprint)`` to the fingerprint's
   owner (``fp % n``), one batch per owner;
2. ``decide`` (as owner): keeps, for each fingerprint not visited before,
   the candidate with the least order key ``(parent rank, move index)`` -
   the parent sequential BFS reaches it from - and records that parent;
3. ``adopt``: keeps the children it won, under the global ranks the driver
   gave them, and checks them as ``Explorer._visit`` does.

Everything a shard reports carries its order key, so the driver can merge
it in the order one sequential search would have met it.
"""

from __future__ import annotations

import dataclasses
import pickle
from array import array
from enum import Enum

from .program import Program
from .search import Bounds, Explorer, Node, SearchResult

MOVE_BITS = 16
"""An order key is ``rank << MOVE_BITS | move index``."""
ROOT = (1 << MOVE_BITS) - 1
"""The move index recorded for the root (it has no parent)."""


def order_key(rank: int, move: int) -> int:
    return rank << MOVE_BITS | move


def reduced(explorer: Explorer, node: Node, moves: list) -> list:
    """The moves Explorer._expand follows from ``node`` (after the reduction)."""
    return moves if explorer.reducer is None else explorer.reducer.persistent(node, moves)


@dataclasses.dataclass(frozen=True)
class ShardConfig:
    por: bool = True
    invariants: bool = False
    first: bool = False
    """Keep what ``tally`` needs to cut a level short (``--first``)."""
    stable: bool = False
    """Fingerprints that do not depend on the process (Ray, spawn)."""
    all_states: bool = False
    """Final states told apart by everything (``--all-states``)."""


class Shard:
    """A worker's part of one search."""

    def __init__(self, program: Program, index: int, n: int, config: ShardConfig) -> None:
        kind = StableExplorer if config.stable else Explorer
        self.explorer = kind(program, config.por, Bounds(), config.invariants,
                             all_states=config.all_states)
        self.index, self.n, self.config = index, n, config
        self.frontier: list[tuple[int, Node, int]] = []
        """(global rank, node, fingerprint), by rank."""
        self.visited: dict[int, int] = {}
        """Owned fingerprint -> its slot in ``parent_fp`` and ``via``."""
        self.parent_fp = array("q")
        self.via = array("H")
        self.candidates: dict[int, tuple[int, Node, Node, object]] = {}
        """This level's successors: fp -> (order key, child, parent, move)."""
        self.scratch = SearchResult()
        """Where Explorer's checks record problems (they dedupe against it)."""
        self._ranks = array("q")          # --first: this level's ranks expanded ...
        self._moves = array("l")          # ... and the moves each applied
        self._adopted = array("q")        # --first, always: the order keys adopted ...
        self._negative = bytearray()      # ... and whether the invariant failed there

    # --- the root ---------------------------------------------------------------

    def plant_root(self) -> tuple[int, list, int, int]:
        """Hold the initial node (shard 0); its fingerprint and checks."""
        e = self.explorer
        root = e._root()
        fp = e._fingerprint(root)
        self.frontier = [(0, root, fp)]
        problems, positive, negative = self._checked(root, None, None, fp, -1)
        return fp, problems, positive, negative

    def own_root(self, fp: int) -> None:
        self._record(fp, fp, ROOT)

    # --- one level --------------------------------------------------------------

    def expand(self, depth: int) -> tuple[dict, list[bytes]]:
        """Every successor of the frontier, batched per owner; final nodes
        and deadlocks as events."""
        e, n, me = self.explorer, self.n, self.index
        if isinstance(e, StableExplorer):
            e.new_level()
        visited, candidates = self.visited, self.candidates
        batches = [array("q") for _ in range(n)]
        finals: list = []
        problems: list = []
        transitions = 0
        keep = self.config.first
        self._ranks, self._moves = array("q"), array("l")
        for rank, node, fp in self.frontier:
            moves = e.enabled(node)
            if not moves:
                self._final(node, fp, rank, depth, finals, problems)
                continue
            moves = reduced(e, node, moves)
            transitions += len(moves)
            if keep:
                self._ranks.append(rank)
                self._moves.append(len(moves))
            base = rank << MOVE_BITS
            for k, move in enumerate(moves):
                child, _ = e.apply(node, move)
                cfp = e._fingerprint(child)
                owner = cfp % n
                if cfp in candidates or (owner == me and cfp in visited):
                    continue                 # the earlier candidate has the lesser key
                candidates[cfp] = (base | k, child, node, move)
                batches[owner].extend((cfp, base | k, fp))
        stats = {"transitions": transitions, "finals": finals, "problems": problems}
        return stats, [b.tobytes() for b in batches]

    def decide(self, *batches: bytes) -> tuple[bytes, bytes, bytes]:
        """As owner: the winning candidate of each new fingerprint, from the
        batches of every generator (in shard order).  Returns the winners'
        order keys (ascending), fingerprints and generators."""
        visited = self.visited
        best: dict[int, tuple[int, int, int]] = {}
        for gen, blob in enumerate(batches):
            items = array("q")
            items.frombytes(blob)
            for i in range(0, len(items), 3):
                fp = items[i]
                if fp in visited:
                    continue
                key = items[i + 1]
                known = best.get(fp)
                if known is None or key < known[0]:
                    best[fp] = (key, items[i + 2], gen)
        keys, fps, gens = array("q"), array("q"), bytearray()
        for fp, (key, parent, gen) in sorted(best.items(), key=lambda item: item[1][0]):
            self._record(fp, parent, key & ROOT)
            keys.append(key)
            fps.append(fp)
            gens.append(gen)
        return keys.tobytes(), fps.tobytes(), bytes(gens)

    def adopt(self, fps: bytes, ranks: bytes) -> tuple[list, int, int, int]:
        """Keep the children this shard won, in rank order, and check them.
        Returns the problems found, the ``always`` tallies and the new
        frontier's size."""
        won, new_ranks = array("q"), array("q")
        won.frombytes(fps)
        new_ranks.frombytes(ranks)
        problems: list = []
        positive = negative = 0
        frontier = []
        keep = self.config.first and self.explorer.always
        self._adopted, self._negative = array("q"), bytearray()
        for fp, rank in zip(won, new_ranks, strict=True):
            key, child, parent, move = self.candidates[fp]
            found, pos, neg = self._checked(child, parent, move, fp, key)
            problems += found
            positive += pos
            negative += neg
            if keep:
                self._adopted.append(key)
                self._negative.append(neg)
            frontier.append((rank, child, fp))
        self.candidates = {}
        self.frontier = frontier
        return problems, positive, negative, len(frontier)

    def tally(self, last_rank: int) -> tuple[int, int, int]:
        """``--first`` stopped the level after node ``last_rank``: the
        transitions and ``always`` tallies up to there."""
        limit = order_key(last_rank, ROOT)
        moves = sum(m for r, m in zip(self._ranks, self._moves, strict=True) if r <= last_rank)
        kept = [neg for key, neg in zip(self._adopted, self._negative, strict=True) if key <= limit]
        return moves, len(kept) - sum(kept), sum(kept)

    # --- balance and witnesses --------------------------------------------------

    def give(self, plan: list[tuple[int, int]]) -> list[tuple[int, bytes]]:
        """Hand ``count`` frontier nodes to each ``(shard, count)`` of ``plan``,
        taken evenly over the rank range (so no shard ends up with only the
        late ranks, which lose every tie)."""
        total = sum(count for _, count in plan)
        step = len(self.frontier) / total
        picked = {int(i * step) for i in range(total)}
        chosen = [item for i, item in enumerate(self.frontier) if i in picked]
        self.frontier = [item for i, item in enumerate(self.frontier) if i not in picked]
        out, start = [], 0
        for dest, count in plan:
            out.append((dest, pickle.dumps(chosen[start:start + count], pickle.HIGHEST_PROTOCOL)))
            start += count
        return out

    def take(self, *blobs: bytes) -> int:
        for blob in blobs:
            self.frontier += pickle.loads(blob)
        self.frontier.sort(key=lambda item: item[0])
        return len(self.frontier)

    def parents(self, fps: list[int]) -> list[tuple[int, int]]:
        """(parent fingerprint, move index) of owned fingerprints."""
        out = []
        for fp in fps:
            slot = self.visited[fp]
            out.append((self.parent_fp[slot], self.via[slot]))
        return out

    def probe(self) -> int:
        """The initial node's fingerprint: equal on every shard, or their
        fingerprints disagree (a hash seed that differs between processes)."""
        return self.explorer._fingerprint(self.explorer._root())

    # --- helpers ----------------------------------------------------------------

    def _record(self, fp: int, parent: int, move: int) -> None:
        self.visited[fp] = len(self.parent_fp)
        self.parent_fp.append(parent)
        self.via.append(move)

    def _final(self, node: Node, fp: int, rank: int, depth: int, finals: list,
               problems: list) -> None:
        """Explorer._final on its own: a new Final, or a deadlock."""
        sc = self.scratch
        sc.finals.clear()
        before = len(sc.problems)
        self.explorer._final(node, fp, sc, depth)
        key = order_key(rank, 0)
        for final_key, final in sc.finals.items():
            finals.append((key, final_key, final))
        problems += [(key, i, p) for i, p in enumerate(sc.problems[before:])]

    def _checked(self, child: Node, parent: Node | None, move, fp: int,
                 key: int) -> tuple[list, int, int]:
        """Explorer._visit and _check_thread_expects of a new node."""
        e, sc = self.explorer, self.scratch
        before, pos, neg = len(sc.problems), sc.invariant_positive, sc.invariant_negative
        e._visit(child, fp, sc)
        if parent is not None:
            e._check_thread_expects(parent, child, move, fp, sc)
        found = [(key, i, p) for i, p in enumerate(sc.problems[before:])]
        return found, sc.invariant_positive - pos, sc.invariant_negative - neg


# --- fingerprints that do not depend on the process ----------------------------

_NONE = "\0None"
"""Stands for None: CPython 3.11 hashes None by its address, which differs
between processes that were not forked from one another (Ray workers)."""


def canonical(value: object) -> object:
    """``value`` with every None replaced and every dataclass spelled out,
    so that ``hash()`` of it is the same in any process run with the same
    PYTHONHASHSEED."""
    if value is None:
        return _NONE
    kind = type(value)
    if kind is str or kind is int or kind is bool or kind is float:
        return value
    if type(value) is tuple or type(value) is list:  # exactly these types: a subclass has no canonical form
        return tuple([canonical(v) for v in value])
    if type(value) is frozenset or type(value) is set:
        return frozenset(canonical(v) for v in value)
    if type(value) is dict:
        return tuple(sorted((canonical(k), canonical(v)) for k, v in value.items()))
    if isinstance(value, Enum):
        return (kind.__qualname__, value.name)
    if dataclasses.is_dataclass(value):
        return (kind.__qualname__,) + tuple(
            canonical(getattr(value, f.name)) for f in dataclasses.fields(value))
    from ..mm.state import DrainWorkLog

    if isinstance(value, DrainWorkLog):
        return tuple(value)
    raise TypeError(f"no process-independent fingerprint for {kind.__name__}")


class StableExplorer(Explorer):
    """An explorer whose fingerprints are equal in every process started with
    the same PYTHONHASHSEED.  It mirrors ``Explorer._fingerprint`` part for
    part, but hashes canonical forms instead of the engine's cached hashes
    (those hash None by address, and a pickled state brings the cache of
    the process that made it).  Folio and CPU parts are remembered per
    object for one level (states share most of them), and every part's
    stable hash per content (few contents recur often)."""

    MEMO_LIMIT = 1 << 20

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._parts: dict[int, tuple[object, int]] = {}
        self._memo: dict[object, int] = {}

    def new_level(self) -> None:
        self._parts = {}
        if len(self._memo) > self.MEMO_LIMIT:
            self._memo = {}

    def _stable(self, value: object) -> int:
        """hash(canonical(value)), remembered by value (a process-local
        dict: its own hashing need not be stable)."""
        known = self._memo.get(value)
        if known is None:
            known = self._memo[value] = hash(canonical(value))
        return known

    def _part(self, obj) -> int:
        known = self._parts.get(id(obj))
        if known is None:                    # the cache holds obj: its id is not reused
            known = self._parts[id(obj)] = (obj, self._stable(obj.key()))
        return known[1]

    def _fingerprint(self, node: Node) -> int:
        st = node.state
        folios = st.folios
        names = self._names
        if len(names) != len(folios):
            names = sorted(folios)
        parts = (
            tuple([self._part(folios[name]) for name in names]),
            tuple([self._part(c) for c in st.cpus]),
            st.lru_disable_count, tuple(sorted(st.successor.items())), st.queued_work,
            self._stable(st.stats.key()) if self.with_stats else 0, node.pcs,
            self._stable((st.drain_mutex, node.stopped,
                          node.results if self.with_results else (), node.env)),
        )
        return hash(parts)
