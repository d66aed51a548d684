"""mm/swap.c: the per-CPU LRU batches, the functions that feed them, their
processing functions, and draining.

Where kernels differ, the variant's switches decide:
``clear_lru_at_add`` (33dfe9204f29, v6.11 until the v6.17 revert),
``flush_tests_clear_lru``, ``deactivate_file_requires_lru`` (afb99e9f5004),
``drain_all_local_first`` (v6.18).
"""

from __future__ import annotations

from .context import MM, Suspended
from .folio import Folio
from .lruvec import check_unlinked, lruvec_add_folio, lruvec_add_folio_tail, lruvec_del_folio
from .mlock import mlock_drain_local
from .pagevec import folio_batch_add, folio_batch_reinit, why_processed_now
from .refs import folio_get, folio_put
from .state import LRU_BATCHES

RESUMABLE = ("drain_all", "lru_cache_disable")
"""This file's operations that can stop in __lru_add_drain_all()."""

# --- processing functions (move_fn_t), run under the lruvec lock ------------


def lru_add(mm: MM, folio: Folio) -> None:
    """lru_add(): recompute unevictability and link the folio; mlock_count
    restarts at 0 ("underestimate, let page reclaim fix it")."""
    check_unlinked(mm, "lru_add", folio)
    folio.unevictable = False
    if folio.evictable():
        lruvec_add_folio(mm, folio)
        mm.log("{func}({folio}): added to {list}", "lru_add", folio.name, list=folio.list)
    else:
        folio.active = False
        folio.unevictable = True
        lruvec_add_folio(mm, folio)
        folio.mlock_count = 0
        mm.log("{func}({folio}): not evictable: added to unevictable, mlock_count 0",
               "lru_add", folio.name)


def lru_activate(mm: MM, folio: Folio) -> None:
    """lru_activate() (__activate_page in v5.18)."""
    if folio.active or folio.unevictable:
        mm.log("{func}({folio}): {why} — nothing done", "lru_activate", folio.name,
               why="active" if folio.active else "unevictable")
        return
    lruvec_del_folio(mm, folio)
    folio.active = True
    lruvec_add_folio(mm, folio)
    mm.log("{func}({folio}): moved to {list}", "lru_activate", folio.name, list=folio.list)


def lru_deactivate_file(mm: MM, folio: Folio) -> None:
    """lru_deactivate_file(): a clean unmapped folio goes to the inactive tail;
    a dirty one or one under writeback to the head, with PG_reclaim set."""
    f = folio.name
    if folio.unevictable:
        mm.log("{func}({folio}): unevictable — nothing done", "lru_deactivate_file", f)
        return
    if folio.mapcount:
        mm.log("{func}({folio}): mapped — nothing done", "lru_deactivate_file", f)
        return
    lruvec_del_folio(mm, folio)
    folio.active = folio.referenced = False
    if folio.writeback or folio.dirty:
        lruvec_add_folio(mm, folio)
        folio.reclaim = True
        mm.log("{func}({folio}): dirty or under writeback: {list} head, PG_reclaim set",
               "lru_deactivate_file", f, list=folio.list)
    else:
        lruvec_add_folio_tail(mm, folio)
        mm.log("{func}({folio}): clean: moved to {list} tail", "lru_deactivate_file", f,
               list=folio.list)


def lru_deactivate(mm: MM, folio: Folio) -> None:
    """lru_deactivate() (lru_deactivate_fn in v5.18)."""
    if folio.unevictable or not folio.active:
        mm.log("{func}({folio}): {why} — nothing done", "lru_deactivate", folio.name,
               why="unevictable" if folio.unevictable else "not active")
        return
    lruvec_del_folio(mm, folio)
    folio.active = folio.referenced = False
    lruvec_add_folio(mm, folio)
    mm.log("{func}({folio}): moved to {list}", "lru_deactivate", folio.name, list=folio.list)


def lru_lazyfree(mm: MM, folio: Folio) -> None:
    """lru_lazyfree(): a clean anon folio becomes file-backed-like (no PG_swapbacked)."""
    if not _lazyfree_candidate(folio):
        mm.log("{func}({folio}): not a clean swap-backed anon folio — nothing done",
               "lru_lazyfree", folio.name)
        return
    lruvec_del_folio(mm, folio)
    folio.active = folio.referenced = folio.swapbacked = False
    lruvec_add_folio(mm, folio)
    mm.log("{func}({folio}): PG_swapbacked cleared, moved to {list}", "lru_lazyfree",
           folio.name, list=folio.list)


def lru_move_tail(mm: MM, folio: Folio) -> None:
    """lru_move_tail() (pagevec_move_tail_fn in v5.18)."""
    if folio.unevictable:
        mm.log("{func}({folio}): unevictable — nothing done", "lru_move_tail", folio.name)
        return
    lruvec_del_folio(mm, folio)
    folio.active = False
    lruvec_add_folio_tail(mm, folio)
    mm.log("{func}({folio}): moved to {list} tail", "lru_move_tail", folio.name,
           list=folio.list)


MOVE_FNS = {
    "lru_add": lru_add,
    "lru_move_tail": lru_move_tail,
    "lru_deactivate_file": lru_deactivate_file,
    "lru_deactivate": lru_deactivate,
    "lru_lazyfree": lru_lazyfree,
    "lru_activate": lru_activate,
}
"""Each batch of struct cpu_fbatches and the move_fn its flush applies."""


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
    entries = folio_batch_reinit(mm, cpu, batch)
    move_fn = MOVE_FNS[batch]
    with mm.call("{func}(cpu{cpu} {batch}: {entries})", "folio_batch_move_lru", None, cpu,
                 batch, entries=", ".join(entries)):
        for name in entries:
            folio = mm.page(name)
            if batch != "lru_add" and mm.variant.flush_tests_clear_lru:
                if not folio.lru:
                    mm.log("{batch}({folio}): PG_lru clear — skipped", batch, name, cpu, batch)
                    continue
                folio.lru = False
            move_fn(mm, folio)
            folio.lru = True
        for name in entries:
            folio_put(mm, mm.page(name))


def folio_batch_add_and_move(mm: MM, cpu: int, batch: str, folio: Folio, caller: str) -> None:
    """folio_batch_add_and_move(): take a reference, queue the folio, and
    process the batch at once if it is full, the folio may not be cached, or
    the LRU caches are disabled."""
    folio_get(folio)
    space = folio_batch_add(mm, cpu, batch, folio.name)
    mm.log("{func}({folio}): queued on cpu{cpu} {batch} (refcount {refcount})", caller,
           folio.name, cpu, batch, refcount=folio.refcount)
    why = why_processed_now(mm, space, folio)
    if why:
        with mm.call("cpu{cpu} {batch} flushed now: {why}", "folio_batch_move_lru", folio.name,
                     cpu, batch, why=why):
            folio_batch_move_lru(mm, cpu, batch)


def _refused(mm: MM, func: str, folio: Folio, why: str) -> str:
    mm.log("{func}({folio}): {why} — refused", func, folio.name, why=why)
    return "refused"


def _add_to_move_batch(mm: MM, cpu: int, batch: str, folio: Folio, func: str,
                       needs_lru: bool = True) -> str:
    """The PG_lru gate every move batch's producer passes, then the add.

    33dfe9204f29 (``clear_lru_at_add``): folio_test_clear_lru() at add time,
    refusing a folio whose PG_lru is already clear; the flush no longer tests
    it.  Otherwise the producer only tests PG_lru (``needs_lru``) and the
    flush test-and-clears it."""
    f = folio.name
    if mm.variant.clear_lru_at_add:
        if not folio.lru:
            return _refused(mm, func, folio, "folio_test_clear_lru failed (PG_lru clear)")
        folio.lru = False
        mm.log("{func}({folio}): PG_lru cleared at add; {folio} stays on {list}", func, f,
               list=folio.list)
    elif needs_lru and not folio.lru:
        return _refused(mm, func, folio, "PG_lru clear")
    folio_batch_add_and_move(mm, cpu, batch, folio, func)
    return "ok"


def folio_activate(mm: MM, cpu: int, folio: Folio) -> str:
    """folio_activate(): an inactive, evictable folio on the LRU is queued on
    lru_activate.  Returns ``ok`` or ``refused``."""
    if folio.active:
        return _refused(mm, "folio_activate", folio, "already active")
    if folio.unevictable:
        return _refused(mm, "folio_activate", folio, "unevictable")
    return _add_to_move_batch(mm, cpu, "lru_activate", folio, "folio_activate")


def deactivate_file_folio(mm: MM, cpu: int, folio: Folio) -> str:
    """deactivate_file_folio(): invalidation found a folio it could not drop;
    queue it on lru_deactivate_file.  v5.18-v6.16 did not test PG_lru here
    (``deactivate_file_requires_lru``, afb99e9f5004)."""
    if folio.unevictable:
        return _refused(mm, "deactivate_file_folio", folio, "unevictable")
    return _add_to_move_batch(mm, cpu, "lru_deactivate_file", folio, "deactivate_file_folio",
                              needs_lru=mm.variant.deactivate_file_requires_lru)


def folio_deactivate(mm: MM, cpu: int, folio: Folio) -> str:
    """folio_deactivate() (MADV_COLD): an active folio is queued on lru_deactivate."""
    if folio.unevictable:
        return _refused(mm, "folio_deactivate", folio, "unevictable")
    if not folio.active:
        return _refused(mm, "folio_deactivate", folio, "not active")
    return _add_to_move_batch(mm, cpu, "lru_deactivate", folio, "folio_deactivate")


def folio_mark_lazyfree(mm: MM, cpu: int, folio: Folio) -> str:
    """folio_mark_lazyfree() (MADV_FREE): a clean swap-backed anon folio is
    queued on lru_lazyfree."""
    if not _lazyfree_candidate(folio):
        return _refused(mm, "folio_mark_lazyfree", folio, "not a clean swap-backed anon folio")
    return _add_to_move_batch(mm, cpu, "lru_lazyfree", folio, "folio_mark_lazyfree")


def folio_rotate_reclaimable(mm: MM, cpu: int, folio: Folio) -> str:
    """folio_rotate_reclaimable(): after writeback, move a folio reclaim
    wanted to the tail; not if locked, dirty or unevictable."""
    for flag in ("locked", "dirty", "unevictable"):
        if getattr(folio, flag):
            return _refused(mm, "folio_rotate_reclaimable", folio, flag)
    return _add_to_move_batch(mm, cpu, "lru_move_tail", folio, "folio_rotate_reclaimable")


def folio_add_lru(mm: MM, cpu: int, folio: Folio) -> None:
    """folio_add_lru(): queue on lru_add; PG_lru must be clear."""
    check_folio_add_lru(mm, folio)
    folio_batch_add_and_move(mm, cpu, "lru_add", folio, "folio_add_lru")


def check_folio_add_lru(mm: MM, folio: Folio) -> None:
    """folio_add_lru()'s VM_BUG_ON_FOLIO()s, which callers check first so that
    a BUG changes nothing."""
    if folio.lru:
        raise mm.bug(f"folio_add_lru({folio.name}): VM_BUG_ON_FOLIO(folio_test_lru(folio))")
    if folio.active and folio.unevictable:
        raise mm.bug(f"folio_add_lru({folio.name}): VM_BUG_ON_FOLIO(active && unevictable)")


def folio_mark_accessed(mm: MM, cpu: int, folio: Folio) -> str:
    """folio_mark_accessed() on the classic LRU: the first access sets
    PG_referenced, the second activates."""
    f = folio.name
    if not folio.referenced:
        folio.referenced = True
        mm.log("{func}({folio}): PG_referenced set", "folio_mark_accessed", f)
        return "ok"
    if folio.unevictable:
        mm.log("{func}({folio}): unevictable — nothing done", "folio_mark_accessed", f)
        return "ok"
    if folio.active:
        mm.log("{func}({folio}): already active — nothing done", "folio_mark_accessed", f)
        return "ok"
    result = "ok"
    if folio.lru:
        with mm.call("{func}({folio}): referenced, inactive, on LRU → folio_activate",
                     "folio_mark_accessed", f):
            result = folio_activate(mm, cpu, folio)
    else:
        __lru_cache_activate_folio(mm, cpu, folio)
    folio.referenced = False
    return result


def __lru_cache_activate_folio(mm: MM, cpu: int, folio: Folio) -> None:
    """__lru_cache_activate_folio(): a folio off the LRU is looked for only in
    this CPU's lru_add batch, newest first; elsewhere the activation is lost."""
    f = folio.name
    if f in mm.batch(cpu, "lru_add"):
        folio.active = True
        mm.log("{func}({folio}): found in cpu{cpu} lru_add: PG_active set",
               "__lru_cache_activate_folio", f, cpu, "lru_add")
    else:
        mm.log("{func}({folio}): PG_lru clear and not in cpu{cpu} lru_add — activation lost",
               "__lru_cache_activate_folio", f, cpu, "lru_add")


# --- draining ---------------------------------------------------------------


def lru_add_drain_cpu(mm: MM, cpu: int) -> None:
    """lru_add_drain_cpu(): flush the LRU batches in their fixed order."""
    for batch in LRU_BATCHES:
        if mm.batch(cpu, batch):
            folio_batch_move_lru(mm, cpu, batch)


def lru_add_drain(mm: MM, cpu: int) -> None:
    """lru_add_drain(): lru_add_drain_cpu() and mlock_drain_local()."""
    if not cpu_needs_drain(mm, cpu):
        mm.log("{func}(cpu{cpu}): nothing pending", "lru_add_drain", cpu=cpu)
        return
    with mm.call("{func}(cpu{cpu})", "lru_add_drain", cpu=cpu):
        lru_add_drain_cpu(mm, cpu)
        mlock_drain_local(mm, cpu)


def cpu_needs_drain(mm: MM, cpu: int) -> bool:
    """cpu_needs_drain(): any batch non-empty, the mlock batch included
    (need_mlock_drain(), added with 2fbb0c10d1e8)."""
    return mm.state.cpus[cpu].pending()


def lru_add_drain_per_cpu(mm: MM, cpu: int) -> None:
    """lru_add_drain_per_cpu(), the work item __lru_add_drain_all() queued on
    ``cpu``: lru_add_and_bh_lrus_drain() drains whatever is batched *now*."""
    mm.state.queued_work = tuple(c for c in mm.state.queued_work if c != cpu)
    lru_add_drain(mm, cpu)


def lru_add_drain_all_queue(mm: MM, caller: int, first: bool = True) -> tuple[int, ...] | None:
    """The first half of __lru_add_drain_all(), up to its flush_work() loop:
    v6.18's local drain, then the mutex, then a work item on every CPU that
    cpu_needs_drain() *now*.  Returns those CPUs, or None when another
    caller holds the mutex (nothing queued: call again, ``first=False``, once
    it is free).

    Not modelled: the lru_drain_gen check, which lets a caller whose drain
    another caller's covered return early (it only removes drains)."""
    if first and mm.variant.drain_all_local_first:
        mm.stats.local_drains += 1
        lru_add_drain(mm, caller)
    if mm.state.drain_mutex is not None and mm.state.drain_mutex != caller:
        mm.log("mutex held by {holder}: waiting", "lru_add_drain_all", cpu=caller,
               holder=_mutex_holder(mm.state.drain_mutex))
        return None
    mm.state.drain_mutex = caller
    work = tuple(c for c in range(mm.ncpus) if cpu_needs_drain(mm, c))
    mm.log("work on {cpus}", "lru_add_drain_all", cpu=caller,
           cpus=", ".join(f"cpu{c}" for c in work) if work else "no CPU")
    mm.state.queued_work = tuple(sorted(set(mm.state.queued_work) | set(work)))
    stats = mm.stats
    stats.drain_all_calls += 1
    stats.drain_all_cpus += len(work)
    stats.drain_all_work = stats.drain_all_work.append(work)
    return work


def lru_add_drain_all_done(mm: MM, caller: int) -> None:
    """The end of __lru_add_drain_all(): every flush_work() returned;
    mutex_unlock()."""
    mm.state.drain_mutex = None


def _mutex_holder(holder: int) -> str:
    return "another task" if holder < 0 else f"cpu{holder}"


def drain_all_wait(mm: MM, caller: int, op: str, cont: object,
                   first: bool = True) -> Suspended | None:
    """lru_add_drain_all() called from inside ``op``: queue the work and
    stop in flush_work() (or in mutex_lock()), at the current event depth.
    None when there was nothing to wait for: no CPU needed a drain."""
    work = lru_add_drain_all_queue(mm, caller, first)
    if work is None:
        holder = _mutex_holder(mm.state.drain_mutex or 0)
        return Suspended(op, cont, mm.depth, "mutex", (),
                         f"mutex_lock() sleeps: {holder} holds lru_add_drain_all()'s mutex")
    if not work:
        lru_add_drain_all_done(mm, caller)
        return None
    cpus = ", ".join(f"cpu{c}" for c in work)
    return Suspended(op, cont, mm.depth, "work", work, f"flush_work() waits for {cpus}")


def drain_all_resumed(mm: MM, caller: int, op: str, stopped: Suspended) -> Suspended | None:
    """Continue an lru_add_drain_all() that ``stopped``: take the mutex and
    queue if it waited for the mutex, else (its work ran) unlock."""
    if stopped.waits == "mutex":
        return drain_all_wait(mm, caller, op, stopped.cont, first=False)
    lru_add_drain_all_done(mm, caller)
    return None


def lru_add_drain_all(mm: MM, caller: int) -> Suspended | None:
    """lru_add_drain_all() (the ``drain all`` operation)."""
    mm.log("{func}() from cpu{cpu}", "lru_add_drain_all", cpu=caller)
    mm.depth += 1
    return drain_all_wait(mm, caller, "drain_all", None)


def lru_add_drain_all_resume(mm: MM, caller: int, stopped: Suspended) -> Suspended | None:
    """Continue the ``drain all`` operation."""
    return drain_all_resumed(mm, caller, "drain_all", stopped)


def lru_cache_disable(mm: MM, cpu: int) -> Suspended | None:
    """lru_cache_disable(): from now on every add flushes its batch at once.
    Its __lru_add_drain_all(force_all_cpus=true) only skips the generation
    check, which is not modelled; CPUs are still chosen by cpu_needs_drain()
    (ff042f4a9b05, v5.18)."""
    mm.state.lru_disable_count += 1
    mm.log("{func}(): lru_disable_count {count}", "lru_cache_disable", cpu=cpu,
           count=mm.state.lru_disable_count)
    mm.depth += 1
    mm.log("{func}() from cpu{cpu}", "lru_add_drain_all", cpu=cpu)
    mm.depth += 1
    return drain_all_wait(mm, cpu, "lru_cache_disable", None)


def lru_cache_disable_resume(mm: MM, cpu: int, stopped: Suspended) -> Suspended | None:
    """Continue lru_cache_disable() in its lru_add_drain_all()."""
    return drain_all_resumed(mm, cpu, "lru_cache_disable", stopped)


def lru_cache_enable(mm: MM, cpu: int) -> None:
    """lru_cache_enable()."""
    if mm.state.lru_disable_count == 0:
        raise mm.bug("lru_cache_enable(): lru_disable_count would go negative")
    mm.state.lru_disable_count -= 1
    mm.log("{func}(): lru_disable_count {count}", "lru_cache_enable", cpu=cpu,
           count=mm.state.lru_disable_count)
