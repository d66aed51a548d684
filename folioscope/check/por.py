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

from ..mm.state import State
from .program import GLOBAL_OPS, Program
from .steps import Move, resolve

if TYPE_CHECKING:
    from .search import Node


def persistent(program: Program, node: "Node", moves: list[Move],
               visible: set[str]) -> list[Move]:
    """A subset of ``moves`` that preserves every final state."""
    if _global_pending(program, node):
        return moves
    by_cpu: dict[int, list[Move]] = {}
    for move in moves:
        by_cpu.setdefault(move.cpu, []).append(move)
    if len(by_cpu) < 2:
        return moves
    futures = {cpu: _future(program, node, cpu) for cpu in _cpus(program)}
    for cpu, mine in by_cpu.items():
        touched = set().union(*(_footprint(program, node, m) for m in mine))
        if touched & visible:
            continue
        if not any(touched & fut for other, fut in futures.items() if other != cpu):
            return mine
    return moves


def _cpus(program: Program) -> set[int]:
    return {t.cpu for t in program.threads} | {a.cpu for a in program.env}


def _global_pending(program: Program, node: "Node") -> bool:
    if node.state.queued_work or node.state.drain_mutex is not None:
        return True
    if any(s is not None for s in node.stopped) or any(a.kind == "drain_all" for a in program.env):
        return True
    for i, thread in enumerate(program.threads):
        if any(c.op in GLOBAL_OPS for c in thread.calls[node.pcs[i]:]):
            return True
    return False


def _batched(state: State, cpu: int) -> set[str]:
    names: set[str] = set()
    for batch, entries in state.cpus[cpu].batches.items():
        if batch == "mlock":
            names.update(name for name, _ in entries)
        else:
            names.update(entries)
    return names


def _footprint(program: Program, node: "Node", move: Move) -> set[str]:
    touched = _batched(node.state, move.cpu)
    if move.kind == "start":
        call = program.threads[move.index].calls[node.pcs[move.index]]
        touched.update(resolve(node.state, call))
    return touched


def _future(program: Program, node: "Node", cpu: int) -> set[str]:
    names = _batched(node.state, cpu)
    for i, thread in enumerate(program.threads):
        if thread.cpu == cpu:
            for call in thread.calls[node.pcs[i]:]:
                names.update(resolve(node.state, call))
    return names
