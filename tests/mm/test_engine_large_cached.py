"""Large folios in the per-CPU LRU caches (David Hildenbrand's LSF/MM idea,
56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com; docs/kernel-findings.md §B3)
and what GUP's refcount trigger compares with.

Every kernel flushes a batch at once when the folio added is large: v5.18's
``pagevec_add_and_need_flush()`` (PageCompound()) and mlock producers
(PageHead()), the 6.x ``folio_batch_add_and_move()`` and ``mlock_folio()``
(folio_test_large()), and from 2da6de30e60d (v6.17) ``!folio_may_be_lru_cached()``
(include/linux/swap.h), which GUP's ``collect_longterm_unpinnable_folios()``
asks too (mm/gup.c@v6.17).  ``large_folios_cached`` makes that function true
for large folios.  The v6.17 trigger compares the refcount with
``folio_expected_ref_count() + 1`` (98c6d259319e, a09a8a1fbb37) while GUP
holds 1024 per pin of a small folio and one per pinned page of a large one;
the later "mm/gup: fix always draining LRU caches in
collect_longterm_unpinnable_folios()" compares with the pins' references
(``gup_expected_refs=plus_pins``).
"""

from __future__ import annotations

import pytest

from folioscope.mm.variants import VARIANTS, compose
from mmtest import ALL, GROUP, batch, f, held, machine, pending, run


def cached(variant: str) -> str:
    return compose(VARIANTS[variant], {"large_folios_cached": True}).name


def refcount_trigger(variant: str) -> bool:
    return VARIANTS[variant].gup_drain_trigger.startswith("refcount")


def test_no_named_variant_caches_large_folios_or_counts_pins():
    assert not any(v.large_folios_cached for v in VARIANTS.values())
    assert all(v.gup_expected_refs == "plus_one" for v in VARIANTS.values())


@pytest.mark.parametrize("variant", ALL)
def test_large_folio_never_waits_in_a_batch(variant):
    m = machine(variant)
    m.declare("L", "anon", order=2, active=True)
    run(m, "cpu0 deactivate L", "cpu1 mlock L")
    assert not pending(m)
    assert held(m, "L") == {"map": 1}


@pytest.mark.parametrize("variant", ALL)
def test_large_folio_waits_when_cached(variant):
    m = machine(cached(variant))
    m.declare("L", "anon", order=2, active=True)
    run(m, "cpu0 deactivate L", "cpu1 mlock L")
    assert batch(m, 0, "lru_deactivate") == ["L"] and batch(m, 1, "mlock") == [("L", "lru")]
    assert held(m, "L") == {"map": 1, "cpu0 lru_deactivate": 1, "cpu1 mlock (lru)": 1}
    # drained as a small folio's entries are: the deactivation, then the mlock
    run(m, "cpu0 drain", "cpu1 drain")
    assert not pending(m) and f(m, "L").list == "unevictable"


@pytest.mark.parametrize("variant", ALL)
def test_cached_large_folio_meets_hughs_incompatibility(variant):
    """B3 for large folios: where PG_lru is cleared at add (33dfe9204f29),
    the mlock entry processed first finds it clear and misses."""
    m = machine(cached(variant))
    m.declare("L", "anon", order=2, active=True)
    run(m, "cpu0 deactivate L", "cpu1 mlock L", "cpu1 drain", "cpu0 drain")
    missed = GROUP[variant] == "b"
    assert (f(m, "L").list == "unevictable") == (not missed) and f(m, "L").mlocked


@pytest.mark.parametrize("variant", ALL)
def test_pin_of_a_cached_large_folio(variant):
    """The refcount triggers drain for it now (folio_may_be_lru_cached());
    the PG_lru trigger drains only where PG_lru was cleared at add (group b,
    33dfe9204f29): elsewhere the entries defeat migration, -ENOMEM."""
    m = machine(cached(variant))
    m.declare("L", "anon", order=2, active=True, zone="movable")
    run(m, "cpu0 deactivate L", "cpu1 mlock L")
    out = run(m, "cpu0 gup_longterm L")[0]
    drains = refcount_trigger(variant) or GROUP[variant] == "b"
    if drains:
        assert out.result == "ok" and f(m, "L").freed and f(m, "L'").pins == 4
        assert m.state.stats.drain_all_calls >= 1
    else:
        assert out.result == "ENOMEM" and m.state.stats.drain_all_calls == 0
        assert batch(m, 1, "mlock") == [("L", "lru")]


@pytest.mark.parametrize("variant", [v for v in ALL if VARIANTS[v].gup_drain_trigger.startswith("refcount")])
def test_plus_one_always_drains_for_a_large_folio_pinned_on_several_pages(variant):
    """Nothing caches M, yet its four pinned pages mismatch "+ 1": every
    pin drains every CPU that has anything (David: "a simple
    folio_expected_ref_count() + 1 would no longer do the trick")."""
    for expected, drains in (("plus_one", True), ("plus_pins", False)):
        name = compose(VARIANTS[variant], {"large_folios_cached": True, "gup_expected_refs": expected}).name
        m = machine(name)
        m.declare("M", "anon", order=2, zone="movable")
        m.declare("N", "anon", new=True)
        run(m, "cpu1 add_lru N", "cpu0 gup_longterm M")
        assert f(m, "M'").pins == 4
        assert (batch(m, 1, "lru_add") == []) == drains, (name, expected)


@pytest.mark.parametrize("variant", [v for v in ALL if VARIANTS[v].gup_drain_trigger.startswith("refcount")])
def test_plus_pins_ends_the_always_drain_of_small_folios(variant):
    """b6: a pinned small folio holds 1024 references, so "+ 1" always
    mismatches; counting the pins' references it matches when nothing else
    holds the folio."""
    name = compose(VARIANTS[variant], {"gup_expected_refs": "plus_pins"}).name
    m = machine(name)
    m.declare("F", "anon", zone="movable")
    m.declare("N", "anon", new=True)
    run(m, "cpu1 add_lru N", "cpu0 gup_longterm F")
    assert f(m, "F'").pins == 1 and batch(m, 1, "lru_add") == ["N"]
    assert m.state.stats.drain_all_calls == 0
    # an entry that does hold it is still drained
    m2 = machine(name)
    m2.declare("F", "anon", zone="movable", referenced=True)
    run(m2, "cpu1 mark_accessed F", "cpu0 gup_longterm F")
    assert f(m2, "F").freed and m2.state.stats.drain_all_calls == 1
