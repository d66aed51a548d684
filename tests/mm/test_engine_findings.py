"""Minimal reproducers of what random sequences found, as regression tests.

Each asserts what the kernel does (a BUG, which the model must report as
the result ``BUG`` with the state left exactly as it was), never an
InvariantViolation, which is a bug of the model itself."""

from __future__ import annotations

import pytest

from mmtest import ALL, B, assert_bug_leaves_state, do, f, held, machine, run


# --- PG_active survives __mlock_new_folio; folio_add_lru then BUGs -----------------
# The kernel's __mlock_new_folio() sets PG_unevictable without clearing
# PG_active (mm/mlock.c), and folio_add_lru() has
# VM_BUG_ON_FOLIO(folio_test_active(folio) && folio_test_unevictable(folio)).
# A putback (mm/vmscan.c: folio_putback_lru = folio_add_lru + put) of such a folio
# is therefore a BUG, and the model must undo it.

def _active_unevictable(variant):
    m = machine(variant)
    m.declare("F", "anon", new=True, active=True, locked=1, zone="movable")
    run(m, "cpu0 mlock_new F", "cpu0 drain")
    F = f(m, "F")
    assert (F.list, F.active, F.unevictable, F.mlocked) == ("unevictable", True, True, True)
    return m


@pytest.mark.parametrize("variant", ALL)
def test_putback_of_active_unevictable_folio_is_a_bug(variant):
    m = _active_unevictable(variant)
    run(m, "cpu0 isolate F")
    assert_bug_leaves_state(m, "cpu0 putback F")


@pytest.mark.parametrize("variant", ALL)
def test_gup_putback_of_active_unevictable_folio_is_a_bug(variant):
    """The failed migration's putback hits the same VM_BUG_ON (a get of the
    caller's makes the migration fail in every variant)."""
    m = _active_unevictable(variant)
    run(m, "cpu1 get F")
    assert_bug_leaves_state(m, "cpu0 gup_longterm F")


# --- gup_longterm of a folio no page table maps --------------------------------------
# GUP only ever returns folios the page tables map (it faults otherwise; the
# model does not fault, dsl.md: "folios must be mapped").  Pinning an
# unmapped folio whose other references are dropped by collect's drain
# reaches migrate's "freed from under us" (findings Q7g); the retry must not
# crash the model: it must end in an Outcome, and a BUG must undo the whole
# call.

@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("attrs,setup", [
    ({}, ["cpu0 mlock F", "cpu0 unmap F"]),                    # only an mlock entry left
    ({"referenced": True}, ["cpu0 mark_accessed F", "cpu0 unmap F"]),   # an lru_activate entry
    ({"locked": 1}, ["cpu0 unmap F locked"]),                  # only the munlock entry
])
def test_gup_longterm_of_unmapped_folio_ends_in_an_outcome(variant, attrs, setup):
    m = machine(variant)
    m.declare("F", "anon", zone="movable", **attrs)
    run(m, *setup)
    assert f(m, "F").mapcount == 0 and not f(m, "F").freed
    before = m.snapshot()
    out = do(m, "cpu1 gup_longterm F")                       # InvariantViolation = model bug
    assert out.result in ("ok", "ENOMEM", "LIVELOCK", "BUG")
    if out.result == "BUG":
        assert m.state == before


# --- folio_add_lru of a folio still linked on a list ----------------------------------
# folio_add_lru() only tests PG_lru.  A folio parked by 33dfe9204f29 (PG_lru
# clear, still on its list) or isolated by someone else passes that test;
# the kernel then corrupts the list when lru_add() links it at the flush.
# The model may accept the add, but must not break its own invariants, and
# the flush must be a BUG that changes nothing.

@pytest.mark.parametrize("variant", B)
def test_add_lru_of_parked_folio_bugs_at_the_flush(variant):
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu0 activate F")
    out = do(m, "cpu1 add_lru F")
    assert out.result in ("ok", "BUG")
    if out.result == "ok":
        assert_bug_leaves_state(m, "cpu1 drain")


@pytest.mark.parametrize("variant", ALL)
def test_add_lru_of_folio_isolated_by_someone_bugs_at_the_flush(variant):
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu0 isolate F")
    out = do(m, "cpu1 add_lru F")
    assert out.result in ("ok", "BUG")
    if out.result == "ok":
        assert_bug_leaves_state(m, "cpu1 drain")
        assert held(m, "F") == {"map": 1, "isolated (user)": 1, "cpu1 lru_add": 1}


@pytest.mark.parametrize("variant", ALL)
def test_mlock_new_of_folio_on_lru_bugs_at_the_flush(variant):
    """__mlock_new_folio(): VM_BUG_ON_FOLIO(folio_test_lru(folio))."""
    m = machine(variant)
    m.declare("F", "anon")
    out = do(m, "cpu0 mlock_new F")
    assert out.result in ("ok", "BUG")
    if out.result == "ok":
        assert_bug_leaves_state(m, "cpu0 drain")
    m2 = machine(variant)
    m2.declare("L", "anon", order=1, mapped=2)
    assert_bug_leaves_state(m2, "cpu0 mlock_new L")          # large: flushed within the call
