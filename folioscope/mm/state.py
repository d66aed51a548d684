"""The whole model state: folios, per-CPU batches, LRU lists, the drain
machinery of lru_add_drain_all(), and counters.

A ``State`` is copied on write: ``fork()`` shares every folio, batch set and
list with its parent, and the engine replaces a part before it changes it
(``MM`` in context.py).  So a fork costs a few dict copies, a step costs what
it touches, and a parent state is never modified by its children.

What is history, not state (``Stats``: counters, the log of drain_all work)
is kept apart: it is copied with the state but left out of ``key()`` unless
asked for, so two states that differ only in how they were reached are one.
"""

from __future__ import annotations

from .folio import LRU_LISTS, Folio
from .lruvec import LruList

LRU_BATCHES = ("lru_add", "lru_move_tail", "lru_deactivate_file", "lru_deactivate",
               "lru_lazyfree", "lru_activate")
"""struct cpu_fbatches, in lru_add_drain_cpu()'s order."""

BATCHES = LRU_BATCHES + ("mlock",)
"""Every per-CPU batch; ``mlock`` is mm/mlock.c's mlock_fbatch."""

MLOCK_TAGS = ("lru", "new", "munlock")
"""mlock batch entry tags: LRU_FOLIO, NEW_FOLIO, none (munlock)."""

MlockEntry = tuple[str, str]
"""An mlock batch entry: (folio name, tag)."""


class CpuBatches:
    """One CPU's folio batches.  Each batch is a tuple, replaced, never
    changed in place: LRU batches hold folio names, the mlock batch
    ``(name, tag)`` pairs."""

    __slots__ = ("cpu", "batches", "_fp")

    def __init__(self, cpu: int) -> None:
        self.cpu = cpu
        self.batches: dict[str, tuple] = {name: () for name in BATCHES}
        self._fp: int | None = None

    def copy(self) -> "CpuBatches":
        new = CpuBatches.__new__(CpuBatches)
        new.cpu = self.cpu
        new.batches = dict(self.batches)
        new._fp = None
        return new

    def fingerprint(self) -> int:
        """hash(key()), kept: like a folio, a CPU's batches are copied before
        a step changes them, never changed afterwards."""
        if self._fp is None:
            self._fp = hash(tuple(self.batches.values()))
        return self._fp

    def pending(self) -> bool:
        """Any batch non-empty (cpu_needs_drain's folio part)."""
        return any(self.batches.values())

    def key(self) -> tuple:
        return tuple(self.batches.values())   # built in BATCHES order, replaced in place


class DrainWorkLog:
    """The CPUs each lru_add_drain_all() call gave work to, oldest first.

    Persistent: ``append`` returns a new log sharing this one, so keeping
    the log after every step of a trace costs one cell per call, not a copy
    of the whole history per step."""

    __slots__ = ("prev", "cpus", "length")

    def __init__(self, prev: "DrainWorkLog | None" = None, cpus: tuple[int, ...] = ()) -> None:
        self.prev = prev
        self.cpus = cpus
        self.length: int = prev.length + 1 if prev is not None else 0

    def append(self, cpus: tuple[int, ...]) -> "DrainWorkLog":
        return DrainWorkLog(self, cpus)

    def since(self, older: "DrainWorkLog") -> tuple[tuple[int, ...], ...]:
        """The calls logged after ``older`` (an earlier version of this log)."""
        calls = []
        node: DrainWorkLog | None = self
        while node is not None and node.length > older.length:
            calls.append(node.cpus)
            node = node.prev
        return tuple(reversed(calls))

    def __len__(self) -> int:
        return self.length

    def __iter__(self):
        return iter(self.since(EMPTY_WORK_LOG))

    def __getitem__(self, index: int) -> tuple[int, ...]:
        return tuple(self)[index]

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, DrainWorkLog):
            return self.length == other.length and tuple(self) == tuple(other)
        if isinstance(other, tuple):
            return self.length == len(other) and tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"DrainWorkLog({tuple(self)!r})"


EMPTY_WORK_LOG = DrainWorkLog()


class Stats:
    """Counters users can expect on (docs/language.md `stats`): history, so
    not part of the state's identity unless asked for."""

    __slots__ = ("drain_all_calls", "drain_all_cpus", "drain_all_work", "local_drains",
                 "gup_attempts")

    def __init__(self) -> None:
        self.drain_all_calls = 0
        self.drain_all_cpus = 0
        self.drain_all_work: DrainWorkLog = EMPTY_WORK_LOG
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
                 "drain_mutex", "queued_work")

    def __init__(self, ncpus: int) -> None:
        self.folios: dict[str, Folio] = {}
        self.cpus = [CpuBatches(c) for c in range(ncpus)]
        self.lists: dict[str, LruList] = {name: LruList() for name in LRU_LISTS}
        self.stats = Stats()
        self.lru_disable_count = 0
        self.successor: dict[str, str] = {}
        """F -> F' after a successful migration."""
        self.drain_mutex: int | None = None
        """The CPU whose lru_add_drain_all() holds its mutex (-1: another task's)."""
        self.queued_work: tuple[int, ...] = ()
        """CPUs whose lru_add_drain_per_cpu() work item is queued and has not run."""

    def fork(self) -> "State":
        """A copy sharing every part; the engine copies a part before changing it."""
        new = State.__new__(State)
        new.folios = dict(self.folios)
        new.cpus = list(self.cpus)
        new.lists = dict(self.lists)
        new.stats = self.stats
        new.lru_disable_count = self.lru_disable_count
        new.successor = self.successor
        new.drain_mutex = self.drain_mutex
        new.queued_work = self.queued_work
        return new

    def clone(self) -> "State":
        """A deep copy (for callers that will change it themselves)."""
        new = self.fork()
        new.folios = {name: f.copy() for name, f in self.folios.items()}
        new.cpus = [c.copy() for c in self.cpus]
        new.lists = {name: lst.copy() for name, lst in self.lists.items()}
        new.stats = self.stats.copy()
        new.successor = dict(self.successor)
        return new

    def display_order(self) -> tuple[str, ...]:
        """Folio names as declared, each migrated folio right after its source."""
        derived: dict[str, list[str]] = {}
        declared = []
        for name in self.folios:  # dicts keep insertion order
            base = name.rstrip("'")
            if base == name:
                declared.append(name)
            else:
                derived.setdefault(base, []).append(name)
        order: list[str] = []
        for name in declared:
            order.append(name)
            order += sorted(derived.get(name, ()), key=len)
        return tuple(order)

    def key(self, stats: bool = True, list_order: bool = True) -> tuple:
        """A canonical, hashable form of the state.  ``stats=False`` leaves
        the counters out; ``list_order=False`` keeps only who is on each list
        (no engine decision reads the order: pos says head or tail)."""
        lists = (tuple(lst) if list_order else tuple(sorted(lst)) for lst in self.lists.values())
        return (
            tuple(f.key() for f in self.folios.values()),
            tuple(c.key() for c in self.cpus),
            tuple(lists),
            self.stats.key() if stats else (),
            self.lru_disable_count,
            tuple(sorted(self.successor.items())),
            self.drain_mutex,
            self.queued_work,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())
