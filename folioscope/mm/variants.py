"""Kernel variants as sets of switches, and the commits behind them.

One engine runs every variant; each place where kernels differ reads one
switch of a :class:`Variant`.  This module is the one place that says, as
data:

* ``SWITCHES``: every switch, the values it may take, the kernel function(s)
  that read it and the commits (``CHANGES``) that set it;
* ``CHANGES``: the upstream commits and unmerged proposals that define the
  variants, each with the release it entered mainline in;
* ``VARIANTS``: the named variants users write after ``kernel`` and ``--kernel``.

A variant can be composed from a named one: ``v6.17+gup_drain_trigger=lru_or_mlocked``
(see :func:`parse_variant`).  Its canonical name lists the switches that differ
from the base, in the order of ``SWITCHES``.  Which variant models a kernel
release (and its stable backports) is ``releases.py``'s business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from functools import lru_cache

from .spelling import did_you_mean

TYPE_CHECKING = False               # not typing's: `folioscope variants` does not import typing
if TYPE_CHECKING:
    from typing import Any

SwitchValue = bool | int | str


class VariantError(ValueError):
    """A variant name or switch value that cannot be used.

    ``start``/``end`` locate the offending part of the text given to
    :func:`parse_variant` (character offsets), when there is one."""

    def __init__(self, message: str, *, expected: str | None = None, hint: str | None = None,
                 start: int | None = None, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.hint = hint
        self.start = start
        self.end = end

    def __str__(self) -> str:
        parts = [self.message]
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.hint:
            parts.append(self.hint)
        return "; ".join(parts)


# --- the commits -----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """An upstream commit, or a proposal that was never merged."""

    ref: str
    """A 12-digit commit id, or a lore Message-ID (a proposal, or a commit
    whose mainline id was not verified)."""
    subject: str
    release: str = ""
    """The first mainline release that has it (``v6.11``); empty if never merged."""
    sets: tuple[tuple[str, SwitchValue], ...] = ()
    """The switch values the commit gives the model, in mainline order."""
    note: str = ""
    queued: bool = False
    """Taken into a maintainer or stable-rc tree, its mainline release not
    verified (``release`` stays empty: releases.py never counts it)."""

    @property
    def merged(self) -> bool:
        return bool(self.release)

    @property
    def where(self) -> str:
        """The release, ``in mm tree`` (queued) or ``never merged``."""
        return self.release or ("in mm tree" if self.queued else "never merged")

    def cite(self) -> str:
        """``33dfe9204f29 ("mm/gup: ...", v6.11)``."""
        return f'{self.ref} ("{self.subject}", {self.where})'


CHANGES: dict[str, Change] = {c.ref: c for c in (
    Change("2fbb0c10d1e8", "mm/munlock: mlock_page() munlock_page() batch by pagevec", "v5.18",
           note="the per-CPU mlock batch; the baseline of every variant"),
    Change("67e139b02d99", "mm/gup.c: refactor check_and_migrate_movable_pages()", "v6.1",
           (("gup_retry_style", "collected_count"),)),
    Change("2ef7dbb26990", "migrate_pages: try migrate in batch asynchronously firstly", "v6.3",
           (("migrate_passes", "async3_sync7"),)),
    Change("1acbc3f93614", "mm: handle large folio when large folio in VM_LOCKED VMA range", "v6.7",
           (("munlock_large_at_unmap", True),)),
    Change("dc68badcede4", "mm: mlock: update mlock_pte_range to handle large folio", "v6.7",
           (("mlock_large_in_range", True),),
           note="with 28e566572aac (folio_within_range()) and b1454b463c21 (not on KSM folios)"),
    Change("eebb3dabbb5c", "mm: migrate: record the mlocked page status to remove unnecessary lru drain",
           "v6.7", (("migrate_drain_after_move", "if_mlocked"),)),
    Change("9cecde80aae0", "mm: increase folio batch size", "v6.9", (("batch_size", 31),)),
    Change("33dfe9204f29", "mm/gup: clear the LRU flag of a page before adding to LRU batch", "v6.11",
           (("clear_lru_at_add", True), ("flush_tests_clear_lru", False))),
    Change("1aaf8c122918", "mm: gup: fix infinite loop within __get_longterm_locked", "v6.14",
           (("gup_retry_style", "list_empty_means_success"),)),
    Change("517f496e1e61", 'mm/gup: revert "mm: gup: fix infinite loop within __get_longterm_locked"',
           "v6.16", (("gup_retry_style", "collected_count"),)),
    Change("86ebd50224c0", "mm: add folio_expected_ref_count() for reference count calculation", "v6.16",
           note="the helper 98c6d259319e compares against; no behaviour of its own in the model"),
    Change("98c6d259319e", "mm/gup: check ref_count instead of lru before migration", "v6.17",
           (("gup_drain_trigger", "refcount_all"),)),
    Change("a09a8a1fbb37", "mm/gup: local lru_add_drain() to avoid lru_add_drain_all()", "v6.17",
           (("gup_drain_trigger", "refcount_2level"),)),
    Change("afb99e9f5004", 'mm: revert "mm/gup: clear the LRU flag of a page before adding to LRU batch"',
           "v6.17", (("clear_lru_at_add", False), ("flush_tests_clear_lru", True),
                     ("deactivate_file_requires_lru", True)),
           note="not a literal revert: deactivate_file_folio() gains a !folio_test_lru() test it never had"),
    Change("8d79ed36bfc8", 'mm: revert "mm: vmscan.c: fix OOM on swap stress test"', "v6.17",
           note="an MGLRU path: not modelled"),
    Change("2da6de30e60d", "mm: folio_may_be_lru_cached() unless folio_test_large()", "v6.17",
           (("gup_skip_large_for_drain", True),)),
    Change("33389bf8-f79d-d4dd-b7a4-680c4aa21b23@google.com", "mm: lru_add_drain_all() do local lru_add_drain() first",
           "v6.18", (("drain_all_local_first", True),),
           note="cited by its posting (v2 6/6): the mainline commit id was not verified"),
    Change("827c5bc53f21", "mm/gup: fix always draining LRU caches in collect_longterm_unpinnable_folios()",
           sets=(("gup_expected_refs", "plus_pins"),), queued=True,
           note="a linux-6.12.y stable-rc branch commit of 2026, after v6.18 in the mm trees; "
                "its mainline id and release are not verified"),
    Change("56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com",
           "David Hildenbrand: putting (some) large folios onto the LRU caches (LSF/MM discussions)",
           sets=(("large_folios_cached", True),),
           note="an idea in the seed thread, never posted as a patch"),
    Change("20250815101858.24352-1-will@kernel.org",
           "mm/gup: Drain batched mlock folio processing before attempting migration (Will Deacon, v1)",
           note="drain when !lru || mlocked"),
    Change("c5bac539-fd8a-4db7-c21c-cd3e457eee91@google.com",
           "Hugh Dickins's suggestion of 2025-08-16 (never posted as a patch)",
           note="drain when !lru || (mlocked && !unevictable); local drain at the head of collect"),
    Change("8376d8a3-cc36-ae70-0fa8-427e9ca17b9b@google.com",
           "Hugh Dickins's test patch of 2025-08-28 (the \"portmanteau\")",
           note="local drain at the head of collect, refcount trigger straight to lru_add_drain_all()"),
)}


# --- the switches ----------------------------------------------------------------


@dataclass(frozen=True)
class Switch:
    """One switch of a variant: its values, who reads it, where it comes from."""

    name: str
    kind: str
    """``bool``, ``int`` or ``enum``."""
    doc: str
    reads: tuple[str, ...]
    """The kernel functions whose behaviour it decides (``mm/swap.c: folio_batch_move_lru()``)."""
    commits: tuple[str, ...] = ()
    """Keys of ``CHANGES`` that set it."""
    values: tuple[tuple[str, str], ...] = ()
    """(value, what it means), for enum and bool switches."""
    low: int = 0
    high: int = 0

    def allowed(self) -> str:
        """The values it takes, in words."""
        if self.kind == "int":
            return f"a whole number from {self.low} to {self.high}"
        if self.kind == "bool":
            return "true or false"
        return "one of " + ", ".join(v for v, _ in self.values)

    def choices(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.values)

    def show(self, value: SwitchValue) -> str:
        """The value as written after ``=``."""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def parse(self, text: str) -> SwitchValue:
        """The value ``text`` names (VariantError if it is not allowed)."""
        if self.kind == "int":
            if not re.fullmatch(r"[0-9]{1,9}", text):
                raise self._bad(text)
            value: SwitchValue = int(text)
        elif self.kind == "bool":
            if text not in ("true", "false"):
                raise self._bad(text)
            value = text == "true"
        else:
            value = text
        self.check(value)
        return value

    def check(self, value: object) -> None:
        """VariantError unless ``value`` is one this switch takes."""
        if self.kind == "bool":
            ok = type(value) is bool
        elif self.kind == "int":
            ok = type(value) is int and self.low <= value <= self.high
        else:
            ok = type(value) is str and value in self.choices()
        if not ok:
            raise self._bad(value)

    def _bad(self, value: object) -> VariantError:
        shown = self.show(value) if isinstance(value, (bool, int, str)) else repr(value)
        hint = did_you_mean(shown, self.choices()) if self.kind != "int" else None
        return VariantError(f"switch {self.name} cannot be '{shown}'", expected=self.allowed(),
                            hint=hint)


def _bool(meaning_true: str, meaning_false: str) -> tuple[tuple[str, str], ...]:
    return (("true", meaning_true), ("false", meaning_false))


SWITCHES: dict[str, Switch] = {s.name: s for s in (
    Switch("batch_size", "int",
           "Entries a per-CPU folio_batch (LRU and mlock batches) holds before it is flushed "
           "(PAGEVEC_SIZE, then FOLIO_BATCH_SIZE): 15, then 31 from 9cecde80aae0.",
           ("include/linux/pagevec.h: folio_batch_add()", "mm/swap.c: folio_batch_add_and_move()",
            "mm/mlock.c: mlock_folio(), mlock_new_folio(), munlock_folio()"),
           ("9cecde80aae0",), low=1, high=255),
    Switch("large_folios_cached", "bool",
           "folio_may_be_lru_cached() is true for a large folio too, so large folios wait in the "
           "per-CPU LRU and mlock batches like small ones (David Hildenbrand's LSF/MM idea; the "
           "kernel has always flushed them at once).",
           ("include/linux/swap.h: folio_may_be_lru_cached()", "mm/swap.c: __folio_batch_add_and_move()",
            "mm/mlock.c: mlock_folio(), mlock_new_folio(), munlock_folio()",
            "mm/gup.c: collect_longterm_unpinnable_folios()"),
           ("56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com",),
           _bool("large folios may wait in a batch (the idea)",
                 "a large folio is never left in a batch (every kernel: folio_test_large(), "
                 "PageCompound(), then !folio_may_be_lru_cached())")),
    Switch("clear_lru_at_add", "bool",
           "Every LRU batch but lru_add test-and-clears PG_lru when a folio is added; the add "
           "is refused when PG_lru was already clear.",
           ("mm/swap.c: folio_activate(), deactivate_file_folio(), folio_deactivate(), "
            "folio_mark_lazyfree(), folio_rotate_reclaimable()",),
           ("33dfe9204f29", "afb99e9f5004"),
           _bool("PG_lru cleared when the folio enters the batch (v6.11-v6.16)",
                 "PG_lru left set until the flush")),
    Switch("flush_tests_clear_lru", "bool",
           "The flush of a move batch test-and-clears PG_lru and skips a folio without it "
           "(someone isolated it meanwhile).",
           ("mm/swap.c: folio_batch_move_lru()",), ("33dfe9204f29", "afb99e9f5004"),
           _bool("the flush skips a folio whose PG_lru is clear",
                 "the flush processes every entry (PG_lru was cleared at add)")),
    Switch("deactivate_file_requires_lru", "bool",
           "deactivate_file_folio() refuses a folio without PG_lru (only consulted when "
           "clear_lru_at_add is false).",
           ("mm/swap.c: deactivate_file_folio()",), ("afb99e9f5004",),
           _bool("refused without PG_lru (v6.17+)", "queued whatever PG_lru says (v5.18-v6.10)")),
    Switch("gup_head_local_drain", "bool",
           "collect_longterm_unpinnable_folios() starts with an unconditional lru_add_drain() "
           "on the pinning CPU (never in mainline).",
           ("mm/gup.c: collect_longterm_unpinnable_folios()",),
           ("c5bac539-fd8a-4db7-c21c-cd3e457eee91@google.com",
            "8376d8a3-cc36-ae70-0fa8-427e9ca17b9b@google.com"),
           _bool("drain the local CPU before the first folio", "no drain at the head")),
    Switch("gup_drain_trigger", "enum",
           "When collect_longterm_unpinnable_folios() (check_and_migrate_movable_pages() in "
           "v5.18) drains the LRU caches before isolating an unpinnable folio.",
           ("mm/gup.c: collect_longterm_unpinnable_folios()",),
           ("98c6d259319e", "a09a8a1fbb37", "20250815101858.24352-1-will@kernel.org",
            "c5bac539-fd8a-4db7-c21c-cd3e457eee91@google.com"),
           (("lru", "!folio_test_lru(): lru_add_drain_all() once (v5.18-v6.16)"),
            ("lru_or_mlocked", "!lru || PG_mlocked: lru_add_drain_all() once (Will Deacon's v1)"),
            ("lru_or_mlocked_evictable", "!lru || (PG_mlocked && !PG_unevictable) (Hugh's suggestion)"),
            ("refcount_2level", "refcount != folio_expected_ref_count() + 1: lru_add_drain() first, "
                                "then lru_add_drain_all() (v6.17+)"),
            ("refcount_all", "refcount != folio_expected_ref_count() + 1: lru_add_drain_all() at "
                             "once (98c6d259319e alone; Hugh's test patch)"))),
    Switch("gup_expected_refs", "enum",
           "What the refcount triggers compare a folio's refcount with: GUP's own pins hold "
           "GUP_PIN_COUNTING_BIAS per pin of a small folio and one per pinned page of a large one.",
           ("mm/gup.c: collect_longterm_unpinnable_folios()",),
           ("98c6d259319e", "827c5bc53f21"),
           (("plus_one", "folio_expected_ref_count() + 1: any pinned small folio, or large folio "
                         "pinned on two pages, mismatches and drains (v6.17+)"),
            ("plus_pins", "folio_expected_ref_count() + the references this GUP call's pins hold "
                          "(the later mm fix)"))),
    Switch("gup_skip_large_for_drain", "bool",
           "The refcount triggers drain only for a folio that folio_may_be_lru_cached(): never "
           "for a large folio unless large_folios_cached (only consulted by the refcount triggers).",
           ("mm/gup.c: collect_longterm_unpinnable_folios()", "include/linux/swap.h: folio_may_be_lru_cached()"),
           ("2da6de30e60d",),
           _bool("no drain for a large folio (v6.17+)", "a large folio can trigger a drain")),
    Switch("gup_retry_style", "enum",
           "How __gup_longterm_locked() reads what collect found: pin done, or migrate and retry.",
           ("mm/gup.c: check_and_migrate_movable_pages(), check_and_migrate_movable_folios()",),
           ("67e139b02d99", "1aaf8c122918", "517f496e1e61"),
           (("v518_zero_means_retry", "nothing collected and no isolation error: pinned (v5.18-v6.0)"),
            ("collected_count", "nothing collected: pinned; otherwise migrate and retry (v6.1+)"),
            ("list_empty_means_success", "nothing isolated: pinned where it is, even if unpinnable "
                                         "(1aaf8c122918, v6.14-v6.15)"))),
    Switch("migrate_passes", "enum",
           "The passes migrate_pages(MIGRATE_SYNC) makes over the isolated folios.",
           ("mm/migrate.c: migrate_pages(), migrate_pages_sync(), migrate_pages_batch()",),
           ("2ef7dbb26990",),
           (("10x", "ten rounds of unmap_and_move() (v5.18-v6.2)"),
            ("async3_sync7", "a MIGRATE_ASYNC batch of 3 passes, then each folio alone, "
                             "MIGRATE_SYNC, 7 passes (v6.3+)"))),
    Switch("migrate_drain_after_move", "enum",
           "When migration drains the local LRU caches after moving a folio, so the new folio "
           "is on its list before remove_migration_ptes() mlocks it.",
           ("mm/migrate.c: __unmap_and_move(), migrate_folio_move()",), ("eebb3dabbb5c",),
           (("if_mapped", "the old folio was mapped (v5.18-v6.6)"),
            ("if_mlocked", "the old folio was mlocked: PAGE_WAS_MLOCKED (v6.7+)"))),
    Switch("munlock_large_at_unmap", "bool",
           "The rmap hooks ignore how a large folio is mapped: removing a PTE mapping of one from "
           "a VM_LOCKED vma munlocks it, and adding a PMD mapping no longer mlocks it (only small "
           "folios are mlocked at add).",
           ("mm/internal.h: mlock_vma_folio(), munlock_vma_folio()",
            "mm/rmap.c: page_add_anon_rmap(), folio_add_file_rmap_range(), page_remove_rmap(), "
            "folio_remove_rmap_ptes()"),
           ("1acbc3f93614",),
           _bool("munlocked at removal whatever its size; mlocked at add only if small (v6.7+)",
                 "only a PMD-mapped or small folio is mlocked at add and munlocked at removal (v5.18-v6.6)")),
    Switch("mlock_large_in_range", "bool",
           "mlock_pte_range() handles a PTE-mapped large folio: mlock(2) mlocks one whose pages "
           "are all mapped, in order, by consecutive PTEs inside the range and one page table "
           "(folio_mlock_step() == folio_nr_pages() and folio_within_range()); munlock(2) "
           "munlocks one if any of its PTEs is in the range, once per run of PTEs.",
           ("mm/mlock.c: mlock_pte_range(), folio_mlock_step(), allow_mlock_munlock()",
            "mm/internal.h: folio_within_range()"),
           ("dc68badcede4",),
           _bool("a large folio the vma maps whole is mlocked; munlocked when any PTE is in range (v6.7+)",
                 "mlock(2) and munlock(2) skip every PTE-mapped large folio (v5.18-v6.6)")),
    Switch("drain_all_local_first", "bool",
           "__lru_add_drain_all() drains the calling CPU itself before queueing work.",
           ("mm/swap.c: __lru_add_drain_all()",), ("33389bf8-f79d-d4dd-b7a4-680c4aa21b23@google.com",),
           _bool("local lru_add_drain() first (v6.18)", "work items only")),
)}


# --- the variants ----------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """The switches of one kernel variant.  Every value is checked when the
    variant is built (``__post_init__``), so no code path holds an invalid one."""

    name: str
    """What users write: ``v6.11``, ``will-v1``, ``v6.17+gup_drain_trigger=lru``."""
    letter: str
    """Its group in docs/model.md (a, b, b', c, c2, d, d+, d0); ``*`` marks a composition."""
    summary: str
    """One line for ``folioscope variants``."""
    defined_by: tuple[str, ...] = ()
    """Keys of ``CHANGES``: the commits or proposals that make it what it is."""
    base: str = ""
    """For a composed variant, the named variant it starts from."""

    batch_size: int = 31
    large_folios_cached: bool = False
    clear_lru_at_add: bool = False
    flush_tests_clear_lru: bool = True
    deactivate_file_requires_lru: bool = True
    gup_head_local_drain: bool = False
    gup_drain_trigger: str = "refcount_2level"
    gup_expected_refs: str = "plus_one"
    gup_skip_large_for_drain: bool = True
    gup_retry_style: str = "collected_count"
    migrate_passes: str = "async3_sync7"
    migrate_drain_after_move: str = "if_mlocked"
    munlock_large_at_unmap: bool = True
    mlock_large_in_range: bool = True
    drain_all_local_first: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise VariantError("a variant needs a name")
        for spec in SWITCHES.values():
            spec.check(getattr(self, spec.name))
        for ref in self.defined_by:
            if ref not in CHANGES:
                raise VariantError(f"variant {self.name}: unknown change {ref}")

    @property
    def commits(self) -> str:
        """The defining commits (ids, or Message-IDs of proposals), as one line."""
        return ", ".join(self.defined_by)

    def switches(self) -> dict[str, SwitchValue]:
        """Every switch and its value, in ``SWITCHES`` order."""
        return {name: getattr(self, name) for name in SWITCHES}


SWITCH_FIELDS = tuple(f.name for f in fields(Variant))[5:]
"""The switch fields of Variant, in declaration order (tests compare them with SWITCHES)."""

V5_18 = Variant(
    name="v5.18", letter="a", defined_by=("2fbb0c10d1e8",),
    summary="mlock_page() batched per CPU; move batches keep PG_lru until flush (v5.18-v6.0, batch 15)",
    batch_size=15, deactivate_file_requires_lru=False, gup_drain_trigger="lru",
    gup_skip_large_for_drain=False, gup_retry_style="v518_zero_means_retry",
    migrate_passes="10x", migrate_drain_after_move="if_mapped", munlock_large_at_unmap=False,
    mlock_large_in_range=False,
)
V6_9 = replace(
    V5_18, name="v6.9", defined_by=("67e139b02d99", "2ef7dbb26990", "1acbc3f93614", "dc68badcede4",
                                    "eebb3dabbb5c", "9cecde80aae0"),
    summary="as v5.18 with 31-entry batches and the v6.1-v6.7 GUP, migration and mlock changes (v6.9-v6.10)",
    batch_size=31, gup_retry_style="collected_count", migrate_passes="async3_sync7",
    migrate_drain_after_move="if_mlocked", munlock_large_at_unmap=True, mlock_large_in_range=True,
)
V6_11 = replace(
    V6_9, name="v6.11", letter="b", defined_by=("33dfe9204f29",),
    summary="PG_lru cleared when a folio enters a move batch; flush no longer tests it (v6.11-v6.16)",
    clear_lru_at_add=True, flush_tests_clear_lru=False,
)
V6_14 = replace(
    V6_11, name="v6.14", letter="b'", defined_by=("1aaf8c122918",),
    summary="v6.11 plus: nothing isolated => the pin succeeds (v6.14-v6.15, until 517f496e1e61)",
    gup_retry_style="list_empty_means_success",
)
WILL_V1 = replace(
    V6_11, name="will-v1", letter="c", defined_by=("20250815101858.24352-1-will@kernel.org",),
    summary="v6.11 plus the collect drain trigger !lru || mlocked (never merged)",
    gup_drain_trigger="lru_or_mlocked",
)
HUGH_SUGGESTION = replace(
    V6_11, name="hugh-suggestion", letter="c2", defined_by=("c5bac539-fd8a-4db7-c21c-cd3e457eee91@google.com",),
    summary="v6.11 plus trigger !lru || (mlocked && !unevictable) and a local drain at the head of collect",
    gup_drain_trigger="lru_or_mlocked_evictable", gup_head_local_drain=True,
)
V6_17 = replace(
    V6_9, name="v6.17", letter="d", defined_by=("98c6d259319e", "a09a8a1fbb37", "afb99e9f5004",
                                                "8d79ed36bfc8", "2da6de30e60d"),
    summary="Hugh's hotfixes: refcount trigger with local then global drain; 33dfe9204f29 reverted",
    deactivate_file_requires_lru=True, gup_drain_trigger="refcount_2level",
    gup_skip_large_for_drain=True,
)
V6_18 = replace(
    V6_17, name="v6.18", letter="d+", defined_by=("33389bf8-f79d-d4dd-b7a4-680c4aa21b23@google.com",),
    summary="v6.17 plus a local lru_add_drain() at the start of lru_add_drain_all()",
    drain_all_local_first=True,
)
HUGH_PORTMANTEAU = replace(
    V6_17, name="hugh-portmanteau", letter="d0", defined_by=("8376d8a3-cc36-ae70-0fa8-427e9ca17b9b@google.com",),
    summary="unconditional local drain at the head of collect, refcount trigger, no large-folio exclusion",
    gup_head_local_drain=True, gup_skip_large_for_drain=False, gup_drain_trigger="refcount_all",
)

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (V5_18, V6_9, V6_11, V6_14, WILL_V1, HUGH_SUGGESTION, V6_17, V6_18, HUGH_PORTMANTEAU)
}
VARIANT_NAMES: tuple[str, ...] = tuple(VARIANTS)
UPSTREAM: tuple[str, ...] = ("v5.18", "v6.9", "v6.11", "v6.14", "v6.17", "v6.18")
"""The named variants that are mainline releases (the others are proposals)."""
DEFAULT_VARIANT = "v6.18"


# --- composing ---------------------------------------------------------------------


def compose(base: Variant, changes: dict[str, SwitchValue]) -> Variant:
    """``base`` with ``changes``; a change to the base's own value is dropped.
    The result is ``base`` itself when nothing differs."""
    if base.base:
        changes = {**{k: v for k, v in base.switches().items() if v != getattr(VARIANTS[base.base], k)},
                   **changes}
        base = VARIANTS[base.base]
    for name, value in changes.items():
        if name not in SWITCHES:
            raise VariantError(f"unknown switch '{name}'", expected="a switch: " + ", ".join(SWITCHES),
                               hint=did_you_mean(name, SWITCHES))
        SWITCHES[name].check(value)
    diff = {k: changes[k] for k in SWITCHES if k in changes and changes[k] != getattr(base, k)}
    if not diff:
        return base
    shown = "+".join(f"{k}={SWITCHES[k].show(v)}" for k, v in diff.items())
    fields: dict[str, Any] = dict(diff)  # switch values, each checked by its Switch above
    return replace(base, name=f"{base.name}+{shown}", letter=base.letter + "*", base=base.name,
                   summary=f"{base.name} with {shown.replace('+', ', ')}", **fields)


@dataclass
class _Piece:
    text: str
    start: int
    end: int


def _pieces(text: str) -> list[_Piece]:
    """``text`` split at '+', each piece stripped, with its offsets."""
    out = []
    pos = 0
    for raw in text.split("+"):
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        out.append(_Piece(body, pos + lead, pos + lead + len(body)))
        pos += len(raw) + 1
    return out


@lru_cache(maxsize=256)
def parse_variant(text: str) -> Variant:
    """The variant ``text`` names: ``v6.17`` or ``v6.17 + switch=value + ...``.

    Raises VariantError (with the offending span) for an unknown variant,
    switch or value; a kernel release such as ``6.12`` is answered with the
    variant that models it (``releases.release_hint``)."""
    first, *rest = _pieces(text)
    base = _named(first)
    changes: dict[str, SwitchValue] = {}
    for piece in rest:
        name, value = _switch(piece)
        if name in changes:
            raise VariantError(f"switch {name} is given twice", start=piece.start, end=piece.end)
        changes[name] = value
    return compose(base, changes)


def _named(piece: _Piece) -> Variant:
    variant = VARIANTS.get(piece.text)
    if variant is not None:
        return variant
    start, end = piece.start, max(piece.end, piece.start + 1)
    if not piece.text:
        raise VariantError("a variant name is missing", expected="a variant: " + ", ".join(VARIANTS),
                           start=start, end=end)
    from .releases import release_hint  # releases.py builds on this module

    hint = release_hint(piece.text)
    if hint is not None:
        raise VariantError(f"'{piece.text}' is a kernel release, not a variant", hint=hint, start=start, end=end)
    raise VariantError(f"unknown kernel variant '{piece.text}'", expected="a variant: " + ", ".join(VARIANTS),
                       hint=did_you_mean(piece.text, VARIANTS) or "'folioscope variants' lists them",
                       start=start, end=end)


def _switch(piece: _Piece) -> tuple[str, SwitchValue]:
    name, eq, value = piece.text.partition("=")
    name, value = name.strip(), value.strip()
    if not eq or not name:
        raise VariantError(f"'{piece.text}' is not a switch setting" if piece.text else "a switch is missing",
                           expected="switch=value, such as gup_drain_trigger=lru_or_mlocked",
                           start=piece.start, end=max(piece.end, piece.start + 1))
    spec = SWITCHES.get(name)
    if spec is None:
        raise VariantError(f"unknown switch '{name}'", expected="a switch: " + ", ".join(SWITCHES),
                           hint=did_you_mean(name, SWITCHES) or "'folioscope variants --switches' lists them",
                           start=piece.start, end=piece.start + len(name))
    value_start = piece.end - len(value)
    try:
        return name, spec.parse(value)
    except VariantError as err:
        err.start, err.end = value_start, max(piece.end, value_start + 1)
        raise


def get_variant(name: str) -> Variant:
    """The variant ``name`` names, named or composed (VariantError if none)."""
    variant = VARIANTS.get(name)
    return variant if variant is not None else parse_variant(name)


def canonical_name(text: str) -> str:
    """The name traces print for ``text``: switches in ``SWITCHES`` order,
    no spaces, none equal to the base's value."""
    return get_variant(text).name


def find_variant(name: str) -> Variant | None:
    """The variant called ``name``, or None (views: a saved trace may name anything)."""
    try:
        return get_variant(name)
    except VariantError:
        return None


def base_name(name: str) -> str:
    """The named variant ``name`` is composed from (itself when it is named)."""
    return name.split("+", 1)[0].strip()


__all__ = ["CHANGES", "Change", "DEFAULT_VARIANT", "SWITCHES", "SWITCH_FIELDS", "Switch", "UPSTREAM",
           "VARIANTS", "VARIANT_NAMES", "Variant", "VariantError", "base_name", "canonical_name",
           "compose", "find_variant", "get_variant", "parse_variant"]
