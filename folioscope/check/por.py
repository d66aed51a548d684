"""Partial-order reduction: persistent sets from footprints.

A step's footprint is the folios it may read or write: a thread call's
folios (resolved through migrations) and the folios in its CPU's batches,
which any call may flush; a drain or flush of a CPU's batch, that batch's
folios.  A CPU's future footprint adds its remaining calls' folios.

If nothing global can happen any more (no call left anywhere that drains
every CPU, migrates or toggles the LRU caches, no split call, no queued
work, no environment lru_add_drain_all()), and CPU c's enabled steps touch
nothing any other CPU ever will, then running c's steps first loses no
final state: every other step commutes with them and neither enables nor
disables them.  The graph is acyclic, so no cycle proviso is needed; for an
``always`` invariant, a step touching a folio it names is never reduced
(the visibility proviso), so every violating state is still visited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..mm.machine import follow_migrations
from ..mm.state import State
from .program import GLOBAL_OPS, Program
from .steps import Move

if TYPE_CHECKING:
    from .search import Node


class Reducer:
    """What the reduction needs of a program, computed once: per thread and
    position, whether a global call is still to come and which folios the
    remaining calls name."""

    def __init__(self, program: Program, visible: set[str]) -> None:
        self.program = program
        self.visible = visible
        self.always_global = any(a.kind == "drain_all" for a in program.env)
        self.global_after: list[list[bool]] = []
        self.names_after: list[list[frozenset[str]]] = []
        for thread in program.threads:
            flags, names = [False], [frozenset()]
            for call in reversed(thread.calls):
                flags.append(flags[-1] or call.op in GLOBAL_OPS)
                names.append(names[-1] | frozenset(call.folios))
            self.global_after.append(flags[::-1])
            self.names_after.append(names[::-1])
        self.cpus = sorted({t.cpu for t in program.threads} | {a.cpu for a in program.env})

    def persistent(self, node: "Node", moves: list[Move]) -> list[Move]:
        """A subset of ``moves`` that preserves every final state."""
        if self._global_pending(node):
            return moves
        by_cpu: dict[int, list[Move]] = {}
        for move in moves:
            by_cpu.setdefault(move.cpu, []).append(move)
        if len(by_cpu) < 2:
            return moves
        futures = {cpu: self._future(node, cpu) for cpu in self.cpus}
        for cpu, mine in by_cpu.items():
            touched = set().union(*(self._footprint(node, m) for m in mine))
            if touched & self.visible:
                continue
            if not any(touched & fut for other, fut in futures.items() if other != cpu):
                return mine
        return moves

    def _global_pending(self, node: "Node") -> bool:
        state = node.state
        if self.always_global or state.queued_work or state.drain_mutex is not None:
            return True
        if any(s is not None for s in node.stopped):
            return True
        return any(flags[pc] for flags, pc in zip(self.global_after, node.pcs))

    def _footprint(self, node: "Node", move: Move) -> set[str]:
        touched = _batched(node.state, move.cpu)
        if move.kind == "start":
            call = self.program.threads[move.index].calls[node.pcs[move.index]]
            touched.update(follow_migrations(node.state, call.op, call.folios))
        return touched

    def _future(self, node: "Node", cpu: int) -> set[str]:
        names = _batched(node.state, cpu)
        for i, thread in enumerate(self.program.threads):
            if thread.cpu == cpu:
                remaining = self.names_after[i][node.pcs[i]]
                names.update(_resolved(node.state, remaining))
        return names


def _resolved(state: State, names: frozenset[str]) -> frozenset[str] | set[str]:
    """Names and, after migrations, the folios they lead to: a later call may
    be a page-table operation that follows them."""
    if not state.successor:
        return names
    out = set(names)
    for name in names:
        while name in state.successor:
            name = state.successor[name]
            out.add(name)
    return out


def _batched(state: State, cpu: int) -> set[str]:
    names: set[str] = set()
    for batch, entries in state.cpus[cpu].batches.items():
        if not entries:
            continue
        if batch == "mlock":
            names.update(name for name, _ in entries)
        else:
            names.update(entries)
    return names
