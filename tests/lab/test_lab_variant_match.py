"""A kernel's variant from its version and the commits its changelog lists."""

import pytest

from folioscope.dsl import parse_file
from folioscope.lab.variant_match import match
from folioscope.replay import run_scenario

from test_lab_routes import B2

GUP_FIXES_6_1 = [  # as 6.1.155's changelog lists them, newest release first
    'mm/gup: revert "mm: gup: fix infinite loop within __get_longterm_locked"',
    "mm: add folio_expected_ref_count() for reference count calculation",
    "mm/gup: check ref_count instead of lru before migration",
    "mm/gup: local lru_add_drain() to avoid lru_add_drain_all()",
    "mm: folio_may_be_lru_cached() unless folio_test_large()",
    "some other fix",
    "mm: gup: fix infinite loop within __get_longterm_locked",
]


def test_6_1_with_the_gup_fixes_is_a_composed_variant():
    m = match("6.1.192", GUP_FIXES_6_1)
    assert m.variant.base == "v5.18"
    assert m.name == ("v5.18+gup_drain_trigger=refcount_2level+gup_skip_large_for_drain=true"
                      "+gup_retry_style=collected_count")
    assert "plus backported" in m.sentence and "98c6d259319e a09a8a1fbb37 2da6de30e60d" in m.sentence
    assert m.sentence.endswith("→ " + m.name)
    v = m.variant
    assert v.batch_size == 15 and not v.clear_lru_at_add   # still old-style batches
    assert v.gup_skip_large_for_drain and v.gup_retry_style == "collected_count"


def test_the_composed_6_1_variant_pins_b2():
    scenario = parse_file(str(B2))
    assert run_scenario(scenario, match("6.1.192", GUP_FIXES_6_1).name).steps[-1].result == "ok"
    assert run_scenario(scenario, match("6.1.192", []).name).steps[-1].result == "ENOMEM"


@pytest.mark.parametrize("version, entries, name", [
    ("6.1.100", [], "v5.18+gup_retry_style=collected_count"),
    ("6.9.1", [], "v6.9"),
    ("6.12.43", ["mm: gup: fix infinite loop within __get_longterm_locked",
                 'mm/gup: revert "mm: gup: fix infinite loop within __get_longterm_locked"'], "v6.11"),
    ("6.12.20", ["mm: gup: fix infinite loop within __get_longterm_locked"], "v6.14"),
    ("6.14.2", [], "v6.14"),
    ("6.16.3", ["mm: vmscan.c: fix OOM on swap stress test"], "v6.11"),
    ("6.17.8", [], "v6.17"),
    ("6.18.5", [], "v6.18"),
    ("7.0.4", [], "v6.18"),
])
def test_version_and_backports_pick_the_variant(version, entries, name):
    assert match(version, entries).name == name


def test_6_16_with_the_fixes_backported_is_v6_17_behaviour():
    entries = ["mm/gup: check ref_count instead of lru before migration",
               "mm/gup: local lru_add_drain() to avoid lru_add_drain_all()",
               'mm: Revert "mm/gup: clear the LRU flag of a page before adding to LRU batch"',
               "mm: folio_may_be_lru_cached() unless folio_test_large()"]
    assert match("6.16.12", entries).name == "v6.17"


def test_the_sentence_says_what_was_found():
    assert match("6.16.3", ["x"]).sentence == (
        "6.16.3: mainline 6.16 is v6.11; its changelog lists none of the GUP/LRU-batch commits "
        "the variants differ by → v6.11")
    assert "no changelog found" in match("6.18.5", []).sentence


def test_a_composed_override_runs_through_the_model_s_parser():
    from folioscope.lab.session import LabOptions, resolve_variant
    from folioscope.mm.variants import VariantError

    name, sentence = resolve_variant(LabOptions("x.fs", variant="v5.18 + gup_drain_trigger=refcount_2level"), None)
    assert name == "v5.18+gup_drain_trigger=refcount_2level" and "--variant" in sentence
    with pytest.raises(VariantError):
        resolve_variant(LabOptions("x.fs", variant="v6.17+no_such_switch=1"), None)
