"""mm/migrate.c: migrating isolated folios for a longterm pin
(docs/model.md §1 "Migration", §2 ``migrate_passes``; findings Q7).

``migrate_passes`` chooses the retry structure: ``10x`` is v5.18's
migrate_pages() (ten rounds of unmap_and_move(): unmap, check, remap);
``async3_sync7`` is v6.3+'s migrate_pages_sync(): one MIGRATE_ASYNC
migrate_pages_batch() of 3 passes, then each failed folio alone in a
MIGRATE_SYNC batch of 7 passes; within a batch the folio stays unmapped
between its checks and is remapped once at cleanup.
"""

from __future__ import annotations

from dataclasses import dataclass

from .context import MM
from .folio import Folio
from .mlock import mlock_drain_local, mlock_folio
from .refs import folio_get, folio_holders, folio_put
from .rmap import mlocks_at_add, munlock_vma_folio
from .swap import folio_add_lru, lru_add_drain

NR_MAX_MIGRATE_PAGES_RETRY = 10
NR_MAX_MIGRATE_ASYNC_RETRY = 3
NR_MAX_MIGRATE_SYNC_RETRY = 7


@dataclass
class Unmapped:
    """What migrate_folio_unmap() recorded: old_page_state and the maps it
    turned into migration entries."""

    folio: Folio
    was_mlocked: bool
    plain: int
    locked: int

    @property
    def was_mapped(self) -> bool:
        return bool(self.plain or self.locked)


def migrate_pages(mm: MM, cpu: int, folios: list[Folio]) -> list[Folio]:
    """migrate_pages(MIGRATE_SYNC, MR_LONGTERM_PIN): returns the folios that
    could not be migrated, still isolated."""
    if mm.variant.migrate_passes == "10x":
        return _migrate_pages_10x(mm, cpu, folios)
    failed = migrate_pages_batch(mm, cpu, folios, "MIGRATE_ASYNC", NR_MAX_MIGRATE_ASYNC_RETRY)
    still = []
    for folio in failed:
        still += migrate_pages_batch(mm, cpu, [folio], "MIGRATE_SYNC", NR_MAX_MIGRATE_SYNC_RETRY)
    return still


def _migrate_pages_10x(mm: MM, cpu: int, folios: list[Folio]) -> list[Folio]:
    """v5.18 migrate_pages(): up to ten rounds of unmap_and_move()."""
    remaining = list(folios)
    for attempt in range(1, NR_MAX_MIGRATE_PAGES_RETRY + 1):
        for folio in list(remaining):
            with mm.call("{func}({folio}): attempt {attempt}/{tries}", "unmap_and_move",
                         folio.name, cpu, attempt=attempt, tries=NR_MAX_MIGRATE_PAGES_RETRY):
                if _unmap_check_move(mm, cpu, folio, 1, attempt):
                    remaining.remove(folio)
        if not remaining:
            break
    return remaining


def migrate_pages_batch(mm: MM, cpu: int, folios: list[Folio], mode: str,
                        passes: int) -> list[Folio]:
    """migrate_pages_batch(): unmap every folio, try to move each up to
    ``passes`` times, then remap what is left."""
    with mm.call("{func}({mode}, {passes} passes: {folios})", "migrate_pages_batch", cpu=cpu,
                 mode=mode, passes=passes, folios=", ".join(f.name for f in folios)):
        unmapped = [u for u in (migrate_folio_unmap(mm, cpu, f) for f in folios) if u is not None]
        for n in range(1, passes + 1):
            for u in list(unmapped):
                label = f"pass {n}/{passes}" if n < passes or passes == 1 else f"all {passes} passes"
                if migrate_folio_move(mm, cpu, u, label, quiet=n < passes):
                    unmapped.remove(u)
            if not unmapped:
                break
        for u in unmapped:
            migrate_folio_undo_src(mm, cpu, u)
    return [u.folio for u in unmapped]


def _unmap_check_move(mm: MM, cpu: int, folio: Folio, passes: int, attempt: int) -> bool:
    """One v5.18 unmap_and_move(): unmap, one refcount check, remap on failure."""
    u = migrate_folio_unmap(mm, cpu, folio)
    if u is None:
        return True
    if migrate_folio_move(mm, cpu, u, f"attempt {attempt}/{NR_MAX_MIGRATE_PAGES_RETRY}"):
        return True
    migrate_folio_undo_src(mm, cpu, u)
    return False


def migrate_folio_unmap(mm: MM, cpu: int, folio: Folio) -> Unmapped | None:
    """migrate_folio_unmap(): note PAGE_WAS_MLOCKED, then try_to_migrate()
    turns every mapping into a migration entry.  None if the folio was freed
    from under us (only the isolation reference left)."""
    if folio.refcount == 1:
        mm.log("{func}({folio}): refcount 1 — freed from under us", "migrate_folio_unmap",
               folio.name)
        folio.isolated_by = None
        folio_put(mm, folio)
        return None
    u = Unmapped(folio, folio.mlocked, folio.plain_maps, folio.locked_maps)
    with mm.call("{func}({folio}): unmap {n} mapping(s)", "try_to_migrate", folio.name, cpu,
                 n=folio.mapcount):
        for _ in range(u.locked):
            try_to_migrate_one(mm, cpu, folio, locked=True)
        for _ in range(u.plain):
            try_to_migrate_one(mm, cpu, folio, locked=False)
    return u


def try_to_migrate_one(mm: MM, cpu: int, folio: Folio, locked: bool) -> None:
    """try_to_migrate_one() for one PTE: the pte's dirty bit moves to the
    folio, folio_remove_rmap_pte() (munlock_folio() for a VM_LOCKED vma,
    then mlock_drain_local()), then the map's reference is dropped."""
    if pte_dirty(folio) and not folio.dirty:
        folio.dirty = True
        mm.log("{func}({folio}): pte dirty → folio_mark_dirty", "try_to_migrate_one", folio.name)
    if locked:
        folio.locked_maps -= 1
        munlock_vma_folio(mm, cpu, folio)
        mlock_drain_local(mm, cpu)
    else:
        folio.plain_maps -= 1
    folio_put(mm, folio)


def pte_dirty(folio: Folio) -> bool:
    """Whether the folio's ptes are dirty, as far as the model can tell: a
    private anonymous page is mapped only once written (a read fault maps
    the zero page), and MADV_FREE, which cleans its ptes, also clears
    PG_swapbacked.  File and shmem ptes are taken as clean: the model has no
    writes to them."""
    return folio.kind == "anon" and folio.swapbacked


def remove_migration_pte(mm: MM, cpu: int, folio: Folio, locked: bool) -> None:
    """remove_migration_pte(): map ``folio`` again; folio_add_*_rmap_pte() calls
    mlock_vma_folio() (small folios), and a VM_LOCKED vma drains locally."""
    folio_get(folio)
    if locked:
        folio.locked_maps += 1
        if mlocks_at_add(mm, folio):
            mlock_folio(mm, cpu, folio)
        mlock_drain_local(mm, cpu)
    else:
        folio.plain_maps += 1


def remove_migration_ptes(mm: MM, cpu: int, u: Unmapped, dst: Folio) -> None:
    """remove_migration_ptes(src, dst): restore every mapping onto ``dst``."""
    with mm.call("{func}({folio} → {dst})", "remove_migration_ptes", u.folio.name, cpu,
                 dst=dst.name):
        for _ in range(u.locked):
            remove_migration_pte(mm, cpu, dst, locked=True)
        for _ in range(u.plain):
            remove_migration_pte(mm, cpu, dst, locked=False)


def migrate_folio_undo_src(mm: MM, cpu: int, u: Unmapped) -> None:
    """migrate_folio_undo_src(): the move failed; map the old folio again."""
    if u.was_mapped:
        remove_migration_ptes(mm, cpu, u, u.folio)


def expected_migrate_refs(folio: Folio) -> int:
    """folio_expected_refs() (v5.18..v6.15) / folio_expected_ref_count() + 1
    (v6.16+) with the folio unmapped: the isolation reference, page or swap
    cache, PG_private."""
    return folio.expected_ref_count() + 1


def migrate_folio_move(mm: MM, cpu: int, u: Unmapped, attempt: str,
                       quiet: bool = False) -> bool:
    """migrate_folio_move(): __folio_migrate_mapping() freezes the refcount
    only if it is exactly what is expected; otherwise -EAGAIN.  Nothing runs
    between the passes of one batch, so only the last failure is logged."""
    folio = u.folio
    need = expected_migrate_refs(folio)
    if folio.refcount != need:
        if not quiet and mm.verbose:
            mm.log("migrate {folio}: refcount {refcount}, need {need} ({extra}) — {attempt} "
                   "failed (-EAGAIN)", "migrate_folio_move", folio.name, cpu,
                   refcount=folio.refcount, need=need, extra=_extra_holders(mm, folio),
                   attempt=attempt)
        return False
    mm.log("migrate {folio}: refcount {refcount} == {need} — {attempt} succeeded",
           "migrate_folio_move", folio.name, cpu, refcount=folio.refcount, need=need,
           attempt=attempt)
    _move_to_new_folio(mm, cpu, u)
    return True


def _extra_holders(mm: MM, folio: Folio) -> str:
    """The references migration does not expect, named (batch entries, gets, ...)."""
    expected = ("page cache", "swap cache", "private", "isolated (gup)")
    extra = [f"{label} holds {n}" for label, n in folio_holders(mm.state, folio)
             if label not in expected]
    return ", ".join(extra) or "no holder known"


def _move_to_new_folio(mm: MM, cpu: int, u: Unmapped) -> None:
    """move_to_new_folio() and what migrate_folio_move() does after it: the
    new folio takes the cache references and flags, goes to lru_add, gets the
    mappings back; the old folio is freed."""
    src = u.folio
    dst = _alloc_migration_target(mm, src)
    with mm.call("{func}({folio} → {dst})", "move_to_new_folio", src.name, cpu, dst=dst.name):
        _folio_migrate_mapping(src, dst)
        _folio_migrate_flags(src, dst)
        folio_add_lru(mm, cpu, dst)
        policy = mm.variant.migrate_drain_after_move
        if (policy == "if_mapped" and u.was_mapped) or (policy == "if_mlocked" and u.was_mlocked):
            why = "PAGE_WAS_MAPPED" if policy == "if_mapped" else "PAGE_WAS_MLOCKED"
            with mm.call("{why}: lru_add_drain(cpu{cpu})", "lru_add_drain", cpu=cpu, why=why):
                lru_add_drain(mm, cpu)
        if u.was_mapped:
            remove_migration_ptes(mm, cpu, u, dst)
        dst.alloc_ref = 0
        folio_put(mm, dst)
        src.isolated_by = None
        folio_put(mm, src)     # migrate_folio_done(): the isolation reference, the last
    mm.set_successor(src.name, dst.name)


def _alloc_migration_target(mm: MM, src: Folio) -> Folio:
    """alloc_migration_target(GFP_USER): outside ZONE_MOVABLE and CMA."""
    dst = Folio(src.name + "'", src.kind, src.order, "normal")
    dst.vma_maps = src.vma_maps        # remove_migration_ptes() maps it as src was
    dst.in_pagecache = dst.in_swapcache = False
    dst.refcount = dst.alloc_ref = 1
    mm.add_folio(dst)
    mm.log("{func}: {folio} allocated in ZONE_NORMAL", "alloc_migration_target", dst.name)
    return dst


def _folio_migrate_mapping(src: Folio, dst: Folio) -> None:
    """__folio_migrate_mapping(): the cache slots (and PG_private) move over."""
    refs = src.cache_refs + int(src.private)
    dst.in_pagecache, dst.in_swapcache, dst.private = src.in_pagecache, src.in_swapcache, src.private
    src.in_pagecache = src.in_swapcache = src.private = False
    dst.refcount += refs
    src.refcount -= refs


def _folio_migrate_flags(src: Folio, dst: Folio) -> None:
    """folio_migrate_flags(): PG_active, else PG_unevictable; referenced,
    dirty, swapbacked; PG_readahead, which is PG_reclaim's bit; never
    PG_mlocked (mlock_vma_folio() sets it again)."""
    dst.referenced, dst.dirty, dst.swapbacked = src.referenced, src.dirty, src.swapbacked
    dst.reclaim = src.reclaim
    dst.mapping_unevictable = src.mapping_unevictable
    if src.active:
        src.active, dst.active = False, True
    elif src.unevictable:
        src.unevictable, dst.unevictable = False, True
