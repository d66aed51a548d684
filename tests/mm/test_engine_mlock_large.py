"""mlock(2) and munlock(2) of large folios (docs/kernel-findings.md §B1).

mm/mlock.c ``mlock_pte_range()`` (34b6792380ce, v5.18): a PMD-mapped THP is
mlocked or munlocked whole in every release.  A PTE-mapped large folio is
skipped by both until dc68badcede4 (v6.7, ``mlock_large_in_range``): from
then ``allow_mlock_munlock()`` mlocks it only if ``folio_within_range()``
(the folio lies inside the walk's range, which ends at the page table's
end) and ``folio_mlock_step() == folio_nr_pages()`` (every page mapped, in
order, by consecutive present PTEs), and always allows munlock, once per
run of PTEs the walk meets ("it's possible that large folio is mlocked and
VMA is split later").  ``mlock_folio()`` of a large folio flushes the mlock
batch at once.  At rmap time (mm/rmap.c, mm/internal.h, 1acbc3f93614, v6.7,
``munlock_large_at_unmap``): v5.18 to v6.6 mlock a PMD mapping at add and
munlock it at removal; v6.7+ mlock small folios only at add and munlock any
folio at removal.  A PMD split in a VM_LOCKED vma removes the PMD mapping
(``folio_remove_rmap_pmd()`` in ``__split_huge_pmd_locked()``, mm/huge_memory.c)
and so munlocks.

The walk is tested alone, with mlock2(MLOCK_ONFAULT) (``onfault``): mlock(2)'s
populate pass then touches the pages (test_engine_mlock_populate.py).
"""

from __future__ import annotations

import pytest

from folioscope.dsl import ScenarioError, parse_text
from folioscope.mm.variants import VARIANTS
from mmtest import ALL, f, held, machine, pending, run


def handles_large(variant: str) -> bool:
    return VARIANTS[variant].mlock_large_in_range


def mlocked(m, name) -> tuple:
    F = f(m, name)
    return F.mlocked, F.unevictable, F.list, F.mlock_count


def test_the_switch_follows_dc68badcede4():
    """dc68badcede4 entered mainline in v6.7: v5.18 skips, v6.9 and later handle."""
    assert not VARIANTS["v5.18"].mlock_large_in_range
    assert all(VARIANTS[v].mlock_large_in_range for v in ALL if v != "v5.18")


@pytest.mark.parametrize("variant", ALL)
def test_mlock_of_a_large_folio_the_vma_maps_whole(variant):
    m = machine(variant)
    m.declare("L", "anon", order=4)
    run(m, "cpu0 sys_mlock L onfault")
    assert held(m, "L") == {"map (VM_LOCKED)": 1}       # mlock_fixup() set VM_LOCKED either way
    assert not pending(m)                                # a large folio never waits in a batch
    if handles_large(variant):
        assert mlocked(m, "L") == (True, True, "unevictable", 1)
    else:
        assert mlocked(m, "L") == (False, False, "inactive_anon", 0)
    run(m, "cpu0 sys_munlock L")
    assert mlocked(m, "L") == (False, False, "inactive_anon", 0)
    assert held(m, "L") == {"map": 1} and not pending(m)


@pytest.mark.parametrize("variant", ALL)
@pytest.mark.parametrize("maps", ["part", "two_runs"])
def test_mlock_skips_a_large_folio_not_mapped_whole_in_one_run(variant, maps):
    m = machine(variant)
    m.declare("L", "anon", order=3, vma_maps=maps)
    run(m, "cpu0 sys_mlock L onfault")
    assert mlocked(m, "L") == (False, False, "inactive_anon", 0)
    assert held(m, "L") == {"map (VM_LOCKED)": 1}


@pytest.mark.parametrize("variant", ALL)
def test_munlock_of_a_partly_mapped_large_folio(variant):
    """munlock(2) is allowed for a folio partially mapped by the vma (v6.7+)."""
    m = machine(variant)
    m.declare("L", "anon", order=3, locked=1, vma_maps="part")
    assert mlocked(m, "L") == (True, True, "unevictable", 1)
    run(m, "cpu0 sys_munlock L")
    if handles_large(variant):
        assert mlocked(m, "L") == (False, False, "inactive_anon", 0)
    else:
        assert mlocked(m, "L") == (True, True, "unevictable", 1)


@pytest.mark.parametrize("variant", ALL)
def test_munlock_once_per_run_of_ptes_undercounts(variant):
    """A folio mapped in two runs (across a PMD boundary) is munlocked twice
    by one munlock(2): with two VM_LOCKED vmas its mlock_count drops to 0
    while the other vma is still locked (reclaim's folio_referenced_one()
    would restore it; not modelled)."""
    m = machine(variant)
    m.declare("L", "anon", order=2, locked=2, vma_maps="two_runs")
    assert f(m, "L").mlock_count == 2
    out = run(m, "cpu0 sys_munlock L")[0]
    if handles_large(variant):
        assert sum(e.func == "munlock_folio" for e in out.events) == 2
        assert mlocked(m, "L") == (False, False, "inactive_anon", 0)
    else:
        assert mlocked(m, "L") == (True, True, "unevictable", 2)
    assert held(m, "L") == {"map": 1, "map (VM_LOCKED)": 1}


@pytest.mark.parametrize("variant", ALL)
def test_range_covering_part_of_a_large_folio(variant):
    """mlock(2) over part of the folio: mlock_fixup() splits the vma inside
    it, so no walk meets it whole: never mlocked.  munlock(2) over part of
    it munlocks it (v6.7+); part of the mapping stays VM_LOCKED."""
    m = machine(variant)
    m.declare("L", "anon", order=4)
    run(m, "cpu0 sys_mlock L partial onfault")
    assert f(m, "L").vma_maps == "part"
    assert mlocked(m, "L") == (False, False, "inactive_anon", 0)
    m2 = machine(variant)
    m2.declare("L", "anon", order=4)
    run(m2, "cpu0 sys_mlock L onfault")
    assert f(m2, "L").mlocked == handles_large(variant)
    run(m2, "cpu0 sys_munlock L partial")
    assert held(m2, "L") == {"map (VM_LOCKED)": 1}
    assert mlocked(m2, "L") == (False, False, "inactive_anon", 0)


@pytest.mark.parametrize("variant", ALL)
def test_pmd_mapped_thp(variant):
    """The PMD branch of mlock_pte_range() mlocks and munlocks the whole
    folio in every release."""
    m = machine(variant)
    m.declare("P", "anon", order=9, vma_maps="pmd")
    run(m, "cpu0 sys_mlock P onfault")
    assert mlocked(m, "P") == (True, True, "unevictable", 1) and not pending(m)
    run(m, "cpu0 sys_munlock P")
    assert mlocked(m, "P") == (False, False, "inactive_anon", 0)


@pytest.mark.parametrize("variant", ALL)
def test_pmd_mapping_at_rmap_time(variant):
    """v5.18-v6.6: mlock_vma_folio(compound) mlocks a PMD mapping at add;
    1acbc3f93614 (v6.7) mlocks small folios only.  Removal munlocks a PMD
    mapping in every release."""
    m = machine(variant)
    m.declare("P", "anon", order=9, vma_maps="pmd", mapped=0, swapcache=True)
    run(m, "cpu0 map P locked")
    before_67 = not VARIANTS[variant].munlock_large_at_unmap
    assert f(m, "P").mlocked == before_67 and not pending(m)
    if not before_67:
        run(m, "cpu0 mlock P")                  # as reclaim or mlock(2) would
    assert mlocked(m, "P") == (True, True, "unevictable", 1)
    run(m, "cpu0 unmap P locked")
    assert mlocked(m, "P") == (False, False, "inactive_anon", 0)


@pytest.mark.parametrize("variant", ALL)
def test_munlock_over_part_of_a_pmd_splits_it_and_munlocks(variant):
    """The vma split splits the PMD while the vma is VM_LOCKED: the removed
    PMD mapping munlocks (every release); v6.7+ then munlocks the PTE-mapped
    part the walk meets once more."""
    m = machine(variant)
    m.declare("P", "anon", order=9, vma_maps="pmd", locked=1)
    out = run(m, "cpu0 sys_munlock P partial")[0]
    assert f(m, "P").vma_maps == "part"
    assert mlocked(m, "P") == (False, False, "inactive_anon", 0)
    want = 2 if handles_large(variant) else 1
    assert sum(e.func == "munlock_folio" for e in out.events) == want


@pytest.mark.parametrize("variant", ALL)
def test_migration_keeps_the_shape(variant):
    m = machine(variant)
    m.declare("L", "anon", order=2, zone="movable", vma_maps="two_runs")
    run(m, "cpu0 gup_longterm L")
    if "L'" in m.state.folios:
        assert f(m, "L'").vma_maps == "two_runs"


@pytest.mark.parametrize("text,message", [
    ("folio F anon vma_maps=part", "needs a large folio"),
    ("folio F anon order=4 vma_maps=pmd", "needs order=9"),
    ("folio F anon order=4 vma_maps=prat", "vma_maps= cannot be"),
    ("folio F anon order=4\ncpu0 mlock F partial", "takes no 'partial'"),
    ("folio F anon order=4\ncpu0 sys_mlock partial", "needs a folio before 'partial'"),
])
def test_vma_maps_errors(text, message):
    with pytest.raises(ScenarioError) as err:
        parse_text(text)
    assert message in err.value.render()


def test_vma_maps_hint():
    with pytest.raises(ScenarioError) as err:
        parse_text("folio F anon order=4 vma_maps=prat")
    assert "did you mean 'part'?" in err.value.render()
