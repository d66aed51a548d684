"""mm/gup.c and mm/migrate.c beyond the thread's bugs (scenarios/b*): retry styles, FOLL_TOUCH,
migration pass structure, the drain after a move, large folios, pinnable
folios, several folios per call, and "freed from under us"
(docs/model.md §1 "FOLL_LONGTERM pinning", findings Q7, Q8)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from folioscope.mm import Machine, get_variant
from folioscope.mm.context import MM
from folioscope.mm.migrate import migrate_pages
from mmtest import ALL, A, BIAS, D, GROUP, batch, count_events, do, f, held, machine, pending, \
    run, where

HEAD_DRAIN = ("hugh-suggestion", "hugh-portmanteau")


def custom(base: str, **switches) -> Machine:
    """A machine for ``base`` with some switches changed, to isolate one switch."""
    return Machine(replace(get_variant(base), name=f"{base}*", **switches), 2, check=True)


# --- pinnable folios: nothing to collect -------------------------------------------

@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("attrs", [{}, {"nolru": True}, {"order": 2, "mapped": 4}])
def test_pinnable_folio_is_pinned_in_place(variant, attrs):
    m = machine(variant)
    m.declare("F", "anon", **attrs)
    large = attrs.get("order", 0) > 0
    before = f(m, "F").refcount
    where_before = where(m, "F")
    assert do(m, "cpu0 gup_longterm F").result == "ok"
    pins = 4 if large else BIAS
    assert f(m, "F").refcount == before + pins
    assert f(m, "F").pins == (4 if large else 1)
    assert where(m, "F") == where_before and "F'" not in m.state.folios
    s = m.state.stats
    assert (s.gup_attempts, s.drain_all_calls) == (1, 0)
    assert s.local_drains == (1 if variant in HEAD_DRAIN else 0)   # head drain is unconditional


# --- retry styles (docs/model.md §2, gup_retry_style) ----------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_user_isolated_folio_livelocks_or_pins_in_place(variant):
    """A folio someone else holds isolated cannot be isolated by collect:
    v5.18 (isolation error => rc 0) and collected_count retry for ever;
    1aaf8c122918 (v6.14) returns success with the folio pinned in ZONE_MOVABLE."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    run(m, "cpu1 isolate F")
    out = do(m, "cpu0 gup_longterm F")
    if variant == "v6.14":
        assert out.result == "ok"
        assert held(m, "F") == {"map": 1, "isolated (user)": 1, "pin": BIAS}
        assert m.state.stats.gup_attempts == 1
    else:
        assert out.result == "LIVELOCK"
        assert held(m, "F") == {"map": 1, "isolated (user)": 1}
        assert m.state.stats.gup_attempts == 8


@pytest.mark.parametrize("variant", ALL)
def test_retry_styles_with_one_isolatable_and_one_not(variant):
    """F migrates on the first attempt; N (never on an LRU) can never be
    isolated.  v5.18 (isolation error => 0 => retry) and collected_count
    (collected > 0 => -EAGAIN) retry for ever; list_empty_means_success
    returns success on the second attempt, with N pinned in ZONE_MOVABLE."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    m.declare("N", "anon", zone="movable", nolru=True)
    out = do(m, "cpu0 gup_longterm F N")
    assert f(m, "F").freed and "F'" in m.state.folios        # migrated on attempt 1
    if variant == "v6.14":
        assert out.result == "ok" and m.state.stats.gup_attempts == 2
        assert f(m, "N").pins == 1 and f(m, "F'").pins == 1
    else:
        assert out.result == "LIVELOCK" and m.state.stats.gup_attempts == 8
        assert f(m, "N").pins == 0 and f(m, "F'").pins == 0
        assert held(m, "N") == {"map": 1}


@pytest.mark.parametrize("variant", ALL)
def test_partial_migration_failure_is_enomem(variant):
    """F migrates, G cannot (a get of the caller's): -ENOMEM, no pins kept,
    F' stays migrated, G is put back on the pinning CPU."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    m.declare("G", "anon", zone="movable")
    run(m, "cpu1 get G")
    out = do(m, "cpu0 gup_longterm F G")
    assert out.result == "ENOMEM"
    assert f(m, "F").freed and f(m, "F'").pins == 0
    assert held(m, "G") == {"map": 1, "get": 1, "cpu0 lru_add": 1}
    assert not f(m, "G").isolated_by and f(m, "G").pins == 0


@pytest.mark.parametrize("variant", ALL)
def test_gup_attempts_is_per_call(variant):
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    m.declare("G", "anon")
    run(m, "cpu0 gup_longterm F")
    assert m.state.stats.gup_attempts == 2
    run(m, "cpu0 gup_longterm G")
    assert m.state.stats.gup_attempts == 1


@pytest.mark.parametrize("variant", ALL)
def test_enomem_drops_every_pin(variant):
    """Every failure is -ENOMEM and no pin is kept, the pinnable folios' included."""
    m = machine(variant)
    m.declare("G", "anon")
    m.declare("F", "anon", zone="movable")
    run(m, "cpu1 mlock F")                            # a stale entry on another CPU
    out = do(m, "cpu0 gup_longterm G F")
    if GROUP[variant] == "a" or variant in ("v6.11", "v6.14"):
        assert out.result == "ENOMEM"
        assert f(m, "G").pins == 0 and held(m, "G") == {"map": 1}
        assert held(m, "F") == {"map": 1, "cpu1 mlock (lru)": 1, "cpu0 lru_add": 1}
    else:
        # will-v1: PG_mlocked; hugh-suggestion: mlocked && !unevictable (not yet
        # processed, so still evictable); d: refcount.  All drain cpu1.
        assert out.result == "ok"
        assert f(m, "G").pins == 1 and f(m, "F'").pins == 1
        assert m.state.stats.drain_all_work[0] == (1,)


# --- FOLL_TOUCH (mm/gup.c follow_page_pte()) --------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_touch_queues_activate_on_pinning_cpu(variant):
    """folio_mark_accessed() after the pin: in a the lru_activate entry on the
    pinning CPU keeps PG_lru set, so no drain, and defeats the migration."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable", referenced=True)
    out = do(m, "cpu0 gup_longterm F touch")
    s = m.state.stats
    group = GROUP[variant]
    if group == "a":
        assert out.result == "ENOMEM"
        assert held(m, "F") == {"map": 1, "cpu0 lru_activate": 1, "cpu0 lru_add": 1}
        assert not f(m, "F").referenced and s.drain_all_calls == 0
        run(m, "cpu0 drain")                     # lru_add first, then the activation applies
        assert where(m, "F") == ("active_anon", "head", True) and held(m, "F") == {"map": 1}
        return
    assert out.result == "ok"
    N = f(m, "F'")
    # F was activated before migrating (PG_active copied); the second
    # attempt's touch sets PG_referenced on F' (F's was cleared)
    assert N.active and N.referenced and N.pins == 1
    on_lru = variant in HEAD_DRAIN
    assert N.lru == on_lru
    assert held(m, "F'") == ({"map": 1, "pin": BIAS} if on_lru
                             else {"map": 1, "pin": BIAS, "cpu0 lru_add": 1})
    if variant == "hugh-suggestion":
        # the head drain ran the activation, PG_lru is set again: no drain_all
        assert (s.drain_all_calls, s.local_drains) == (0, 2)
    elif group == "b":
        assert (s.drain_all_calls, s.drain_all_work, s.local_drains) == (1, ((0,),), 0)
    else:
        assert s.drain_all_calls == 1 and s.drain_all_work == ((),)
        assert s.local_drains == {"v6.17": 1, "v6.18": 2, "hugh-portmanteau": 2}[variant]


@pytest.mark.parametrize("variant", A)
def test_touch_without_referenced_only_sets_referenced(variant):
    """The first touch only sets PG_referenced, so a migrates; the second
    attempt's touch of F' then activates it (folio_mark_accessed(), findings Q5): v6.9's F' sits in the
    local lru_add, so __lru_cache_activate_folio sets PG_active; v5.18's F'
    was drained (PAGE_WAS_MAPPED), so folio_activate queues it."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    assert do(m, "cpu0 gup_longterm F touch").result == "ok"
    N = f(m, "F'")
    assert not N.referenced
    if variant == "v6.9":
        assert N.active and not N.lru
        assert held(m, "F'") == {"map": 1, "pin": BIAS, "cpu0 lru_add": 1}
    else:
        assert not N.active and where(m, "F'") == ("inactive_anon", "head", True)
        assert held(m, "F'") == {"map": 1, "pin": BIAS, "cpu0 lru_activate": 1}


@pytest.mark.parametrize("variant", ALL)
def test_touch_write_marks_dirty(variant):
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    m.declare("G", "anon")
    m.declare("K", "anon")
    run(m, "cpu0 gup_longterm G touch write", "cpu0 gup_longterm K write")
    assert f(m, "G").dirty and f(m, "G").referenced
    assert not f(m, "K").dirty                           # FOLL_WRITE alone does not dirty
    run(m, "cpu0 gup_longterm F write")                  # but migration does: the anon pte is dirty
    assert f(m, "F'").dirty                              # (try_to_migrate_one: folio_mark_dirty)
    m.declare("S", "shmem", zone="movable", mapped=1)
    run(m, "cpu0 gup_longterm S write")
    assert not f(m, "S'").dirty                          # a shmem pte the model never wrote is clean
    m.declare("H", "shmem", zone="movable", mapped=1)
    run(m, "cpu0 gup_longterm H touch write")
    assert f(m, "H'").dirty                              # dirtied by FOLL_TOUCH|FOLL_WRITE, copied to H'


# --- migration pass structure (docs/model.md §2, migrate_passes) --------------------------

@pytest.mark.parametrize("base", ["v5.18", "v6.11"])
def test_migrate_passes_change_unmap_count_not_final_state(base):
    """B2's failure with 10x (ten unmap/remap cycles) and async3_sync7 (two):
    the munlock/mlock entries and local mlock drains differ, the end state
    does not."""
    results = {}
    for passes in ("10x", "async3_sync7"):
        m = custom(base, migrate_passes=passes)
        m.declare("F", "shmem", new=True, zone="movable")
        run(m, "cpu1 add_lru F", "cpu1 map F locked", "cpu1 flush lru_add")
        out = do(m, "cpu0 gup_longterm F")
        assert out.result == "ENOMEM"
        results[passes] = (m.state, count_events(out, "munlock_folio(F)"),
                           count_events(out, "mlock_folio(F)"),
                           count_events(out, "mlock_drain_local(cpu0)"))
    s10, mun10, ml10, dr10 = results["10x"]
    s37, mun37, ml37, dr37 = results["async3_sync7"]
    assert (mun10, ml10, dr10) == (10, 10, 20)
    assert (mun37, ml37, dr37) == (2, 2, 4)
    assert s10 == s37


@pytest.mark.parametrize("variant", ALL)
def test_migrate_passes_switch_per_variant(variant):
    m = machine(variant)
    m.declare("F", "shmem", new=True, zone="movable")
    run(m, "cpu1 add_lru F", "cpu1 map F locked", "cpu1 flush lru_add", "cpu0 get F")
    out = do(m, "cpu0 gup_longterm F")                 # the get defeats every variant
    assert out.result == "ENOMEM"
    assert count_events(out, "munlock_folio(F)") == (10 if variant == "v5.18" else 2)


# --- the drain after a successful move (docs/model.md §2, migrate_drain_after_move) -------

@pytest.mark.parametrize("policy", ["if_mapped", "if_mlocked"])
def test_drain_after_move_mapped_not_mlocked(policy):
    m = custom("v6.9", migrate_drain_after_move=policy)
    m.declare("F", "anon", zone="movable", active=True)
    assert do(m, "cpu0 gup_longterm F").result == "ok"
    if policy == "if_mapped":
        assert where(m, "F'") == ("active_anon", "head", True)
        assert held(m, "F'") == {"map": 1, "pin": BIAS}
    else:
        assert where(m, "F'") == (None, None, False) and batch(m, 0, "lru_add") == ["F'"]
        assert held(m, "F'") == {"map": 1, "pin": BIAS, "cpu0 lru_add": 1}


@pytest.mark.parametrize("policy", ["if_mapped", "if_mlocked"])
def test_drain_after_move_mapped_and_mlocked(policy):
    """Both policies drain: lru_add() puts F' (PG_unevictable copied, not
    mlocked) on an evictable list, then the VM_LOCKED remap mlocks it onto
    the unevictable list with mlock_count 1.  (A folio GUP returns is always
    mapped, so PAGE_WAS_MLOCKED without PAGE_WAS_MAPPED does not arise here.)"""
    m = custom("v6.9", migrate_drain_after_move=policy)
    m.declare("F", "file", zone="movable", locked=1)
    assert do(m, "cpu0 gup_longterm F").result == "ok"
    N = f(m, "F'")
    assert (N.list, N.lru, N.unevictable, N.mlocked, N.mlock_count) == \
        ("unevictable", True, True, True, 1)
    assert held(m, "F'") == {"page cache": 1, "map (VM_LOCKED)": 1, "pin": BIAS}
    assert not pending(m)


@pytest.mark.parametrize("variant", ALL)
def test_new_folio_flags_copied(variant):
    """folio_migrate_flags(): referenced, dirty, swapbacked; PG_active if
    set, else PG_unevictable; never PG_mlocked (findings Q7e)."""
    m = machine(variant)
    m.declare("F", "file", zone="movable", mapped=1, active=True, referenced=True, dirty=True,
              private=True)
    assert do(m, "cpu0 gup_longterm F").result == "ok"
    N = f(m, "F'")
    assert (N.active, N.referenced, N.dirty, N.swapbacked, N.unevictable, N.mlocked) == \
        (True, True, True, False, False, False)
    assert N.kind == "file" and N.order == 0 and N.private
    h = held(m, "F'")
    assert {k: v for k, v in h.items() if k != "cpu0 lru_add"} == \
        {"page cache": 1, "private": 1, "map": 1, "pin": BIAS}
    assert f(m, "F").freed and not f(m, "F").private


@pytest.mark.parametrize("variant", ALL)
def test_new_folio_keeps_pg_readahead_which_is_pg_reclaim(variant):
    """folio_migrate_flags() copies PG_readahead, the bit PG_reclaim shares
    (include/linux/page-flags.h), after folio_end_writeback(): a folio that
    lru_deactivate_file() marked for reclaim keeps the bit on its new copy."""
    m = machine(variant)
    m.declare("F", "file", zone="movable", active=True, dirty=True)
    run(m, "cpu1 deactivate_file F", "cpu1 drain")
    assert f(m, "F").reclaim and f(m, "F").list == "inactive_file"
    assert do(m, "cpu0 gup_longterm F").result == "ok"
    assert f(m, "F'").reclaim and f(m, "F'").dirty


# --- a successful move's drain releases a later folio's stale reference -----------------

@pytest.mark.parametrize("variant", A)
def test_move_drain_frees_stale_ref_of_later_folio(variant):
    """migrate_pages_batch() (findings Q7 (f)): F (mlocked, or mapped in v5.18) moves first and its
    lru_add_drain() flushes cpu0's lru_activate entry of G, so G migrates
    too; G alone fails."""
    for names, result in (("F G", "ok"), ("G F", "ok"), ("G", "ENOMEM")):
        m = machine(variant)
        m.declare("F", "anon", zone="movable", locked=1)
        m.declare("G", "anon", zone="movable", referenced=True)
        run(m, "cpu0 mark_accessed G")
        assert held(m, "G") == {"map": 1, "cpu0 lru_activate": 1}
        out = do(m, f"cpu0 gup_longterm {names}")
        assert out.result == result, names
        if result == "ok":
            assert f(m, "G").freed and f(m, "G'").pins == 1
            assert f(m, "F'").list == "unevictable" and f(m, "F'").mlock_count == 1


# --- several folios per call ---------------------------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_pinnable_and_unpinnable_together(variant):
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    m.declare("G", "file", mapped=1)
    assert do(m, "cpu0 gup_longterm F G").result == "ok"
    assert held(m, "G") == {"page cache": 1, "map": 1, "pin": BIAS}
    assert f(m, "F'").pins == 1 and f(m, "F").freed
    assert m.state.stats.gup_attempts == 2


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("names,pins", [("F F", 2), ("F G F", 2), ("F F F", 3)])
def test_duplicates(variant, names, pins):
    """Consecutive duplicates are visited once by collect (one trigger, one
    isolation); every pin is still taken and dropped."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    m.declare("G", "anon")
    out = do(m, f"cpu0 gup_longterm {names}")
    assert out.result == "ok"
    N = f(m, "F'")
    assert N.pins == pins
    assert held(m, "F'")["pin"] == pins * BIAS
    if "G" in names:
        assert f(m, "G").pins == 1
    isolations = count_events(out, "folio_isolate_lru(F)")
    # F F / F F F: one visit; F G F: the second visit fails (already isolated)
    assert isolations == (2 if names == "F G F" else 1)
    if GROUP[variant] == "d" and variant != "hugh-portmanteau":
        assert m.state.stats.drain_all_calls == 1


# --- large folios (findings §B2, §B3) ------------------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_large_folio_longterm_pin(variant):
    """v6.17/v6.18 skip large folios in the refcount trigger
    (folio_may_be_lru_cached); the portmanteau and the older triggers do not
    look at the size.  L' is never left in a batch."""
    m = machine(variant, 3)
    m.declare("L", "anon", order=2, mapped=4, zone="movable")
    m.declare("G", "file")
    run(m, "cpu1 activate G")
    out = do(m, "cpu0 gup_longterm L")
    assert out.result == "ok"
    N = f(m, "L'")
    assert (N.order, N.zone, N.pins) == (2, "normal", 4)
    assert where(m, "L'") == ("inactive_anon", "head", True)
    assert held(m, "L'") == {"map": 4, "pin": 4}
    assert f(m, "L").freed
    s = m.state.stats
    if variant == "hugh-portmanteau":
        assert (s.drain_all_calls, s.drain_all_work, s.local_drains) == (1, ((1,),), 2)
    else:
        assert s.drain_all_calls == 0 and batch(m, 1, "lru_activate") == ["G"]
        assert s.local_drains == (2 if variant == "hugh-suggestion" else 0)


@pytest.mark.parametrize("variant", ALL)
def test_large_folio_touch(variant):
    """One folio_mark_accessed() per pinned page: with FOLL_TOUCH a 4-page
    folio is referenced, activated (flushed at once: large), referenced again."""
    m = machine(variant)
    m.declare("L", "anon", order=2, mapped=4)
    assert do(m, "cpu0 gup_longterm L touch").result == "ok"
    assert where(m, "L") == ("active_anon", "head", True)
    assert f(m, "L").referenced and not pending(m)
    assert held(m, "L") == {"map": 4, "pin": 4}


# --- drain triggers (docs/model.md §2, gup_drain_trigger) -------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_trigger_with_stale_mlock_entry_not_yet_processed(variant):
    """F mlocked on cpu1 but not yet processed (still evictable, on the
    inactive list): Hugh's suggestion catches this one, unlike B2."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    run(m, "cpu1 mlock F")
    out = do(m, "cpu0 gup_longterm F")
    if variant in A + ("v6.11", "v6.14"):
        assert out.result == "ENOMEM"
        assert m.state.stats.drain_all_calls == 0
    else:
        assert out.result == "ok"
        assert m.state.stats.drain_all_work == ((1,),)
        assert not f(m, "F'").mlocked                 # no VM_LOCKED map to mlock it again


@pytest.mark.parametrize("variant", D)
def test_refcount_trigger_local_drain_is_enough_for_nothing(variant):
    """0.3.5: pins are not in the expected count, so after the local drain
    the small folio still mismatches and drain_all runs anyway."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable", referenced=True)
    run(m, "cpu0 mark_accessed F")                      # only a local entry
    assert do(m, "cpu0 gup_longterm F").result == "ok"
    s = m.state.stats
    assert s.drain_all_calls == 1 and s.drain_all_work == ((),)


# --- "freed from under us" (findings Q7g) -------------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_migrate_folio_freed_from_under_us(variant):
    """Only the isolation reference left when migration starts: success, no
    new folio, the old one freed (v5.18 unmap_and_move, 6.x migrate_folio_unmap).
    Not reachable from gup_longterm (the pins keep the folio alive until
    just before migrating), so migrate_pages is called directly."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    run(m, "cpu0 get F", "cpu0 isolate F", "cpu0 unmap F", "cpu0 put F")
    assert held(m, "F") == {"isolated (user)": 1}
    mm = MM(m.state, m.variant)
    failed = migrate_pages(mm, 0, [f(m, "F")])
    assert failed == []
    assert f(m, "F").freed and f(m, "F").refcount == 0 and "F'" not in m.state.folios
    m.assert_invariants("migrate_pages")


@pytest.mark.parametrize("variant", ALL)
def test_cma_folio_is_migrated_to_normal(variant):
    """folio_is_longterm_pinnable() (include/linux/mm.h): a MIGRATE_CMA pageblock
    is not longterm-pinnable either."""
    m = machine(variant)
    m.declare("F", "file", zone="cma", mapped=1)
    assert do(m, "cpu0 gup_longterm F").result == "ok"
    assert f(m, "F").freed and f(m, "F'").zone == "normal" and f(m, "F'").pins == 1
    h = held(m, "F'")
    assert h.pop("cpu0 lru_add", 0) == (0 if variant in ("v5.18",) + HEAD_DRAIN else 1)
    assert h == {"page cache": 1, "map": 1, "pin": BIAS}
