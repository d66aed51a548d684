"""struct folio_batch: include/linux/pagevec.h, shared by mm/swap.c and
mm/mlock.c.  A batch is a tuple in the state, replaced on every change."""

from __future__ import annotations

from .context import MM
from .folio import Folio


def folio_batch_add(mm: MM, cpu: int, batch: str, entry: object) -> int:
    """folio_batch_add(): store the entry; returns the number of slots still
    available, so 0 means the batch is full and must be processed now, the
    entry that filled it included."""
    batches = mm.batches(cpu)
    entries = batches[batch] + (entry,)
    batches[batch] = entries
    return max(mm.variant.batch_size - len(entries), 0)


def folio_batch_reinit(mm: MM, cpu: int, batch: str) -> tuple:
    """Take every entry out of a batch (folio_batch_reinit() after the loop
    that processed them); returns the entries, oldest first."""
    batches = mm.batches(cpu)
    entries = batches[batch]
    batches[batch] = ()
    return entries


def lru_cache_disabled(mm: MM) -> bool:
    """lru_cache_disabled(): between lru_cache_disable() and lru_cache_enable()."""
    return mm.state.lru_disable_count > 0


def folio_may_be_lru_cached(mm: MM, folio: Folio) -> bool:
    """folio_may_be_lru_cached() (include/linux/swap.h, 2da6de30e60d, v6.17):
    !folio_test_large(), the test every producer of mm/swap.c and mm/mlock.c
    made before it too (PageCompound()/PageHead() in v5.18).  With
    ``large_folios_cached`` (David Hildenbrand's LSF/MM idea) large folios
    may wait in a batch like small ones."""
    return not folio.large or mm.variant.large_folios_cached


def why_processed_now(mm: MM, space: int, folio: Folio) -> str | None:
    """Why a producer processes its batch at once instead of leaving the entry
    there: the kernel's ``!folio_batch_add() || !folio_may_be_lru_cached() ||
    lru_cache_disabled()`` test, in words (None: the entry waits)."""
    if not space:
        return f"batch full ({mm.variant.batch_size} entries)"
    if not folio_may_be_lru_cached(mm, folio):
        return f"{folio.name} is large: never left in a batch"
    if lru_cache_disabled(mm):
        return "lru_cache_disabled()"
    return None
