"""The whole model state: folios, per-CPU batches, LRU lists, counters
(kernel-model.md §2.2).  Cheap to copy, hash and compare."""

from __future__ import annotations

from .folio import LRU_LISTS, Folio

LRU_BATCHES = ("lru_add", "lru_move_tail", "lru_deactivate_file", "lru_deactivate",
               "lru_lazyfree", "lru_activate")
"""struct cpu_fbatches, in lru_add_drain_cpu()'s order."""

BATCHES = LRU_BATCHES + ("mlock",)
"""Every per-CPU batch; ``mlock`` is mm/mlock.c's mlock_fbatch."""

MLOCK_TAGS = ("lru", "new", "munlock")
"""mlock batch entry tags: LRU_FOLIO, NEW_FOLIO, none (munlock)."""


class CpuBatches:
    """One CPU's folio batches.  LRU batches hold folio names; the mlock batch
    holds ``(name, tag)`` pairs."""

    __slots__ = ("cpu", "batches")

    def __init__(self, cpu: int) -> None:
        self.cpu = cpu
        self.batches: dict[str, list] = {name: [] for name in BATCHES}

    def copy(self) -> "CpuBatches":
        new = CpuBatches.__new__(CpuBatches)
        new.cpu = self.cpu
        new.batches = {name: list(entries) for name, entries in self.batches.items()}
        return new

    def pending(self) -> bool:
        """Any batch non-empty (cpu_needs_drain's folio part)."""
        return any(self.batches.values())

    def key(self) -> tuple:
        return tuple(tuple(self.batches[name]) for name in BATCHES)


class Stats:
    """Counters users can expect on (dsl.md `stats`)."""

    __slots__ = ("drain_all_calls", "drain_all_cpus", "drain_all_work", "local_drains",
                 "gup_attempts")

    def __init__(self) -> None:
        self.drain_all_calls = 0
        self.drain_all_cpus = 0
        self.drain_all_work: tuple[tuple[int, ...], ...] = ()
        self.local_drains = 0
        self.gup_attempts = 0

    def copy(self) -> "Stats":
        new = Stats.__new__(Stats)
        for slot in Stats.__slots__:
            setattr(new, slot, getattr(self, slot))
        return new

    def key(self) -> tuple:
        return tuple(getattr(self, slot) for slot in Stats.__slots__)


class State:
    """Everything an operation reads or writes."""

    __slots__ = ("folios", "cpus", "lists", "stats", "lru_disable_count", "successor",
                 "hazard")

    def __init__(self, ncpus: int) -> None:
        self.folios: dict[str, Folio] = {}
        self.cpus = [CpuBatches(c) for c in range(ncpus)]
        self.lists: dict[str, list[str]] = {name: [] for name in LRU_LISTS}
        self.stats = Stats()
        self.lru_disable_count = 0
        self.successor: dict[str, str] = {}   # F -> F' after a successful migration
        self.hazard = False
        """An entry was queued that may BUG when flushed (a folio linked twice):
        from then on every operation keeps a backup to undo to."""

    def clone(self) -> "State":
        """A deep copy (folios, batches and lists are small)."""
        new = State.__new__(State)
        new.folios = {name: f.copy() for name, f in self.folios.items()}
        new.cpus = [c.copy() for c in self.cpus]
        new.lists = {name: list(members) for name, members in self.lists.items()}
        new.stats = self.stats.copy()
        new.lru_disable_count = self.lru_disable_count
        new.successor = dict(self.successor)
        new.hazard = self.hazard
        return new

    def key(self) -> tuple:
        """A canonical, hashable form of the whole state."""
        return (
            tuple(f.key() for f in self.folios.values()),
            tuple(c.key() for c in self.cpus),
            tuple(tuple(m) for m in self.lists.values()),
            self.stats.key(),
            self.lru_disable_count,
            tuple(sorted(self.successor.items())),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())
