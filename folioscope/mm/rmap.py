"""mm/rmap.c: adding and removing a PTE mapping, with the mlock hooks of
mm/internal.h (mlock_vma_folio(), munlock_vma_folio())."""

from __future__ import annotations

from .context import MM
from .folio import Folio
from .mlock import mlock_folio, munlock_folio
from .refs import folio_get, folio_put


def map_folio(mm: MM, cpu: int, folio: Folio, locked: bool) -> None:
    """A fault maps the folio: the page table's reference, folio_add_*_rmap_pte(),
    whose mlock_vma_folio() calls mlock_folio() in a VM_LOCKED vma (small
    folios only: a large one is left for reclaim to find)."""
    folio_get(folio)
    if locked:
        folio.locked_maps += 1
    else:
        folio.plain_maps += 1
    mm.log("{func}({folio}): mapped in {vma}, mapcount {mapcount}", "folio_add_rmap_pte",
           folio.name, vma="a VM_LOCKED vma" if locked else "a vma", mapcount=folio.mapcount)
    if locked:
        if mlocks_at_add(mm, folio):
            mlock_folio(mm, cpu, folio)
        else:
            mm.log("{func}({folio}): large folio — left to reclaim", "mlock_vma_folio",
                   folio.name)


def mlocks_at_add(mm: MM, folio: Folio) -> bool:
    """Whether adding a mapping in a VM_LOCKED vma calls mlock_folio(): a
    small folio always; v5.18-v6.6's mlock_vma_folio(compound) also a PMD
    mapping; from 1acbc3f93614 (v6.7) the rmap callers mlock small folios
    only (``munlock_large_at_unmap``)."""
    if not folio.large:
        return True
    return folio.vma_maps == "pmd" and not mm.variant.munlock_large_at_unmap


def unmap_folio(mm: MM, cpu: int, folio: Folio, locked: bool) -> None:
    """Zap one mapping: folio_remove_rmap_pte(), whose munlock_vma_folio()
    calls munlock_folio() for a VM_LOCKED vma, then the page table's
    reference is dropped (after the TLB flush)."""
    if locked and not folio.locked_maps or not locked and not folio.plain_maps:
        kind = "VM_LOCKED " if locked else ""
        raise mm.bug(f"folio_remove_rmap_pte({folio.name}): no {kind}mapping to remove "
                     "(mapcount underflow)")
    if locked:
        folio.locked_maps -= 1
    else:
        folio.plain_maps -= 1
    mm.log("{func}({folio}): mapcount {mapcount}", "folio_remove_rmap_pte", folio.name,
           mapcount=folio.mapcount)
    if locked:
        munlock_vma_folio(mm, cpu, folio)
    folio_put(mm, folio)


def munlock_vma_folio(mm: MM, cpu: int, folio: Folio, pmd: bool = False) -> None:
    """munlock_vma_folio() for a VM_LOCKED vma; v5.18's munlock_vma_page()
    skipped a PTE-mapped large folio (``pmd``: a PMD mapping is removed, as
    when a PMD is split, which every variant munlocks)."""
    pmd = pmd or folio.vma_maps == "pmd"
    if folio.large and not pmd and not mm.variant.munlock_large_at_unmap:
        mm.log("{func}({folio}): PTE-mapped large folio — skipped", "munlock_vma_page",
               folio.name)
        return
    munlock_folio(mm, cpu, folio)
