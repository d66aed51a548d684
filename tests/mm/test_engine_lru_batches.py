"""mm/swap.c: the per-CPU LRU batches, their gates, processing functions,
draining, isolation and references (docs/model.md §1; kernel-findings.md Q3, Q5, Q10, Q11).

Expectations come from mm/swap.c (cited per test) and docs/model.md, per variant group
(mmtest.A / B / D), not from the engine's output."""

from __future__ import annotations

import pytest

from mmtest import (ALL, A, B, BATCH_SIZE, BIAS, D, GROUP, assert_bug_leaves_state, batch, do,
                    f, flags, held, lst, machine, pending, run, where)

# --- gates: the producers of mm/swap.c --------------------------------------------

# Situations a folio can be in when a move request arrives.  Each builds F
# on a 2-CPU machine; "isolated" and "in_lru_add" have PG_lru clear.
SITUATIONS = {
    "anon_inactive": ("anon", {}, []),
    "anon_active": ("anon", {"active": True}, []),
    "file_inactive": ("file", {}, []),
    "file_active": ("file", {"active": True}, []),
    "file_dirty": ("file", {"dirty": True}, []),
    "file_writeback": ("file", {"writeback": True}, []),
    "anon_swapcache": ("anon", {"swapcache": True}, []),
    "shmem": ("shmem", {}, []),
    "unevictable": ("anon", {"locked": 1}, []),
    "anon_isolated": ("anon", {}, ["cpu1 isolate F"]),
    "anon_active_isolated": ("anon", {"active": True}, ["cpu1 isolate F"]),
    "file_isolated": ("file", {}, ["cpu1 isolate F"]),
    "anon_in_lru_add": ("anon", {"new": True}, ["cpu1 add_lru F"]),
}


# Whether each gate queues the folio (True) or refuses it (False), read off
# mm/swap.c, not computed.  Columns are the situations above, in this order:
COLUMNS = ("anon_inactive", "anon_active", "file_inactive", "file_active", "file_dirty",
           "file_writeback", "anon_swapcache", "shmem", "unevictable", "anon_isolated",
           "anon_active_isolated", "file_isolated", "anon_in_lru_add")
Q, R = True, False

# Group d, mm/swap.c@v6.18 (and @v6.17, after afb99e9f5004): every gate ends
# with "|| !folio_test_lru(folio)".
#   folio_activate():          active || unevictable || !lru
#   folio_deactivate():        unevictable || !lru, then (classic LRU) !active
#   deactivate_file_folio():   unevictable || !lru
#   folio_mark_lazyfree():     !anon || !swapbacked || !lru || swapcache || unevictable
#   folio_rotate_reclaimable(): locked || dirty || unevictable || !lru
# Group b, mm/swap.c@v6.11 (33dfe9204f29): the same flag tests without the
# lru one, then folio_test_clear_lru() at add, which refuses a folio without
# PG_lru: the same table.
GATES_LRU_REQUIRED = {
    #                  ani  ana  fin  fac  fdi  fwb  asc  shm  unev aiso aaiso fiso  alru
    "activate":        (Q,  R,   Q,   R,   Q,   Q,   Q,   Q,   R,   R,   R,    R,    R),
    "deactivate":      (R,  Q,   R,   Q,   R,   R,   R,   R,   R,   R,   R,    R,    R),
    "deactivate_file": (Q,  Q,   Q,   Q,   Q,   Q,   Q,   Q,   R,   R,   R,    R,    R),
    "lazyfree":        (Q,  Q,   R,   R,   R,   R,   R,   R,   R,   R,   R,    R,    R),
    "rotate":          (Q,  Q,   Q,   Q,   R,   Q,   Q,   Q,   R,   R,   R,    R,    R),
}
# Group a, mm/swap.c@v6.10 (the pre-image of 33dfe9204f29, lore
# 1720075944-27201-1-git-send-email-yangge1116@126.com) and @v5.18: four
# gates test folio_test_lru() positively; deactivate_file_folio() tests only
# folio_test_unevictable(), so a folio without PG_lru is queued (and skipped
# at the flush's folio_test_clear_lru()).
GATES_V5_18 = {
    **GATES_LRU_REQUIRED,
    "deactivate_file": (Q,  Q,   Q,   Q,   Q,   Q,   Q,   Q,   R,   Q,   Q,    Q,    Q),
}
GATES = {"a": GATES_V5_18, "b": GATES_LRU_REQUIRED, "d": GATES_LRU_REQUIRED}


def test_gate_table_covers_every_situation() -> None:
    assert set(COLUMNS) == set(SITUATIONS)
    assert all(len(row) == len(COLUMNS) for gates in GATES.values() for row in gates.values())


MOVE_BATCH = {"activate": "lru_activate", "deactivate_file": "lru_deactivate_file",
              "deactivate": "lru_deactivate", "lazyfree": "lru_lazyfree",
              "rotate": "lru_move_tail"}


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("situation", sorted(SITUATIONS))
@pytest.mark.parametrize("op", sorted(MOVE_BATCH))
def test_move_request_gates(variant, situation, op):
    kind, attrs, setup = SITUATIONS[situation]
    m = machine(variant)
    m.declare("F", kind, **attrs)
    run(m, *setup)
    F = f(m, "F")
    expected = GATES[GROUP[variant]][op][COLUMNS.index(situation)]
    before = m.snapshot()
    ref, was_lru, was_list = F.refcount, F.lru, F.list
    out = do(m, f"cpu0 {op} F")
    if not expected:
        assert out.result == "refused"
        assert m.state == before, "a refused request takes no reference and queues nothing"
        return
    assert out.result == "ok"
    assert f(m, "F").refcount == ref + 1
    assert batch(m, 0, MOVE_BATCH[op]) == ["F"]
    assert held(m, "F")[f"cpu0 {MOVE_BATCH[op]}"] == 1
    # 33dfe9204f29 clears PG_lru at add (b only); the folio stays on its list
    if GROUP[variant] == "b":
        assert not f(m, "F").lru
    else:
        assert f(m, "F").lru == was_lru
    assert f(m, "F").list == was_list


@pytest.mark.parametrize("variant", ALL)
def test_second_move_batch_refused_only_in_b(variant):
    """33dfe9204f29 (b): a folio with PG_lru clear is in at most one move batch
    (David Hildenbrand: "if !lru, there could be at most one reference from the
    LRU caches", 56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com);
    in a/d it may sit in several batches on several CPUs."""
    m = machine(variant)
    m.declare("F", "file")
    run(m, "cpu0 activate F")
    out = do(m, "cpu1 rotate F")
    if GROUP[variant] == "b":
        assert out.result == "refused"
        assert f(m, "F").refcount == 2
    else:
        assert out.result == "ok"
        assert f(m, "F").refcount == 3
        assert held(m, "F") == {"page cache": 1, "cpu0 lru_activate": 1, "cpu1 lru_move_tail": 1}


@pytest.mark.parametrize("variant", ALL)
def test_add_lru_never_touches_pg_lru_test_and_clear(variant):
    """lru_add is the one batch 33dfe9204f29 did not convert: a new folio is
    queued with PG_lru clear in every variant."""
    m = machine(variant)
    m.declare("F", "anon", new=True)
    run(m, "cpu0 add_lru F")
    assert not f(m, "F").lru and f(m, "F").list is None
    assert held(m, "F") == {"map": 1, "cpu0 lru_add": 1}


# --- flush-time test-and-clear: folio_batch_move_lru() ----------------------------

@pytest.mark.parametrize("variant", A + D)
@pytest.mark.parametrize("op", sorted(MOVE_BATCH))
def test_flush_skips_folio_isolated_meanwhile_but_drops_ref(variant, op):
    m = machine(variant)
    kind, attrs = ("anon", {"active": True}) if op in ("deactivate",) else \
        ("file", {}) if op == "deactivate_file" else ("anon", {})
    m.declare("F", kind, **attrs)
    run(m, f"cpu0 {op} F", "cpu1 isolate F")
    F = f(m, "F")
    assert F.isolated_by and F.refcount == 3
    snapshot_flags = set(F.flags())
    run(m, "cpu0 drain")
    F = f(m, "F")
    assert F.isolated_by and not F.lru and F.list is None     # skipped: still isolated
    assert set(F.flags()) == snapshot_flags                     # nothing processed
    assert held(m, "F") == {("map" if kind == "anon" else "page cache"): 1, "isolated (user)": 1}


@pytest.mark.parametrize("variant", B)
def test_b_parked_folio_cannot_be_isolated(variant):
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu0 activate F")
    before = m.snapshot()
    assert do(m, "cpu1 isolate F").result == "EBUSY"
    assert m.state == before
    run(m, "cpu0 drain")        # b's flush does not test PG_lru: processed
    assert where(m, "F") == ("active_anon", "head", True)
    assert f(m, "F").refcount == 1


@pytest.mark.parametrize("variant", A)
def test_a_deactivate_file_of_folio_without_lru_is_queued_then_skipped(variant):
    """v5.18..v6.10 deactivate_file_folio() has no PG_lru gate (findings Q3)."""
    m = machine(variant)
    m.declare("F", "file", new=True)
    run(m, "cpu1 add_lru F")
    assert do(m, "cpu0 deactivate_file F").result == "ok"
    assert held(m, "F") == {"page cache": 1, "cpu1 lru_add": 1, "cpu0 lru_deactivate_file": 1}
    run(m, "cpu0 drain")
    assert held(m, "F") == {"page cache": 1, "cpu1 lru_add": 1}
    assert not f(m, "F").lru and f(m, "F").list is None


@pytest.mark.parametrize("variant", B + D)
def test_deactivate_file_of_folio_without_lru_refused(variant):
    m = machine(variant)
    m.declare("F", "file", new=True)
    run(m, "cpu1 add_lru F")
    assert do(m, "cpu0 deactivate_file F").result == "refused"
    assert f(m, "F").refcount == 2


# --- processing functions: lru_activate() and the other move functions -----------

@pytest.mark.parametrize("variant", ALL)
def test_lru_activate_moves_to_active_head(variant):
    m = machine(variant)
    m.declare("F", "anon", referenced=True)
    m.declare("G", "anon", active=True)
    run(m, "cpu0 activate F", "cpu0 drain")
    assert where(m, "F") == ("active_anon", "head", True)
    assert lst(m, "active_anon") == ["F", "G"]
    assert flags(m, "F") == {"lru", "active", "referenced", "swapbacked"}   # referenced untouched
    assert f(m, "F").refcount == 1 and not pending(m)


@pytest.mark.parametrize("variant", A + D)
def test_lru_activate_rechecks_active_at_flush(variant):
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu0 activate F", "cpu1 activate F")           # both queued: still inactive
    assert f(m, "F").refcount == 3
    run(m, "cpu0 drain")
    assert where(m, "F") == ("active_anon", "head", True)
    out = run(m, "cpu1 drain")[0]
    assert where(m, "F") == ("active_anon", "head", True)   # lru_activate: already active
    assert f(m, "F").refcount == 1
    assert any("lru_activate(F)" in e.text for e in out.events)


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("attrs,lst_pos,reclaim", [
    ({}, "tail", False),
    ({"active": True, "referenced": True}, "tail", False),
    ({"dirty": True}, "head", True),
    ({"writeback": True}, "head", True),
    ({"active": True, "dirty": True}, "head", True),
])
def test_lru_deactivate_file_placement(variant, attrs, lst_pos, reclaim):
    m = machine(variant)
    m.declare("F", "file", **attrs)
    m.declare("G", "file")
    m.declare("H", "file")
    run(m, "cpu0 deactivate_file F", "cpu0 drain")
    F = f(m, "F")
    assert (F.list, F.pos, F.lru) == ("inactive_file", lst_pos, True)
    assert not F.active and not F.referenced
    assert F.reclaim == reclaim
    assert lst(m, "inactive_file")[0 if lst_pos == "head" else -1] == "F"
    assert F.refcount == 1


@pytest.mark.parametrize("variant", ALL)
def test_lru_deactivate_file_leaves_mapped_folio(variant):
    m = machine(variant)
    m.declare("F", "file", mapped=1, active=True, referenced=True)
    run(m, "cpu0 deactivate_file F", "cpu0 drain")
    F = f(m, "F")
    assert (F.list, F.lru, F.active, F.referenced, F.reclaim) == ("active_file", True, True, True, False)
    assert F.refcount == 2


@pytest.mark.parametrize("variant", ALL)
def test_lru_deactivate_moves_to_inactive_head(variant):
    m = machine(variant)
    m.declare("G", "anon")
    m.declare("F", "anon", active=True, referenced=True)
    run(m, "cpu0 deactivate F", "cpu0 drain")
    assert where(m, "F") == ("inactive_anon", "head", True)
    assert lst(m, "inactive_anon") == ["F", "G"]
    assert flags(m, "F") == {"lru", "swapbacked"}
    assert f(m, "F").refcount == 1


@pytest.mark.parametrize("variant", ALL)
def test_lru_lazyfree_moves_to_inactive_file_head(variant):
    m = machine(variant)
    m.declare("G", "file")
    m.declare("F", "anon", active=True, referenced=True)
    run(m, "cpu0 lazyfree F", "cpu0 drain")
    assert where(m, "F") == ("inactive_file", "head", True)
    assert lst(m, "inactive_file") == ["F", "G"]
    assert flags(m, "F") == {"lru"}                         # swapbacked, active, referenced gone
    assert f(m, "F").refcount == 1
    assert do(m, "cpu0 lazyfree F").result == "refused"     # no longer swap-backed


@pytest.mark.parametrize("variant", ALL)
def test_lru_move_tail_moves_to_inactive_tail(variant):
    m = machine(variant)
    m.declare("F", "anon", active=True, referenced=True)
    m.declare("G", "anon")
    run(m, "cpu0 rotate F", "cpu0 drain")
    assert where(m, "F") == ("inactive_anon", "tail", True)
    assert lst(m, "inactive_anon") == ["G", "F"]
    assert flags(m, "F") == {"lru", "referenced", "swapbacked"}
    assert f(m, "F").refcount == 1


@pytest.mark.parametrize("variant", ALL)
def test_move_fn_rechecks_unevictable_at_flush(variant):
    """A folio mlocked between the request and the flush is left alone by
    lru_deactivate (a/d); in b the mlock was missed (PG_lru clear), so the
    deactivation happens and the folio is mlocked but evictable."""
    m = machine(variant)
    m.declare("F", "anon", active=True, referenced=True)
    run(m, "cpu0 deactivate F", "cpu1 mlock F", "cpu1 drain", "cpu0 drain")
    F = f(m, "F")
    assert F.refcount == 1 and F.mlocked and F.lru
    if GROUP[variant] == "b":
        assert (F.list, F.unevictable, F.active, F.referenced) == ("inactive_anon", False, False, False)
    else:
        assert (F.list, F.unevictable, F.mlock_count) == ("unevictable", True, 1)
        assert F.referenced                                # lru_deactivate returned early


# --- folio_mark_accessed() (kernel-findings.md Q5) -------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_mark_accessed_three_stages(variant):
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu0 mark_accessed F")                          # 1: PG_referenced
    assert flags(m, "F") == {"lru", "referenced", "swapbacked"} and not pending(m)
    run(m, "cpu0 mark_accessed F")                          # 2: folio_activate
    assert batch(m, 0, "lru_activate") == ["F"]
    assert not f(m, "F").referenced
    assert f(m, "F").lru == (GROUP[variant] != "b")
    run(m, "cpu0 drain")
    assert where(m, "F") == ("active_anon", "head", True)
    run(m, "cpu0 mark_accessed F")                          # referenced again
    before = m.snapshot()
    run(m, "cpu0 mark_accessed F")                          # 3: active and referenced: nothing
    assert m.state == before


@pytest.mark.parametrize("variant", ALL)
def test_mark_accessed_unevictable_does_nothing(variant):
    m = machine(variant)
    m.declare("F", "anon", locked=1, referenced=True)
    before = m.snapshot()
    run(m, "cpu0 mark_accessed F")
    assert m.state == before


@pytest.mark.parametrize("variant", ALL)
def test_mark_accessed_finds_folio_in_local_lru_add(variant):
    m = machine(variant)
    m.declare("F", "anon", new=True, referenced=True)
    run(m, "cpu0 add_lru F", "cpu0 mark_accessed F")
    assert f(m, "F").active and not f(m, "F").referenced
    assert batch(m, 0, "lru_add") == ["F"] and not f(m, "F").lru
    run(m, "cpu0 drain")
    assert where(m, "F") == ("active_anon", "head", True)


@pytest.mark.parametrize("variant", ALL)
def test_mark_accessed_misses_folio_in_other_cpus_lru_add(variant):
    m = machine(variant)
    m.declare("F", "anon", new=True, referenced=True)
    run(m, "cpu1 add_lru F", "cpu0 mark_accessed F")
    assert not f(m, "F").active and not f(m, "F").referenced   # lost, referenced cleared
    run(m, "cpu1 drain")
    assert where(m, "F") == ("inactive_anon", "head", True)


@pytest.mark.parametrize("variant", B)
def test_b_mark_accessed_of_parked_folio_is_lost(variant):
    """findings Q5: under 6.11 a folio parked in another batch takes the
    __lru_cache_activate_folio branch, is not found, and is not activated."""
    m = machine(variant)
    m.declare("F", "anon", referenced=True)
    run(m, "cpu1 rotate F")
    run(m, "cpu0 mark_accessed F")
    assert not f(m, "F").referenced and not f(m, "F").active
    assert not batch(m, 0, "lru_activate")
    run(m, "cpu1 drain")
    assert where(m, "F") == ("inactive_anon", "tail", True)


# --- lru_add placement (kernel-findings.md Q10) -----------------------------------

@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("kind,attrs,expected_list", [
    ("anon", {}, "inactive_anon"),
    ("anon", {"active": True}, "active_anon"),
    ("file", {}, "inactive_file"),
    ("file", {"active": True}, "active_file"),
    ("shmem", {}, "inactive_anon"),          # shmem is swap-backed: anon lists
])
def test_lru_add_placement(variant, kind, attrs, expected_list):
    m = machine(variant)
    m.declare("G", "anon" if "anon" in expected_list else "file", **attrs)
    m.declare("F", kind, new=True, **attrs)
    ref = f(m, "F").refcount
    run(m, "cpu0 add_lru F")
    assert f(m, "F").refcount == ref + 1
    run(m, "cpu0 drain")
    assert where(m, "F") == (expected_list, "head", True)
    assert lst(m, expected_list)[0] == "F"
    assert f(m, "F").refcount == ref


@pytest.mark.parametrize("variant", ALL)
def test_lru_add_of_mlocked_folio_goes_unevictable_with_count_0(variant):
    """The dsl.md construction of Will's state: lru_add() finds F mlocked:
    active cleared, unevictable list, mlock_count 0 (deliberate undercount)."""
    m = machine(variant)
    m.declare("F", "shmem", new=True, active=True, zone="movable")
    run(m, "cpu1 add_lru F", "cpu1 map F locked")
    assert held(m, "F") == {"page cache": 1, "map (VM_LOCKED)": 1, "cpu1 lru_add": 1,
                            "cpu1 mlock (lru)": 1}
    run(m, "cpu1 flush lru_add")
    F = f(m, "F")
    assert (F.list, F.pos, F.lru, F.unevictable, F.mlocked, F.active, F.mlock_count) == \
        ("unevictable", None, True, True, True, False, 0)
    assert held(m, "F") == {"page cache": 1, "map (VM_LOCKED)": 1, "cpu1 mlock (lru)": 1}
    run(m, "cpu1 flush mlock")                                   # __mlock_folio counts it now
    assert f(m, "F").mlock_count == 1 and f(m, "F").refcount == 2


@pytest.mark.parametrize("variant", ALL)
def test_lru_add_rescues_stale_unevictable(variant):
    """lru_add() recomputes unevictability: a putback folio whose PG_mlocked
    was cleared while isolated goes to an evictable list."""
    m = machine(variant)
    m.declare("F", "anon", locked=1)
    run(m, "cpu0 isolate F", "cpu0 munlock F", "cpu0 drain")     # !lru: PG_mlocked cleared
    F = f(m, "F")
    assert F.unevictable and not F.mlocked and F.isolated_by
    run(m, "cpu0 putback F", "cpu0 drain")
    assert where(m, "F") == ("inactive_anon", "head", True)
    assert not f(m, "F").unevictable and f(m, "F").refcount == 1


# --- batch size, large folios, lru_cache_disable: folio_batch_add_and_move() ------

@pytest.mark.parametrize("variant", ALL)
def test_batch_size_lru_add(variant):
    n = BATCH_SIZE[variant]
    m = machine(variant)
    names = [f"F{i}" for i in range(1, n + 2)]
    for name in names:
        m.declare(name, "anon", new=True)
    for name in names[:n - 1]:
        run(m, f"cpu0 add_lru {name}")
    assert batch(m, 0, "lru_add") == names[:n - 1]
    assert not lst(m, "inactive_anon")
    run(m, f"cpu0 add_lru {names[n - 1]}")             # the n-th add flushes all, itself included
    assert batch(m, 0, "lru_add") == []
    assert lst(m, "inactive_anon") == list(reversed(names[:n]))
    assert all(f(m, x).refcount == 1 and f(m, x).lru for x in names[:n])
    run(m, f"cpu0 add_lru {names[n]}")
    assert batch(m, 0, "lru_add") == [names[n]]


@pytest.mark.parametrize("variant", ALL)
def test_batch_size_move_batch(variant):
    n = BATCH_SIZE[variant]
    m = machine(variant)
    names = [f"F{i}" for i in range(1, n + 1)]
    for name in names:
        m.declare(name, "anon")
    for name in names[:-1]:
        run(m, f"cpu1 activate {name}")
    assert len(batch(m, 1, "lru_activate")) == n - 1
    run(m, f"cpu1 activate {names[-1]}")
    assert batch(m, 1, "lru_activate") == []
    assert lst(m, "active_anon") == list(reversed(names))
    assert all(f(m, x).refcount == 1 and f(m, x).lru for x in names)


@pytest.mark.parametrize("variant", ALL)
def test_batch_size_mlock_batch(variant):
    n = BATCH_SIZE[variant]
    m = machine(variant)
    names = [f"F{i}" for i in range(1, n + 1)]
    for name in names:
        m.declare(name, "anon")
    for name in names[:-1]:
        run(m, f"cpu0 mlock {name}")
    assert len(batch(m, 0, "mlock")) == n - 1
    assert all(f(m, x).mlocked and not f(m, x).unevictable for x in names[:-1])
    run(m, f"cpu0 mlock {names[-1]}")
    assert batch(m, 0, "mlock") == []
    assert all(f(m, x).list == "unevictable" and f(m, x).mlock_count == 1
               and f(m, x).refcount == 1 for x in names)


@pytest.mark.parametrize("variant", ALL)
def test_large_folio_flushes_whole_batch_at_once(variant):
    m = machine(variant)
    m.declare("S1", "anon", new=True)
    m.declare("S2", "anon", new=True)
    m.declare("L", "anon", new=True, order=2, mapped=4)
    run(m, "cpu0 add_lru S1", "cpu0 add_lru S2", "cpu0 add_lru L")
    assert not pending(m)
    assert lst(m, "inactive_anon") == ["L", "S2", "S1"]
    assert f(m, "L").refcount == 4 and f(m, "L").lru
    for op, batch_name in [("activate", "lru_activate"), ("mlock", "mlock")]:
        run(m, f"cpu1 rotate S1")                             # something else pending
        run(m, f"cpu1 {op} L")
        assert batch(m, 1, batch_name) == [], op
        assert f(m, "L").refcount == 4
        run(m, "cpu1 drain")
    assert f(m, "L").list == "unevictable" and f(m, "L").mlock_count == 1
    run(m, "cpu0 munlock L")
    assert not pending(m) and f(m, "L").list == "inactive_anon" and not f(m, "L").mlocked


@pytest.mark.parametrize("variant", ALL)
def test_lru_cache_disable_makes_every_add_flush(variant):
    m = machine(variant, 3)
    m.declare("F", "anon", new=True)
    m.declare("G", "anon")
    m.declare("H", "anon")
    run(m, "cpu2 activate H")                                   # pending before the disable
    run(m, "cpu1 lru_cache_disable")
    s = m.state.stats
    assert (s.drain_all_calls, s.drain_all_work) == (1, ((2,),))
    assert s.local_drains == (1 if variant == "v6.18" else 0)   # findings Q2: local-first too
    assert where(m, "H") == ("active_anon", "head", True)
    run(m, "cpu0 add_lru F")
    assert not pending(m) and where(m, "F") == ("inactive_anon", "head", True)
    run(m, "cpu0 activate G")
    assert not pending(m) and where(m, "G") == ("active_anon", "head", True)
    run(m, "cpu0 mlock G")
    assert not pending(m) and f(m, "G").list == "unevictable"
    run(m, "cpu0 lru_cache_disable", "cpu0 lru_cache_enable")    # nested: still disabled
    run(m, "cpu0 munlock G")
    assert not pending(m) and not f(m, "G").mlocked
    run(m, "cpu0 lru_cache_enable")
    assert where(m, "G") == ("inactive_anon", "head", True)   # munlock rescued it
    run(m, "cpu0 activate G")
    assert batch(m, 0, "lru_activate") == ["G"]
    assert_bug_leaves_state(m, "cpu0 lru_cache_enable")


# --- draining: lru_add_drain_cpu(), __lru_add_drain_all() -----------------------

@pytest.mark.parametrize("variant", ALL)
def test_drain_order_by_list_positions(variant):
    """lru_add, lru_move_tail, lru_deactivate_file, lru_deactivate,
    lru_lazyfree, lru_activate, then the mlock batch (lru_add_drain_cpu() and
    lru_add_drain(), mm/swap.c@v6.18)."""
    m = machine(variant)
    m.declare("T", "file")
    m.declare("D", "file")
    m.declare("A", "file", active=True)
    m.declare("L", "anon")
    m.declare("N", "file", new=True)
    m.declare("X", "file")
    m.declare("Y", "anon", active=True, referenced=True)
    m.declare("M", "anon", new=True)
    run(m, "cpu0 add_lru N", "cpu0 rotate T", "cpu0 deactivate_file D", "cpu0 deactivate A",
        "cpu0 lazyfree L", "cpu0 activate X", "cpu0 deactivate Y", "cpu0 mlock Y",
        "cpu0 add_lru M", "cpu0 mlock M")
    out = run(m, "cpu0 drain")[0]
    # head inserts in processing order stack up at the head, tail inserts at the tail
    assert lst(m, "inactive_file") == ["L", "A", "N", "T", "D"]
    assert lst(m, "active_file") == ["X"]
    # lru_deactivate (clears referenced) ran before the mlock batch made Y unevictable
    assert f(m, "Y").list == "unevictable" and not f(m, "Y").referenced
    # lru_add ran before __mlock_folio: M counted once on the unevictable list
    assert f(m, "M").list == "unevictable" and f(m, "M").mlock_count == 1
    order = []
    for e in (event.text for event in out.events):
        if e.startswith("folio_batch_move_lru(cpu0 "):
            order.append(e.split()[1].rstrip(":"))
        elif e.startswith("mlock_drain_local(cpu0)"):
            order.append("mlock")
    assert order == ["lru_add", "lru_move_tail", "lru_deactivate_file", "lru_deactivate",
                     "lru_lazyfree", "lru_activate", "mlock"]
    assert all(f(m, x).refcount == 1 for x in "TDALNXYM")
    assert not pending(m)


@pytest.mark.parametrize("variant", A + D)
def test_activate_is_drained_last_among_lru_batches(variant):
    m = machine(variant)
    m.declare("Z", "file")
    run(m, "cpu0 activate Z", "cpu0 deactivate_file Z", "cpu0 rotate Z")
    assert f(m, "Z").refcount == 4
    out = run(m, "cpu0 drain")[0]
    assert where(m, "Z") == ("active_file", "head", True)
    assert f(m, "Z").refcount == 1
    order = [e.text.split()[1].rstrip(":") for e in out.events
             if e.text.startswith("folio_batch_move_lru(")]
    assert order == ["lru_move_tail", "lru_deactivate_file", "lru_activate"]


@pytest.mark.parametrize("variant", ALL)
def test_drain_of_idle_cpu_changes_nothing(variant):
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu0 activate F")
    before = m.snapshot()
    run(m, "cpu1 drain")
    assert m.state == before


def _four_cpus_pending(variant):
    """cpu1: an lru_deactivate_file entry of F; cpu2: only an mlock entry of G;
    cpu3: an lru_activate entry of F (a/d) or of H (b)."""
    m = machine(variant, 4)
    m.declare("F", "file")
    m.declare("G", "anon")
    m.declare("H", "file")
    run(m, "cpu1 deactivate_file F", "cpu2 mlock G")
    run(m, "cpu3 activate " + ("H" if GROUP[variant] == "b" else "F"))
    return m


@pytest.mark.parametrize("variant", ALL)
def test_drain_all_selects_pending_cpus_ascending(variant):
    m = _four_cpus_pending(variant)
    run(m, "cpu0 drain all")
    s = m.state.stats
    assert s.drain_all_calls == 1
    assert s.drain_all_work == ((1, 2, 3),)
    assert s.drain_all_cpus == 3
    assert s.local_drains == (1 if variant == "v6.18" else 0)
    assert not pending(m)
    assert f(m, "G").list == "unevictable"             # mlock-only CPU drained too
    if GROUP[variant] != "b":
        # cpu1's deactivate_file, then cpu3's activate: the older request wins
        assert where(m, "F") == ("active_file", "head", True)
    run(m, "cpu2 drain all")
    assert m.state.stats.drain_all_calls == 2 and m.state.stats.drain_all_work == ((1, 2, 3), ())
    assert m.state.stats.drain_all_cpus == 3
    assert m.state.stats.local_drains == (2 if variant == "v6.18" else 0)


@pytest.mark.parametrize("variant", ALL)
def test_drain_all_caller_with_pending_batches(variant):
    """Without local-first the caller gets a work item like any CPU; v6.18
    drains it first, synchronously, so it is not in the work list and its
    batch runs before lower-numbered CPUs'."""
    m = _four_cpus_pending(variant)
    run(m, "cpu3 drain all")
    s = m.state.stats
    if variant == "v6.18":
        assert s.drain_all_work == ((1, 2),) and s.drain_all_cpus == 2 and s.local_drains == 1
    else:
        assert s.drain_all_work == ((1, 2, 3),) and s.drain_all_cpus == 3 and s.local_drains == 0
    if GROUP[variant] != "b":
        # v6.18: cpu3's activate runs first, then cpu1's deactivate_file
        expected = ("inactive_file", "tail", True) if variant == "v6.18" else \
            ("active_file", "head", True)
        assert where(m, "F") == expected
    assert not pending(m)


@pytest.mark.parametrize("variant", ALL)
def test_cpu_drain_statements_do_not_count_as_local_drains(variant):
    m = _four_cpus_pending(variant)
    run(m, "cpu1 drain", "cpu2 drain", "cpu3 drain")
    s = m.state.stats
    assert (s.drain_all_calls, s.drain_all_cpus, s.drain_all_work, s.local_drains) == (0, 0, (), 0)


# --- references, freeing (docs/model.md §1) --------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_get_put_and_last_reference_frees(variant):
    m = machine(variant)
    m.declare("F", "anon", active=True)
    run(m, "cpu0 get F")
    assert held(m, "F") == {"map": 1, "get": 1}
    run(m, "cpu0 unmap F")
    assert held(m, "F") == {"get": 1} and f(m, "F").list == "active_anon"
    run(m, "cpu0 put F")
    F = f(m, "F")
    assert F.freed and F.refcount == 0 and F.list is None and not F.lru
    assert "F" not in lst(m, "active_anon")
    for text in ["cpu0 get F", "cpu0 mark_accessed F", "cpu0 activate F", "cpu0 add_lru F",
                 "cpu0 mlock F", "cpu0 map F", "cpu0 pin F", "cpu0 isolate F",
                 "cpu0 gup_longterm F"]:
        assert_bug_leaves_state(m, text)


@pytest.mark.parametrize("variant", ALL)
def test_unmap_of_last_reference_frees(variant):
    m = machine(variant)
    m.declare("F", "anon")
    m.declare("G", "anon")
    run(m, "cpu0 unmap F")
    assert f(m, "F").freed and lst(m, "inactive_anon") == ["G"]


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("setup,text", [
    ([], "cpu0 add_lru F"),                          # PG_lru set
    ([], "cpu0 unpin F"),                            # never pinned
    ([], "cpu0 lru_cache_enable"),                   # never disabled
    ([], "cpu0 putback F"),                          # not isolated
    ([], "cpu0 put F"),                              # no get of the caller's
    ([], "cpu0 unmap F locked"),                     # no VM_LOCKED mapping
    (["cpu0 pin F", "cpu0 unpin F"], "cpu0 unpin F"),
    (["cpu0 get F", "cpu0 put F"], "cpu0 put F"),
    (["cpu0 isolate F", "cpu0 putback F"], "cpu0 putback F"),
    (["cpu0 isolate F", "cpu0 putback F", "cpu0 drain"], "cpu1 add_lru F"),
    (["cpu0 unmap F"], "cpu0 activate F"),           # freed: use after free
])
def test_bug_results_leave_state_unchanged(variant, setup, text):
    """A BUG result is undone: the state compares equal to the one before,
    stats and other CPUs' batches included."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    m.declare("G", "file")
    run(m, "cpu1 activate G", "cpu0 mlock G", *setup)
    assert_bug_leaves_state(m, text)


# --- isolation and putback (kernel-findings.md Q11) -------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_isolate_and_putback(variant):
    m = machine(variant)
    m.declare("F", "anon", active=True, referenced=True)
    run(m, "cpu0 isolate F")
    F = f(m, "F")
    assert (F.lru, F.list, F.active, F.isolated_by is not None) == (False, None, True, True)
    assert held(m, "F") == {"map": 1, "isolated (user)": 1}
    assert do(m, "cpu1 isolate F").result == "EBUSY"
    run(m, "cpu1 putback F")
    assert held(m, "F") == {"map": 1, "cpu1 lru_add": 1}      # refcount unchanged net
    assert not f(m, "F").isolated_by and not f(m, "F").lru and f(m, "F").list is None
    run(m, "cpu1 drain")
    assert where(m, "F") == ("active_anon", "head", True) and f(m, "F").refcount == 1


@pytest.mark.parametrize("variant", ALL)
def test_isolate_unevictable_keeps_flag_putback_resets_mlock_count(variant):
    m = machine(variant)
    m.declare("F", "anon", locked=2)
    assert f(m, "F").mlock_count == 2
    run(m, "cpu0 isolate F")
    assert f(m, "F").unevictable and f(m, "F").mlocked and f(m, "F").list is None
    run(m, "cpu0 putback F", "cpu0 drain")
    F = f(m, "F")
    assert (F.list, F.mlock_count, F.lru) == ("unevictable", 0, True)   # lru_add's undercount


@pytest.mark.parametrize("variant", ALL)
def test_isolate_without_lru_is_ebusy(variant):
    m = machine(variant)
    m.declare("F", "anon", new=True)
    m.declare("N", "anon", nolru=True)
    before = m.snapshot()
    assert do(m, "cpu0 isolate F").result == "EBUSY"
    assert do(m, "cpu0 isolate N").result == "EBUSY"
    assert m.state == before


@pytest.mark.parametrize("variant", ALL)
def test_putback_flushes_when_batch_is_full(variant):
    n = BATCH_SIZE[variant]
    m = machine(variant)
    for i in range(1, n):
        m.declare(f"N{i}", "anon", new=True)
        run(m, f"cpu0 add_lru N{i}")
    m.declare("F", "anon")
    run(m, "cpu0 isolate F", "cpu0 putback F")
    assert not pending(m) and where(m, "F") == ("inactive_anon", "head", True)
    assert f(m, "F").refcount == 1


# --- pins: try_grab_folio() (kernel-findings.md B2) ------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_pin_small_and_large(variant):
    m = machine(variant)
    m.declare("F", "anon")
    m.declare("L", "anon", order=2, mapped=4)
    run(m, "cpu0 pin F", "cpu0 pin F")
    assert f(m, "F").refcount == 1 + 2 * BIAS and f(m, "F").pins == 2
    assert held(m, "F") == {"map": 1, "pin": 2 * BIAS}
    run(m, "cpu0 pin L")
    assert (f(m, "L").refcount, f(m, "L").pins) == (8, 4)
    assert held(m, "L") == {"map": 4, "pin": 4}
    run(m, "cpu0 unpin F", "cpu0 unpin F", "cpu0 unpin L")
    assert (f(m, "F").refcount, f(m, "F").pins) == (1, 0)
    assert (f(m, "L").refcount, f(m, "L").pins) == (4, 0)
    assert_bug_leaves_state(m, "cpu0 unpin L")


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("queue,lst_name", [("activate", "inactive_anon"), ("mlock", "unevictable"),
                                             ("rotate", "inactive_anon")])
def test_batch_release_can_drop_the_last_reference(variant, queue, lst_name):
    """folios_put()/release_pages() after processing: if the entry held the
    last reference, the folio is freed and taken off its list."""
    m = machine(variant)
    m.declare("F", "anon")
    m.declare("G", "anon")
    run(m, f"cpu0 {queue} F", "cpu1 unmap F")
    assert held(m, "F") == {f"cpu0 {'mlock (lru)' if queue == 'mlock' else MOVE_BATCH[queue]}": 1}
    run(m, "cpu0 drain")
    F = f(m, "F")
    assert F.freed and F.refcount == 0 and F.list is None and not F.lru
    assert all("F" not in members for members in m.state.lists.values())
    assert lst(m, "inactive_anon") == ["G"] and not pending(m)


@pytest.mark.parametrize("variant", ALL)
def test_unpin_can_drop_the_last_reference(variant):
    m = machine(variant)
    m.declare("F", "anon", active=True)
    run(m, "cpu0 pin F", "cpu0 unmap F")
    assert held(m, "F") == {"pin": BIAS} and f(m, "F").list == "active_anon"
    run(m, "cpu0 unpin F")
    assert f(m, "F").freed and not lst(m, "active_anon")
    assert_bug_leaves_state(m, "cpu0 unpin F")
