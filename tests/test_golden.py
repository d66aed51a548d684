"""Golden traces: the text trace of every bundled scenario under every
variant it names, compared with tests/snapshots/golden/.  A changed trace
fails with a diff; read it as a reviewer before updating."""

from __future__ import annotations

from pathlib import Path

import pytest

from folioscope.dsl import parse_file
from folioscope.dsl.ast import Expect, Repeat
from folioscope.mm.variants import VARIANT_NAMES, base_name, canonical_name
from folioscope.replay import run_scenario
from folioscope.views import text

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((REPO / "scenarios").glob("*.fs"))

SNAPSHOTS = Path(__file__).parent / "snapshots" / "golden"


def named_variants(path: Path) -> list[str]:
    """The file's `kernel` and every variant its expectations name, and the
    base of each composed one: the named ones in table order, then the
    composed ones (``v6.17+switch=value``) by canonical name."""
    scenario = parse_file(str(path))
    names = {scenario.kernel} if scenario.kernel else set()
    stack = list(scenario.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, Repeat):
            stack.extend(stmt.body)
        elif isinstance(stmt, Expect):
            names.update(stmt.variants)
    canonical = {canonical_name(n) for n in names}
    canonical |= {base_name(n) for n in canonical}     # a composition is read beside its base
    return [v for v in VARIANT_NAMES if v in canonical] + sorted(canonical - set(VARIANT_NAMES))


def composed_variants(path: Path) -> list[str]:
    return [v for v in named_variants(path) if v not in VARIANT_NAMES]


CASES = [(p, v) for p in SCENARIOS for v in named_variants(p)]
EXPECTATION_CASES = [(p, v) for p in SCENARIOS for v in VARIANT_NAMES + tuple(composed_variants(p))]


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path,variant", CASES, ids=[f"{p.stem}@{v}" for p, v in CASES])
def test_golden_trace(path: Path, variant: str, snapshot) -> None:
    scenario = parse_file(str(path))
    scenario.path = _relative(path)
    trace = run_scenario(scenario, variant, check=True)
    snapshot.snapshot_dir = SNAPSHOTS
    snapshot.assert_match(text.render(trace), f"{path.stem}@{variant}.txt")


@pytest.mark.parametrize("path,variant", EXPECTATION_CASES,
                         ids=[f"{p.stem}@{v}" for p, v in EXPECTATION_CASES])
def test_bundled_expectations_hold(path: Path, variant: str) -> None:
    """Every bundled scenario's expectations hold under every named variant
    and every composed variant it names, with the model's invariants
    checked after every step."""
    trace = run_scenario(parse_file(str(path)), variant, check=True)
    assert not trace.failed, text.failure_report(trace)


def test_every_bug_of_the_thread_has_a_scenario() -> None:
    stems = {p.stem.split("-")[0] for p in SCENARIOS}
    assert {"b1", "b2", "b3", "b4", "b6", "b7", "d1"} <= stems
    b4 = [p.stem for p in SCENARIOS if p.stem.startswith("b4")]
    assert len(b4) >= 3, "B4 needs both drain orders and the mlock-batch form"
