"""mm/swap.c: the per-CPU LRU batches, their gates and processing functions,
and draining (kernel-model.md §3, §4, §6).

Where kernels differ, the variant's switches decide:
``clear_lru_at_add`` (33dfe9204f29, v6.11..v6.17-rc), ``flush_tests_clear_lru``,
``deactivate_file_requires_lru``, ``drain_all_local_first`` (v6.18).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .context import MM
from .folio import Folio
from .lruvec import check_unlinked, lruvec_add_folio, lruvec_move_folio
from .mlock import mlock_drain_local, mlock_folio_batch
from .pagevec import must_flush
from .refs import folio_get, folio_put
from .state import LRU_BATCHES, State

# --- processing functions (move_fn_t), run under the lruvec lock ------------


def lru_add(mm: MM, folio: Folio) -> None:
    """lru_add(): recompute unevictability and link the folio; mlock_count
    restarts at 0 ("underestimate, let page reclaim fix it")."""
    f = folio.name
    check_unlinked(mm, "lru_add", folio)
    folio.unevictable = False
    if folio.evictable():
        lruvec_add_folio(mm.state, folio)
        mm.log(f"lru_add({f}): added to {folio.list}")
    else:
        folio.active = False
        folio.unevictable = True
        lruvec_add_folio(mm.state, folio)
        folio.mlock_count = 0
        mm.log(f"lru_add({f}): not evictable: added to unevictable, mlock_count 0")


def lru_activate(mm: MM, folio: Folio) -> None:
    """lru_activate() (__activate_page in v5.18)."""
    f = folio.name
    if folio.active or folio.unevictable:
        mm.log(f"lru_activate({f}): {'active' if folio.active else 'unevictable'} — nothing done")
        return
    folio.active = True
    lruvec_move_folio(mm.state, folio)
    mm.log(f"lru_activate({f}): moved to {folio.list}")


def lru_deactivate_file(mm: MM, folio: Folio) -> None:
    """lru_deactivate_file(): a clean unmapped folio goes to the inactive tail."""
    f = folio.name
    if folio.unevictable:
        mm.log(f"lru_deactivate_file({f}): unevictable — nothing done")
        return
    if folio.mapcount:
        mm.log(f"lru_deactivate_file({f}): mapped — nothing done")
        return
    folio.active = folio.referenced = False
    if folio.writeback or folio.dirty:
        lruvec_move_folio(mm.state, folio)
        folio.reclaim = True
        mm.log(f"lru_deactivate_file({f}): dirty or under writeback: {folio.list} head, PG_reclaim set")
    else:
        lruvec_move_folio(mm.state, folio, tail=True)
        mm.log(f"lru_deactivate_file({f}): clean: moved to {folio.list} tail")


def lru_deactivate(mm: MM, folio: Folio) -> None:
    """lru_deactivate() (lru_deactivate_fn in v5.18)."""
    f = folio.name
    if folio.unevictable or not folio.active:
        mm.log(f"lru_deactivate({f}): {'unevictable' if folio.unevictable else 'not active'} — nothing done")
        return
    folio.active = folio.referenced = False
    lruvec_move_folio(mm.state, folio)
    mm.log(f"lru_deactivate({f}): moved to {folio.list}")


def lru_lazyfree(mm: MM, folio: Folio) -> None:
    """lru_lazyfree(): a clean anon folio becomes file-backed-like (no PG_swapbacked)."""
    f = folio.name
    if not _lazyfree_candidate(folio):
        mm.log(f"lru_lazyfree({f}): not a clean swap-backed anon folio — nothing done")
        return
    folio.active = folio.referenced = folio.swapbacked = False
    lruvec_move_folio(mm.state, folio)
    mm.log(f"lru_lazyfree({f}): PG_swapbacked cleared, moved to {folio.list}")


def lru_move_tail(mm: MM, folio: Folio) -> None:
    """lru_move_tail() (pagevec_move_tail_fn in v5.18)."""
    f = folio.name
    if folio.unevictable:
        mm.log(f"lru_move_tail({f}): unevictable — nothing done")
        return
    folio.active = False
    lruvec_move_folio(mm.state, folio, tail=True)
    mm.log(f"lru_move_tail({f}): moved to {folio.list} tail")


MOVE_FNS: dict[str, Callable[[MM, Folio], None]] = {
    "lru_add": lru_add,
    "lru_move_tail": lru_move_tail,
    "lru_deactivate_file": lru_deactivate_file,
    "lru_deactivate": lru_deactivate,
    "lru_lazyfree": lru_lazyfree,
    "lru_activate": lru_activate,
}


def _lazyfree_candidate(folio: Folio) -> bool:
    return (folio.anon and folio.swapbacked and not folio.in_swapcache
            and not folio.unevictable)


# --- the batch machinery ----------------------------------------------------


def folio_batch_move_lru(mm: MM, cpu: int, batch: str) -> None:
    """folio_batch_move_lru(): process every entry in order, then folios_put().

    Variants with ``flush_tests_clear_lru`` test-and-clear PG_lru here and
    skip a folio without it (someone isolated it meanwhile); v6.11-style
    variants cleared it at add time instead.
    """
    entries = mm.state.cpus[cpu].batches[batch]
    mm.state.cpus[cpu].batches[batch] = []
    move_fn = MOVE_FNS[batch]
    with mm.call(f"folio_batch_move_lru(cpu{cpu} {batch}: {', '.join(entries)})"):
        for name in entries:
            folio = mm.state.folios[name]
            if batch != "lru_add" and mm.variant.flush_tests_clear_lru:
                if not folio.lru:
                    mm.log(f"{batch}({name}): PG_lru clear — skipped")
                    continue
                folio.lru = False
            move_fn(mm, folio)
            folio.lru = True
        for name in entries:
            folio_put(mm, mm.state.folios[name])


def folio_batch_add_and_move(mm: MM, cpu: int, batch: str, folio: Folio, caller: str) -> None:
    """folio_batch_add_and_move(): take a reference, queue, flush if needed."""
    folio_get(folio)
    entries = mm.state.cpus[cpu].batches[batch]
    reason = must_flush(mm, entries, folio.name, folio)
    mm.log(f"{caller}({folio.name}): queued on cpu{cpu} {batch} (refcount {folio.refcount})")
    if reason:
        with mm.call(f"cpu{cpu} {batch} flushed now: {reason}"):
            folio_batch_move_lru(mm, cpu, batch)


@dataclass(frozen=True)
class MoveRequest:
    """A public function that feeds a move batch, and its static gates."""

    func: str
    """The kernel function (6.x name)."""
    batch: str
    refuse: Callable[[Folio], str | None]
    """Gates that do not look at PG_lru: a reason to refuse, or None."""
    always_needs_lru: bool = True
    """False only for deactivate_file_folio, whose lru test is a switch."""


def _refuse_activate(f: Folio) -> str | None:
    return "already active" if f.active else "unevictable" if f.unevictable else None


def _refuse_deactivate_file(f: Folio) -> str | None:
    return "unevictable" if f.unevictable else None


def _refuse_deactivate(f: Folio) -> str | None:
    return "unevictable" if f.unevictable else "not active" if not f.active else None


def _refuse_lazyfree(f: Folio) -> str | None:
    return None if _lazyfree_candidate(f) else "not a clean swap-backed anon folio"


def _refuse_rotate(f: Folio) -> str | None:
    for flag in ("locked", "dirty", "unevictable"):
        if getattr(f, flag):
            return flag
    return None


MOVE_REQUESTS = {
    "activate": MoveRequest("folio_activate", "lru_activate", _refuse_activate),
    "deactivate_file": MoveRequest("deactivate_file_folio", "lru_deactivate_file",
                                   _refuse_deactivate_file, always_needs_lru=False),
    "deactivate": MoveRequest("folio_deactivate", "lru_deactivate", _refuse_deactivate),
    "lazyfree": MoveRequest("folio_mark_lazyfree", "lru_lazyfree", _refuse_lazyfree),
    "rotate": MoveRequest("folio_rotate_reclaimable", "lru_move_tail", _refuse_rotate),
}


def request_move(mm: MM, cpu: int, request: MoveRequest, folio: Folio) -> str:
    """Apply a move request's gates for this variant, then queue the folio.
    Returns ``ok`` or ``refused``."""
    f = folio.name
    reason = request.refuse(folio)
    if reason:
        mm.log(f"{request.func}({f}): {reason} — refused")
        return "refused"
    if mm.variant.clear_lru_at_add:
        # 33dfe9204f29: __folio_batch_add_and_move(..., on_lru=true)
        if not folio.lru:
            mm.log(f"{request.func}({f}): folio_test_clear_lru failed (PG_lru clear) — refused")
            return "refused"
        folio.lru = False
        mm.log(f"{request.func}({f}): PG_lru cleared at add; {f} stays on {folio.list}")
    elif (request.always_needs_lru or mm.variant.deactivate_file_requires_lru) and not folio.lru:
        mm.log(f"{request.func}({f}): PG_lru clear — refused")
        return "refused"
    folio_batch_add_and_move(mm, cpu, request.batch, folio, request.func)
    return "ok"


def folio_add_lru(mm: MM, cpu: int, folio: Folio) -> None:
    """folio_add_lru(): queue on lru_add; PG_lru must be clear."""
    check_folio_add_lru(mm, folio)
    mark_insertion_hazard(mm, folio)
    folio_batch_add_and_move(mm, cpu, "lru_add", folio, "folio_add_lru")


def check_folio_add_lru(mm: MM, folio: Folio) -> None:
    """folio_add_lru()'s VM_BUG_ON_FOLIO()s, which callers check first so that
    a BUG changes nothing."""
    if folio.lru:
        raise mm.bug(f"folio_add_lru({folio.name}): VM_BUG_ON_FOLIO(folio_test_lru(folio))")
    if folio.active and folio.unevictable:
        raise mm.bug(f"folio_add_lru({folio.name}): VM_BUG_ON_FOLIO(active && unevictable)")


def insertion_hazard(state: State, folio: Folio) -> bool:
    """Queueing ``folio`` for insertion on a list (lru_add, an mlock NEW
    entry) will BUG when flushed if it is linked, isolated by someone, or
    queued for insertion already."""
    queued = any(folio.name in c.batches["lru_add"] or (folio.name, "new") in c.batches["mlock"]
                 for c in state.cpus)
    return folio.list is not None or folio.isolated_by is not None or queued


def mark_insertion_hazard(mm: MM, folio: Folio) -> None:
    """Remember a hazard: from now on operations keep a backup to undo to."""
    if insertion_hazard(mm.state, folio):
        mm.state.hazard = True


def folio_mark_accessed(mm: MM, cpu: int, folio: Folio) -> str:
    """folio_mark_accessed() on the classic LRU (kernel-model.md §4.1)."""
    f = folio.name
    if not folio.referenced:
        folio.referenced = True
        mm.log(f"folio_mark_accessed({f}): PG_referenced set")
        return "ok"
    if folio.unevictable:
        mm.log(f"folio_mark_accessed({f}): unevictable — nothing done")
        return "ok"
    if folio.active:
        mm.log(f"folio_mark_accessed({f}): already active — nothing done")
        return "ok"
    result = "ok"
    if folio.lru:
        with mm.call(f"folio_mark_accessed({f}): referenced, inactive, on LRU → folio_activate"):
            result = request_move(mm, cpu, MOVE_REQUESTS["activate"], folio)
    else:
        __lru_cache_activate_folio(mm, cpu, folio)
    folio.referenced = False
    return result


def __lru_cache_activate_folio(mm: MM, cpu: int, folio: Folio) -> None:
    """__lru_cache_activate_folio(): a folio off the LRU is looked for only in
    this CPU's lru_add batch, newest first; elsewhere the activation is lost."""
    f = folio.name
    if f in mm.state.cpus[cpu].batches["lru_add"]:
        folio.active = True
        mm.log(f"__lru_cache_activate_folio({f}): found in cpu{cpu} lru_add: PG_active set")
    else:
        mm.log(f"__lru_cache_activate_folio({f}): PG_lru clear and not in cpu{cpu} lru_add"
               " — activation lost")


# --- draining ---------------------------------------------------------------


def lru_add_drain_cpu(mm: MM, cpu: int) -> None:
    """lru_add_drain_cpu(): flush the LRU batches in their fixed order."""
    batches = mm.state.cpus[cpu].batches
    for batch in LRU_BATCHES:
        if batches[batch]:
            folio_batch_move_lru(mm, cpu, batch)


def lru_add_drain(mm: MM, cpu: int) -> None:
    """lru_add_drain(): lru_add_drain_cpu() and mlock_drain_local()."""
    if not cpu_needs_drain(mm, cpu):
        mm.log(f"lru_add_drain(cpu{cpu}): nothing pending")
        return
    with mm.call(f"lru_add_drain(cpu{cpu})"):
        lru_add_drain_cpu(mm, cpu)
        mlock_drain_local(mm, cpu)


def cpu_needs_drain(mm: MM, cpu: int) -> bool:
    """cpu_needs_drain(): any batch non-empty, the mlock batch included
    (need_mlock_drain(), added with 2fbb0c10d1e8)."""
    return mm.state.cpus[cpu].pending()


def lru_add_drain_all(mm: MM, caller: int) -> None:
    """__lru_add_drain_all(): a work item on every CPU that needs a drain,
    run here in ascending CPU order; v6.18 drains the caller locally first."""
    stats = mm.state.stats
    stats.drain_all_calls += 1
    with mm.call(f"lru_add_drain_all() from cpu{caller}"):
        if mm.variant.drain_all_local_first:
            stats.local_drains += 1
            lru_add_drain(mm, caller)
        work = tuple(c for c in range(mm.ncpus) if cpu_needs_drain(mm, c))
        mm.log("work on " + (", ".join(f"cpu{c}" for c in work) if work else "no CPU"))
        for c in work:
            lru_add_drain(mm, c)
    stats.drain_all_cpus += len(work)
    stats.drain_all_work += (work,)


def lru_cache_disable(mm: MM, cpu: int) -> None:
    """lru_cache_disable(): from now on every add flushes its batch at once.
    Its __lru_add_drain_all(force_all_cpus=true) only skips the generation
    check, which is not modelled; CPUs are still chosen by cpu_needs_drain()
    (ff042f4a9b05, v5.18)."""
    mm.state.lru_disable_count += 1
    with mm.call(f"lru_cache_disable(): lru_disable_count {mm.state.lru_disable_count}"):
        lru_add_drain_all(mm, cpu)


def lru_cache_enable(mm: MM, cpu: int) -> None:
    """lru_cache_enable()."""
    if mm.state.lru_disable_count == 0:
        raise mm.bug("lru_cache_enable(): lru_disable_count would go negative")
    mm.state.lru_disable_count -= 1
    mm.log(f"lru_cache_enable(): lru_disable_count {mm.state.lru_disable_count}")


def flush_batch(mm: MM, cpu: int, batch: str) -> None:
    """Process one batch now, as a full batch would."""
    if not mm.state.cpus[cpu].batches[batch]:
        mm.log(f"cpu{cpu} {batch} is empty — nothing to flush")
    elif batch == "mlock":
        with mm.call(f"mlock_folio_batch(cpu{cpu})"):
            mlock_folio_batch(mm, cpu)
    else:
        folio_batch_move_lru(mm, cpu, batch)
