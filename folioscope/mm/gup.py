"""mm/gup.c: FOLL_PIN pins and the FOLL_LONGTERM path that must first move
unpinnable folios out of ZONE_MOVABLE / CMA (kernel-model.md §8).

Switches: ``gup_head_local_drain``, ``gup_drain_trigger``,
``gup_skip_large_for_drain``, ``gup_retry_style``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .context import MM
from .folio import GUP_PIN_COUNTING_BIAS, Folio
from .migrate import migrate_pages
from .refs import folio_put
from .swap import folio_mark_accessed, lru_add_drain, lru_add_drain_all
from .vmscan import folio_isolate_lru, folio_putback_lru

MAX_GUP_ATTEMPTS = 8
"""The kernel retries for ever; the model stops here and says LIVELOCK."""


def folio_is_longterm_pinnable(folio: Folio) -> bool:
    """folio_is_longterm_pinnable(): not in a CMA pageblock nor ZONE_MOVABLE."""
    return folio.zone not in ("movable", "cma")


def try_grab_folio(mm: MM, folio: Folio) -> None:
    """try_grab_folio(FOLL_PIN) for every page of the folio: a small folio
    gains GUP_PIN_COUNTING_BIAS, a large one 1 per page (and _pincount)."""
    n = folio.nr_pages
    folio.pincount += n if folio.large else 1
    folio.refcount += n if folio.large else GUP_PIN_COUNTING_BIAS


def unpin_folio(mm: MM, folio: Folio) -> None:
    """unpin_folio(): drop every pin try_grab_folio() took for the folio."""
    if not folio.pincount:
        raise mm.bug(f"unpin_folio({folio.name}): not pinned (refcount underflow)")
    n = folio.nr_pages
    folio.pincount -= n if folio.large else 1
    folio_put(mm, folio, n if folio.large else GUP_PIN_COUNTING_BIAS)


def pin_user_pages(mm: MM, cpu: int, folio: Folio) -> None:
    """pin_user_pages() without FOLL_LONGTERM: just the pin."""
    try_grab_folio(mm, folio)
    mm.log(f"try_grab_folio({folio.name}, FOLL_PIN): refcount {folio.refcount}")


def unpin_user_page(mm: MM, cpu: int, folio: Folio) -> None:
    """unpin_user_page()."""
    unpin_folio(mm, folio)
    mm.log(f"unpin_user_page({folio.name}): refcount {folio.refcount}")


@dataclass
class Collected:
    """What collect_longterm_unpinnable_folios() found."""

    movable: list[Folio] = field(default_factory=list)
    collected: int = 0
    isolation_errors: int = 0


def gup_longterm(mm: MM, cpu: int, folios: list[Folio], touch: bool, write: bool) -> str:
    """__gup_longterm_locked(): pin, check, migrate and retry while -EAGAIN."""
    for folio in folios:
        if not folio.mapcount and not folio.cache_refs:
            # GUP finds folios through page tables (or faults one in, which is
            # not modelled); a folio that is neither mapped nor cached is dying.
            raise mm.bug(f"{folio.name} is neither mapped nor in a cache: GUP cannot reach it "
                         "(map it first; faulting a new page in is not modelled)")
    mm.state.stats.gup_attempts = 0
    for attempt in range(1, MAX_GUP_ATTEMPTS + 1):
        mm.state.stats.gup_attempts = attempt
        with mm.call(f"__gup_longterm_locked: attempt {attempt}"):
            current = [_follow_page_tables(mm, f) for f in folios]
            pinned = _get_user_pages(mm, cpu, current, touch, write)
            rc = check_and_migrate_movable_folios(mm, cpu, pinned, current)
        if rc != "EAGAIN":
            return rc
    mm.log(f"__gup_longterm_locked: still -EAGAIN after {MAX_GUP_ATTEMPTS} attempts: "
           "the kernel would retry for ever")
    return "LIVELOCK"


def _follow_page_tables(mm: MM, folio: Folio) -> Folio:
    """After a migration the page tables point at the new folio."""
    name = folio.name
    while name in mm.state.successor:
        name = mm.state.successor[name]
    return mm.folio(name)


def _get_user_pages(mm: MM, cpu: int, folios: list[Folio], touch: bool,
                    write: bool) -> list[Folio]:
    """__get_user_pages_locked(): one entry per page; follow_page_pte() pins,
    and with FOLL_TOUCH calls folio_mark_accessed() (FOLL_WRITE: dirty too)."""
    pinned: list[Folio] = []
    for folio in folios:
        try_grab_folio(mm, folio)
        mm.log(f"try_grab_folio({folio.name}, FOLL_PIN): refcount {folio.refcount}")
        for _ in range(folio.nr_pages):
            if touch:
                if write and not folio.dirty:
                    folio.dirty = True
                    mm.log(f"folio_mark_dirty({folio.name})")
                folio_mark_accessed(mm, cpu, folio)
            pinned.append(folio)
    return pinned


def check_and_migrate_movable_folios(mm: MM, cpu: int, pinned: list[Folio],
                                     grabbed: list[Folio]) -> str:
    """check_and_migrate_movable_pages{,_or_folios}(): ok, EAGAIN or ENOMEM,
    by the variant's ``gup_retry_style``.  ``pinned`` has one entry per page,
    ``grabbed`` one per try_grab_folio()."""
    found = collect_longterm_unpinnable_folios(mm, cpu, pinned)
    style = mm.variant.gup_retry_style
    if style == "v518_zero_means_retry":
        done = not found.movable and not found.isolation_errors
    elif style == "collected_count":
        done = found.collected == 0
    else:  # list_empty_means_success, 1aaf8c122918
        done = not found.movable
    if done:
        why = ("nothing to migrate" if not found.collected
               else f"{found.collected} unpinnable but none isolated: pinned where it is (1aaf8c122918)")
        mm.log(f"check_and_migrate: {why} — pins kept")
        return "ok"
    return migrate_longterm_unpinnable_folios(mm, cpu, found.movable, grabbed)


def collect_longterm_unpinnable_folios(mm: MM, cpu: int, pinned: list[Folio]) -> Collected:
    """collect_longterm_unpinnable_folios() (v5.18: the first loop of
    check_and_migrate_movable_pages()): consecutive duplicates are visited
    once; each unpinnable folio may trigger a drain, then is isolated."""
    found = Collected()
    drained = 0
    with mm.call(f"collect_longterm_unpinnable_folios(cpu{cpu})"):
        if mm.variant.gup_head_local_drain:
            mm.state.stats.local_drains += 1
            lru_add_drain(mm, cpu)
        prev = None
        for folio in pinned:
            if folio is prev:
                continue
            prev = folio
            if folio_is_longterm_pinnable(folio):
                continue
            found.collected += 1
            drained = _drain_trigger(mm, cpu, folio, drained)
            if folio_isolate_lru(mm, folio, "gup"):
                found.movable.append(folio)
            else:
                found.isolation_errors += 1
    return found


def _drain_trigger(mm: MM, cpu: int, folio: Folio, drained: int) -> int:
    """The variant's test for draining the LRU caches before isolating
    ``folio``; returns the new ``drained`` level (0 none, 1 local, 2 all)."""
    trigger = mm.variant.gup_drain_trigger
    f = folio.name
    if trigger.startswith("refcount"):
        return _refcount_trigger(mm, cpu, folio, drained, two_level=trigger == "refcount_2level")
    if drained:
        return drained
    if not folio.lru:
        reason = "PG_lru clear"
    elif trigger in ("lru_or_mlocked", "lru_or_mlocked_evictable") and folio.mlocked and (
            trigger == "lru_or_mlocked" or not folio.unevictable):
        reason = "PG_mlocked set" + (" and not unevictable" if trigger != "lru_or_mlocked" else "")
    else:
        mm.log(f"{f}: PG_lru set{_mlock_note(trigger, folio)} — no drain")
        return drained
    with mm.call(f"{f}: {reason} → lru_add_drain_all()"):
        lru_add_drain_all(mm, cpu)
    return 2


def _mlock_note(trigger: str, folio: Folio) -> str:
    if trigger == "lru" or not folio.mlocked:
        return ""
    return ", PG_mlocked set but PG_unevictable set too"


def _refcount_trigger(mm: MM, cpu: int, folio: Folio, drained: int, two_level: bool) -> int:
    """v6.17 (a09a8a1fbb37, 98c6d259319e): compare the refcount with
    folio_expected_ref_count() + 1 — pins not included, so a pinned small
    folio always mismatches (kernel-model.md §0.3.5)."""
    f = folio.name
    if mm.variant.gup_skip_large_for_drain and folio.large:
        mm.log(f"{f}: large: !folio_may_be_lru_cached() — no drain")
        return drained
    want = folio.expected_ref_count() + 1
    if drained == 0 and two_level and folio.refcount != want:
        with mm.call(f"{f}: refcount {folio.refcount} != expected {want} → lru_add_drain(cpu{cpu})"):
            mm.state.stats.local_drains += 1
            lru_add_drain(mm, cpu)
        drained = 1
    if drained == (1 if two_level else 0) and folio.refcount != want:
        with mm.call(f"{f}: refcount {folio.refcount} != expected {want} → lru_add_drain_all()"):
            lru_add_drain_all(mm, cpu)
        return 2
    if drained < 2:
        mm.log(f"{f}: refcount {folio.refcount} == expected {want} — no drain")
    return drained


def migrate_longterm_unpinnable_folios(mm: MM, cpu: int, movable: list[Folio],
                                       grabbed: list[Folio]) -> str:
    """migrate_longterm_unpinnable_folios(): drop every pin, migrate what was
    isolated; any failure is -ENOMEM (Will Deacon asked for -EAGAIN; KVM kills
    the VM on -ENOMEM).  Otherwise -EAGAIN: pin again from the start."""
    with mm.call("migrate_longterm_unpinnable_folios"):
        for folio in grabbed:
            unpin_folio(mm, folio)
        mm.log("all pins dropped")
        failed = migrate_pages(mm, cpu, movable) if movable else []
        for folio in failed:
            folio_putback_lru(mm, cpu, folio)
    if failed:
        mm.log(f"migrate_pages: {len(failed)} folio(s) not migrated → -ENOMEM")
        return "ENOMEM"
    mm.log("-EAGAIN: pin again")
    return "EAGAIN"

