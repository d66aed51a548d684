"""The variant table (folioscope/mm/variants.py, releases.py): switches that
check their values, composed variants, the commits behind each variant and
which variant models a kernel release.  Kernel facts are cited per test;
docs/model.md has the table."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from mmtest import ALL, GROUP, GROUP_SWITCHES, groups_of, machine, run

from folioscope.mm import Machine
from folioscope.mm.releases import MAINLINE, release_hint, release_switches, stable_spans
from folioscope.mm.variants import (
    CHANGES,
    SWITCH_FIELDS,
    SWITCHES,
    UPSTREAM,
    V5_18,
    V6_17,
    VARIANT_NAMES,
    VARIANTS,
    Variant,
    VariantError,
    base_name,
    canonical_name,
    compose,
    find_variant,
    get_variant,
    parse_variant,
)

# --- the table itself ------------------------------------------------------------------


def test_every_variant_field_is_a_declared_switch_in_the_same_order():
    assert SWITCH_FIELDS == tuple(SWITCHES)


@pytest.mark.parametrize("name", list(SWITCHES))
def test_every_switch_names_its_kernel_readers_and_commits(name):
    spec = SWITCHES[name]
    assert spec.reads and all(":" in r and "(" in r for r in spec.reads), spec.reads
    assert spec.commits and all(ref in CHANGES for ref in spec.commits)
    assert spec.kind in ("bool", "int", "enum")
    if spec.kind == "enum":
        assert len(spec.values) >= 2 and all(meaning for _, meaning in spec.values)


@pytest.mark.parametrize("name", VARIANT_NAMES)
def test_every_named_variant_cites_known_changes(name):
    v = VARIANTS[name]
    assert v.defined_by and all(ref in CHANGES for ref in v.defined_by)
    assert v.commits == ", ".join(v.defined_by)


def test_every_switch_set_by_a_commit_is_declared_with_that_value():
    for change in CHANGES.values():
        for name, value in change.sets:
            SWITCHES[name].check(value)
            assert change.ref in SWITCHES[name].commits, (change.ref, name)


# --- values are checked ------------------------------------------------------------------


def test_a_misspelt_value_cannot_build_a_variant():
    """Before: replace(V6_11, gup_retry_style="colected_count") was accepted and
    gup.py took it for list_empty_means_success."""
    with pytest.raises(VariantError) as info:
        replace(V6_17, gup_retry_style="colected_count")
    assert "colected_count" in info.value.message
    assert "collected_count" in info.value.expected
    assert info.value.hint == "did you mean 'collected_count'?"


@pytest.mark.parametrize("changes", [
    {"batch_size": 0}, {"batch_size": 256}, {"batch_size": 31.0}, {"batch_size": True},
    {"clear_lru_at_add": 1}, {"clear_lru_at_add": "true"}, {"migrate_passes": "10X"},
    {"gup_drain_trigger": None},
])
def test_out_of_range_or_mistyped_values_are_refused(changes):
    with pytest.raises(VariantError):
        replace(V6_17, **changes)


def test_an_unknown_defining_change_is_refused():
    with pytest.raises(VariantError):
        Variant(name="x", letter="x", summary="", defined_by=("deadbeef0000",))


# --- composition -------------------------------------------------------------------------


@pytest.mark.parametrize("text, name", [
    ("v6.17+gup_drain_trigger=lru_or_mlocked", "v6.17+gup_drain_trigger=lru_or_mlocked"),
    ("v6.17 + gup_drain_trigger=lru_or_mlocked", "v6.17+gup_drain_trigger=lru_or_mlocked"),
    ("  v6.11 +gup_retry_style=list_empty_means_success ", "v6.11+gup_retry_style=list_empty_means_success"),
    # declaration order, whatever order they are written in
    ("v6.17+migrate_passes=10x+batch_size=15", "v6.17+batch_size=15+migrate_passes=10x"),
    # a switch set to the base's own value changes nothing
    ("v6.17+batch_size=31", "v6.17"),
    ("v6.17+batch_size=31+gup_skip_large_for_drain=false", "v6.17+gup_skip_large_for_drain=false"),
])
def test_canonical_names(text, name):
    assert canonical_name(text) == name
    assert canonical_name(name) == name


def test_a_composed_variant_has_its_base_and_the_changes():
    v = get_variant("v6.17 + gup_drain_trigger=lru_or_mlocked + batch_size=15")
    assert v.base == "v6.17" and v.letter == "d*"
    assert v.gup_drain_trigger == "lru_or_mlocked" and v.batch_size == 15
    changed = {k for k, val in v.switches().items() if val != getattr(V6_17, k)}
    assert changed == {"gup_drain_trigger", "batch_size"}
    assert base_name(v.name) == "v6.17" and base_name("v6.17") == "v6.17"


@pytest.mark.parametrize("text, message, span", [
    ("v6.17+gup_retry_style=colected_count", "cannot be 'colected_count'", "colected_count"),
    ("v6.17+gup_drain_triger=lru", "unknown switch 'gup_drain_triger'", "gup_drain_triger"),
    ("v6.17+batch_size=15+batch_size=31", "given twice", "batch_size=31"),
    ("v6.17+", "a switch is missing", None),
    ("v6.17+gup_drain_trigger", "not a switch setting", "gup_drain_trigger"),
    ("v6.1B", "unknown kernel variant 'v6.1B'", "v6.1B"),
    ("v6.71", "'v6.71' is a kernel release", "v6.71"),
    ("v6.12", "is a kernel release, not a variant", "v6.12"),
])
def test_composition_errors_point_at_the_mistake(text, message, span):
    with pytest.raises(VariantError) as info:
        parse_variant(text)
    err = info.value
    assert message in err.message
    if span is not None:
        assert text[err.start:err.end] == span


def test_unknown_switch_lists_the_switches_and_suggests_one():
    with pytest.raises(VariantError) as info:
        parse_variant("v6.17+gup_drain_triger=lru")
    assert info.value.hint == "did you mean 'gup_drain_trigger'?"
    assert all(name in info.value.expected for name in SWITCHES)


def test_find_variant_is_none_for_a_name_it_cannot_build():
    assert find_variant("v6.17+nonsense=1") is None and find_variant("v6.17").name == "v6.17"


def test_a_composition_equal_to_a_named_variant_runs_exactly_as_it():
    """will-v1 is v6.11 with Will's trigger: the composition that says so must
    give the same outcomes, step by step (B2, Will Deacon's pin failure)."""
    steps = ("cpu1 add_lru F", "cpu1 map F locked", "cpu1 flush lru_add", "cpu0 gup_longterm F")
    runs = []
    for name in ("will-v1", "v6.11+gup_drain_trigger=lru_or_mlocked"):
        m = machine(name)
        m.declare("F", "shmem", new=True, zone="movable")
        runs.append([(o.result, o.events) for o in run(m, *steps)])
    assert runs[0] == runs[1]
    assert runs[0][-1][0] == "ok"


def test_the_engine_reads_a_composed_switch():
    """v6.11 pins B2's folio only with Will's trigger (20250815101858.24352-1-will@kernel.org)."""
    results = {}
    for name in ("v6.11", "v6.11+gup_drain_trigger=lru_or_mlocked"):
        m = Machine(name, 2, check=True)
        m.declare("F", "shmem", new=True, zone="movable")
        results[name] = run(m, "cpu1 add_lru F", "cpu1 map F locked", "cpu1 flush lru_add",
                            "cpu0 gup_longterm F")[-1].result
    assert results == {"v6.11": "ENOMEM", "v6.11+gup_drain_trigger=lru_or_mlocked": "ok"}


def test_compose_drops_no_op_changes_and_refuses_unknown_switches():
    assert compose(V6_17, {"batch_size": 31}) is V6_17
    with pytest.raises(VariantError):
        compose(V6_17, {"no_such_switch": True})


# --- kernel facts behind the variants -----------------------------------------------------


def test_batch_sizes():
    """PAGEVEC_SIZE was 15 (include/linux/pagevec.h@v5.18); 9cecde80aae0 ("mm:
    increase folio batch size", v6.9) made it 31."""
    assert VARIANTS["v5.18"].batch_size == 15
    assert {VARIANTS[n].batch_size for n in VARIANT_NAMES if n != "v5.18"} == {31}


@pytest.mark.parametrize("name", UPSTREAM)
def test_upstream_variants_are_what_their_release_commits_make_them(name):
    """Each mainline variant equals the switches its release gets from the
    commits in CHANGES (so the variant table and the commit table agree)."""
    line = tuple(int(x) for x in name.lstrip("v").split("."))
    assert release_switches(line) == VARIANTS[name].switches()


@pytest.mark.parametrize("release, variant", [
    ((5, 19), "v5.18"), ((6, 0), "v5.18"),
    ((6, 7), "v6.9+batch_size=15"),        # 1acbc3f93614 and eebb3dabbb5c are v6.7, 9cecde80aae0 v6.9
    ((6, 10), "v6.9"),
    ((6, 12), "v6.11"), ((6, 13), "v6.11"),
    ((6, 15), "v6.14"),                      # 1aaf8c122918 (v6.14) reverted by 517f496e1e61 (v6.16)
    ((6, 16), "v6.11"),
])
def test_mainline_releases(release, variant):
    from folioscope.mm.releases import model_for

    assert model_for(release_switches(release)).name == variant


@pytest.mark.parametrize("line, spans", [
    # 6.12.14 carries 1aaf8c122918, 6.12.36 its revert, 6.12.49 98c6d259319e
    # alone, 6.12.50 the rest of the v6.17 fixes (stable review series
    # 20250213142436.408121546, 20250703143955.956569535, 20250922192408.913556629,
    # 20250930143821.852512002 @linuxfoundation.org).
    ((6, 12), [("6.12.0-6.12.13", "v6.11"), ("6.12.14-6.12.35", "v6.14"), ("6.12.36-6.12.48", "v6.11"),
               ("6.12.49", "v6.11+gup_drain_trigger=refcount_all"), ("6.12.50 and later", "v6.17")]),
    ((6, 16), [("6.16.0-6.16.8", "v6.11"), ("6.16.9 and later", "v6.17")]),
    # 6.1 never had 33dfe9204f29 nor the v6.3/v6.7/v6.9 changes: its 6.1.155
    # backports give the refcount trigger to a v5.18-shaped kernel
    ((6, 1), [("6.1.0-6.1.128", "v5.18+gup_retry_style=collected_count"),
              ("6.1.129-6.1.154", "v5.18+gup_retry_style=list_empty_means_success"),
              ("6.1.155 and later",
               "v5.18+gup_drain_trigger=refcount_2level+gup_skip_large_for_drain=true+gup_retry_style=collected_count")]),
])
def test_stable_lines(line, spans):
    assert [(s.text(), s.variant) for s in stable_spans(line)] == spans


@pytest.mark.parametrize("text, says", [
    ("6.12", "v6.12 behaves as v6.11; 6.12.y stable: v6.14 in 6.12.14-6.12.35"),
    ("v6.16", "v6.16 behaves as v6.11; 6.16.y stable: v6.17 from 6.16.9"),
    ("6.12.40", "6.12.40 behaves as v6.11 (6.12.36-6.12.48)"),
    ("6.12.y", "v6.12 behaves as v6.11;"),
    ("6.10", "v6.10 behaves as v6.9, unless its stable releases carry later fixes"),
    ("v6.17-rc3", "behaves as v6.11 plus whichever of v6.17's commits it already has"),
    ("5.15", "folioscope models v5.18 and later"),
    ("7.0", "up to v6.18"),
    ("v6.71", "up to v6.18 (did you mean 'v6.1"),
])
def test_release_hints(text, says):
    hint = release_hint(text)
    assert says in hint and "matched by the commits it carries" in hint


@pytest.mark.parametrize("text", ["v6.17", "will-v1", "v6.17+batch_size=15", "6.x", "hugh"])
def test_names_that_are_not_releases(text):
    assert release_hint(text) is None


def test_mainline_table_covers_every_release_once():
    assert len(set(MAINLINE)) == len(MAINLINE) and list(MAINLINE) == sorted(MAINLINE)


# --- the engine tests cover every variant ------------------------------------------------


def test_every_variant_is_in_an_engine_test_group():
    """tests/mm derives A, B and D from the variant table; a new variant whose
    PG_lru handling fits none of them (or several) must get a group first."""
    assert ALL == VARIANT_NAMES
    for name, v in VARIANTS.items():
        assert len(groups_of(v)) == 1, f"{name} fits {groups_of(v) or 'no'} group of {GROUP_SWITCHES}"
        assert GROUP[name] in "abd"


def test_groups_are_the_kernel_ones():
    """a: mm/swap.c@v5.18..@v6.10; b: 33dfe9204f29 (v6.11); d: afb99e9f5004 (v6.17)."""
    assert [n for n in VARIANT_NAMES if GROUP[n] == "a"] == ["v5.18", "v6.9"]
    assert [n for n in VARIANT_NAMES if GROUP[n] == "b"] == ["v6.11", "v6.14", "will-v1", "hugh-suggestion"]
    assert [n for n in VARIANT_NAMES if GROUP[n] == "d"] == ["v6.17", "v6.18", "hugh-portmanteau"]
    assert V5_18.flush_tests_clear_lru and not V5_18.clear_lru_at_add


# --- the model's reference cites what the table holds -------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_model_reference_covers_every_switch_variant_and_commit():
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    for name in SWITCHES:
        assert f"`{name}`" in text, name
    for name in VARIANT_NAMES:
        assert f"`{name}`" in text, name
    for ref, change in CHANGES.items():
        assert (ref if change.merged or "@" in ref else change.subject) in text, ref


@pytest.mark.parametrize("doc", ["model.md", "kernel-findings.md"])
def test_references_cite_commits_tags_and_message_ids_only(doc):
    """No search-index ids ("id 33912591") and no kernel-model.md, a file the
    repository does not contain."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    assert "kernel-model.md" not in text
    assert not re.search(r"\bids? [0-9]{6,}\b", text)
    assert "index id" not in text
