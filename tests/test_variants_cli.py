"""Composed variants and kernel releases on the command line, in traces,
compare and expectations; ``folioscope variants --switches/--releases``."""

from __future__ import annotations

import json

import pytest

from folioscope.cli import main
from folioscope.mm.variants import CHANGES, SWITCHES, VARIANTS
from folioscope.replay import load_trace

B2 = "scenarios/b2-will-deacon-pin-failure.fs"


def test_trace_under_a_composed_variant_prints_its_canonical_name(capsys):
    assert main(["trace", B2, "--kernel", "v6.17 + gup_drain_trigger=lru_or_mlocked"]) == 0
    out = capsys.readouterr().out
    assert "under v6.17+gup_drain_trigger=lru_or_mlocked (d*)," in out.splitlines()[1]


def test_json_trace_keeps_the_canonical_name(tmp_path):
    path = tmp_path / "t.json"
    assert main(["trace", B2, "--kernel", "v6.11+batch_size=15", "--format", "json", "-o", str(path)]) == 0
    assert json.loads(path.read_text())["variant"] == "v6.11+batch_size=15"


@pytest.mark.parametrize("kernel, says", [
    ("v6.11+gup_retry_style=colected_count", ["switch gup_retry_style cannot be 'colected_count'",
                                              "expected one of v518_zero_means_retry, collected_count",
                                              "did you mean 'collected_count'?"]),
    ("v6.11+gup_drain_triger=lru", ["unknown switch 'gup_drain_triger'", "did you mean 'gup_drain_trigger'?"]),
    ("6.12", ["'6.12' is a kernel release, not a variant", "v6.12 behaves as v6.11",
              "v6.17 from 6.12.50", "matched by the commits it carries, not by its version",
              "folioscope variants --releases"]),
    ("v6.16", ["v6.16 behaves as v6.11", "v6.17 from 6.16.9"]),
])
def test_bad_kernel_is_a_usage_error_with_the_answer(capsys, kernel, says):
    assert main(["trace", B2, "--kernel", kernel]) == 2
    err = capsys.readouterr().err
    assert err.startswith("folioscope: error: ") and "Traceback" not in err
    for text in says:
        assert text in err, err


def test_compare_with_composed_variants(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    # B2's `@ v6.11` expectations apply to the composition too, and it fixes the pin:
    # they fail there, so compare exits 1 (issue 8 item 1)
    assert main(["compare", B2, "--kernel", "v6.11,v6.11+gup_drain_trigger=lru_or_mlocked"]) == 1
    out = capsys.readouterr().out
    assert "ENOMEM on v6.11; ok on v6.11+gup_drain_trigger=lru_or_mlocked" in out


def test_compare_refuses_a_bad_composition(capsys):
    assert main(["compare", B2, "--kernel", "v6.11,v6.11+batch_size=0"]) == 2
    assert "switch batch_size cannot be '0'" in capsys.readouterr().err


# --- @ scoping with composed variants ---------------------------------------------------------

SCOPED = """\
kernel v6.11
folio F shmem new zone=movable
cpu1 add_lru F
cpu1 map F locked
cpu1 flush lru_add
cpu0 gup_longterm F
expect result == ENOMEM @ v6.11
expect result == ok @ v6.11+gup_drain_trigger=lru_or_mlocked
expect result == ENOMEM @ v6.17
"""


def _verdicts(tmp_path, kernel):
    path = tmp_path / "s.fs"
    path.write_text(SCOPED)
    trace = load_trace(str(path), kernel)
    return {o.line: o.ok for step in trace.steps for o in step.expects}


def test_at_a_named_variant_also_applies_to_compositions_on_it(tmp_path):
    """`@ v6.11` states what v6.11 does: under v6.11 + Will's trigger it is
    checked and fails, which is the change the composition makes."""
    assert _verdicts(tmp_path, None) == {7: True}
    assert _verdicts(tmp_path, "v6.11+gup_drain_trigger=lru_or_mlocked") == {7: False, 8: True}


def test_at_a_composition_applies_to_that_composition_only(tmp_path):
    assert _verdicts(tmp_path, "v6.11+batch_size=15") == {7: True}
    assert _verdicts(tmp_path, "v6.17+gup_drain_trigger=lru_or_mlocked") == {9: False}


def test_a_composition_failing_its_base_expectation_exits_1(tmp_path, capsys):
    path = tmp_path / "s.fs"
    path.write_text(SCOPED)
    assert main(["trace", str(path), "--kernel", "v6.11+gup_drain_trigger=lru_or_mlocked"]) == 1
    err = capsys.readouterr().err
    assert "expectation failed under v6.11+gup_drain_trigger=lru_or_mlocked: expect result == ENOMEM @ v6.11" in err


# --- folioscope variants --------------------------------------------------------------------


def test_variants_lists_commits_and_warns_about_distribution_kernels(capsys):
    assert main(["variants"]) == 0
    out = capsys.readouterr().out
    for ref, change in CHANGES.items():
        assert ref in out and change.subject in out
    assert "matched by the commits it carries, not by its version" in out
    assert "6.12.49-6.12.50, 6.6.109 and 6.1.155" in out
    assert "kernel v6.17 + gup_drain_trigger=lru_or_mlocked" in out


def test_variants_switches_lists_values_holders_and_readers(capsys):
    assert main(["variants", "--switches"]) == 0
    out = capsys.readouterr().out
    for name, spec in SWITCHES.items():
        block = out.split(f"\n{name}  (")[1] if not out.startswith(name) else out[len(name):]
        block = block.split("\n\n")[0]
        for reader in spec.reads:
            assert f"read by: {reader}" in block, name
        for value, _ in spec.values:
            assert f"\n    {value} " in block, (name, value)
    # which variant has which value
    assert "    lru_or_mlocked            will-v1 " in out
    assert "    15  v5.18\n" in out


def test_variants_releases(capsys):
    assert main(["variants", "--releases"]) == 0
    out = capsys.readouterr().out
    assert "  v6.11 - v6.13  v6.11\n" in out
    assert "  6.12.49               v6.11+gup_drain_trigger=refcount_all" in out
    assert "  6.16.9 and later      v6.17" in out
    assert "20250930143820.537407601@linuxfoundation.org" in out


def test_variants_options_are_exclusive(capsys):
    with pytest.raises(SystemExit) as info:
        main(["variants", "--switches", "--releases"])
    assert info.value.code == 2


def test_every_named_variant_still_runs_b2():
    for name in VARIANTS:
        assert load_trace(B2, name).variant == name
