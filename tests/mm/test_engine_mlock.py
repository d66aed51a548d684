"""mm/mlock.c and the rmap hooks: mlock_folio / mlock_new_folio /
munlock_folio, their batch processing (__mlock_folio, __mlock_new_folio,
__munlock_folio), the syscalls' drains, map/unmap in VM_LOCKED vmas
(docs/model.md §1, findings Q6, Q9)."""

from __future__ import annotations

import pytest

from mmtest import ALL, GROUP, assert_bug_leaves_state, batch, f, held, machine, pending, run, \
    where


def unevictable_state(m, name):
    F = f(m, name)
    return F.list, F.lru, F.unevictable, F.mlocked, F.mlock_count


# --- producers -----------------------------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_mlock_folio_sets_mlocked_and_queues_without_touching_lru(variant):
    """No variant touches PG_lru at mlock-batch add time (findings Q6: mlock_folio()
    only test-and-sets PG_mlocked)."""
    m = machine(variant)
    m.declare("F", "anon", active=True)
    run(m, "cpu1 mlock F")
    F = f(m, "F")
    assert F.mlocked and F.lru and not F.unevictable and F.list == "active_anon"
    assert batch(m, 1, "mlock") == [("F", "lru")]
    assert held(m, "F") == {"map": 1, "cpu1 mlock (lru)": 1}


@pytest.mark.parametrize("variant", ALL)
def test_munlock_folio_leaves_mlocked_to_the_flush(variant):
    m = machine(variant)
    m.declare("F", "anon", locked=1)
    run(m, "cpu0 munlock F")
    assert f(m, "F").mlocked and f(m, "F").mlock_count == 1
    assert batch(m, 0, "mlock") == [("F", "munlock")]
    assert held(m, "F") == {"map (VM_LOCKED)": 1, "cpu0 mlock (munlock)": 1}


@pytest.mark.parametrize("variant", ALL)
def test_mlock_new_folio(variant):
    m = machine(variant)
    m.declare("F", "anon", new=True, locked=1)
    assert not f(m, "F").mlocked and f(m, "F").list is None
    run(m, "cpu0 mlock_new F")
    assert f(m, "F").mlocked and batch(m, 0, "mlock") == [("F", "new")]
    assert held(m, "F") == {"map (VM_LOCKED)": 1, "cpu0 mlock (new)": 1}
    run(m, "cpu0 drain")
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 1)
    assert f(m, "F").refcount == 1 and f(m, "F").pos is None


@pytest.mark.parametrize("variant", ALL)
def test_mlock_new_folio_munlocked_before_processing_goes_evictable(variant):
    """__mlock_new_folio: 'a little surprising, but possible': PG_mlocked
    already cleared (munlock processed first, on another CPU, with PG_lru
    clear): the folio is added to an evictable list."""
    m = machine(variant)
    m.declare("F", "anon", new=True, locked=1)
    run(m, "cpu0 mlock_new F", "cpu1 munlock F", "cpu1 drain")
    assert not f(m, "F").mlocked and f(m, "F").list is None
    run(m, "cpu0 drain")
    assert where(m, "F") == ("inactive_anon", "head", True)
    assert not f(m, "F").unevictable and f(m, "F").refcount == 1


# --- __mlock_folio ---------------------------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_mlock_one_moves_to_unevictable(variant):
    m = machine(variant)
    m.declare("F", "anon", active=True, referenced=True)
    run(m, "cpu0 mlock F", "cpu0 drain")
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 1)
    assert not f(m, "F").active and f(m, "F").referenced and f(m, "F").pos is None


@pytest.mark.parametrize("variant", ALL)
def test_mlock_one_counts_on_unevictable(variant):
    m = machine(variant)
    m.declare("F", "anon", locked=1)
    run(m, "cpu0 mlock F", "cpu1 mlock F", "cpu0 drain", "cpu1 drain")
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 3)
    assert f(m, "F").refcount == 1


@pytest.mark.parametrize("variant", ALL)
def test_mlock_too_late_when_isolated(variant):
    """PG_lru clear at processing time: no mlock_count, no move ("too late")."""
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu1 isolate F", "cpu0 mlock F", "cpu0 drain")
    F = f(m, "F")
    assert F.mlocked and not F.unevictable and F.list is None and F.isolated_by
    assert F.refcount == 2
    run(m, "cpu1 putback F", "cpu1 drain")                 # lru_add: mlocked -> unevictable, 0
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 0)


@pytest.mark.parametrize("variant", ALL)
def test_mlock_too_late_in_other_cpus_lru_add(variant):
    m = machine(variant)
    m.declare("F", "anon", new=True)
    run(m, "cpu1 add_lru F", "cpu0 mlock F", "cpu0 drain")
    assert f(m, "F").mlocked and f(m, "F").list is None and f(m, "F").refcount == 2
    run(m, "cpu1 drain")
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 0)
    assert f(m, "F").refcount == 1


# --- __munlock_folio ---------------------------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_munlock_one_decrements_then_rescues(variant):
    m = machine(variant)
    m.declare("F", "anon", locked=2)
    run(m, "cpu0 munlock F", "cpu0 drain")
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 1)
    run(m, "cpu1 munlock F", "cpu1 drain")
    assert where(m, "F") == ("inactive_anon", "head", True)
    assert not f(m, "F").mlocked and not f(m, "F").unevictable
    assert f(m, "F").refcount == 2


@pytest.mark.parametrize("variant", ALL)
def test_munlock_one_with_count_0_clears_at_once(variant):
    """mlock_count 0 (lru_add's undercount): the first munlock clears PG_mlocked."""
    m = machine(variant)
    m.declare("F", "anon", new=True, locked=1)
    run(m, "cpu0 add_lru F", "cpu0 mlock F", "cpu0 flush lru_add")
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 0)
    run(m, "cpu0 munlock F")                              # behind the mlock entry in the batch
    run(m, "cpu0 flush mlock")                            # mlock: count 1; munlock: count 0
    assert where(m, "F") == ("inactive_anon", "head", True) and not f(m, "F").mlocked


@pytest.mark.parametrize("variant", ALL)
def test_munlock_too_soon_when_isolated(variant):
    """PG_lru clear at processing time: PG_mlocked cleared whatever mlock_count."""
    m = machine(variant)
    m.declare("F", "anon", locked=3)
    run(m, "cpu1 isolate F", "cpu0 munlock F", "cpu0 drain")
    F = f(m, "F")
    assert not F.mlocked and F.unevictable and F.list is None   # flag left for lru_add
    run(m, "cpu1 putback F", "cpu1 drain")
    assert where(m, "F") == ("inactive_anon", "head", True) and not f(m, "F").unevictable


@pytest.mark.parametrize("variant", ALL)
def test_munlock_of_mlocked_folio_not_yet_unevictable(variant):
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu0 mlock F", "cpu1 munlock F", "cpu1 drain")
    assert not f(m, "F").mlocked and f(m, "F").list == "inactive_anon"
    run(m, "cpu0 drain")                                  # __mlock_folio finds it evictable
    assert where(m, "F") == ("inactive_anon", "head", True)
    assert not f(m, "F").unevictable and f(m, "F").refcount == 1


@pytest.mark.parametrize("variant", ALL)
def test_mlock_batch_processed_in_order(variant):
    m = machine(variant)
    m.declare("F", "anon", locked=1)
    run(m, "cpu0 munlock F", "cpu0 mlock F", "cpu0 drain")
    # entries run in queue order: the munlock takes mlock_count 1 -> 0, clears
    # PG_mlocked (mlock_folio had set it at add time) and rescues F; the mlock
    # entry then finds F evictable and leaves it there
    assert not f(m, "F").mlocked and f(m, "F").list == "inactive_anon"
    m2 = machine(variant)
    m2.declare("F", "anon", locked=1)
    run(m2, "cpu0 mlock F", "cpu0 munlock F", "cpu0 drain")
    assert unevictable_state(m2, "F") == ("unevictable", True, True, True, 1)


# --- syscalls: drains around the walk (mm/mlock.c mlock_vma_pages_range()) -------

@pytest.mark.parametrize("variant", ALL)
def test_sys_mlock_drains_around_the_walk(variant):
    m = machine(variant)
    m.declare("F", "anon", new=True)
    m.declare("G", "file", mapped=1)
    run(m, "cpu0 add_lru F")
    out = run(m, "cpu0 sys_mlock F G")[0]
    assert not pending(m)
    for name, ref in (("F", 1), ("G", 2)):
        assert unevictable_state(m, name) == ("unevictable", True, True, True, 1)
        assert f(m, name).refcount == ref
    assert (f(m, "F").plain_maps, f(m, "F").locked_maps) == (0, 1)
    assert held(m, "G") == {"page cache": 1, "map (VM_LOCKED)": 1}
    assert m.state.stats.local_drains == 0 and m.state.stats.drain_all_calls == 0
    run(m, "cpu0 sys_munlock F G")
    assert not pending(m)
    for name in "FG":
        assert where(m, name) == ("inactive_anon" if name == "F" else "inactive_file", "head", True)
        assert not f(m, name).mlocked
    assert (f(m, "F").plain_maps, f(m, "F").locked_maps) == (1, 0)


@pytest.mark.parametrize("variant", ALL)
def test_sys_mlock_without_plain_mapping_skips(variant):
    m = machine(variant)
    m.declare("F", "file")
    before = m.snapshot()
    run(m, "cpu0 sys_mlock F")
    assert m.state == before


@pytest.mark.parametrize("variant", ALL)
def test_sys_mlock_of_folio_parked_elsewhere(variant):
    """The syscall drains only its own CPU: a folio in another CPU's
    lru_add is missed (too late) and lru_add later gives mlock_count 0."""
    m = machine(variant)
    m.declare("F", "anon", new=True)
    run(m, "cpu1 add_lru F", "cpu0 sys_mlock F")
    assert f(m, "F").mlocked and f(m, "F").list is None
    run(m, "cpu1 drain")
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 0)


# --- map / unmap (rmap hooks, findings Q9) -------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_map_and_unmap_locked(variant):
    m = machine(variant)
    m.declare("F", "file")
    run(m, "cpu1 map F locked")
    assert held(m, "F") == {"page cache": 1, "map (VM_LOCKED)": 1, "cpu1 mlock (lru)": 1}
    assert f(m, "F").mlocked
    run(m, "cpu1 drain")
    assert unevictable_state(m, "F") == ("unevictable", True, True, True, 1)
    run(m, "cpu0 map F")
    assert held(m, "F") == {"page cache": 1, "map": 1, "map (VM_LOCKED)": 1}
    run(m, "cpu0 unmap F locked")
    assert held(m, "F") == {"page cache": 1, "map": 1, "cpu0 mlock (munlock)": 1}
    assert f(m, "F").mlocked
    run(m, "cpu0 drain")
    assert where(m, "F") == ("inactive_file", "head", True) and not f(m, "F").mlocked
    run(m, "cpu0 unmap F")
    assert held(m, "F") == {"page cache": 1}
    assert_bug_leaves_state(m, "cpu0 unmap F")
    assert_bug_leaves_state(m, "cpu0 unmap F locked")


@pytest.mark.parametrize("variant", ALL)
def test_map_large_folio_locked_does_not_mlock(variant):
    """Findings Q9: rmap mlocks only small folios (6.x; v5.18 skipped
    PTE-mapped THPs).  Removal: 6.x (from about v6.5) munlocks a large folio
    too, and its munlock entry flushes at once; v5.18's munlock_vma_page()
    skipped a PTE-mapped THP."""
    m = machine(variant)
    m.declare("L", "anon", order=2, mapped=4)
    run(m, "cpu0 map L locked")
    assert not f(m, "L").mlocked and not pending(m)
    assert held(m, "L") == {"map": 4, "map (VM_LOCKED)": 1}
    run(m, "cpu0 mlock L")                            # a bare mlock_folio: flushed at once
    assert (f(m, "L").list, f(m, "L").mlock_count) == ("unevictable", 1) and not pending(m)
    run(m, "cpu0 unmap L locked")
    assert not pending(m) and held(m, "L") == {"map": 4}
    L = f(m, "L")
    if variant == "v5.18":
        assert (L.list, L.mlocked, L.mlock_count) == ("unevictable", True, 1)
    else:
        assert (L.list, L.mlocked, L.unevictable) == ("inactive_anon", False, False)


# --- B3 and B4 (mlock form), every variant (scenarios/b3-*, b4-*) ---------------------

@pytest.mark.parametrize("variant", ALL)
def test_b3_mlock_missed_while_parked(variant):
    """B3: Hugh's incompatibility.  b parks F with PG_lru clear, so both
    mlocks are missed and the munlock clears PG_mlocked too soon; a/d keep
    PG_lru and count correctly."""
    m = machine(variant, 4)
    m.declare("F", "anon", mapped=2)
    assert f(m, "F").refcount == 2
    run(m, "cpu0 activate F")
    b = GROUP[variant] == "b"
    F = f(m, "F")
    assert (F.refcount, F.lru, F.list) == (3, not b, "inactive_anon")
    run(m, "cpu1 mlock F")
    assert f(m, "F").refcount == 4 and f(m, "F").mlocked
    run(m, "cpu1 drain")
    F = f(m, "F")
    assert F.refcount == 3 and F.mlocked
    if b:
        assert (F.list, F.unevictable) == ("inactive_anon", False)
    else:
        assert (F.list, F.unevictable, F.mlock_count, F.lru) == ("unevictable", True, 1, True)
    run(m, "cpu2 mlock F")
    assert f(m, "F").refcount == 4
    run(m, "cpu2 drain")
    assert f(m, "F").refcount == 3
    assert f(m, "F").unevictable == (not b)
    if not b:
        assert f(m, "F").mlock_count == 2
    run(m, "cpu3 munlock F")
    assert f(m, "F").refcount == 4
    run(m, "cpu3 drain")
    F = f(m, "F")
    assert F.refcount == 3
    if b:
        assert not F.mlocked                          # munlocked too soon: VMA A still locked
    else:
        assert F.mlocked and F.mlock_count == 1
    run(m, "cpu0 drain")
    F = f(m, "F")
    assert F.refcount == 2 and F.lru and not pending(m)
    if b:
        assert (F.list, F.active, F.mlocked, F.unevictable) == ("active_anon", True, False, False)
    else:
        assert (F.list, F.active, F.mlocked, F.unevictable, F.mlock_count) == \
            ("unevictable", False, True, True, 1)


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("first", [0, 1])
def test_b4_mlock_batch_order_inversion(variant, first):
    """B4, mlock form, every variant: munlock (VMA A) on cpu0 then mlock
    (VMA B) on cpu1.  Draining cpu0 first leaves F munlocked although B is
    locked; draining cpu1 first is correct."""
    m = machine(variant)
    m.declare("F", "anon", locked=1)
    run(m, "cpu0 munlock F", "cpu1 mlock F")
    assert held(m, "F") == {"map (VM_LOCKED)": 1, "cpu0 mlock (munlock)": 1, "cpu1 mlock (lru)": 1}
    run(m, f"cpu{first} drain", f"cpu{1 - first} drain")
    F = f(m, "F")
    assert F.refcount == 1 and F.lru
    if first == 0:
        assert (F.mlocked, F.unevictable, F.list) == (False, False, "inactive_anon")
    else:
        assert (F.mlocked, F.unevictable, F.list, F.mlock_count) == (True, True, "unevictable", 1)
