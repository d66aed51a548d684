"""The explorer's atomic steps, run on a fork of a state with events off.

A step is one of: a thread starting its next call or continuing a stopped
one; one lru_add_drain_per_cpu() work item; an environment step.  Each
runs as ``Machine`` runs it (the same engine functions), so a witness
replayed sequentially does exactly what the explorer did.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..mm import swap
from ..mm.context import MM, KernelBug, Suspended
from ..mm.machine import OPS, RESUME, follow_migrations
from ..mm.state import State
from ..mm.variants import Variant
from .program import Call


@dataclass(frozen=True)
class Move:
    """A step, as the explorer names it (and a witness writes it)."""

    kind: str
    """``start``, ``resume`` (thread ``index``), ``work`` (on ``cpu``),
    ``drain``, ``flush``, ``drain_all``, ``drain_all_resume`` (environment)."""
    cpu: int
    index: int = -1
    """The thread (for start/resume) or the environment action."""


@dataclass(frozen=True)
class Done:
    """What a step did: the result it ended with (or ``waiting``), where it
    stopped, and the folios a thread call resolved its names to."""

    result: str
    detail: str = ""
    stopped: Suspended | None = None
    folios: tuple[str, ...] = ()


def resolve(state: State, call: Call) -> tuple[str, ...]:
    """The folios a call reaches now: through the page tables after a
    migration (F -> F'), or the folio itself for a pointer operation."""
    return follow_migrations(state, call.op, call.folios)


def run(state: State, variant: Variant, body, cpu: int, folios: tuple[str, ...] = ()) -> Done:
    """Run ``body(mm)`` as one atomic step on ``state`` (already forked)."""
    mm = MM(state, variant, events=False)
    try:
        result = body(mm)
    except KernelBug as bug:
        mm.rollback()
        return Done("BUG", str(bug), None, folios)
    if isinstance(result, Suspended):
        return Done("waiting", result.where, result, folios)
    return Done(result or "ok", "", None, folios)


def start(state: State, variant: Variant, cpu: int, call: Call) -> Done:
    """A thread starts its next call."""
    folios = resolve(state, call)

    def body(mm: MM):
        for name in folios:
            if name not in mm.state.folios:
                raise KernelBug(f"there is no folio {name} in this run")
        targets = [mm.folio(name) for name in folios]
        return OPS[call.op](mm, cpu, targets, call.flags, call.batch)
    return run(state, variant, body, cpu, folios)


def resume(state: State, variant: Variant, cpu: int, stopped: Suspended) -> Done:
    """A thread's stopped call goes on."""
    def body(mm: MM):
        mm.depth = stopped.depth
        return RESUME[stopped.op](mm, cpu, stopped)
    done = run(state, variant, body, cpu)
    if done.result == "BUG" and state.drain_mutex == cpu:
        state.drain_mutex = None              # the operation is abandoned
    return done


def work(state: State, variant: Variant, cpu: int) -> Done:
    """The work item queued on ``cpu`` runs."""
    return run(state, variant, lambda mm: swap.lru_add_drain_per_cpu(mm, cpu), cpu)


def drain(state: State, variant: Variant, cpu: int) -> Done:
    """``may drain cpuN``: another task on cpuN calls lru_add_drain()."""
    return run(state, variant, lambda mm: swap.lru_add_drain(mm, cpu), cpu)


def flush(state: State, variant: Variant, cpu: int, batch: str) -> Done:
    """``may flush BATCH cpuN``: unrelated folios fill the batch up."""
    return run(state, variant, lambda mm: OPS["flush"](mm, cpu, [], (), batch), cpu)
