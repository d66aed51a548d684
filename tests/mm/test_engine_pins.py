"""How the kernel keeps FOLL_PIN pins (docs/kernel-findings.md §B2):
``try_grab_folio(folio, refs, FOLL_PIN)`` in mm/gup.c adds ``refs`` to a
large folio's refcount and to its ``_pincount``, and ``refs *
GUP_PIN_COUNTING_BIAS`` to a small folio's refcount, which has no
``_pincount`` (``folio_has_pincount()`` is ``folio_test_large()`` on 64-bit,
include/linux/mm.h).  ``folio_maybe_dma_pinned()`` (include/linux/mm.h) is
exact for a large folio (``_pincount > 0``) and a heuristic for a small one
(``refcount >= GUP_PIN_COUNTING_BIAS``).  Every variant keeps pins alike
(from 5232c63f46fd and 0b90ddae1344, v5.18)."""

from __future__ import annotations

import pytest

from folioscope.dsl import parse_text
from folioscope.mm.flat import flatten
from folioscope.replay import run_scenario
from folioscope.views import text
from mmtest import ALL, BIAS, f, machine, run


@pytest.mark.parametrize("variant", ALL)
def test_small_folio_has_no_pincount(variant):
    m = machine(variant)
    m.declare("F", "anon")
    run(m, "cpu0 pin F", "cpu0 pin F")
    F = f(m, "F")
    assert (F.pins, F.pincount, F.refcount) == (2, 0, 1 + 2 * BIAS)
    assert F.maybe_dma_pinned()
    run(m, "cpu0 unpin F", "cpu0 unpin F")
    assert (f(m, "F").pins, f(m, "F").pincount) == (0, 0) and not f(m, "F").maybe_dma_pinned()


@pytest.mark.parametrize("variant", ALL)
def test_large_folio_pincount_counts_pinned_pages(variant):
    m = machine(variant)
    m.declare("L", "anon", order=2, mapped=1)
    run(m, "cpu0 pin L")
    L = f(m, "L")
    assert (L.pins, L.pincount, L.refcount) == (4, 4, 5) and L.maybe_dma_pinned()
    run(m, "cpu0 unpin L")
    assert (f(m, "L").pincount, f(m, "L").maybe_dma_pinned()) == (0, False)


@pytest.mark.parametrize("variant", ALL)
def test_maybe_dma_pinned_is_a_heuristic_for_small_folios_only(variant):
    """1024 plain references make a small folio look pinned; a large folio
    with as many references and no _pincount does not."""
    m = machine(variant)
    m.declare("F", "anon")
    m.declare("L", "anon", order=1, mapped=1)
    for _ in range(BIAS - 1):
        run(m, "cpu0 get F", "cpu0 get L")
    assert f(m, "F").refcount == BIAS and f(m, "F").pins == 0
    assert f(m, "F").maybe_dma_pinned()
    assert f(m, "L").refcount == BIAS and not f(m, "L").maybe_dma_pinned()


@pytest.mark.parametrize("variant", ALL)
def test_longterm_pin_of_small_folio_after_migration(variant):
    """The pin that succeeds after migration lands on F' (small): pins 1,
    _pincount 0 (the field the kernel does not have for it)."""
    m = machine(variant)
    m.declare("F", "anon", zone="movable")
    assert run(m, "cpu0 gup_longterm F")[0].result == "ok"
    pinned = f(m, "F'") if "F'" in m.state.folios else f(m, "F")
    assert (pinned.pins, pinned.pincount) == (1, 0) and pinned.maybe_dma_pinned()


def test_flat_state_and_text_trace_show_pins():
    m = machine("v6.18")
    m.declare("F", "anon")
    m.declare("L", "anon", order=2, mapped=1)
    run(m, "cpu0 pin F", "cpu0 pin L")
    flat = flatten(m.state)
    assert (flat["folio.F.pincount"], flat["folio.F.pins"], flat["folio.F.dma_pinned"]) == (0, 1, True)
    assert (flat["folio.L.pincount"], flat["folio.L.pins"], flat["folio.L.dma_pinned"]) == (4, 4, True)
    rendered = text.folio_line(flat, "F") + "\n" + text.folio_line(flat, "L")
    assert "pins 1  " in rendered and "pins 4 (pincount 4)" in rendered
    assert "pincount 1" not in rendered


SCENARIO = """\
folio F anon
folio L anon order=2
folio G anon
cpu0 pin F
cpu0 pin L
expect F.pincount == 0
expect F.pins == 1
expect F.dma_pinned == true
expect L.pincount == 4
expect L.pins == 4
expect L.dma_pinned == true
expect G.dma_pinned == false
"""


@pytest.mark.parametrize("variant", ALL)
def test_expectations_on_pin_fields(variant):
    trace = run_scenario(parse_text(SCENARIO), variant, check=True)
    assert not trace.failed, text.failure_report(trace)
