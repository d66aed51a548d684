"""mm/gup.c: FOLL_PIN pins and the FOLL_LONGTERM path that must first move
unpinnable folios out of ZONE_MOVABLE / CMA.

Switches: ``gup_head_local_drain``, ``gup_drain_trigger``,
``gup_skip_large_for_drain``, ``gup_retry_style``.

__gup_longterm_locked() can be overtaken by other CPUs where it sleeps or
loops, so it is written as a resumable operation: ``gup_longterm`` runs up
to the first such point and returns a ``Suspended`` whose continuation
(``GupLongterm``) is plain data; ``gup_longterm_resume`` goes on from it.
The points are: inside the lru_add_drain_all() a drain trigger calls (Y1),
between collect_longterm_unpinnable_folios() and
migrate_longterm_unpinnable_folios() (Y2), and between attempts (Y3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .context import MM, Suspended
from .folio import GUP_PIN_COUNTING_BIAS, Folio
from .migrate import migrate_pages
from .pagevec import folio_may_be_lru_cached
from .refs import folio_put
from .swap import drain_all_resumed, drain_all_wait, folio_mark_accessed, lru_add_drain
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
    folio.pins += n
    folio.refcount += n if folio.large else GUP_PIN_COUNTING_BIAS


def unpin_folio(mm: MM, folio: Folio) -> None:
    """unpin_folio(): drop every pin try_grab_folio() took for the folio."""
    if not folio.pins:
        raise mm.bug(f"unpin_folio({folio.name}): not pinned (refcount underflow)")
    n = folio.nr_pages
    folio.pins -= n
    folio_put(mm, folio, n if folio.large else GUP_PIN_COUNTING_BIAS)


def pin_user_pages(mm: MM, cpu: int, folio: Folio) -> None:
    """pin_user_pages() without FOLL_LONGTERM: just the pin."""
    try_grab_folio(mm, folio)
    _log_grab(mm, folio)


def _log_grab(mm: MM, folio: Folio) -> None:
    mm.log("{func}({folio}, FOLL_PIN): refcount {refcount}", "try_grab_folio", folio.name,
           refcount=folio.refcount)


def unpin_user_page(mm: MM, cpu: int, folio: Folio) -> None:
    """unpin_user_page()."""
    unpin_folio(mm, folio)
    mm.log("{func}({folio}): refcount {refcount}", "unpin_user_page", folio.name,
           refcount=folio.refcount)


@dataclass(frozen=True)
class GupLongterm:
    """Where an in-flight __gup_longterm_locked() is.  Folios are named, not
    held, so the continuation can be kept beside any copy of the state."""

    folios: tuple[str, ...]
    """The folios the caller asked for (page tables are followed afresh at
    every attempt)."""
    touch: bool
    write: bool
    at: str = "attempt"
    """``attempt`` (the next one starts), ``collect`` (in the drain trigger
    of entry ``index``) or ``migrate`` (collect is done)."""
    attempt: int = 0
    """The attempt under way (0: none yet)."""
    pinned: tuple[str, ...] = ()
    """One entry per page pinned, as __get_user_pages_locked() filled pages[]."""
    grabbed: tuple[str, ...] = ()
    """One entry per try_grab_folio()."""
    index: int = 0
    """The entry of ``pinned`` collect is at."""
    drained: int = 0
    """How far collect has drained: 0 not, 1 locally, 2 every CPU."""
    movable: tuple[str, ...] = ()
    """Folios collect isolated for migration."""
    collected: int = 0
    isolation_errors: int = 0


GUP_ATTEMPT_DEPTH = 0
COLLECT_DEPTH = 2
"""Event depths: ``__gup_longterm_locked: attempt N`` and its callees, and
collect_longterm_unpinnable_folios()'s loop."""


def gup_longterm(mm: MM, cpu: int, folios: list[Folio], touch: bool,
                 write: bool) -> str | Suspended:
    """pin_user_pages(FOLL_LONGTERM) -> __gup_longterm_locked(): pin, check,
    migrate, and retry while -EAGAIN."""
    for folio in folios:
        if not folio.mapcount and not folio.cache_refs:
            # GUP finds folios through page tables (or faults one in, which is
            # not modelled); a folio that is neither mapped nor cached is dying.
            raise mm.bug(f"{folio.name} is neither mapped nor in a cache: GUP cannot reach it "
                         "(map it first; faulting a new page in is not modelled)")
    mm.stats.gup_attempts = 0
    return _attempt(mm, cpu, GupLongterm(tuple(f.name for f in folios), touch, write))


def gup_longterm_resume(mm: MM, cpu: int, stopped: Suspended) -> str | Suspended:
    """Continue a __gup_longterm_locked() that ``stopped``."""
    gup = stopped.cont
    assert isinstance(gup, GupLongterm)
    if gup.at == "collect":                 # Y1: in the drain trigger's lru_add_drain_all()
        again = drain_all_resumed(mm, cpu, "gup_longterm", stopped)
        if again is not None:
            return again
        mm.depth = COLLECT_DEPTH
        return _collect(mm, cpu, _isolate(mm, gup), gup.index + 1)
    if gup.at == "migrate":                 # Y2
        return _migrate(mm, cpu, gup)
    return _attempt(mm, cpu, gup)           # Y3


def _attempt(mm: MM, cpu: int, gup: GupLongterm) -> str | Suspended:
    """One pass of __gup_longterm_locked()'s loop: __get_user_pages_locked(),
    then check_and_migrate_movable_folios()."""
    attempt = gup.attempt + 1
    mm.stats.gup_attempts = attempt
    mm.depth = GUP_ATTEMPT_DEPTH
    mm.log("{func}: attempt {attempt}", "__gup_longterm_locked", cpu=cpu, attempt=attempt)
    mm.depth = GUP_ATTEMPT_DEPTH + 1
    current = [_follow_page_tables(mm, name) for name in gup.folios]
    pinned = _get_user_pages(mm, cpu, current, gup.touch, gup.write)
    gup = replace(gup, at="collect", attempt=attempt, pinned=tuple(f.name for f in pinned),
                  grabbed=tuple(f.name for f in current), index=0, drained=0, movable=(),
                  collected=0, isolation_errors=0)
    mm.log("{func}(cpu{cpu})", "collect_longterm_unpinnable_folios", cpu=cpu)
    mm.depth = COLLECT_DEPTH
    if mm.variant.gup_head_local_drain:
        mm.stats.local_drains += 1
        lru_add_drain(mm, cpu)
    return _collect(mm, cpu, gup, 0)


def _follow_page_tables(mm: MM, name: str) -> Folio:
    """After a migration the page tables point at the new folio."""
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
        _log_grab(mm, folio)
        for _ in range(folio.nr_pages):
            if touch:
                if write and not folio.dirty:
                    folio.dirty = True
                    mm.log("{func}({folio})", "folio_mark_dirty", folio.name)
                folio_mark_accessed(mm, cpu, folio)
            pinned.append(folio)
    return pinned


def _collect(mm: MM, cpu: int, gup: GupLongterm, start: int) -> str | Suspended:
    """collect_longterm_unpinnable_folios()'s loop from entry ``start``
    (v5.18: the first loop of check_and_migrate_movable_pages()): consecutive
    duplicates are visited once; each unpinnable folio may trigger a drain,
    then is isolated."""
    for index in range(start, len(gup.pinned)):
        name = gup.pinned[index]
        if index and gup.pinned[index - 1] == name:
            continue
        folio = mm.folio(name)
        if folio_is_longterm_pinnable(folio):
            continue
        gup = replace(gup, index=index, collected=gup.collected + 1)
        drained = _drain_trigger(mm, cpu, folio, gup)
        if isinstance(drained, Suspended):
            return replace(drained, cont=replace(gup, at="collect", drained=2))
        gup = _isolate(mm, replace(gup, drained=drained))
    return _check(mm, cpu, gup)


def _isolate(mm: MM, gup: GupLongterm) -> GupLongterm:
    """The end of collect's visit of entry ``gup.index``: folio_isolate_lru()."""
    name = gup.pinned[gup.index]
    if folio_isolate_lru(mm, mm.folio(name), "gup"):
        return replace(gup, movable=gup.movable + (name,))
    return replace(gup, isolation_errors=gup.isolation_errors + 1)


def _drain_trigger(mm: MM, cpu: int, folio: Folio, gup: GupLongterm) -> int | Suspended:
    """The variant's test for draining the LRU caches before isolating
    ``folio``; returns the new ``drained`` level (0 none, 1 local, 2 all),
    or where it stopped in lru_add_drain_all()."""
    trigger = mm.variant.gup_drain_trigger
    f = folio.name
    drained = gup.drained
    if trigger.startswith("refcount"):
        return _refcount_trigger(mm, cpu, folio, drained, _expected(mm, folio, gup),
                                 two_level=trigger == "refcount_2level")
    if drained:
        return drained
    if not folio.lru:
        reason = "PG_lru clear"
    elif trigger in ("lru_or_mlocked", "lru_or_mlocked_evictable") and folio.mlocked and (
            trigger == "lru_or_mlocked" or not folio.unevictable):
        reason = "PG_mlocked set" + (" and not unevictable" if trigger != "lru_or_mlocked" else "")
    else:
        mm.log("{folio}: PG_lru set{note} — no drain", "collect_longterm_unpinnable_folios", f,
               note=_mlock_note(trigger, folio))
        return drained
    mm.log("{folio}: {reason} → lru_add_drain_all()", "collect_longterm_unpinnable_folios", f,
           reason=reason)
    return _drain_all(mm, cpu)


def _drain_all(mm: MM, cpu: int) -> int | Suspended:
    """collect's lru_add_drain_all(), one level deeper than the trigger."""
    mm.depth = COLLECT_DEPTH + 1
    mm.log("{func}() from cpu{cpu}", "lru_add_drain_all", cpu=cpu)
    mm.depth += 1
    stopped = drain_all_wait(mm, cpu, "gup_longterm", None)
    mm.depth = COLLECT_DEPTH
    return 2 if stopped is None else stopped


def _mlock_note(trigger: str, folio: Folio) -> str:
    if trigger == "lru" or not folio.mlocked:
        return ""
    return ", PG_mlocked set but PG_unevictable set too"


def _expected(mm: MM, folio: Folio, gup: GupLongterm) -> int:
    """What the refcount triggers expect (``gup_expected_refs``): v6.17's
    folio_expected_ref_count() + 1, which counts one reference for GUP's
    pins however many it holds (1024 per pin of a small folio, one per page
    of a large one), or the later fix's + the references this call's pins
    hold."""
    if mm.variant.gup_expected_refs == "plus_one":
        return folio.expected_ref_count() + 1
    grabs = gup.grabbed.count(folio.name)
    return folio.expected_ref_count() + grabs * (folio.nr_pages if folio.large else GUP_PIN_COUNTING_BIAS)


def _refcount_trigger(mm: MM, cpu: int, folio: Folio, drained: int, want: int,
                      two_level: bool) -> int | Suspended:
    """v6.17 (a09a8a1fbb37, 98c6d259319e): compare the refcount with ``want``
    (folio_expected_ref_count() + 1 - pins not included, so a pinned small
    folio always mismatches: docs/model.md §2, ``gup_drain_trigger``)."""
    f = folio.name
    if mm.variant.gup_skip_large_for_drain and not folio_may_be_lru_cached(mm, folio):
        mm.log("{folio}: large: !folio_may_be_lru_cached() — no drain",
               "collect_longterm_unpinnable_folios", f)
        return drained
    if drained == 0 and two_level and folio.refcount != want:
        with mm.call("{folio}: refcount {refcount} != expected {want} → lru_add_drain(cpu{cpu})",
                     "collect_longterm_unpinnable_folios", f, cpu, refcount=folio.refcount,
                     want=want):
            mm.stats.local_drains += 1
            lru_add_drain(mm, cpu)
        drained = 1
    if drained == (1 if two_level else 0) and folio.refcount != want:
        mm.log("{folio}: refcount {refcount} != expected {want} → lru_add_drain_all()",
               "collect_longterm_unpinnable_folios", f, refcount=folio.refcount, want=want)
        return _drain_all(mm, cpu)
    if drained < 2:
        mm.log("{folio}: refcount {refcount} == expected {want} — no drain",
               "collect_longterm_unpinnable_folios", f, refcount=folio.refcount, want=want)
    return drained


def _must_migrate(mm: MM, gup: GupLongterm) -> bool:
    """check_and_migrate_movable_pages{,_or_folios}()'s verdict on what
    collect found, by the variant's ``gup_retry_style``."""
    style = mm.variant.gup_retry_style
    if style == "v518_zero_means_retry":
        return bool(gup.movable or gup.isolation_errors)
    if style == "collected_count":
        return gup.collected != 0
    return bool(gup.movable)  # list_empty_means_success, 1aaf8c122918


def _check(mm: MM, cpu: int, gup: GupLongterm) -> str | Suspended:
    """After collect: keep the pins, or stop before migrating (Y2)."""
    mm.depth = GUP_ATTEMPT_DEPTH + 1
    if not _must_migrate(mm, gup):
        why = ("nothing to migrate" if not gup.collected
               else f"{gup.collected} unpinnable but none isolated: pinned where it is (1aaf8c122918)")
        mm.log("check_and_migrate: {why} — pins kept", "check_and_migrate_movable_folios",
               cpu=cpu, why=why)
        return "ok"
    # keep only what migration needs, so that equal continuations compare equal
    gup = replace(gup, at="migrate", pinned=(), index=0, drained=0, collected=0,
                  isolation_errors=0)
    return Suspended("gup_longterm", gup, mm.depth, "yield", (),
                     "between collect_longterm_unpinnable_folios() and migration")


def _migrate(mm: MM, cpu: int, gup: GupLongterm) -> str | Suspended:
    """migrate_longterm_unpinnable_folios(), then -ENOMEM, or -EAGAIN and
    another attempt after a yield (Y3), or LIVELOCK after MAX_GUP_ATTEMPTS."""
    rc = migrate_longterm_unpinnable_folios(mm, cpu, [mm.folio(n) for n in gup.movable],
                                            [mm.page(n) for n in gup.grabbed])
    if rc != "EAGAIN":
        return rc
    if gup.attempt == MAX_GUP_ATTEMPTS:
        mm.depth = GUP_ATTEMPT_DEPTH
        mm.log("{func}: still -EAGAIN after {n} attempts: the kernel would retry for ever",
               "__gup_longterm_locked", cpu=cpu, n=MAX_GUP_ATTEMPTS)
        return "LIVELOCK"
    gup = GupLongterm(gup.folios, gup.touch, gup.write, attempt=gup.attempt)
    return Suspended("gup_longterm", gup, GUP_ATTEMPT_DEPTH,
                     "yield", (), "between attempts (-EAGAIN)")


def migrate_longterm_unpinnable_folios(mm: MM, cpu: int, movable: list[Folio],
                                       grabbed: list[Folio]) -> str:
    """migrate_longterm_unpinnable_folios(): drop every pin, migrate what was
    isolated; any failure is -ENOMEM (Will Deacon asked for -EAGAIN; KVM kills
    the VM on -ENOMEM).  Otherwise -EAGAIN: pin again from the start."""
    with mm.call("migrate_longterm_unpinnable_folios", "migrate_longterm_unpinnable_folios",
                 cpu=cpu):
        for folio in grabbed:
            unpin_folio(mm, folio)
        mm.log("all pins dropped", "unpin_folio", cpu=cpu)
        failed = migrate_pages(mm, cpu, movable) if movable else []
        for folio in failed:
            folio_putback_lru(mm, cpu, folio)
    if failed:
        mm.log("migrate_pages: {n} folio(s) not migrated → -ENOMEM", "migrate_pages", cpu=cpu,
               n=len(failed))
        return "ENOMEM"
    mm.log("-EAGAIN: pin again", "migrate_longterm_unpinnable_folios", cpu=cpu)
    return "EAGAIN"


# --- __mm_populate(): mlock(2)'s second half --------------------------------------


@dataclass(frozen=True)
class Populate:
    """A do_mlock() between mlock_fixup() and __mm_populate(): the folios its
    range maps, by name (page tables are walked again: a migrated folio is
    found at its new place)."""

    folios: tuple[str, ...]
    partial: bool


def mm_populate_later(mm: MM, folios: list[Folio], partial: bool) -> Suspended:
    """do_mlock() drops mmap_lock after mlock_fixup(): other CPUs may run
    before __mm_populate() takes it again for read."""
    return Suspended("sys_mlock", Populate(tuple(f.name for f in folios), partial), mm.depth,
                     "yield", (), "between mlock_fixup() and __mm_populate() (mmap_lock dropped)")


def mm_populate_resume(mm: MM, cpu: int, stopped: Suspended) -> None:
    """Continue a do_mlock() that ``stopped`` before __mm_populate()."""
    todo = stopped.cont
    assert isinstance(todo, Populate)
    __mm_populate(mm, cpu, todo)


def __mm_populate(mm: MM, cpu: int, todo: Populate) -> None:
    """__mm_populate() -> populate_vma_page_range(): unless VM_LOCKONFAULT
    (mlock2(MLOCK_ONFAULT) does not come here), __get_user_pages() with
    FOLL_TOUCH and no pages array walks the range, follow_page_pte() calls
    folio_mark_accessed() for each PTE-mapped page, then lru_add_drain().
    A PMD mapping is only made young (touch_pmd()).  FOLL_WRITE (a private
    writable vma) would dirty a clean folio: the model has no vma
    permissions and leaves PG_dirty alone."""
    with mm.call("{func}(cpu{cpu}): populate_vma_page_range(FOLL_TOUCH)", "__mm_populate", cpu=cpu):
        for name in todo.folios:
            populate_folio(mm, cpu, name, todo.partial)
        lru_add_drain(mm, cpu)


def populate_folio(mm: MM, cpu: int, name: str, partial: bool) -> None:
    """follow_page_pte(FOLL_TOUCH) on each page of folio ``name`` that the
    range maps.  When the range or the vma covers only part of it
    (``partial``, ``vma_maps=part``) the model takes one page, the least."""
    folio = mm.page(name)
    while folio.freed and folio.name in mm.state.successor:     # migrated meanwhile
        folio = mm.page(mm.state.successor[folio.name])
    if folio.freed or not folio.mapcount:
        mm.log("follow_page_mask: {folio} is no longer mapped here — not touched",
               "follow_page_mask", folio.name)
        return
    if folio.vma_maps == "pmd":
        mm.log("follow_huge_pmd: {folio} is PMD-mapped: touch_pmd() only", "follow_huge_pmd", folio.name)
        return
    for _ in range(1 if partial or folio.vma_maps == "part" else folio.nr_pages):
        folio_mark_accessed(mm, cpu, folio)
