"""struct folio, as far as the model needs it (docs/model.md §1, "Folios").

Flags are plain attributes (``folio.lru`` is PG_lru).  The refcount is kept
as a number, as the kernel keeps it; ``mm.refs.holders()`` explains it.
"""

from __future__ import annotations

GUP_PIN_COUNTING_BIAS = 1024
"""include/linux/mm.h: what one FOLL_PIN adds to a small folio's refcount."""

FLAG_ORDER = ("lru", "active", "referenced", "unevictable", "mlocked",
              "swapbacked", "reclaim", "dirty", "writeback")
"""Page flags shown in traces, in this order."""

VMA_MAPS = ("all", "part", "two_runs", "pmd")
"""How each vma mapping a folio maps it, which decides what mlock_pte_range()
does with a large folio (mm/mlock.c, dc68badcede4): ``all``, every page by
consecutive PTEs in order inside one page table; ``part``, only some pages;
``two_runs``, every page but in two runs of PTEs (across a PMD boundary, or
out of order after mremap); ``pmd``, one PMD (a PMD-sized folio)."""

PMD_ORDER = 9
"""HPAGE_PMD_ORDER with 4 KiB pages (x86-64, arm64): the order a PMD maps."""

LRU_LISTS = ("inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable")
"""enum lru_list, classic (non-MGLRU) LRU."""


class Folio:
    """One folio: its flags, its references and where it sits."""

    __slots__ = (
        "name", "order", "kind", "zone", "swapbacked", "in_pagecache", "in_swapcache",
        "private", "plain_maps", "locked_maps", "refcount", "pins", "gets",
        "isolated_by", "alloc_ref", "lru", "active", "referenced", "unevictable",
        "mlocked", "reclaim", "dirty", "writeback", "locked", "list", "pos",
        "mlock_count", "freed", "mapping_unevictable", "vma_maps", "_fp",
    )

    def __init__(self, name: str, kind: str, order: int = 0, zone: str = "normal") -> None:
        self._fp: int | None = None
        self.name = name
        self.order = order
        self.kind = kind                      # 'anon' | 'file' | 'shmem'
        self.zone = zone                      # 'normal' | 'movable' | 'cma'
        self.swapbacked = kind != "file"      # anon and shmem
        self.in_pagecache = kind != "anon"    # file and shmem live in the page cache
        self.in_swapcache = False
        self.private = False                  # PG_private
        self.plain_maps = 0                   # PTE maps in ordinary vmas
        self.locked_maps = 0                  # PTE maps in VM_LOCKED vmas
        self.refcount = 0
        self.pins = 0                         # FOLL_PIN pins: one per page pinned
        self.gets = 0                         # plain folio_get()s of the scenario's
        self.isolated_by: str | None = None   # holds one reference while set
        self.alloc_ref = 0                    # migration target's allocation reference
        self.lru = False
        self.active = False
        self.referenced = False
        self.unevictable = False
        self.mlocked = False
        self.reclaim = False
        self.dirty = False
        self.writeback = False
        self.locked = False                   # PG_locked (folio lock)
        self.list: str | None = None          # the LRU list it is linked on
        self.pos: str | None = None           # 'head' | 'tail' it was last linked at
        self.mlock_count = 0                  # kept in lru.prev while on the unevictable list
        self.freed = False
        self.mapping_unevictable = False      # ramfs / SHM_LOCK: mapping_unevictable()
        self.vma_maps = "all"                 # how each vma maps it: VMA_MAPS

    # --- derived -----------------------------------------------------------

    @property
    def nr_pages(self) -> int:
        """folio_nr_pages()."""
        return 1 << self.order

    @property
    def large(self) -> bool:
        """folio_test_large()."""
        return self.order > 0

    @property
    def anon(self) -> bool:
        """folio_test_anon(): shmem is not anon, though swap-backed."""
        return self.kind == "anon"

    @property
    def mapcount(self) -> int:
        """folio_mapcount(): one per PTE mapping."""
        return self.plain_maps + self.locked_maps

    @property
    def cache_refs(self) -> int:
        """References from the page cache or the swap cache (one per page)."""
        cached = self.in_swapcache if self.anon else self.in_pagecache
        return self.nr_pages if cached else 0

    @property
    def pincount(self) -> int:
        """folio->_pincount as the kernel keeps it: one per pinned page of a
        large folio; a small folio has none (its pins live in the refcount,
        GUP_PIN_COUNTING_BIAS each).  64-bit layout: folio_has_pincount() is
        folio_test_large() (include/linux/mm.h; 32-bit differs from v6.15)."""
        return self.pins if self.large else 0

    @property
    def pin_refs(self) -> int:
        """What the pins add to the refcount (try_grab_folio)."""
        return self.pins * (GUP_PIN_COUNTING_BIAS if self.order == 0 else 1)

    def maybe_dma_pinned(self) -> bool:
        """folio_maybe_dma_pinned() (include/linux/mm.h): exact for a large
        folio (_pincount > 0); for a small one the refcount >= 1024 heuristic,
        so 1024 ordinary references look pinned too."""
        if self.large:
            return self.pincount > 0
        return self.refcount >= GUP_PIN_COUNTING_BIAS

    def evictable(self) -> bool:
        """folio_evictable(): neither mlocked nor in an unevictable mapping."""
        return not self.mlocked and not self.mapping_unevictable

    def expected_ref_count(self) -> int:
        """folio_expected_ref_count() (v6.16, 86ebd50224c0): cache refs, PG_private
        (file only) and mappings; never pins, isolation or batch entries."""
        private = int(self.private) if not self.anon else 0
        return self.cache_refs + private + self.mapcount

    def lru_list_name(self) -> str:
        """folio_lru_list(): the list this folio belongs on by its flags."""
        if self.unevictable:
            return "unevictable"
        side = "active" if self.active else "inactive"
        return f"{side}_{'anon' if self.swapbacked else 'file'}"

    def flags(self) -> tuple[str, ...]:
        """The set flags, in FLAG_ORDER."""
        return tuple(f for f in FLAG_ORDER if getattr(self, f))

    def fingerprint(self) -> int:
        """hash(key()), kept: a folio is not changed once its step is over
        (the engine changes only the copy a step made), so states sharing it
        hash it once."""
        if self._fp is None:
            self._fp = hash(self.key())
        return self._fp

    def __repr__(self) -> str:
        return f"<Folio {self.name} ref={self.refcount} {'|'.join(self.flags())} list={self.list}>"


def _generate_fast_methods() -> None:
    """Folio.copy() (a copy sharing nothing mutable) and Folio.key() (every
    slot, for hashing and equality), generated as straight-line code over
    __slots__: several times faster than loops, and snapshots are on the
    explorer's hot path."""
    state = [s for s in Folio.__slots__ if s != "_fp"]
    assign = "\n".join(f"    new.{s} = self.{s}" for s in state)
    fields = ", ".join(f"self.{s}" for s in state)
    source = (f"def copy(self):\n    new = _new(Folio)\n{assign}\n    new._fp = None\n"
              f"    return new\n"
              f"def key(self):\n    return ({fields},)\n")
    namespace: dict = {"Folio": Folio, "_new": object.__new__}
    exec(source, namespace)
    namespace["copy"].__doc__ = "A copy sharing nothing mutable."
    namespace["key"].__doc__ = "Every slot, for hashing and equality."
    Folio.copy = namespace["copy"]
    Folio.key = namespace["key"]


_generate_fast_methods()
