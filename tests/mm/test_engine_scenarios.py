"""The bugs of the thread (scenarios/b1-* to b7-*, README) as minimal
interleavings, under every variant, checked step by step: refcounts with
their holders, flags, lists, batches, results and stats, and the new folio
F' after a migration (docs/model.md §1, "Migration").

Per-variant expectations come from the bugs' threads, the drain triggers
(docs/model.md §2, gup_drain_trigger) and the switches (head-of-collect drain for hugh-suggestion and hugh-portmanteau,
local-first drain_all for v6.18, migrate_drain_after_move)."""

from __future__ import annotations

import pytest

from mmtest import ALL, BIAS, D, GROUP, batch, do, f, flags, held, machine, pending, run, where

HEAD_DRAIN = ("hugh-suggestion", "hugh-portmanteau")
"""Variants whose collect starts with an unconditional lru_add_drain()."""


def stats(m):
    s = m.state.stats
    return {"drain_all_calls": s.drain_all_calls, "drain_all_cpus": s.drain_all_cpus,
            "drain_all_work": s.drain_all_work, "local_drains": s.local_drains,
            "gup_attempts": s.gup_attempts}


def assert_migrated(m, old, *, mapped_holders, on_lru, list_name, extra_flags=(),
                    pins=1, cpu=0):
    """migrate_folio_move() (findings Q7): the old folio is freed; F' lives in ZONE_NORMAL, pinned, with
    the mappings (and, for anon, PG_dirty: try_to_migrate_one() moves the
    written pte's dirty bit to the folio, folio_migrate_flags() copies it);
    it is on ``list_name`` if it was drained, else in the pinning CPU's
    lru_add with PG_lru clear."""
    new = old + "'"
    assert f(m, old).freed and f(m, old).refcount == 0 and f(m, old).list is None
    assert new in m.state.folios
    N = f(m, new)
    assert N.zone == "normal" and N.pins == pins and not N.freed and not N.isolated_by
    expected = dict(mapped_holders)
    expected["pin"] = pins * BIAS
    if on_lru:
        assert (N.list, N.lru) == (list_name, True)
        assert old + "'" not in batch(m, cpu, "lru_add")
    else:
        assert (N.list, N.lru) == (None, False)
        assert batch(m, cpu, "lru_add") == [new]
        expected[f"cpu{cpu} lru_add"] = 1
    assert held(m, new) == expected
    want = set(extra_flags) | ({"lru"} if on_lru else set())
    assert flags(m, new) == want
    return N


# --- B1: Ge Yang's CMA failure ---------------------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_b1_ge_yang_cma_failure(variant):
    m = machine(variant)
    m.declare("F", "anon", zone="movable", referenced=True)
    assert held(m, "F") == {"map": 1} and where(m, "F") == ("inactive_anon", "head", True)

    run(m, "cpu1 mark_accessed F")
    group = GROUP[variant]
    assert held(m, "F") == {"map": 1, "cpu1 lru_activate": 1}
    assert f(m, "F").lru == (group != "b") and f(m, "F").list == "inactive_anon"
    assert not f(m, "F").referenced

    out = do(m, "cpu0 gup_longterm F")
    if group == "a":
        assert out.result == "ENOMEM"
        assert held(m, "F") == {"map": 1, "cpu0 lru_add": 1, "cpu1 lru_activate": 1}
        F = f(m, "F")
        assert (F.lru, F.list, F.isolated_by, F.pins, F.freed) == (False, None, None, 0, False)
        assert flags(m, "F") == {"swapbacked", "dirty"}   # try_to_migrate_one(): the anon pte's dirty bit
        assert "F'" not in m.state.folios
        assert stats(m) == {"drain_all_calls": 0, "drain_all_cpus": 0, "drain_all_work": (),
                            "local_drains": 0, "gup_attempts": 1}
        run(m, "cpu1 drain")                       # flush test-and-clear fails: skipped
        assert held(m, "F") == {"map": 1, "cpu0 lru_add": 1} and not f(m, "F").lru
        assert not f(m, "F").active
        run(m, "cpu0 drain")
        assert where(m, "F") == ("inactive_anon", "head", True)
        assert held(m, "F") == {"map": 1} and not f(m, "F").active
        return

    assert out.result == "ok"
    drained_at_head = variant in HEAD_DRAIN
    assert_migrated(m, "F", mapped_holders={"map": 1}, on_lru=drained_at_head,
                    list_name="active_anon", extra_flags={"active", "swapbacked", "dirty"})
    local = {"v6.11": 0, "v6.14": 0, "will-v1": 0, "hugh-suggestion": 2,
             "v6.17": 1, "v6.18": 2, "hugh-portmanteau": 2}[variant]
    assert stats(m) == {"drain_all_calls": 1, "drain_all_cpus": 1, "drain_all_work": ((1,),),
                        "local_drains": local, "gup_attempts": 2}
    assert not batch(m, 1, "lru_activate")


# --- B2: Will Deacon's failure ---------------------------------------------------

def _will_state(variant, mlock_cpu=1):
    """dsl.md's construction: F shmem in ZONE_MOVABLE, lru|unevictable|mlocked,
    mlock_count 0, refcount 3 = page cache + map + a stale (F, LRU) entry."""
    m = machine(variant)
    m.declare("F", "shmem", new=True, zone="movable")
    assert held(m, "F") == {"page cache": 1}
    c = mlock_cpu
    run(m, f"cpu{c} add_lru F")
    assert held(m, "F") == {"page cache": 1, f"cpu{c} lru_add": 1}
    run(m, f"cpu{c} map F locked")
    assert held(m, "F") == {"page cache": 1, "map (VM_LOCKED)": 1, f"cpu{c} lru_add": 1,
                            f"cpu{c} mlock (lru)": 1}
    run(m, f"cpu{c} flush lru_add")
    assert held(m, "F") == {"page cache": 1, "map (VM_LOCKED)": 1, f"cpu{c} mlock (lru)": 1}
    F = f(m, "F")
    assert (F.list, F.lru, F.unevictable, F.mlocked, F.mlock_count) == \
        ("unevictable", True, True, True, 0)
    assert batch(m, c, "mlock") == [("F", "lru")]
    return m


UNEVICTABLE_FLAGS = {"unevictable", "mlocked", "swapbacked"}


@pytest.mark.parametrize("variant", ALL)
def test_b2_will_deacon_failure(variant):
    m = _will_state(variant)
    out = do(m, "cpu0 gup_longterm F")
    fixed = variant in ("will-v1",) + D
    if not fixed:
        assert out.result == "ENOMEM"
        assert held(m, "F") == {"page cache": 1, "map (VM_LOCKED)": 1, "cpu1 mlock (lru)": 1,
                                "cpu0 lru_add": 1}
        F = f(m, "F")
        assert (F.lru, F.list, F.isolated_by, F.pins) == (False, None, None, 0)
        assert flags(m, "F") == UNEVICTABLE_FLAGS        # unevictable flag still set
        assert batch(m, 0, "mlock") == []                 # unmap-time local drains ran
        assert stats(m) == {"drain_all_calls": 0, "drain_all_cpus": 0, "drain_all_work": (),
                            "local_drains": 1 if variant == "hugh-suggestion" else 0,
                            "gup_attempts": 1}
        # the stale entries resolve later: lru_add gives count 0, the LRU entry counts it
        run(m, "cpu0 drain")
        F = f(m, "F")
        assert (F.list, F.lru, F.mlock_count) == ("unevictable", True, 0)
        run(m, "cpu1 drain")
        assert f(m, "F").mlock_count == 1
        assert held(m, "F") == {"page cache": 1, "map (VM_LOCKED)": 1}
        return
    assert out.result == "ok"
    N = assert_migrated(m, "F", mapped_holders={"page cache": 1, "map (VM_LOCKED)": 1},
                        on_lru=True, list_name="unevictable", extra_flags=UNEVICTABLE_FLAGS)
    assert N.mlock_count == 1 and N.kind == "shmem"
    assert not pending(m)
    local = {"will-v1": 0, "v6.17": 1, "v6.18": 2, "hugh-portmanteau": 2}[variant]
    assert stats(m) == {"drain_all_calls": 1, "drain_all_cpus": 1, "drain_all_work": ((1,),),
                        "local_drains": local, "gup_attempts": 2}


@pytest.mark.parametrize("variant", ALL)
def test_b2_mlock_entry_on_pinning_cpu_migrates_everywhere(variant):
    """B2 (scenarios/b2-mlock-entry-on-pinning-cpu.fs): the unmap-time local mlock drain releases an entry
    on the pinning CPU, so migration succeeds even in a and b."""
    m = _will_state(variant, mlock_cpu=0)
    out = do(m, "cpu0 gup_longterm F")
    assert out.result == "ok"
    N = assert_migrated(m, "F", mapped_holders={"page cache": 1, "map (VM_LOCKED)": 1},
                        on_lru=True, list_name="unevictable", extra_flags=UNEVICTABLE_FLAGS)
    assert N.mlock_count == 1
    assert not pending(m)
    calls, work = {"will-v1": (1, ((0,),))}.get(variant, (1, ((),)) if GROUP[variant] == "d"
                                                  else (0, ()))
    local = {"hugh-suggestion": 2, "v6.17": 1, "v6.18": 2, "hugh-portmanteau": 2}.get(variant, 0)
    s = stats(m)
    assert (s["drain_all_calls"], s["drain_all_work"], s["local_drains"], s["gup_attempts"]) == \
        (calls, work, local, 2)


# --- B4: order inversion across CPUs (LRU form) ------------------------------------

@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("order", ["program", "reversed"])
def test_b4_lru_order_inversion(variant, order):
    m = machine(variant)
    m.declare("F", "file")
    assert held(m, "F") == {"page cache": 1}
    run(m, "cpu1 activate F")                        # OPX
    out = do(m, "cpu0 deactivate_file F")            # OPY
    b = GROUP[variant] == "b"
    if b:
        assert out.result == "refused"               # best effort: OPY lost
        assert held(m, "F") == {"page cache": 1, "cpu1 lru_activate": 1}
    else:
        assert out.result == "ok"
        assert held(m, "F") == {"page cache": 1, "cpu1 lru_activate": 1,
                                "cpu0 lru_deactivate_file": 1}
    first, second = (1, 0) if order == "program" else (0, 1)
    run(m, f"cpu{first} drain")
    run(m, f"cpu{second} drain")
    assert held(m, "F") == {"page cache": 1}
    F = f(m, "F")
    if b or order == "reversed":
        assert where(m, "F") == ("active_file", "head", True) and F.active
    else:
        assert where(m, "F") == ("inactive_file", "tail", True) and not F.active


# --- B6: the small-folio drain always fires (d) -------------------------------------

@pytest.mark.parametrize("variant", ALL)
def test_b6_small_folio_always_drains(variant):
    m = machine(variant, 3)
    m.declare("F", "anon", zone="movable")
    m.declare("G", "file")
    run(m, "cpu2 activate G")                         # unrelated pending work on cpu2
    out = do(m, "cpu0 gup_longterm F")
    assert out.result == "ok"
    group = GROUP[variant]
    # after the move F' is drained only by v5.18's PAGE_WAS_MAPPED drain or by
    # the head-of-collect drain of the second attempt
    drained = variant == "v5.18" or variant in HEAD_DRAIN
    assert_migrated(m, "F", mapped_holders={"map": 1}, on_lru=drained,
                    list_name="inactive_anon", extra_flags={"swapbacked", "dirty"})
    s = stats(m)
    if group == "d":
        assert (s["drain_all_calls"], s["drain_all_work"]) == (1, ((2,),))
        assert where(m, "G") == ("active_file", "head", True)
    else:
        assert (s["drain_all_calls"], s["drain_all_work"]) == (0, ())
        assert batch(m, 2, "lru_activate") == ["G"]
    assert s["local_drains"] == {"v6.17": 1, "v6.18": 2, "hugh-portmanteau": 2,
                                 "hugh-suggestion": 2}.get(variant, 0)


@pytest.mark.parametrize("variant", D)
def test_b6_drain_even_with_nothing_anywhere(variant):
    m = machine(variant, 2)
    m.declare("F", "anon", zone="movable")
    assert do(m, "cpu0 gup_longterm F").result == "ok"
    assert stats(m)["drain_all_calls"] == 1 and stats(m)["drain_all_work"] == ((),)


# --- B7: endless retry versus silent CMA pin ----------------------------------------

@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("zone", ["movable", "cma"])
def test_b7_endless_retry(variant, zone):
    m = machine(variant)
    m.declare("F", "anon", zone=zone, nolru=True)
    assert held(m, "F") == {"map": 1} and f(m, "F").list is None
    out = do(m, "cpu0 gup_longterm F")
    s = stats(m)
    if variant == "v6.14":                           # 1aaf8c122918: pinned where it is
        assert out.result == "ok"
        assert held(m, "F") == {"map": 1, "pin": BIAS} and f(m, "F").pins == 1
        assert f(m, "F").zone == zone and "F'" not in m.state.folios
        assert (s["gup_attempts"], s["drain_all_calls"], s["local_drains"]) == (1, 1, 0)
        return
    assert out.result == "LIVELOCK"
    assert held(m, "F") == {"map": 1} and f(m, "F").pins == 0
    assert not f(m, "F").isolated_by and "F'" not in m.state.folios
    per_attempt_local = {"hugh-suggestion": 1, "v6.17": 1, "v6.18": 2, "hugh-portmanteau": 1}
    assert s == {"drain_all_calls": 8, "drain_all_cpus": 0, "drain_all_work": ((),) * 8,
                 "local_drains": 8 * per_attempt_local.get(variant, 0), "gup_attempts": 8}
