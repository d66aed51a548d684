"""The model of one machine: folio declarations and the operations users can
run, each mapped to the kernel function that does it.

``Machine.apply`` runs one operation to its end; ``start``/``resume``/``work``
run it step by step where the kernel can be overtaken (a split operation:
``cpu0 gup_longterm F split``, ``cpu1 work``, ``cpu0 resume``).  ``step`` is
the pure form of ``apply``.  A step the kernel would BUG on is undone: the
state is as before, the result ``BUG``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from . import gup, mlock, rmap, swap, vmscan
from .context import MM, KernelBug, Suspended, WouldBlock
from .events import Event
from .folio import PMD_ORDER, VMA_MAPS, Folio
from .invariants import check_invariants
from .lruvec import lruvec_add_folio
from .refs import folio_get, folio_put
from .state import State
from .variants import Variant, get_variant

__all__ = ["Machine", "Outcome", "step", "DeclarationError", "InvariantViolation",
           "WouldBlock", "NotSuspended", "OPS", "SPLITTABLE_OPS", "MULTI_FOLIO_OPS"]


class DeclarationError(ValueError):
    """A folio declaration the model cannot build."""


class InvariantViolation(AssertionError):
    """The model broke one of its own invariants: a bug in folioscope."""


class NotSuspended(ValueError):
    """``resume`` or ``work`` where there is nothing to continue or run."""


class Outcome(NamedTuple):
    """What one step did."""

    result: str
    """ok, refused, EBUSY, ENOMEM, LIVELOCK or BUG; ``waiting`` for a split
    operation that stopped (see ``suspended``)."""
    detail: str
    """For BUG: the assertion that would fire."""
    events: tuple[Event, ...]
    """What the kernel did, function by function."""
    suspended: Suspended | None = None
    """Where a split operation stopped, to ``resume`` it from."""


Result = str | Suspended | None
Handler = Callable[[MM, int, list[Folio], tuple[str, ...], str | None], Result]


def _single(fn: Callable[[MM, int, Folio], Result]) -> Handler:
    return lambda mm, cpu, folios, flags, batch: fn(mm, cpu, folios[0])


def _isolate(mm: MM, cpu: int, folio: Folio) -> str:
    return "ok" if vmscan.folio_isolate_lru(mm, folio, "user") else "EBUSY"


def _get(mm: MM, cpu: int, folio: Folio) -> None:
    folio_get(folio)
    folio.gets += 1
    mm.log("{func}({folio}): refcount {refcount}", "folio_get", folio.name,
           refcount=folio.refcount)


def _put(mm: MM, cpu: int, folio: Folio) -> None:
    if not folio.gets:
        raise mm.bug(f"folio_put({folio.name}): no reference of the caller's to drop "
                     "(it would underflow another holder's)")
    folio.gets -= 1
    mm.log("{func}({folio}): refcount {refcount}", "folio_put", folio.name,
           refcount=folio.refcount - 1)
    folio_put(mm, folio)


def _flush(mm: MM, cpu: int, batch: str) -> None:
    """``cpuN flush BATCH``: process one batch now, as a full batch does."""
    if not mm.batch(cpu, batch):
        mm.log("cpu{cpu} {batch} is empty — nothing to flush", cpu=cpu, batch=batch)
    elif batch == "mlock":
        with mm.call("{func}(cpu{cpu})", "mlock_folio_batch", cpu=cpu, batch=batch):
            mlock.mlock_folio_batch(mm, cpu)
    else:
        swap.folio_batch_move_lru(mm, cpu, batch)


OPS: dict[str, Handler] = {
    "add_lru": _single(swap.folio_add_lru),
    "mark_accessed": _single(swap.folio_mark_accessed),
    "activate": _single(swap.folio_activate),
    "deactivate": _single(swap.folio_deactivate),
    "deactivate_file": _single(swap.deactivate_file_folio),
    "lazyfree": _single(swap.folio_mark_lazyfree),
    "rotate": _single(swap.folio_rotate_reclaimable),
    "mlock": _single(mlock.mlock_folio),
    "mlock_new": _single(mlock.mlock_new_folio),
    "munlock": _single(mlock.munlock_folio),
    "sys_mlock": lambda mm, cpu, folios, flags, batch: mlock.sys_mlock(mm, cpu, folios, "partial" in flags,
                                                                       "onfault" in flags),
    "sys_munlock": lambda mm, cpu, folios, flags, batch: mlock.sys_munlock(mm, cpu, folios,
                                                                           "partial" in flags),
    "map": lambda mm, cpu, folios, flags, batch: rmap.map_folio(mm, cpu, folios[0], "locked" in flags),
    "unmap": lambda mm, cpu, folios, flags, batch: rmap.unmap_folio(mm, cpu, folios[0], "locked" in flags),
    "get": _single(_get),
    "put": _single(_put),
    "isolate": _single(_isolate),
    "putback": _single(vmscan.folio_putback_lru),
    "gup_longterm": lambda mm, cpu, folios, flags, batch: gup.gup_longterm(
        mm, cpu, folios, "touch" in flags, "write" in flags),
    "pin": _single(gup.pin_user_pages),
    "unpin": _single(gup.unpin_user_page),
    "drain": lambda mm, cpu, folios, flags, batch: swap.lru_add_drain(mm, cpu),
    "drain_all": lambda mm, cpu, folios, flags, batch: swap.lru_add_drain_all(mm, cpu),
    "flush": lambda mm, cpu, folios, flags, batch: _flush(mm, cpu, batch or ""),
    "lru_cache_disable": lambda mm, cpu, folios, flags, batch: swap.lru_cache_disable(mm, cpu),
    "lru_cache_enable": lambda mm, cpu, folios, flags, batch: swap.lru_cache_enable(mm, cpu),
}
"""DSL operation -> the kernel function(s) that perform it."""

RESUME: dict[str, Callable[[MM, int, Suspended], Result]] = {
    "drain_all": swap.lru_add_drain_all_resume,
    "lru_cache_disable": swap.lru_cache_disable_resume,
    "gup_longterm": gup.gup_longterm_resume,
    "sys_mlock": gup.mm_populate_resume,
}
"""Operations that can stop where the kernel sleeps or loops, and how each
continues."""

SPLITTABLE_OPS = frozenset(RESUME)

MULTI_FOLIO_OPS = frozenset({"gup_longterm", "sys_mlock", "sys_munlock"})
"""Operations that take several folios in one call."""

PAGE_TABLE_OPS = frozenset({
    "map", "unmap", "mlock", "munlock", "sys_mlock", "sys_munlock", "mark_accessed",
    "activate", "deactivate", "deactivate_file", "gup_longterm",
})
"""Operations that reach their folio through the page tables: once it is
migrated they find the new folio (F'), as gup's _follow_page_tables does.
The others (get put isolate putback add_lru pin unpin lazyfree rotate ...)
hold a pointer to the folio itself."""


def follow_migrations(state: State, op: str, folios: tuple[str, ...]) -> tuple[str, ...]:
    """The folios a call of ``op`` on ``folios`` reaches in ``state``."""
    if op not in PAGE_TABLE_OPS or not state.successor:
        return folios
    resolved = []
    for name in folios:
        while name in state.successor:
            name = state.successor[name]
        resolved.append(name)
    return tuple(resolved)


class Machine:
    """A model state under one variant, with operations applied in place."""

    def __init__(self, variant: Variant | str = "v6.18", ncpus: int = 2,
                 check: bool = False, events: bool = True) -> None:
        self.variant = get_variant(variant) if isinstance(variant, str) else variant
        self.state = State(ncpus)
        self.check = check
        """Check the invariants after every step (tests turn this on)."""
        self.events = events
        """Record events (off for the explorer: nothing is formatted)."""
        self.suspended: dict[int, Suspended] = {}
        """Split operations that stopped, by CPU."""
        self.last: MM | None = None
        """The most recent step's MM: what it touched, for trace recording."""
        self._declaring: MM | None = None
        """One MM for a run of declarations: a new one per folio would copy
        the LRU list it joins each time (quadratic in the folios declared)."""

    # --- declarations ------------------------------------------------------

    def declare(self, name: str, kind: str, **attrs: int | str | bool) -> Folio:
        """Create a folio as the ``folio`` statement describes."""
        if name in self.state.folios:
            raise DeclarationError(f"folio {name} is declared twice")
        folio, on_lru = _build_folio(name, kind, attrs)
        mm = self._declaring
        if mm is None or mm.state is not self.state:
            mm = self._declaring = MM(self.state, self.variant, events=False)
        mm.add_folio(folio)
        if on_lru:
            folio.lru = True
            lruvec_add_folio(mm, folio)
            if folio.unevictable:
                folio.mlock_count = int(attrs.get("locked", 0))
        return folio

    # --- operations --------------------------------------------------------

    def apply(self, op: str, cpu: int = 0, folios: tuple[str, ...] = (),
              flags: tuple[str, ...] = (), batch: str | None = None) -> Outcome:
        """Run one operation to its end (its work items, if it queues any, in
        ascending CPU order); a BUG leaves the state as it was.  Raises
        WouldBlock if it would wait for a split operation's mutex."""
        return self._step(cpu, lambda mm: _run_to_end(
            mm, cpu, self._begin(mm, op, cpu, folios, flags, batch)))

    def start(self, op: str, cpu: int = 0, folios: tuple[str, ...] = (),
              flags: tuple[str, ...] = (), batch: str | None = None) -> Outcome:
        """Run an operation up to the first point where it waits or yields
        (``split``); ``resume(cpu)`` continues it."""
        if cpu in self.suspended:
            raise NotSuspended(f"cpu{cpu} is inside {self.suspended[cpu].op} already")
        return self._step(cpu, lambda mm: self._begin(mm, op, cpu, folios, flags, batch))

    def resume(self, cpu: int) -> Outcome:
        """Continue cpu's split operation up to its next stop, or its end."""
        stopped = self.suspended.get(cpu)
        if stopped is None:
            raise NotSuspended(f"cpu{cpu} has no split operation to resume")
        if stopped.waits == "work" and set(stopped.work) & set(self.state.queued_work):
            waiting = [c for c in stopped.work if c in self.state.queued_work]
            raise WouldBlock("flush_work() would still wait for "
                             + ", ".join(f"cpu{c}" for c in waiting))
        if stopped.waits == "mutex" and self.state.drain_mutex is not None:
            raise WouldBlock(f"mutex_lock() would still sleep: cpu{self.state.drain_mutex} "
                             "holds lru_add_drain_all()'s mutex")
        del self.suspended[cpu]

        def body(mm: MM) -> Result:
            mm.depth = stopped.depth
            return RESUME[stopped.op](mm, cpu, stopped)
        return self._step(cpu, body, resumed=stopped)

    def work(self, cpu: int) -> Outcome:
        """Run the lru_add_drain_per_cpu() work item queued on ``cpu``."""
        if cpu not in self.state.queued_work:
            raise NotSuspended(f"no lru_add_drain_all() work is queued on cpu{cpu}")
        return self._step(cpu, lambda mm: swap.lru_add_drain_per_cpu(mm, cpu))

    def _begin(self, mm: MM, op: str, cpu: int, folios: tuple[str, ...],
               flags: tuple[str, ...], batch: str | None) -> Result:
        if op not in OPS:
            raise ValueError(f"unknown operation {op!r}")
        if not 0 <= cpu < len(self.state.cpus):
            raise ValueError(f"cpu{cpu} is not online")
        targets = [mm.folio(_current_name(self.state, n)) for n in folios]
        return OPS[op](mm, cpu, targets, flags, batch)

    def _step(self, cpu: int, body: Callable[[MM], Result],
              resumed: Suspended | None = None) -> Outcome:
        """One atomic step: run ``body``; undo it on a BUG."""
        self._declaring = None
        mm = MM(self.state, self.variant, self.events)
        self.last = mm
        try:
            result = body(mm)
        except KernelBug as bug:
            mm.rollback()
            if resumed is not None and self.state.drain_mutex == cpu:
                self.state.drain_mutex = None   # the operation is abandoned
            return self._outcome(mm, "BUG", str(bug), None, cpu)
        except WouldBlock:
            mm.rollback()
            if resumed is not None:
                self.suspended[cpu] = resumed
            raise
        if isinstance(result, Suspended):
            self.suspended[cpu] = result
            return self._outcome(mm, "waiting", result.where, result, cpu)
        return self._outcome(mm, result or "ok", "", None, cpu)

    def _outcome(self, mm: MM, result: str, detail: str, suspended: Suspended | None,
                 cpu: int) -> Outcome:
        if self.check:
            self.assert_invariants(f"a step on cpu{cpu}")
        return Outcome(result, detail, tuple(mm.events or ()), suspended)

    def assert_invariants(self, where: str) -> None:
        """Raise InvariantViolation naming ``where`` if the state is inconsistent."""
        problems = check_invariants(self.state, self.variant)
        if problems:
            raise InvariantViolation(f"after {where}: " + "; ".join(problems))

    # --- state -------------------------------------------------------------

    def snapshot(self) -> State:
        """A copy of the state to come back to (it shares every unchanged part)."""
        self._declaring = None      # what it copied is shared from now on
        return self.state.fork()

    def restore(self, state: State) -> None:
        """Continue from a snapshot (which stays untouched)."""
        self._declaring = None
        self.state = state.fork()


def _run_to_end(mm: MM, cpu: int, result: Result) -> Result:
    """Drive a stopped operation on at once, as sequential replay does: its
    work items run in ascending CPU order, nested where it waits for them."""
    while isinstance(result, Suspended):
        if result.waits == "mutex":
            raise WouldBlock(result.where)
        for work_cpu in result.work:
            mm.depth = result.depth
            swap.lru_add_drain_per_cpu(mm, work_cpu)
        mm.depth = result.depth
        result = RESUME[result.op](mm, cpu, result)
    return result


def step(state: State, variant: Variant, op: str, cpu: int = 0,
         folios: tuple[str, ...] = (), flags: tuple[str, ...] = (),
         batch: str | None = None) -> tuple[State, Outcome]:
    """The pure form of ``Machine.apply``: ``state`` is not modified."""
    machine = Machine(variant, len(state.cpus))
    machine.state = state.fork()
    outcome = machine.apply(op, cpu, folios, flags, batch)
    return machine.state, outcome


def _current_name(state: State, name: str) -> str:
    """The folio a name refers to; a primed name must exist by now."""
    if name not in state.folios:
        base = name.rstrip("'")
        raise KernelBug(f"there is no folio {name} in this run: {base} was not migrated that far")
    return name


# --- building a declared folio ------------------------------------------------


def _check_vma_maps(folio: Folio) -> None:
    """A small folio is mapped by one PTE; a PMD maps a PMD-sized folio."""
    if folio.vma_maps not in VMA_MAPS:
        raise DeclarationError(f"vma_maps={folio.vma_maps} is not one of {', '.join(VMA_MAPS)}")
    if folio.vma_maps != "all" and not folio.large:
        raise DeclarationError(f"vma_maps={folio.vma_maps} needs a large folio (order=N, N > 0)")
    if folio.vma_maps == "pmd" and folio.order != PMD_ORDER:
        raise DeclarationError(f"vma_maps=pmd needs order={PMD_ORDER}: a PMD maps {1 << PMD_ORDER} pages")


def _build_folio(name: str, kind: str, attrs: dict[str, int | str | bool]) -> tuple[Folio, bool]:
    """Turn a declaration into a folio, and say whether it starts on an LRU
    list; its refcount is the sum of what holds it.  The DSL checked the
    kind and the attribute names; the combinations are checked here."""
    folio = Folio(name, kind, int(attrs.get("order", 0)), str(attrs.get("zone", "normal")))
    locked = int(attrs.get("locked", 0))
    default_mapped = 1 if kind == "anon" and "mapped" not in attrs and "locked" not in attrs else 0
    folio.plain_maps = int(attrs.get("mapped", default_mapped))
    folio.locked_maps = locked
    folio.vma_maps = str(attrs.get("vma_maps", "all"))
    _check_vma_maps(folio)
    folio.referenced = bool(attrs.get("referenced"))
    folio.dirty = bool(attrs.get("dirty"))
    folio.writeback = bool(attrs.get("writeback"))
    folio.private = bool(attrs.get("private"))
    if folio.private and kind == "anon":
        raise DeclarationError("PG_private is for file and shmem folios "
                               "(folio_expected_ref_count() counts it only for them)")
    if attrs.get("swapcache"):
        if kind != "anon":
            raise DeclarationError("only an anon folio can be in the swap cache")
        folio.in_swapcache = True
    folio.refcount = folio.cache_refs + int(folio.private) + folio.mapcount
    if folio.refcount == 0:
        raise DeclarationError(
            f"{name} would have no reference at all, so it would be free: "
            "give it mapped=N, locked=N, swapcache or private")
    off_lru = attrs.get("new") or attrs.get("nolru")
    if locked and not off_lru and not attrs.get("unmlocked"):
        folio.mlocked = folio.unevictable = True
    elif attrs.get("active"):
        folio.active = True
    return folio, not off_lru
