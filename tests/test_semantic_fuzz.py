"""Random valid scenarios, as text, under every variant: the model's
invariants hold after every step, the run ends in time, and the text trace
of a saved JSON trace is the text trace of the run (every value survives the
round trip)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from folioscope.dsl import ScenarioError, parse_text
from folioscope.mm import VARIANT_NAMES
from folioscope.replay import run_scenario
from folioscope.views import json_trace, text

pytestmark = pytest.mark.slow     # hypothesis: random scenarios under every variant

NAMES = ("F", "G", "H")
DECLS = ("anon", "anon zone=movable", "file", "file mapped=1", "shmem new zone=movable",
         "shmem locked=1", "anon order=2 zone=movable", "anon new", "file dirty")
OPS = ("add_lru {f}", "activate {f}", "deactivate {f}", "deactivate_file {f}", "lazyfree {f}",
       "rotate {f}", "mark_accessed {f}", "mlock {f}", "munlock {f}", "map {f} locked",
       "unmap {f} locked", "map {f}", "sys_mlock {f}", "sys_munlock {f}", "get {f}", "put {f}",
       "isolate {f}", "putback {f}", "pin {f}", "unpin {f}", "gup_longterm {f}",
       "gup_longterm {f} touch", "drain", "drain all", "flush lru_add", "flush mlock",
       "lru_cache_disable", "lru_cache_enable")


@st.composite
def scenarios(draw) -> str:
    cpus = draw(st.integers(1, 4))
    lines = [f"cpus {cpus}"]
    lines += [f"folio {name} {draw(st.sampled_from(DECLS))}" for name in NAMES]
    body = []
    for _ in range(draw(st.integers(1, 14))):
        op = draw(st.sampled_from(OPS)).format(f=draw(st.sampled_from(NAMES)))
        line = f"cpu{draw(st.integers(0, cpus - 1))} {op}"
        if draw(st.integers(0, 5)) == 0:
            line = f"repeat {draw(st.integers(2, 4))} {{ {line} }}"
        body.append(line)
        if draw(st.integers(0, 3)) == 0:
            scope = draw(st.sampled_from(("", " @ v6.11", " @ v5.18 v6.18")))
            body.append(f"expect {draw(st.sampled_from(NAMES))}.refcount >= 0{scope}")
        if draw(st.integers(0, 6)) == 0:
            body.append(f"expect result == {draw(st.sampled_from(('ok', 'BUG', 'refused')))}")
    return "\n".join(lines + body) + "\n"


@pytest.mark.parametrize("variant", VARIANT_NAMES)
@settings(max_examples=40, deadline=timedelta(seconds=5),
          suppress_health_check=[HealthCheck.too_slow])
@given(source=scenarios())
def test_random_scenarios_run_and_round_trip(variant, source):
    try:
        scenario = parse_text(source, "fuzz.fs")
    except ScenarioError:
        return                      # e.g. a folio the declarations rejected
    trace = run_scenario(scenario, variant, check=True)
    again = json_trace.load(json_trace.dump(trace))
    assert text.render(again) == text.render(trace)
