"""Explicit-state breadth-first search over every interleaving of a
program's threads, work items and environment steps.

A node is the model state plus, per thread, how far it is (``pcs``), where
its call stopped if it is split (``stopped``) and its last result.  Nodes
are told apart by a 64-bit fingerprint of what can still matter: counters
and results only if the condition reads them, LRU lists never (every folio
says which list it is on and at which end; no decision reads the order).
BFS gives exact depths and, per outcome, the shortest witness; parent
pointers rebuild it.  Partial-order reduction (por.py) explores one CPU's
steps alone where no other CPU can ever touch what they touch.
"""

from __future__ import annotations

import time
from array import array
from dataclasses import dataclass, field

from ..mm.context import Suspended
from ..mm.invariants import check_invariants
from ..mm.state import State
from . import steps
from .condition import (
    Expr,
    Outcome,
    folios_named,
    holds,
    names_results,
    names_stats,
    projection,
    whole_state,
)
from .por import Reducer
from .program import Call, Program
from .steps import Done, Move


PROGRESS_EVERY = 2048
"""Nodes expanded between two progress reports."""


@dataclass(slots=True)
class Node:
    """One point of an interleaving."""

    state: State
    pcs: tuple[int, ...]
    """Per thread: the index of its next call."""
    stopped: tuple[Suspended | None, ...]
    """Per thread: where its split call stopped, if it did."""
    results: tuple[str | None, ...]
    """Per thread: the result its last finished call ended with."""
    env: tuple[Suspended | None, ...]
    """Per environment action: its lru_add_drain_all() in flight."""
    bug_details: tuple[str, ...] = ()
    """Per thread: the assertion its last BUG would fire (not part of the
    fingerprint: only reported)."""


@dataclass
class Bounds:
    max_states: int = 2_000_000
    max_depth: int | None = None
    time_limit: float | None = None
    first: bool = False
    """Stop at the first final state that decides the verdict."""


@dataclass
class Final:
    """A final state, told apart by the condition's projection."""

    values: tuple[tuple[str, str], ...]
    """(label, value as printed) per location."""
    satisfies: bool
    node_fp: int
    depth: int
    count: int = 1
    bug: str = ""
    """``cpu1`` when a thread's last result is a BUG."""
    raw: tuple = ()
    """The locations' values as the flat state holds them (for pins)."""


@dataclass
class Problem:
    """A deadlock, an invariant violation or a failed thread ``expect``."""

    kind: str
    message: str
    node_fp: int


@dataclass
class SearchResult:
    finals: dict[tuple, Final] = field(default_factory=dict)
    states: int = 0
    transitions: int = 0
    depth: int = 0
    problems: list[Problem] = field(default_factory=list)
    complete: bool = True
    bound: str = ""
    """Which bound stopped the search, in words."""
    left: int = 0
    """Nodes left on the queue when a bound stopped it."""
    seconds: float = 0.0
    ids: dict[int, int] = field(default_factory=dict)
    """fingerprint -> node number, for every node visited."""
    parent: array = field(default_factory=lambda: array("q"))
    """node number -> its parent's (BFS tree): witnesses are rebuilt from it."""
    via: array = field(default_factory=lambda: array("H"))
    """node number -> the move that reached it, as an index into ``moves``."""
    moves: list[Move] = field(default_factory=list)
    move_codes: dict[Move, int] = field(default_factory=dict)

    def remember(self, fp: int, parent: int, move: Move | None) -> bool:
        """Record a node; False if it was known."""
        if fp in self.ids:
            return False
        self.ids[fp] = len(self.parent)
        self.parent.append(parent)
        self.via.append(0 if move is None else self._code(move))
        return True

    def _code(self, move: Move) -> int:
        code = self.move_codes.get(move)
        if code is None:
            code = self.move_codes[move] = len(self.moves)
            self.moves.append(move)
        return code

    def path(self, fp: int) -> list[Move]:
        """The moves from the initial node to node ``fp``."""
        moves = []
        node = self.ids[fp]
        while node:
            moves.append(self.moves[self.via[node]])
            node = self.parent[node]
        moves.reverse()
        return moves
    invariant_positive: int = 0
    invariant_negative: int = 0


class Explorer:
    """One search of one program under one variant."""

    def __init__(self, program: Program, por: bool = True, bounds: Bounds | None = None,
                 invariants: bool = False, progress=None, all_states: bool = False) -> None:
        self.program = program
        self.variant = program.variant
        self.por = por
        self.bounds = bounds or Bounds()
        self.invariants = invariants
        self.progress = progress
        exprs = [e for e in (self._cond_expr(), program.filter) if e is not None]
        extra = tuple(program.locations) + (whole_state(program) if all_states else ())
        self.locations = projection(exprs, extra)
        self.with_stats = names_stats(exprs, tuple(program.locations))
        self.with_results = names_results(exprs, tuple(program.locations)) or any(
            call.expects for t in program.threads for call in t.calls)
        cond = program.condition
        self.invariant = cond if cond is not None and cond.kind == "always" else None
        """An ``always`` condition, checked in every reachable state."""
        self.always = self.invariant is not None
        self.visible = folios_named(self.invariant.expr) if self.invariant is not None else set()
        self._names = sorted(program.initial.folios)
        self.reducer = Reducer(program, self.visible) if por else None

    def _cond_expr(self) -> Expr | None:
        cond = self.program.condition
        return None if cond is None else cond.expr

    # --- the search -----------------------------------------------------------

    def run(self) -> SearchResult:
        started = time.monotonic()
        out = SearchResult()
        root = self._root()
        root_fp = self._fingerprint(root)
        out.moves.append(Move("root", -1))
        out.remember(root_fp, 0, None)
        frontier = [(root, root_fp)]
        depth = 0
        self._visit(root, root_fp, out)
        while frontier:
            if self._out_of_bounds(out, depth, len(frontier), started):
                out.left = len(frontier)
                break
            next_level: list[tuple[Node, int]] = []
            for done, (node, fp) in enumerate(frontier, 1):
                self._expand(node, fp, out, next_level, depth)
                if self.progress and done % PROGRESS_EVERY == 0:
                    self.progress(out, len(frontier) - done + len(next_level), depth,
                                  time.monotonic() - started)
                if self.bounds.first and self._decided(out):
                    out.complete, out.bound, out.left = False, "first", len(next_level)
                    frontier = []
                    break
            else:
                if next_level:
                    depth += 1
                frontier = next_level
            out.depth = depth
            if self.progress:
                self.progress(out, len(frontier), depth, time.monotonic() - started)
        out.seconds = time.monotonic() - started
        return out

    def _out_of_bounds(self, out: SearchResult, depth: int, queued: int, started: float) -> bool:
        b = self.bounds
        if out.states >= b.max_states:
            out.bound = f"{out.states:,} states explored (--max-states)"
        elif b.max_depth is not None and depth >= b.max_depth:
            out.bound = f"depth {depth} reached (--max-depth)"
        elif b.time_limit is not None and time.monotonic() - started > b.time_limit:
            out.bound = f"{b.time_limit:g} s spent (--time-limit)"
        else:
            return False
        out.complete = False
        return True

    def _decided(self, out: SearchResult) -> bool:
        kind = getattr(self.program.condition, "kind", "exists")
        want = kind in ("exists",)
        return any(f.satisfies == want for f in out.finals.values()) or bool(out.problems)

    def _expand(self, node: Node, fp: int, out: SearchResult,
                next_level: list[tuple[Node, int]], depth: int) -> None:
        moves = self.enabled(node)
        if not moves:
            self._final(node, fp, out, depth)
            return
        if self.reducer is not None:
            moves = self.reducer.persistent(node, moves)
        for move in moves:
            child, done = self.apply(node, move)
            out.transitions += 1
            child_fp = self._fingerprint(child)
            if not out.remember(child_fp, out.ids[fp], move):
                continue
            self._visit(child, child_fp, out)
            self._check_thread_expects(node, child, move, child_fp, out)
            next_level.append((child, child_fp))

    def _visit(self, node: Node, fp: int, out: SearchResult) -> None:
        out.states += 1
        if self.invariants:
            problems = check_invariants(node.state, self.variant)
            if problems:
                out.problems.append(Problem("invariant", "; ".join(problems), fp))
        if self.invariant is not None:
            if holds(self.invariant.expr, self._outcome(node)):
                out.invariant_positive += 1
            else:
                out.invariant_negative += 1
                if not any(p.kind == "always" for p in out.problems):
                    out.problems.append(Problem("always", self.invariant.text, fp))

    # --- nodes and moves ------------------------------------------------------

    def _root(self) -> Node:
        n = len(self.program.threads)
        return Node(self.program.initial.fork(), (0,) * n, (None,) * n, (None,) * n,
                    (None,) * len(self.program.env), ("",) * n)

    def _fingerprint(self, node: Node) -> int:
        st = node.state
        folios = st.folios
        names = self._names
        if len(names) != len(folios):       # a migration added F' (folios never go)
            names = sorted(folios)
        parts = (
            tuple([folios[name].fingerprint() for name in names]),
            tuple([c.fingerprint() for c in st.cpus]),
            st.lru_disable_count, tuple(sorted(st.successor.items())), st.drain_mutex,
            st.queued_work, st.stats.key() if self.with_stats else (),
            node.pcs, node.stopped, node.results if self.with_results else (), node.env,
        )
        return hash(parts)

    def enabled(self, node: Node) -> list[Move]:
        """Every step that can happen next, in a fixed order: threads by CPU,
        work items by CPU, then the environment in the file's order."""
        st = node.state
        moves = []
        for i, thread in enumerate(self.program.threads):
            stopped = node.stopped[i]
            if stopped is not None:
                if _may_continue(st, stopped):
                    moves.append(Move("resume", thread.cpu, i))
            elif node.pcs[i] < len(thread.calls):
                moves.append(Move("start", thread.cpu, i))
        moves += [Move("work", cpu) for cpu in st.queued_work]
        for i, action in enumerate(self.program.env):
            move = self._env_move(st, node, i, action)
            if move is not None:
                moves.append(move)
        return moves

    def _env_move(self, st: State, node: Node, i: int, action) -> Move | None:
        batches = st.cpus[action.cpu].batches
        if action.kind == "drain":
            return Move("drain", action.cpu, i) if any(batches.values()) else None
        if action.kind == "flush":
            return Move("flush", action.cpu, i) if batches[action.batch] else None
        stopped = node.env[i]
        if stopped is not None:
            return Move("drain_all_resume", action.cpu, i) if _may_continue(st, stopped) else None
        if st.drain_mutex is None and any(c.pending() for c in st.cpus):
            return Move("drain_all", action.cpu, i)
        return None

    def apply(self, node: Node, move: Move) -> tuple[Node, Done]:
        """The node after ``move`` (``node`` is left as it was)."""
        state = node.state.fork()
        variant = self.variant
        pcs, stopped, results, env = node.pcs, node.stopped, node.results, node.env
        details = node.bug_details
        if move.kind in ("start", "resume"):
            i = move.index
            if move.kind == "start":
                call = self.program.threads[i].calls[pcs[i]]
                done = steps.start(state, variant, move.cpu, call)
                pcs = _set(pcs, i, pcs[i] + 1)
            else:
                done = steps.resume(state, variant, move.cpu, _suspended(stopped[i]))
            stopped = _set(stopped, i, done.stopped)
            if done.stopped is None:
                results = _set(results, i, done.result)
                if done.result == "BUG":
                    details = _set(details, i, done.detail)
        elif move.kind == "work":
            done = steps.work(state, variant, move.cpu)
        elif move.kind == "drain":
            done = steps.drain(state, variant, move.cpu)
        elif move.kind == "flush":
            done = steps.flush(state, variant, move.cpu, self.program.env[move.index].batch or "")
        elif move.kind == "drain_all":
            done = steps.start(state, variant, move.cpu, _DRAIN_ALL)
            env = _set(env, move.index, done.stopped)
        else:
            done = steps.resume(state, variant, move.cpu, _suspended(env[move.index]))
            env = _set(env, move.index, done.stopped)
        return Node(state, pcs, stopped, results, env, details), done

    # --- outcomes -------------------------------------------------------------

    def _outcome(self, node: Node) -> Outcome:
        results = {t.cpu: node.results[i] for i, t in enumerate(self.program.threads)}
        return Outcome(node.state, results)

    def _final(self, node: Node, fp: int, out: SearchResult, depth: int) -> None:
        unfinished = [f"cpu{t.cpu}" for i, t in enumerate(self.program.threads)
                      if node.stopped[i] is not None or node.pcs[i] < len(t.calls)]
        if unfinished or any(e is not None for e in node.env):
            if not any(p.node_fp == fp for p in out.problems):
                out.problems.append(Problem(
                    "deadlock", f"no step can run but {', '.join(unfinished) or 'the environment'}"
                    " has not finished", fp))
            return
        outcome = self._outcome(node)
        if self.program.filter is not None and not holds(self.program.filter, outcome):
            return
        cond = self.program.condition
        satisfies = holds(cond.expr, outcome) if cond is not None and not self.always else True
        values = tuple((loc.label, loc.value(outcome)) for loc in self.locations)
        bug = self._bug(node)
        key = (values if self.locations else (("state", str(fp)),)) + ((("BUG", bug),) if bug else ())
        known = out.finals.get(key)
        if known is not None:
            known.count += 1
            return
        raw = tuple(loc.raw(outcome) for loc in self.locations)
        out.finals[key] = Final(values, satisfies, fp, depth, bug=bug, raw=raw)

    def _bug(self, node: Node) -> str:
        """``cpu1 map F: F is used after it was freed`` if a thread's last
        call ended in a BUG."""
        for i in range(len(self.program.threads)):
            if node.results[i] == "BUG":
                return self._bug_text(node, i)
        return ""

    def _bug_text(self, node: Node, index: int) -> str:
        thread = self.program.threads[index]
        call = thread.calls[node.pcs[index] - 1]
        return f"cpu{thread.cpu} {call.text or call.op}: {node.bug_details[index]}"

    def _check_thread_expects(self, parent: Node, child: Node, move: Move, fp: int,
                              out: SearchResult) -> None:
        """A thread's ``expect`` after a call is checked on every path, when the
        call ends."""
        if move.kind not in ("start", "resume") or child.stopped[move.index] is not None:
            return
        thread = self.program.threads[move.index]
        call = thread.calls[child.pcs[move.index] - 1]
        if not call.expects:
            return
        from ..replay.expect import evaluate

        outcome = self._outcome(child)
        for expect in call.expects:
            result = evaluate(expect, outcome.flat, child.results[move.index])
            if not result.ok and not any(p.kind == "expect" and p.message.startswith(
                    f"{expect.pos.line}:") for p in out.problems):
                out.problems.append(Problem(
                    "expect", f"{expect.pos.line}: {expect.text}: expected {result.expected}, "
                    f"actual {result.actual}", fp))


_DRAIN_ALL = Call("drain_all", text="drain all")


def _suspended(stopped: Suspended | None) -> Suspended:
    """The call a resume move goes on with: the search offers one only for a stopped call."""
    if stopped is None:
        raise AssertionError("a resume move for a call that is not stopped")
    return stopped


def _may_continue(state: State, stopped: Suspended) -> bool:
    if stopped.waits == "work":
        return not set(stopped.work) & set(state.queued_work)
    if stopped.waits == "mutex":
        return state.drain_mutex is None
    return True


def _set(values: tuple, index: int, value: object) -> tuple:
    return values[:index] + (value,) + values[index + 1:]
