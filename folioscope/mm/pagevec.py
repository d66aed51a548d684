"""struct folio_batch: include/linux/pagevec.h, shared by mm/swap.c and mm/mlock.c
(kernel-model.md §3.1)."""

from __future__ import annotations

from .context import MM
from .folio import Folio


def folio_batch_add(mm: MM, entries: list, entry: object) -> bool:
    """folio_batch_add(): store the entry; True when no space is left, so the
    entry that fills the batch triggers the flush and is processed with it."""
    entries.append(entry)
    return len(entries) >= mm.variant.batch_size


def lru_cache_disabled(mm: MM) -> bool:
    """lru_cache_disabled(): between lru_cache_disable() and lru_cache_enable()."""
    return mm.state.lru_disable_count > 0


def must_flush(mm: MM, entries: list, entry: object, folio: Folio) -> str | None:
    """Add ``entry`` and say why the batch must be flushed now, if it must:
    full, a large folio (folio_test_large / !folio_may_be_lru_cached), or the
    LRU caches disabled."""
    if folio_batch_add(mm, entries, entry):
        return f"batch full ({len(entries)} entries)"
    if folio.large:
        return f"{folio.name} is large: never left in a batch"
    if lru_cache_disabled(mm):
        return "lru_cache_disabled()"
    return None
