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


def why_processed_now(mm: MM, space: int, folio: Folio, cached: bool) -> str | None:
    """Why a producer processes its batch at once instead of leaving the entry
    there: the kernel's ``!folio_batch_add() || <not cacheable> ||
    lru_cache_disabled()`` test, in words (None: the entry waits).
    ``cached`` is the producer's own test: folio_may_be_lru_cached() in
    mm/swap.c, !folio_test_large() in mm/mlock.c."""
    if not space:
        return f"batch full ({mm.variant.batch_size} entries)"
    if not cached:
        return f"{folio.name} is large: never left in a batch"
    if lru_cache_disabled(mm):
        return "lru_cache_disabled()"
    return None
