"""mm/vmscan.c: LRU isolation and putback (docs/model.md §1, "Isolation and
putback"; findings Q11)."""

from __future__ import annotations

from .context import MM
from .folio import Folio
from .lruvec import lruvec_del_folio
from .refs import folio_get, folio_put
from .swap import check_folio_add_lru, folio_add_lru


def folio_isolate_lru(mm: MM, folio: Folio, isolator: str) -> bool:
    """folio_isolate_lru(): test-and-clear PG_lru, take a reference, unlink.
    PG_active and PG_unevictable stay (and, on the unevictable list, the
    mlock_count in lru.prev, which lruvec_del_folio() leaves alone)."""
    f = folio.name
    if not folio.lru:
        mm.log("{func}({folio}): PG_lru clear — not isolated", "folio_isolate_lru", f)
        return False
    folio.lru = False
    folio_get(folio)
    was_on = folio.list
    lruvec_del_folio(mm, folio)
    folio.isolated_by = isolator
    mm.log("{func}({folio}): taken off {list} (refcount {refcount})", "folio_isolate_lru", f,
           list=was_on, refcount=folio.refcount)
    return True


def folio_putback_lru(mm: MM, cpu: int, folio: Folio) -> None:
    """folio_putback_lru(): folio_add_lru() then drop the isolation reference.
    The folio is not back on a list until this CPU's lru_add batch is drained."""
    if not folio.isolated_by:
        raise mm.bug(f"folio_putback_lru({folio.name}): not isolated "
                     "(its folio_put would drop a reference nobody took)")
    check_folio_add_lru(mm, folio)
    with mm.call("{func}({folio})", "folio_putback_lru", folio.name, cpu):
        folio.isolated_by = None
        folio_add_lru(mm, cpu, folio)
        folio_put(mm, folio)
