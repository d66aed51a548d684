"""Random operation sequences under every variant.

``Machine(check=True)`` asserts the model's invariants (folioscope/mm/invariants.py:
the refcount is the sum of its holders and never negative, PG_lru agrees
with the lists, no large folio left in a batch, ...) after every step; an
InvariantViolation here is a bug in the model.  On top of that, every step
must return an Outcome (never raise), a BUG must leave the state exactly as
it was, the flat view's holders must add up to the refcount, and a freed
folio must never change except through a BUG (which is undone).

Longer runs of the same generator (about 160,000 programs) found two
model bugs; their shrunk reproducers are in test_engine_findings.py
(explicit failing examples here would stop the random search).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from folioscope.mm import DeclarationError, Machine, Outcome, VARIANT_NAMES
from folioscope.mm.flat import flatten
from folioscope.mm.state import BATCHES

pytestmark = pytest.mark.slow     # hypothesis: random sequences under every variant

RESULTS = {"ok", "refused", "EBUSY", "ENOMEM", "LIVELOCK", "BUG"}
SINGLE_OPS = ("add_lru", "mark_accessed", "activate", "deactivate", "deactivate_file",
              "lazyfree", "rotate", "mlock", "mlock_new", "munlock", "map", "unmap", "get",
              "put", "isolate", "putback", "pin", "unpin")
MULTI_OPS = ("gup_longterm", "sys_mlock", "sys_munlock")
NO_FOLIO_OPS = ("drain", "drain_all", "flush", "lru_cache_disable", "lru_cache_enable")
BOOL_WORDS = ("new", "nolru", "unmlocked", "active", "inactive", "referenced", "dirty",
              "writeback", "private")

EXAMPLES_PER_VARIANT = 250



@st.composite
def declarations(draw, names):
    decls = []
    for name in names:
        kind = draw(st.sampled_from(("anon", "anon", "file", "shmem")))
        attrs = {}
        order = draw(st.sampled_from((0, 0, 0, 1, 2)))
        if order:
            attrs["order"] = order
        zone = draw(st.sampled_from(("normal", "movable", "movable", "cma")))
        if zone != "normal":
            attrs["zone"] = zone
        if draw(st.booleans()):
            attrs["mapped"] = draw(st.integers(0, 2))
        if draw(st.integers(0, 3)) == 0:
            attrs["locked"] = draw(st.integers(1, 2))
        for word in BOOL_WORDS:
            if draw(st.integers(0, 5)) == 0:
                attrs[word] = True
        if kind == "anon" and draw(st.integers(0, 4)) == 0:
            attrs["swapcache"] = True
        decls.append((name, kind, attrs))
    return decls


@st.composite
def operations(draw, names, ncpus):
    targets = names + [n + "'" for n in names]
    ops = []
    for _ in range(draw(st.integers(1, 20))):
        cpu = draw(st.integers(0, ncpus - 1))
        group = draw(st.sampled_from(("single",) * 6 + ("multi", "none", "none")))
        if group == "single":
            op = draw(st.sampled_from(SINGLE_OPS))
            folios = (draw(st.sampled_from(targets)),)
            flags = ("locked",) if op in ("map", "unmap") and draw(st.booleans()) else ()
            ops.append((op, cpu, folios, flags, None))
        elif group == "multi":
            op = draw(st.sampled_from(MULTI_OPS))
            folios = tuple(draw(st.lists(st.sampled_from(targets), min_size=1, max_size=3)))
            flags = ()
            if op == "gup_longterm":
                flags = tuple(w for w in ("touch", "write") if draw(st.booleans()))
            ops.append((op, cpu, folios, flags, None))
        else:
            op = draw(st.sampled_from(NO_FOLIO_OPS))
            batch = draw(st.sampled_from(BATCHES)) if op == "flush" else None
            ops.append((op, cpu, (), (), batch))
    return ops


@st.composite
def programs(draw):
    ncpus = draw(st.integers(2, 4))
    names = [f"F{i}" for i in range(1, draw(st.integers(2, 4)) + 1)]
    return ncpus, draw(declarations(names)), draw(operations(names, ncpus))


def _fallbacks(attrs: dict):
    """The declaration as drawn, then repaired: a folio with no reference at
    all would be free (give it a mapping); PG_private / swapcache only where
    the declaration rules allow them."""
    yield attrs
    yield {**attrs, "mapped": 1}
    yield {k: v for k, v in {**attrs, "mapped": 1}.items() if k not in ("private", "swapcache")}


def build(variant, ncpus, decls) -> Machine:
    m = Machine(variant, ncpus, check=True)
    for name, kind, attrs in decls:
        for candidate in _fallbacks(attrs):
            try:
                m.declare(name, kind, **candidate)
                break
            except DeclarationError:
                continue
        else:
            reject()
    m.assert_invariants("the declarations")
    return m


def check_program(variant, program) -> None:
    ncpus, decls, ops = program
    m = build(variant, ncpus, decls)
    for op, cpu, folios, flags, batch in ops:
        before = m.snapshot()
        freed_before = {n: f.key() for n, f in before.folios.items() if f.freed}
        out = m.apply(op, cpu, folios, flags, batch)       # InvariantViolation = model bug
        where = f"{op} cpu{cpu} {folios} {flags} {batch}"
        assert isinstance(out, Outcome), where
        assert out.result in RESULTS, where
        assert isinstance(out.events, tuple)
        if out.result == "BUG":
            assert out.detail, where
            assert m.state == before, f"BUG changed the state: {where}"
        if out.result in ("refused", "EBUSY"):
            # docs/model.md §1, "Gates": a refused request takes no reference and queues nothing;
            # folio_isolate_lru() (findings Q11): a failed isolation changes nothing
            assert m.state == before, f"{out.result} changed the state: {where}"
        if op == "gup_longterm":
            check_pins(variant, before, m.state, folios, out.result, where)
        for name, key in freed_before.items():
            assert m.state.folios[name].key() == key, f"freed {name} touched by {where}"
        flat = flatten(m.state)
        for name in flat["folios"]:
            total = sum(n for _, n in flat[f"folio.{name}.holders"])
            assert total == flat[f"folio.{name}.refcount"] >= 0, (where, name)


def _final(state, name: str) -> str:
    """Where the page tables point after migrations: F -> F' -> ..."""
    while name in state.successor:
        name = state.successor[name]
    return name


def check_pins(variant, before, after, names, result, where) -> None:
    """docs/model.md §2, gup_retry_style: gup_longterm ends ok with every pin held (one per small
    folio named, 2^order per large one), on folios that are longterm-pinnable
    unless 1aaf8c122918 (v6.14) pinned one where it is; ENOMEM and LIVELOCK
    keep no pin."""
    assert result in ("ok", "ENOMEM", "LIVELOCK", "BUG"), where
    if result == "BUG":
        return
    want: dict[str, int] = {}
    for name in names:
        final = _final(after, name)
        folio = after.folios[final]
        want[final] = want.get(final, 0) + (folio.nr_pages if folio.large else 1)
    for name, folio in after.folios.items():
        old = before.folios[name].pins if name in before.folios else 0
        added = folio.pins - old
        expected = want.get(name, 0) if result == "ok" else 0
        assert added == expected, f"{name}: {added} pins added, want {expected}: {where}"
        if result == "ok" and name in want and variant != "v6.14":
            assert folio.zone == "normal", f"{name} pinned in {folio.zone}: {where}"


@pytest.mark.parametrize("variant", VARIANT_NAMES)
@settings(max_examples=EXAMPLES_PER_VARIANT, deadline=timedelta(seconds=5), report_multiple_bugs=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=programs())
def test_random_sequences(variant, program):
    check_program(variant, program)
