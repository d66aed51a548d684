"""What every kernel function in the model is handed: the state, the
variant's switches, and the log of events.

``MM`` is also the state's copy-on-write guard.  The engine reaches folios,
batches and lists only through it (``mm.folio``, ``mm.batches``,
``mm.lru_list``); the first access in a step replaces the shared part by a
private copy and remembers the original.  So a step changes only what it
touched, ``rollback()`` undoes it in time proportional to that, and a
forked state's parent is never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .events import Event
from .folio import Folio
from .state import CpuBatches, State, Stats
from .variants import Variant

if TYPE_CHECKING:
    from .lruvec import LruList


class KernelBug(Exception):
    """The kernel would hit a BUG()/VM_BUG_ON() here; the step is undone."""


class WouldBlock(Exception):
    """A step run to its end would have to wait for another CPU (a held
    mutex, a queued work item): only a split operation can wait."""


@dataclass(frozen=True)
class Suspended:
    """An operation stopped where the kernel can be overtaken: asleep in
    mutex_lock() or flush_work() of __lru_add_drain_all(), or at one of
    __gup_longterm_locked()'s yield points.  Plain, hashable data: the
    operation continues from ``cont`` in a later step."""

    op: str
    """The DSL operation: ``drain_all``, ``lru_cache_disable``, ``gup_longterm``."""
    cont: object
    """Where it stopped (a frozen dataclass of the operation's module)."""
    depth: int
    """The event depth it continues at (what it logs stays nested as if it
    had not stopped)."""
    waits: str
    """``work`` (flush_work() of ``work``), ``mutex`` (lru_add_drain_all()'s
    mutex) or ``yield`` (nothing: others may run first)."""
    work: tuple[int, ...] = ()
    """The CPUs whose work items it waits for."""
    where: str = ""
    """In words, for traces: ``flush_work() waits for cpu1``."""


class _Depth:
    """The context ``mm.call`` returns: what is logged inside is indented."""

    __slots__ = ("mm",)

    def __init__(self, mm: "MM") -> None:
        self.mm = mm

    def __enter__(self) -> None:
        self.mm.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.mm.depth -= 1


class _Quiet:
    """``mm.call``'s context with events off: nothing is logged, so nothing
    is indented (one shared instance, nothing allocated per call)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_QUIET = _Quiet()


class MM:
    """One step of the model: ``state`` under ``variant``, logging to ``events``
    (None: events off, nothing is formatted)."""

    __slots__ = ("state", "variant", "events", "depth", "_folios", "_cpus",
                 "_lists", "_stats", "_successor", "_scalars")

    def __init__(self, state: State, variant: Variant, events: bool = True) -> None:
        self.state = state
        self.variant = variant
        self.events: list[Event] | None = [] if events else None
        self.depth = 0
        self._folios: dict[str, Folio | None] = {}
        """Folios this step copied (or created), with the originals (None: new)."""
        self._cpus: dict[int, CpuBatches] = {}
        self._lists: dict[str, "LruList"] = {}
        self._stats: Stats | None = None
        self._successor: dict[str, str] | None = None
        self._scalars = (state.lru_disable_count, state.drain_mutex, state.queued_work)

    @property
    def touched_lists(self):
        """The LRU lists this step may have changed."""
        return self._lists.keys()

    @property
    def touched_nothing(self) -> bool:
        """Whether the step changed nothing at all (a drain with nothing pending)."""
        return not (self._folios or self._cpus or self._lists or self._stats is not None
                    or self.touched_scalars)

    @property
    def touched_scalars(self) -> bool:
        """Whether lru_disable_count or the drain machinery may have changed."""
        state = self.state
        return self._scalars != (state.lru_disable_count, state.drain_mutex, state.queued_work)

    # --- events -------------------------------------------------------------

    @property
    def verbose(self) -> bool:
        """Whether events are recorded (guard for work done only to describe)."""
        return self.events is not None

    def log(self, template: str, func: str | None = None, folio: str | None = None,
            cpu: int | None = None, batch: str | None = None, **args: object) -> None:
        """Record one thing the kernel did (or did not do, and why)."""
        if self.events is not None:
            self.events.append(Event(self.depth, template, func, folio, cpu, batch,
                                     tuple(args.items())))

    def call(self, template: str, func: str | None = None, folio: str | None = None,
             cpu: int | None = None, batch: str | None = None, **args: object) -> "_Depth | _Quiet":
        """Log a call; what is logged inside ``with`` it is indented under it."""
        if self.events is None:
            return _QUIET
        self.log(template, func, folio, cpu, batch, **args)
        # a new context each time: kept on the MM it would make a reference
        # cycle, and every step's MM would wait for the garbage collector
        return _Depth(self)

    def bug(self, message: str) -> KernelBug:
        """A KernelBug to raise, logged where it fires."""
        self.log("BUG: {message}", message=message)
        return KernelBug(message)

    # --- copy-on-write access -------------------------------------------------

    def folio(self, name: str) -> Folio:
        """The live folio called ``name``; using a freed one is a BUG."""
        folio = self.page(name)
        if folio.freed:
            raise self.bug(f"{name} is used after it was freed")
        return folio

    def page(self, name: str) -> Folio:
        """The folio called ``name``, freed or not, private to this step."""
        if name in self._folios:
            return self.state.folios[name]
        original = self.state.folios[name]
        copy = original.copy()
        self._folios[name] = original
        self.state.folios[name] = copy
        return copy

    def add_folio(self, folio: Folio) -> None:
        """A folio this step allocated."""
        self._folios[folio.name] = None
        self.state.folios[folio.name] = folio

    def batches(self, cpu: int) -> dict[str, tuple]:
        """CPU ``cpu``'s batches, to replace entries in (private to this step)."""
        if cpu not in self._cpus:
            self._cpus[cpu] = self.state.cpus[cpu]
            self.state.cpus[cpu] = self.state.cpus[cpu].copy()
        return self.state.cpus[cpu].batches

    def batch(self, cpu: int, name: str) -> tuple:
        """The entries of one batch (read only)."""
        return self.state.cpus[cpu].batches[name]

    def lru_list(self, name: str) -> "LruList":
        """One LRU list, to link and unlink on (private to this step)."""
        if name not in self._lists:
            self._lists[name] = self.state.lists[name]
            self.state.lists[name] = self.state.lists[name].copy()
        return self.state.lists[name]

    @property
    def stats(self) -> Stats:
        """The counters, to update (private to this step)."""
        if self._stats is None:
            self._stats = self.state.stats
            self.state.stats = self._stats.copy()
        return self.state.stats

    def set_successor(self, old: str, new: str) -> None:
        """Record that ``old`` was migrated to ``new`` (page tables point there)."""
        if self._successor is None:
            self._successor = self.state.successor
            self.state.successor = dict(self._successor)
        self.state.successor[old] = new

    @property
    def touched_stats(self) -> bool:
        """Whether this step may have changed a counter."""
        return self._stats is not None

    @property
    def touched_folios(self) -> list[str]:
        """The folios this step may have changed or created."""
        return list(self._folios)

    @property
    def touched_cpus(self) -> list[int]:
        """The CPUs whose batches this step may have changed."""
        return sorted(self._cpus)

    def rollback(self) -> None:
        """Undo the step: put back every part it copied."""
        state = self.state
        for name, original in self._folios.items():
            if original is None:
                del state.folios[name]
            else:
                state.folios[name] = original
        for cpu, batches in self._cpus.items():
            state.cpus[cpu] = batches
        for name, lst in self._lists.items():
            state.lists[name] = lst
        if self._stats is not None:
            state.stats = self._stats
        if self._successor is not None:
            state.successor = self._successor
        state.lru_disable_count, state.drain_mutex, state.queued_work = self._scalars

    @property
    def ncpus(self) -> int:
        return len(self.state.cpus)
