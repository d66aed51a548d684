"""mm/mlock.c: the per-CPU mlock batch of 2fbb0c10d1e8 (v5.18) and mlock(2)
(docs/model.md §1, "The mlock batch" and "mlock(2) and munlock(2)").

All three producers (mlock_folio, mlock_new_folio, munlock_folio) share one
per-CPU batch whose entries carry a tag: LRU_FOLIO, NEW_FOLIO or none
(munlock).  No variant touches PG_lru when an entry is added.
"""

from __future__ import annotations

from .context import MM, Suspended
from .folio import Folio
from .lruvec import check_unlinked, lruvec_add_folio, lruvec_del_folio
from .pagevec import folio_batch_add, folio_batch_reinit, why_processed_now
from .refs import folio_get, folio_put


def mlock_folio(mm: MM, cpu: int, folio: Folio) -> None:
    """mlock_folio(): set PG_mlocked, queue (folio, LRU_FOLIO)."""
    already = folio.mlocked
    folio.mlocked = True
    _queue(mm, cpu, folio, "lru", "{func}({folio}): {note}", "mlock_folio",
           note="PG_mlocked already set" if already else "PG_mlocked set")


def mlock_new_folio(mm: MM, cpu: int, folio: Folio) -> None:
    """mlock_new_folio(): a new folio faulted into a VM_LOCKED vma goes here
    instead of folio_add_lru(); queue (folio, NEW_FOLIO)."""
    folio.mlocked = True
    _queue(mm, cpu, folio, "new", "{func}({folio}): PG_mlocked set", "mlock_new_folio")


def munlock_folio(mm: MM, cpu: int, folio: Folio) -> None:
    """munlock_folio(): queue a munlock entry; PG_mlocked is left to
    __munlock_folio(), which checks whether the folio is multiply mlocked."""
    _queue(mm, cpu, folio, "munlock", "{func}({folio})", "munlock_folio")


def _queue(mm: MM, cpu: int, folio: Folio, tag: str, template: str, func: str,
           **args: object) -> None:
    """The producers' common tail: folio_get(), folio_batch_add() of the
    tagged entry, and mlock_folio_batch() at once if the batch is full, the
    folio may not be cached (folio_may_be_lru_cached(): large), or the LRU
    caches disabled."""
    folio_get(folio)
    space = folio_batch_add(mm, cpu, "mlock", (folio.name, tag))
    mm.log(template + ": queued on cpu{cpu} mlock as {folio}:{tag} (refcount {refcount})",
           func, folio.name, cpu, "mlock", **args, tag=tag, refcount=folio.refcount)
    why = why_processed_now(mm, space, folio)
    if why:
        with mm.call("cpu{cpu} mlock batch flushed now: {why}", "mlock_folio_batch",
                     folio.name, cpu, "mlock", why=why):
            mlock_folio_batch(mm, cpu)


def mlock_folio_batch(mm: MM, cpu: int) -> None:
    """mlock_folio_batch(): process every entry in order, then release_pages()."""
    entries = mm.batch(cpu, "mlock")
    process = {"lru": __mlock_folio, "new": __mlock_new_folio, "munlock": __munlock_folio}
    for name, tag in entries:
        process[tag](mm, mm.page(name))
    folio_batch_reinit(mm, cpu, "mlock")
    for name, _ in entries:
        folio_put(mm, mm.page(name))


def mlock_drain_local(mm: MM, cpu: int) -> None:
    """mlock_drain_local() (mlock_page_drain_local() in v5.18): flush this
    CPU's mlock batch if it holds anything."""
    if mm.batch(cpu, "mlock"):
        with mm.call("{func}(cpu{cpu})", "mlock_drain_local", cpu=cpu, batch="mlock"):
            mlock_folio_batch(mm, cpu)


def __mlock_folio(mm: MM, folio: Folio) -> None:
    """__mlock_folio(): "There is nothing more we can do while it's off LRU"."""
    f = folio.name
    if not folio.lru:
        mm.log("{func}({folio}): PG_lru clear — nothing done (mlock missed: \"too late\")",
               "__mlock_folio", f)
        return
    if folio.evictable():
        # "quite possible: PG_mlocked must have got cleared already by another CPU"
        if folio.unevictable:
            lruvec_del_folio(mm, folio)
            folio.unevictable = False
            lruvec_add_folio(mm, folio)
            mm.log("{func}({folio}): evictable again (PG_mlocked cleared meanwhile): "
                   "rescued to {list}", "__mlock_folio", f, list=folio.list)
        else:
            mm.log("{func}({folio}): evictable (PG_mlocked cleared meanwhile): nothing to do",
                   "__mlock_folio", f)
    elif folio.unevictable:
        if folio.mlocked:
            folio.mlock_count += 1
        mm.log("{func}({folio}): already unevictable: mlock_count {count}", "__mlock_folio", f,
               count=folio.mlock_count)
    else:
        lruvec_del_folio(mm, folio)
        folio.active = False
        folio.unevictable = True
        lruvec_add_folio(mm, folio)
        folio.mlock_count = int(folio.mlocked)
        mm.log("{func}({folio}): moved to unevictable, mlock_count {count}", "__mlock_folio",
               f, count=folio.mlock_count)


def __mlock_new_folio(mm: MM, folio: Folio) -> None:
    """__mlock_new_folio(): put a never-on-LRU folio on its list."""
    check_unlinked(mm, "__mlock_new_folio", folio)
    if not folio.evictable():
        folio.unevictable = True
    lruvec_add_folio(mm, folio)
    if folio.unevictable:
        folio.mlock_count = int(folio.mlocked)
    folio.lru = True
    mm.log("{func}({folio}): added to {list}{count}", "__mlock_new_folio", folio.name,
           list=folio.list,
           count=f", mlock_count {folio.mlock_count}" if folio.unevictable else "")


def __munlock_folio(mm: MM, folio: Folio) -> None:
    """__munlock_folio(): only a folio it can take off the LRU (PG_lru
    test-and-cleared) has its mlock_count decremented; without PG_lru,
    PG_mlocked is cleared whatever the count ("too soon")."""
    f = folio.name
    isolated = folio.lru
    if isolated:
        folio.lru = False
        if folio.unevictable:
            # "Then mlock_count is maintained, but might undercount"
            if folio.mlock_count:
                folio.mlock_count -= 1
            if folio.mlock_count:
                folio.lru = True
                mm.log("{func}({folio}): mlock_count {count}: still mlocked", "__munlock_folio",
                       f, count=folio.mlock_count)
                return
        # else "assume that was the last mlock: reclaim will fix it if not"
    was_mlocked = folio.mlocked
    folio.mlocked = False
    mm.log("{func}({folio}): {why}{what}", "__munlock_folio", f,
           why="PG_lru clear: " if not isolated else "",
           what="PG_mlocked cleared" if was_mlocked else "PG_mlocked was already clear")
    # "folio_evictable() has to be checked *after* clearing Mlocked": it reads
    # PG_mlocked, so before the clear every mlocked folio would look unevictable.
    if isolated and folio.unevictable and folio.evictable():
        lruvec_del_folio(mm, folio)
        folio.unevictable = False
        lruvec_add_folio(mm, folio)
        mm.log("{func}({folio}): evictable: moved to {list}", "__munlock_folio", f,
               list=folio.list)
    if isolated:
        folio.lru = True


def sys_mlock(mm: MM, cpu: int, folios: list[Folio], partial: bool = False,
              onfault: bool = False) -> Suspended | None:
    """do_mlock(): mlock(2) over a vma mapping the folios.  Under mmap_lock,
    mlock_fixup() sets VM_LOCKED and mlock_vma_pages_range() mlocks what is
    mapped; then, the lock dropped, __mm_populate() touches every page
    (gup.py), unless ``onfault``: mlock2(MLOCK_ONFAULT) sets VM_LOCKONFAULT,
    whose populate_vma_page_range() returns at once.  ``partial``: the range
    covers only part of each large folio, so mlock_fixup() splits the vma
    inside it."""
    # mm/mlock.c calls mm/gup.c's __mm_populate(), and gup.c this module
    # through swap.c: the kernel's own cycle, broken here at run time.
    from .gup import mm_populate_later

    mlock_vma_pages_range(mm, cpu, folios, lock=True, partial=partial)
    if onfault:
        mm.log("__mm_populate: VM_LOCKONFAULT — populate_vma_page_range() touches nothing",
               "__mm_populate", cpu=cpu)
        return None
    return mm_populate_later(mm, folios, partial)


def sys_munlock(mm: MM, cpu: int, folios: list[Folio], partial: bool = False) -> None:
    """munlock(2): the same walk with VM_LOCKED cleared."""
    mlock_vma_pages_range(mm, cpu, folios, lock=False, partial=partial)


def mlock_vma_pages_range(mm: MM, cpu: int, folios: list[Folio], lock: bool,
                          partial: bool = False) -> None:
    """mlock_vma_pages_range(): lru_add_drain(), walk the page tables with
    mlock_pte_range(), lru_add_drain()."""
    # mm/mlock.c calls mm/swap.c's lru_add_drain(), and swap.c this module's
    # mlock_drain_local(): the kernel's own cycle, broken here at run time.
    from .swap import lru_add_drain

    with mm.call("{func}(cpu{cpu}, {flags})", "mlock_vma_pages_range", cpu=cpu,
                 flags="VM_LOCKED" if lock else "unlocked"):
        lru_add_drain(mm, cpu)
        for folio in folios:
            mlock_pte_range(mm, cpu, folio, lock, partial)
        lru_add_drain(mm, cpu)


def mlock_pte_range(mm: MM, cpu: int, folio: Folio, lock: bool, partial: bool = False) -> None:
    """mlock_pte_range() reaching one folio, after mlock_fixup() gave the vma
    its new flags (the model has no vmas: one mapping of the folio changes
    kind here; a mapping counts as VM_LOCKED while any part of it is in a
    VM_LOCKED vma, so a partial munlock leaves it VM_LOCKED), then
    mlock_folio() or munlock_folio() as the walk allows."""
    f = folio.name
    if lock and not folio.plain_maps:
        mm.log("mlock_pte_range: {folio} has no mapping in an unlocked vma: skipped",
               "mlock_pte_range", f)
        return
    if not lock and not folio.locked_maps:
        mm.log("mlock_pte_range: {folio} has no mapping in a VM_LOCKED vma: skipped",
               "mlock_pte_range", f)
        return
    if lock:
        folio.plain_maps -= 1
        folio.locked_maps += 1
    elif not (partial and folio.large):
        folio.locked_maps -= 1
        folio.plain_maps += 1
    if partial and folio.large:
        _split_vma_inside(mm, cpu, folio, lock)
    if not folio.large:
        (mlock_folio if lock else munlock_folio)(mm, cpu, folio)
    elif folio.vma_maps == "pmd":
        mm.log("mlock_pte_range: {folio} is PMD-mapped: the whole folio", "mlock_pte_range", f)
        (mlock_folio if lock else munlock_folio)(mm, cpu, folio)
    elif not mm.variant.mlock_large_in_range:
        mm.log("mlock_pte_range: {folio} is a PTE-mapped large folio — skipped",
               "mlock_pte_range", f)
    elif lock:
        _mlock_large(mm, cpu, folio)
    else:
        _munlock_large(mm, cpu, folio)


def _split_vma_inside(mm: MM, cpu: int, folio: Folio, lock: bool) -> None:
    """mlock_fixup()'s vma_modify_flags() splits the vma inside the folio:
    from now on each vma maps part of it.  A PMD mapping is split first
    (__split_huge_pmd_locked()), whose folio_remove_rmap_pmd() munlocks the
    folio when the vma is still VM_LOCKED, as it is for munlock(2)."""
    from .rmap import munlock_vma_folio  # rmap.py builds on this module

    was_pmd = folio.vma_maps == "pmd"
    folio.vma_maps = "part"
    mm.log("mlock_fixup: the range ends inside {folio}: vma split{pmd}", "mlock_fixup",
           folio.name, pmd=", PMD split into PTEs" if was_pmd else "")
    if was_pmd and not lock:
        munlock_vma_folio(mm, cpu, folio, pmd=True)


def _mlock_large(mm: MM, cpu: int, folio: Folio) -> None:
    """dc68badcede4: allow_mlock_munlock() for a VM_LOCKED vma: a large folio
    is mlocked only if folio_within_range() and folio_mlock_step() ==
    folio_nr_pages(): all its pages mapped, in order, by the PTEs of this
    walk (one page table, inside the range)."""
    f = folio.name
    if folio.vma_maps == "part":
        mm.log("allow_mlock_munlock({folio}): folio_mlock_step() < folio_nr_pages() {n}: "
               "not fully mapped — skipped", "allow_mlock_munlock", f, n=folio.nr_pages)
    elif folio.vma_maps == "two_runs":
        mm.log("allow_mlock_munlock({folio}): no walk of one page table maps all {n} pages "
               "in order — skipped", "allow_mlock_munlock", f, n=folio.nr_pages)
    else:
        mm.log("allow_mlock_munlock({folio}): within the range and folio_mlock_step() == "
               "folio_nr_pages() {n}", "allow_mlock_munlock", f, n=folio.nr_pages)
        mlock_folio(mm, cpu, folio)


def _munlock_large(mm: MM, cpu: int, folio: Folio) -> None:
    """dc68badcede4: allow_mlock_munlock() allows any munlock ("it's possible
    that large folio is mlocked and VMA is split later"): munlock_folio() once
    per run of PTEs the walk meets, so twice for a folio mapped in two runs."""
    runs = 2 if folio.vma_maps == "two_runs" else 1
    for run in range(1, runs + 1):
        mm.log("allow_mlock_munlock({folio}): munlock allowed{which}", "allow_mlock_munlock",
               folio.name, which=f" (run {run} of {runs})" if runs > 1 else "")
        munlock_folio(mm, cpu, folio)
