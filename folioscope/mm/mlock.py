"""mm/mlock.c: the per-CPU mlock batch (kernel-model.md §5).

All three producers (mlock_folio, mlock_new_folio, munlock_folio) share one
per-CPU batch whose entries carry a tag: LRU_FOLIO, NEW_FOLIO or none
(munlock).  No variant touches PG_lru when an entry is added.
"""

from __future__ import annotations

from .context import MM
from .folio import Folio
from .lruvec import check_unlinked, lruvec_add_folio, lruvec_move_folio
from .pagevec import must_flush
from .refs import folio_get, folio_put


def mlock_folio(mm: MM, cpu: int, folio: Folio) -> None:
    """mlock_folio(): set PG_mlocked, queue (folio, LRU_FOLIO)."""
    already = folio.mlocked
    folio.mlocked = True
    note = "PG_mlocked already set" if already else "PG_mlocked set"
    _queue(mm, cpu, folio, "lru", f"mlock_folio({folio.name}): {note}")


def mlock_new_folio(mm: MM, cpu: int, folio: Folio) -> None:
    """mlock_new_folio(): a new folio faulted into a VM_LOCKED vma goes here
    instead of folio_add_lru(); queue (folio, NEW_FOLIO)."""
    from .swap import mark_insertion_hazard

    mark_insertion_hazard(mm, folio)
    folio.mlocked = True
    _queue(mm, cpu, folio, "new", f"mlock_new_folio({folio.name}): PG_mlocked set")


def munlock_folio(mm: MM, cpu: int, folio: Folio) -> None:
    """munlock_folio(): queue a munlock entry; PG_mlocked is left to
    __munlock_folio(), which checks whether the folio is multiply mlocked."""
    _queue(mm, cpu, folio, "munlock", f"munlock_folio({folio.name})")


def _queue(mm: MM, cpu: int, folio: Folio, tag: str, text: str) -> None:
    entries = mm.state.cpus[cpu].batches["mlock"]
    folio_get(folio)
    reason = must_flush(mm, entries, (folio.name, tag), folio)
    mm.log(f"{text}: queued on cpu{cpu} mlock as {folio.name}:{tag} (refcount {folio.refcount})")
    if reason:
        with mm.call(f"cpu{cpu} mlock batch flushed now: {reason}"):
            mlock_folio_batch(mm, cpu)


def mlock_folio_batch(mm: MM, cpu: int) -> None:
    """mlock_folio_batch(): process every entry in order, then release_pages()."""
    entries = mm.state.cpus[cpu].batches["mlock"]
    process = {"lru": __mlock_folio, "new": __mlock_new_folio, "munlock": __munlock_folio}
    for name, tag in entries:
        process[tag](mm, mm.state.folios[name])
    mm.state.cpus[cpu].batches["mlock"] = []
    for name, _ in entries:
        folio_put(mm, mm.state.folios[name])


def mlock_drain_local(mm: MM, cpu: int) -> None:
    """mlock_drain_local() (mlock_page_drain_local() in v5.18): flush this
    CPU's mlock batch if it holds anything."""
    if mm.state.cpus[cpu].batches["mlock"]:
        with mm.call(f"mlock_drain_local(cpu{cpu})"):
            mlock_folio_batch(mm, cpu)


def __mlock_folio(mm: MM, folio: Folio) -> None:
    """__mlock_folio(): nothing can be done while the folio is off the LRU."""
    f = folio.name
    if not folio.lru:
        mm.log(f"__mlock_folio({f}): PG_lru clear — nothing done (mlock missed: \"too late\")")
        return
    state = mm.state
    if folio.evictable():
        if folio.unevictable:
            folio.unevictable = False
            lruvec_move_folio(state, folio)
            mm.log(f"__mlock_folio({f}): evictable again (PG_mlocked cleared meanwhile): "
                   f"rescued to {folio.list}")
        else:
            mm.log(f"__mlock_folio({f}): evictable (PG_mlocked cleared meanwhile): nothing to do")
    elif folio.unevictable:
        if folio.mlocked:
            folio.mlock_count += 1
        mm.log(f"__mlock_folio({f}): already unevictable: mlock_count {folio.mlock_count}")
    else:
        folio.active = False
        folio.unevictable = True
        lruvec_move_folio(state, folio)
        folio.mlock_count = int(folio.mlocked)
        mm.log(f"__mlock_folio({f}): moved to unevictable, mlock_count {folio.mlock_count}")


def __mlock_new_folio(mm: MM, folio: Folio) -> None:
    """__mlock_new_folio(): put a never-on-LRU folio on its list."""
    f = folio.name
    check_unlinked(mm, "__mlock_new_folio", folio)
    if not folio.evictable():
        folio.unevictable = True
    lruvec_add_folio(mm.state, folio)
    if folio.unevictable:
        folio.mlock_count = int(folio.mlocked)
    folio.lru = True
    mm.log(f"__mlock_new_folio({f}): added to {folio.list}"
           + (f", mlock_count {folio.mlock_count}" if folio.unevictable else ""))


def __munlock_folio(mm: MM, folio: Folio) -> None:
    """__munlock_folio(): with PG_lru clear, PG_mlocked is cleared whatever
    the mlock_count ("too soon")."""
    f = folio.name
    isolated = folio.lru
    if isolated:
        folio.lru = False
        if folio.unevictable:
            if folio.mlock_count:
                folio.mlock_count -= 1
            if folio.mlock_count:
                folio.lru = True
                mm.log(f"__munlock_folio({f}): mlock_count {folio.mlock_count}: still mlocked")
                return
    was_mlocked = folio.mlocked
    folio.mlocked = False
    why = "PG_lru clear: " if not isolated else ""
    mm.log(f"__munlock_folio({f}): {why}"
           + ("PG_mlocked cleared" if was_mlocked else "PG_mlocked was already clear"))
    if isolated and folio.unevictable and folio.evictable():
        folio.unevictable = False
        lruvec_move_folio(mm.state, folio)
        mm.log(f"__munlock_folio({f}): evictable: moved to {folio.list}")
    if isolated:
        folio.lru = True


def sys_mlock(mm: MM, cpu: int, folios: list[Folio]) -> None:
    """mlock(2) over a vma mapping the folios: mlock_fixup() sets VM_LOCKED,
    then mlock_vma_pages_range(): lru_add_drain(); mlock_pte_range() calls
    mlock_folio() per present folio; lru_add_drain()."""
    _mlock_vma_pages_range(mm, cpu, folios, lock=True)


def sys_munlock(mm: MM, cpu: int, folios: list[Folio]) -> None:
    """munlock(2): the same walk with munlock_folio()."""
    _mlock_vma_pages_range(mm, cpu, folios, lock=False)


def _mlock_vma_pages_range(mm: MM, cpu: int, folios: list[Folio], lock: bool) -> None:
    from .swap import lru_add_drain  # mm/swap.c drains the mlock batch too

    with mm.call(f"mlock_vma_pages_range(cpu{cpu}, {'VM_LOCKED' if lock else 'unlocked'})"):
        lru_add_drain(mm, cpu)
        for folio in folios:
            _fixup_one(mm, cpu, folio, lock)
        lru_add_drain(mm, cpu)


def _fixup_one(mm: MM, cpu: int, folio: Folio, lock: bool) -> None:
    """One folio of mlock_pte_range(): its mapping changes vma flags, then
    mlock_folio()/munlock_folio().  A PTE-mapped large folio is skipped, as
    v5.18 did (v6.7+ handles one fully mapped in the range: not modelled)."""
    if folio.large:
        mm.log(f"mlock_pte_range: {folio.name} is a PTE-mapped large folio — skipped")
        return
    if lock:
        if not folio.plain_maps:
            mm.log(f"mlock_pte_range: {folio.name} has no mapping in an unlocked vma: skipped")
            return
        folio.plain_maps -= 1
        folio.locked_maps += 1
        mlock_folio(mm, cpu, folio)
    else:
        if not folio.locked_maps:
            mm.log(f"mlock_pte_range: {folio.name} has no mapping in a VM_LOCKED vma: skipped")
            return
        folio.locked_maps -= 1
        folio.plain_maps += 1
        munlock_folio(mm, cpu, folio)
