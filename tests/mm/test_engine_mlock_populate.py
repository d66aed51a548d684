"""mlock(2)'s populate pass (mm/gup.c): do_mlock() drops mmap_lock after
mlock_fixup(), then __mm_populate() -> populate_vma_page_range() walks the
range with FOLL_TOUCH, so follow_page_pte() calls folio_mark_accessed() on
every PTE-mapped page, and ends with lru_add_drain().  A PMD mapping is only
made young (follow_huge_pmd() -> touch_pmd()).  mlock2(MLOCK_ONFAULT) sets
VM_LOCKONFAULT, and populate_vma_page_range() returns at once.  The lab saw
it: after mlock(2), PG_referenced was set on 6.17.8 (docs/lab.md)."""

from __future__ import annotations

import pytest

from mmtest import ALL, do, f, machine, pending, run


@pytest.mark.parametrize("variant", ALL)
def test_mlock_2_marks_the_folio_accessed_and_mlock2_onfault_does_not(variant):
    m = machine(variant)
    m.declare("F", "anon")
    m.declare("G", "anon")
    run(m, "cpu0 sys_mlock F", "cpu0 sys_mlock G onfault")
    assert f(m, "F").referenced and not f(m, "G").referenced
    for name in "FG":
        assert f(m, name).mlocked and f(m, name).list == "unevictable"


@pytest.mark.parametrize("variant", ALL)
def test_touching_an_unevictable_folio_again_does_nothing(variant):
    """folio_mark_accessed(): "marking an unevictable page accessed has no effect"."""
    m = machine(variant)
    m.declare("F", "anon", mapped=2)
    run(m, "cpu0 sys_mlock F", "cpu1 sys_mlock F")
    F = f(m, "F")
    assert F.referenced and not F.active and F.list == "unevictable" and F.mlock_count == 2


@pytest.mark.parametrize("variant", ALL)
def test_a_large_folio_mlock_skips_is_activated_by_its_touched_pages(variant):
    """Mapped by two runs of PTEs, a large folio is not mlocked on any variant
    (folio_mlock_step() < folio_nr_pages() from v6.7, every large folio
    before), but populate touches its 4 pages: PG_referenced; folio_activate(),
    whose batch flushes at once for a large folio, and PG_referenced cleared;
    PG_referenced again; then "already active"."""
    m = machine(variant)
    m.declare("L", "anon", order=2, vma_maps="two_runs")
    run(m, "cpu0 sys_mlock L")
    L = f(m, "L")
    assert not L.mlocked and L.active and L.list == "active_anon" and L.referenced
    assert not pending(m)


@pytest.mark.parametrize("variant", ALL)
def test_a_range_over_part_of_a_large_folio_touches_only_what_it_covers(variant):
    m = machine(variant)
    m.declare("L", "anon", order=2)
    run(m, "cpu0 sys_mlock L partial")
    L = f(m, "L")
    assert L.referenced and not L.active


@pytest.mark.parametrize("variant", ALL)
def test_a_pmd_mapped_folio_is_only_made_young(variant):
    m = machine(variant)
    m.declare("P", "anon", order=9, vma_maps="pmd")
    out = do(m, "cpu0 sys_mlock P")
    assert not f(m, "P").referenced
    assert any(e.func == "follow_huge_pmd" for e in out.events)


@pytest.mark.parametrize("variant", ALL)
def test_populate_is_a_yield_point(variant):
    """Between mlock_fixup() and __mm_populate() another CPU may run: here it
    unmaps and frees the folio, and populate finds nothing to touch."""
    m = machine(variant)
    m.declare("F", "anon")
    first = m.start("sys_mlock", 0, ("F",))
    assert first.result == "waiting" and "__mm_populate" in first.detail
    assert f(m, "F").mlocked and not f(m, "F").referenced
    run(m, "cpu0 drain", "cpu1 unmap F locked", "cpu1 drain")
    done = m.resume(0)
    assert done.result == "ok"
    assert any("no longer mapped" in e.text for e in done.events)


@pytest.mark.parametrize("variant", ALL)
def test_populate_follows_a_migration_to_the_new_folio(variant):
    """A FOLL_LONGTERM pin on another CPU migrates F meanwhile: the page
    tables now point at F', which populate touches."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    m.start("sys_mlock", 0, ("F",))
    run(m, "cpu0 drain", "cpu1 gup_longterm F")
    new = m.state.successor.get("F")
    if new is None:      # the pin failed on this variant: F is still there
        return
    m.resume(0)
    assert f(m, new).referenced
