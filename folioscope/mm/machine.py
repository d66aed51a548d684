"""The model of one machine: folio declarations and the operations users can
run, each mapped to the kernel function that does it.

``Machine.apply`` runs one operation in place; ``step`` is the pure form, a
function from one state to the next plus its outcome.  An operation the
kernel would BUG on is undone: the state is as before, the result ``BUG``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import gup, mlock, rmap, swap, vmscan
from .context import MM, KernelBug
from .folio import Folio
from .invariants import check_invariants
from .lruvec import lruvec_add_folio
from .refs import folio_get, folio_put
from .state import BATCHES, State
from .variants import Variant, get_variant


class DeclarationError(ValueError):
    """A folio declaration the model cannot build."""


class InvariantViolation(AssertionError):
    """The model broke one of its own invariants: a bug in folioscope."""


@dataclass(frozen=True)
class Outcome:
    """What one operation did."""

    result: str
    """ok, refused, EBUSY, ENOMEM, LIVELOCK or BUG."""
    detail: str
    """For BUG: the assertion that would fire."""
    events: tuple[str, ...]
    """What the kernel did, function by function."""


Handler = Callable[[MM, int, list[Folio], tuple[str, ...], str | None], str | None]


def _single(fn: Callable[[MM, int, Folio], str | None]) -> Handler:
    return lambda mm, cpu, folios, flags, batch: fn(mm, cpu, folios[0])


def _move(op: str) -> Handler:
    request = swap.MOVE_REQUESTS[op]
    return lambda mm, cpu, folios, flags, batch: swap.request_move(mm, cpu, request, folios[0])


def _isolate(mm: MM, cpu: int, folio: Folio) -> str:
    return "ok" if vmscan.folio_isolate_lru(mm, folio, "user") else "EBUSY"


def _get(mm: MM, cpu: int, folio: Folio) -> None:
    folio_get(folio)
    folio.gets += 1
    mm.log(f"folio_get({folio.name}): refcount {folio.refcount}")


def _put(mm: MM, cpu: int, folio: Folio) -> None:
    if not folio.gets:
        raise mm.bug(f"folio_put({folio.name}): no reference of the caller's to drop "
                     "(it would underflow another holder's)")
    folio.gets -= 1
    mm.log(f"folio_put({folio.name}): refcount {folio.refcount - 1}")
    folio_put(mm, folio)


OPS: dict[str, Handler] = {
    "add_lru": _single(swap.folio_add_lru),
    "mark_accessed": _single(swap.folio_mark_accessed),
    "activate": _move("activate"),
    "deactivate": _move("deactivate"),
    "deactivate_file": _move("deactivate_file"),
    "lazyfree": _move("lazyfree"),
    "rotate": _move("rotate"),
    "mlock": _single(mlock.mlock_folio),
    "mlock_new": _single(mlock.mlock_new_folio),
    "munlock": _single(mlock.munlock_folio),
    "sys_mlock": lambda mm, cpu, folios, flags, batch: mlock.sys_mlock(mm, cpu, folios),
    "sys_munlock": lambda mm, cpu, folios, flags, batch: mlock.sys_munlock(mm, cpu, folios),
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
    "flush": lambda mm, cpu, folios, flags, batch: swap.flush_batch(mm, cpu, batch),
    "lru_cache_disable": lambda mm, cpu, folios, flags, batch: swap.lru_cache_disable(mm, cpu),
    "lru_cache_enable": lambda mm, cpu, folios, flags, batch: swap.lru_cache_enable(mm, cpu),
}
"""DSL operation -> the kernel function(s) that perform it."""

FOLIO_OPS = frozenset(OPS) - {"drain", "drain_all", "flush", "lru_cache_disable",
                              "lru_cache_enable"}
"""Operations that take folios."""

INSERTING_OPS = frozenset({"add_lru", "mlock_new"})
"""Operations that queue a folio to be linked on a list when flushed."""

MULTI_FOLIO_OPS = frozenset({"gup_longterm", "sys_mlock", "sys_munlock"})
"""Operations that take several folios in one call."""


class Machine:
    """A model state under one variant, with operations applied in place."""

    def __init__(self, variant: Variant | str = "v6.18", ncpus: int = 2,
                 check: bool = False) -> None:
        self.variant = get_variant(variant) if isinstance(variant, str) else variant
        self.state = State(ncpus)
        self.check = check
        """Check the invariants after every operation (tests turn this on)."""

    # --- declarations ------------------------------------------------------

    def declare(self, name: str, kind: str, **attrs: object) -> Folio:
        """Create a folio as dsl.md's ``folio`` statement describes."""
        if name in self.state.folios:
            raise DeclarationError(f"folio {name} is declared twice")
        folio, on_lru = _build_folio(name, kind, attrs)
        self.state.folios[name] = folio
        if on_lru:
            folio.lru = True
            lruvec_add_folio(self.state, folio)
            if folio.unevictable:
                folio.mlock_count = int(attrs.get("locked", 0))
        return folio

    # --- operations --------------------------------------------------------

    def apply(self, op: str, cpu: int = 0, folios: tuple[str, ...] = (),
              flags: tuple[str, ...] = (), batch: str | None = None) -> Outcome:
        """Run one operation; a BUG leaves the state as it was."""
        if op not in OPS:
            raise ValueError(f"unknown operation {op!r}")
        if not 0 <= cpu < len(self.state.cpus):
            raise ValueError(f"cpu{cpu} is not online")
        if batch is not None and batch not in BATCHES:
            raise ValueError(f"unknown batch {batch!r}")
        # Every BUG is checked before anything changes, except a flush that
        # meets an entry queued as a hazard: only then is a backup needed.
        # Under test a backup is always kept, to prove that claim.
        hazard = self.state.hazard or self._creates_hazard(op, folios)
        backup = self.state.clone() if hazard or self.check else None
        mm = MM(self.state, self.variant)
        try:
            targets = [mm.folio(_current_name(self.state, n)) for n in folios]
            result = OPS[op](mm, cpu, targets, flags, batch) or "ok"
            detail = ""
        except KernelBug as bug:
            if backup is not None:
                if not hazard and self.state != backup:
                    raise InvariantViolation(f"{op}: BUG after the state changed: {bug}")
                self.state = backup
            result, detail = "BUG", str(bug)
        if self.check:
            self.assert_invariants(f"{op} on cpu{cpu}")
        return Outcome(result, detail, tuple(mm.events))

    def _creates_hazard(self, op: str, folios: tuple[str, ...]) -> bool:
        """Whether this operation queues a folio that may BUG when flushed,
        perhaps within the operation itself (lru_cache_disable, a full batch)."""
        if op == "gup_longterm":
            return True      # a failed migration's putback may BUG deep inside
        if op not in INSERTING_OPS:
            return False
        found = [self.state.folios.get(name) for name in folios]
        return any(f is not None and swap.insertion_hazard(self.state, f) for f in found)

    def assert_invariants(self, where: str) -> None:
        """Raise InvariantViolation naming ``where`` if the state is inconsistent."""
        problems = check_invariants(self.state, self.variant)
        if problems:
            raise InvariantViolation(f"after {where}: " + "; ".join(problems))

    # --- state -------------------------------------------------------------

    def snapshot(self) -> State:
        """A copy of the state to come back to."""
        return self.state.clone()

    def restore(self, state: State) -> None:
        """Continue from a snapshot (which stays untouched)."""
        self.state = state.clone()


def step(state: State, variant: Variant, op: str, cpu: int = 0,
         folios: tuple[str, ...] = (), flags: tuple[str, ...] = (),
         batch: str | None = None) -> tuple[State, Outcome]:
    """The pure form of ``Machine.apply``: ``state`` is not modified."""
    machine = Machine(variant, len(state.cpus))
    machine.state = state.clone()
    outcome = machine.apply(op, cpu, folios, flags, batch)
    return machine.state, outcome


def _current_name(state: State, name: str) -> str:
    """The folio a name refers to; a primed name must exist by now."""
    if name not in state.folios:
        base = name.rstrip("'")
        raise _no_such_folio(name, base)
    return name


def _no_such_folio(name: str, base: str) -> KernelBug:
    return KernelBug(f"there is no folio {name} in this run: {base} was not migrated that far")


# --- building a declared folio ------------------------------------------------

_BOOL_ATTRS = ("new", "nolru", "unmlocked", "active", "inactive", "referenced",
               "dirty", "writeback", "swapcache", "private")


def _build_folio(name: str, kind: str, attrs: dict) -> tuple[Folio, bool]:
    """Turn a declaration into a folio, and say whether it starts on an LRU
    list; its refcount is the sum of what holds it."""
    if kind not in ("anon", "file", "shmem"):
        raise DeclarationError(f"unknown folio kind {kind!r}")
    unknown = set(attrs) - set(_BOOL_ATTRS) - {"order", "zone", "mapped", "locked"}
    if unknown:
        raise DeclarationError(f"unknown attribute {sorted(unknown)[0]!r}")
    folio = Folio(name, kind, int(attrs.get("order", 0)), str(attrs.get("zone", "normal")))
    locked = int(attrs.get("locked", 0))
    default_mapped = 1 if kind == "anon" and "mapped" not in attrs and "locked" not in attrs else 0
    folio.plain_maps = int(attrs.get("mapped", default_mapped))
    folio.locked_maps = locked
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
