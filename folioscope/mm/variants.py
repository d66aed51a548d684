"""Kernel variants as sets of switches (kernel-model.md §1).

One engine runs every variant; each place where kernels differ reads one of
these switches.  The names are those users write after ``kernel`` and
``--kernel``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Variant:
    """The switches of one kernel variant."""

    name: str
    """What users write: ``v6.11``, ``will-v1``, ..."""
    letter: str
    """The column of kernel-model.md §1 it follows (a, b, b', c, c2, d, d+, d0)."""
    commits: str
    """The defining commits."""
    summary: str
    """One line for ``folioscope variants``."""

    batch_size: int = 31
    """PAGEVEC_SIZE / folio_batch size: 15 before 9cecde80aae0 (v6.9), 31 after."""
    clear_lru_at_add: bool = False
    """33dfe9204f29: every batch but lru_add test-and-clears PG_lru at add."""
    flush_tests_clear_lru: bool = True
    """folio_batch_move_lru() test-and-clears PG_lru, skipping folios without it."""
    deactivate_file_requires_lru: bool = True
    """deactivate_file_folio() refuses a folio without PG_lru (v6.17's revert added it)."""
    gup_head_local_drain: bool = False
    """collect_*() starts with an unconditional lru_add_drain() (Hugh's suggestion, d0)."""
    gup_drain_trigger: str = "refcount_2level"
    """When collect_*() drains: lru, lru_or_mlocked, lru_or_mlocked_evictable,
    refcount_2level (local, then all), refcount_all (straight to all: d0)."""
    gup_skip_large_for_drain: bool = True
    """2da6de30e60d: folio_may_be_lru_cached() is false for large folios: no drain for them."""
    gup_retry_style: str = "collected_count"
    """v518_zero_means_retry, collected_count, list_empty_means_success (1aaf8c122918)."""
    migrate_passes: str = "async3_sync7"
    """10x (v5.18 migrate_pages) or async3_sync7 (migrate_pages_sync, v6.3+)."""
    migrate_drain_after_move: str = "if_mlocked"
    """if_mapped (v5.18..v6.6) or if_mlocked (v6.7+, PAGE_WAS_MLOCKED)."""
    munlock_large_at_unmap: bool = True
    """__folio_remove_rmap() munlocks large folios too (about v6.5, Yin Fengwei);
    v5.18's munlock_vma_page() skipped PTE-mapped THPs."""
    drain_all_local_first: bool = False
    """v6.18: __lru_add_drain_all() does a local lru_add_drain() first."""


V5_18 = Variant(
    name="v5.18", letter="a",
    commits="2fbb0c10d1e8 mlock batching; LRU batches test PG_lru at flush",
    summary="mlock_page() batched per CPU; move batches keep PG_lru until flush (v5.18-v6.8, batch 15)",
    batch_size=15, deactivate_file_requires_lru=False, gup_drain_trigger="lru",
    gup_skip_large_for_drain=False, gup_retry_style="v518_zero_means_retry",
    migrate_passes="10x", migrate_drain_after_move="if_mapped", munlock_large_at_unmap=False,
)
V6_9 = replace(
    V5_18, name="v6.9", commits="9cecde80aae0 mm: increase folio batch size",
    summary="as v5.18 with 31-entry batches and v6.x GUP/migration (v6.9-v6.10)",
    batch_size=31, gup_retry_style="collected_count", migrate_passes="async3_sync7",
    migrate_drain_after_move="if_mlocked", munlock_large_at_unmap=True,
)
V6_11 = replace(
    V6_9, name="v6.11", letter="b",
    commits="33dfe9204f29 mm/gup: clear the LRU flag of a page before adding to LRU batch",
    summary="PG_lru cleared when a folio enters a move batch; flush no longer tests it",
    clear_lru_at_add=True, flush_tests_clear_lru=False,
)
V6_14 = replace(
    V6_11, name="v6.14", letter="b'",
    commits="1aaf8c122918 mm: gup: fix infinite loop within __get_longterm_locked",
    summary="v6.11 plus: nothing isolated => the pin succeeds (until 517f496e1e61 reverted it)",
    gup_retry_style="list_empty_means_success",
)
WILL_V1 = replace(
    V6_11, name="will-v1", letter="c",
    commits="Will Deacon's v1 (20250815101858.24352-1-will@kernel.org), never merged",
    summary="v6.11 plus the collect drain trigger !lru || mlocked",
    gup_drain_trigger="lru_or_mlocked",
)
HUGH_SUGGESTION = replace(
    V6_11, name="hugh-suggestion", letter="c2",
    commits="Hugh Dickins's suggestion of 2025-08-16, never posted as a patch",
    summary="v6.11 plus trigger !lru || (mlocked && !unevictable) and a local drain at the head of collect",
    gup_drain_trigger="lru_or_mlocked_evictable", gup_head_local_drain=True,
)
V6_17 = replace(
    V6_9, name="v6.17", letter="d",
    commits="98c6d259319e a09a8a1fbb37 afb99e9f5004 8d79ed36bfc8 2da6de30e60d",
    summary="Hugh's hotfixes: refcount trigger with local then global drain; 33dfe9204f29 reverted",
    deactivate_file_requires_lru=True, gup_drain_trigger="refcount_2level",
    gup_skip_large_for_drain=True,
)
V6_18 = replace(
    V6_17, name="v6.18", letter="d+",
    commits="v6.17 plus \"mm: lru_add_drain_all() do local lru_add_drain() first\"",
    summary="v6.17 plus a local lru_add_drain() at the start of lru_add_drain_all()",
    drain_all_local_first=True,
)
HUGH_PORTMANTEAU = replace(
    V6_17, name="hugh-portmanteau", letter="d0",
    commits="Hugh Dickins's test patch of 2025-08-28 (8376d8a3-cc36-ae70-0fa8-427e9ca17b9b@google.com)",
    summary="unconditional local drain at the head of collect, refcount trigger, no large-folio exclusion",
    gup_head_local_drain=True, gup_skip_large_for_drain=False, gup_drain_trigger="refcount_all",
)

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (V5_18, V6_9, V6_11, V6_14, WILL_V1, HUGH_SUGGESTION, V6_17, V6_18, HUGH_PORTMANTEAU)
}
VARIANT_NAMES: tuple[str, ...] = tuple(VARIANTS)
DEFAULT_VARIANT = "v6.18"


def get_variant(name: str) -> Variant:
    """The variant called ``name`` (KeyError if there is none)."""
    return VARIANTS[name]
