"""Helpers shared by the engine tests in tests/mm.

The expectations in these tests come from the kernel source (cited in each
test and in docs/kernel-findings.md) and docs/model.md, not from what the
engine happens to print.  The variant groups are derived from the variant
table (folioscope/mm/variants.py) by the PG_lru handling of the LRU batches,
so a new variant is tested as soon as it exists, and a variant that fits no
group fails ``test_every_variant_is_in_an_engine_test_group``:

* a: move batches keep PG_lru until the flush, which test-and-clears it, and
  deactivate_file_folio() queues a folio without PG_lru (mm/swap.c@v5.18 to
  @v6.10: v5.18, v6.9);
* b: 33dfe9204f29 (mm/swap.c@v6.11): PG_lru is cleared when a folio enters a
  move batch and the flush no longer tests it (v6.11, v6.14, Will's v1,
  Hugh's suggestion);
* d: afb99e9f5004 (mm/swap.c@v6.17): every gate tests PG_lru, the flush
  test-and-clears it (v6.17, v6.18, Hugh's portmanteau).
"""

from __future__ import annotations

from folioscope.mm import Machine, Outcome
from folioscope.mm.refs import holders as _holders
from folioscope.mm.state import BATCHES
from folioscope.mm.variants import VARIANT_NAMES, VARIANTS, Variant

GROUP_SWITCHES = {
    "a": {"clear_lru_at_add": False, "flush_tests_clear_lru": True, "deactivate_file_requires_lru": False},
    "b": {"clear_lru_at_add": True, "flush_tests_clear_lru": False},
    "d": {"clear_lru_at_add": False, "flush_tests_clear_lru": True, "deactivate_file_requires_lru": True},
}
"""The switches that define each group (the kernel behaviour its tests assume)."""


def groups_of(variant: Variant) -> list[str]:
    """The groups whose defining switches ``variant`` has (exactly one, for a
    variant the engine tests cover)."""
    return [g for g, switches in GROUP_SWITCHES.items()
            if all(getattr(variant, k) == v for k, v in switches.items())]


def having(**switches) -> tuple[str, ...]:
    """The named variants with these switch values, in table order."""
    return tuple(n for n in VARIANT_NAMES if all(getattr(VARIANTS[n], k) == v for k, v in switches.items()))


GROUP = {name: (groups_of(v) or ["?"])[0] for name, v in VARIANTS.items()}
A = tuple(n for n in VARIANT_NAMES if GROUP[n] == "a")
B = tuple(n for n in VARIANT_NAMES if GROUP[n] == "b")
D = tuple(n for n in VARIANT_NAMES if GROUP[n] == "d")
ALL = VARIANT_NAMES

BATCH_SIZE = {name: v.batch_size for name, v in VARIANTS.items()}
"""PAGEVEC_SIZE / FOLIO_BATCH_SIZE per variant (test_variants.py checks the
kernel's values: 15 in v5.18, 31 from 9cecde80aae0 in v6.9)."""

FLAG_WORDS = {"locked", "touch", "write", "partial", "onfault"}

BIAS = 1024
"""GUP_PIN_COUNTING_BIAS."""


def machine(variant: str, ncpus: int = 2) -> Machine:
    """A machine that checks the model's own invariants after every step."""
    return Machine(variant, ncpus, check=True)


def do(m: Machine, text: str) -> Outcome:
    """Run one statement written as in the DSL: ``cpu1 map F locked``,
    ``cpu0 gup_longterm F G touch``, ``cpu0 flush lru_add``, ``cpu0 drain all``."""
    words = text.split()
    cpu = int(words[0].removeprefix("cpu"))
    op = words[1]
    rest = words[2:]
    if op == "drain" and rest == ["all"]:
        return m.apply("drain_all", cpu)
    if op == "flush":
        return m.apply("flush", cpu, batch=rest[0])
    folios = tuple(w for w in rest if w not in FLAG_WORDS)
    flags = tuple(w for w in rest if w in FLAG_WORDS)
    return m.apply(op, cpu, folios, flags)


def run(m: Machine, *texts: str) -> list[Outcome]:
    """Several statements; every one must not be a BUG."""
    outcomes = []
    for text in texts:
        out = do(m, text)
        assert out.result != "BUG", f"{text}: {out.detail}"
        outcomes.append(out)
    return outcomes


def f(m: Machine, name: str):
    """The folio called ``name``."""
    return m.state.folios[name]


def held(m: Machine, name: str) -> dict[str, int]:
    """Who holds ``name``'s references, as {holder: count}; checks that
    they add up to the refcount (docs/model.md §1)."""
    h = dict(_holders(m.state)[name])
    assert sum(h.values()) == f(m, name).refcount, (name, h, f(m, name).refcount)
    return h


def flags(m: Machine, name: str) -> set[str]:
    """The flags set on ``name`` (isolated included, as the DSL shows it)."""
    folio = f(m, name)
    out = set(folio.flags())
    if folio.isolated_by:
        out.add("isolated")
    return out


def batch(m: Machine, cpu: int, name: str) -> list:
    """One batch of one CPU; mlock entries are ``(folio, tag)``."""
    return list(m.state.cpus[cpu].batches[name])


def pending(m: Machine) -> dict[str, list]:
    """Every non-empty batch, as {"cpuN batch": entries}."""
    out = {}
    for cpu in m.state.cpus:
        for name in BATCHES:
            if cpu.batches[name]:
                out[f"cpu{cpu.cpu} {name}"] = list(cpu.batches[name])
    return out


def lst(m: Machine, list_name: str) -> list[str]:
    """An LRU list, head first."""
    return list(m.state.lists[list_name])


def where(m: Machine, name: str) -> tuple:
    """(list, pos, lru) of a folio."""
    folio = f(m, name)
    return folio.list, folio.pos, folio.lru


def assert_bug_leaves_state(m: Machine, text: str) -> Outcome:
    """``text`` must be a BUG and leave the state exactly as it was."""
    before = m.snapshot()
    out = do(m, text)
    assert out.result == "BUG", (text, out.result)
    assert out.detail
    assert m.state == before
    assert m.state.key() == before.key()
    return out


def count_events(outcome: Outcome, prefix: str) -> int:
    """How many logged kernel calls start with ``prefix``."""
    return sum(1 for e in outcome.events if e.text.startswith(prefix))
