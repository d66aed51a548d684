"""Fuzzing the saved-trace loader (issue 13 item 2, issue 12 items 6-7).

Inputs are generated from the schema (every field the right type or a wrong
one) and mutated from real traces (a value replaced, a key dropped, the text
cut or a byte changed).  Whatever the input, ``load`` either returns a trace
that every panel of the replayer can draw at every step, or refuses it with a
one-line TraceFormatError - within a time and a memory bound per input, so
that an input whose cost is out of proportion to its size fails the test.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from folioscope.replay import load_trace
from folioscope.views.json_trace import TraceFormatError, dump, load

REPO = Path(__file__).resolve().parents[2]
SECONDS_PER_INPUT = 3.0
"""Generous on a loaded 2-core machine; a superlinear path takes far longer."""
BYTES_PER_INPUT = 64 << 20
"""Peak Python allocation while loading one input (inputs are under ~200 KB)."""

pytestmark = pytest.mark.slow
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck),
                derandomize=True)


@lru_cache(maxsize=None)
def real_traces() -> tuple[str, ...]:
    """The fixture and a dump of every bundled scenario."""
    texts = [(REPO / "tests" / "fixtures" / "b2-v6.11.json").read_text(encoding="utf-8")]
    texts += [dump(load_trace(str(path))) for path in sorted((REPO / "scenarios").glob("*.fs"))]
    return tuple(texts)


# --- inputs ------------------------------------------------------------------

NASTY_STRINGS = st.sampled_from(["", "F", "F'", "cpu0", "\x1b]2;PWNED\x07", "[bold]x[/]", "a\nb",
                                 "\u202e", "ok", "ENOMEM", "v6.11", "folio.F.refcount",
                                 "cpu0.lru_add", "F:lru", "x" * 5000])
NASTY_NUMBERS = st.sampled_from([0, 1, -1, 2, 63, 64, 65, 10_000_000, 2**31, 2**63, -(2**63),
                                 10**30, 1.0, 0.5, 1e308])
SCALARS = st.one_of(st.none(), st.booleans(), NASTY_NUMBERS, st.integers(), NASTY_STRINGS,
                    st.text(max_size=20))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(NASTY_STRINGS, inner,
                                                                       max_size=4)),
                      max_leaves=12)


def paths(doc, prefix=()):
    """Every (path, value) inside ``doc``."""
    yield prefix, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc[:8]):  # the first few items of long arrays
            yield from paths(value, prefix + (i,))


def replaced(doc, path, value):
    if not path:
        return value
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def dropped(doc, path):
    node = doc
    for key in path[:-1]:
        node = node[key]
    if isinstance(node, dict):
        node.pop(path[-1], None)
    elif isinstance(node, list) and node:
        node.pop(path[-1] if path[-1] < len(node) else -1)
    return doc


@st.composite
def mutated_traces(draw) -> str:
    """A real trace with one to three mutations."""
    text = draw(st.sampled_from(real_traces()))
    doc = json.loads(text)
    depth = draw(st.integers(2, 5000))
    for _ in range(draw(st.integers(1, 3))):
        everything = list(paths(doc))
        path, _ = draw(st.sampled_from(everything))
        how = draw(st.sampled_from(["replace", "drop", "nest", "keep"]))
        if how == "replace":
            doc = replaced(doc, path, draw(VALUES))
        elif how == "drop" and path:
            doc = dropped(doc, path)
        elif how == "nest":
            doc = replaced(doc, path, "NEST-HERE")
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    text = text.replace('"NEST-HERE"', "[" * depth + "]" * depth)
    cut = draw(st.sampled_from(["none", "cut", "byte", "bom"]))
    if cut == "cut":
        text = text[:draw(st.integers(0, len(text)))]
    elif cut == "byte":
        at = draw(st.integers(0, max(0, len(text) - 1)))
        text = text[:at] + draw(st.sampled_from(["[", "{", "9" * 30, "\x00", "\"", ",", "NaN"])) + text[at + 1:]
    elif cut == "bom":
        text = "\ufeff" + text
    return text


@st.composite
def schema_traces(draw) -> str:
    """A trace built field by field from the schema, each field sometimes wrong."""
    def maybe(right):
        return draw(st.one_of(right, VALUES)) if draw(st.integers(0, 59)) == 0 else draw(right)

    cpus = draw(st.integers(1, 4))
    folios = draw(st.lists(st.sampled_from(["F", "G", "F'", "H1"]), min_size=1, max_size=3,
                           unique=True))
    initial: dict = {"folios": folios, "lru_disable_count": 0}
    for name in folios:
        initial.update({f"folio.{name}.{field}": 0 for field in
                        ("refcount", "mapcount", "pincount", "mlock_count", "order")})
        initial.update({f"folio.{name}.list": "none", f"folio.{name}.pos": "none",
                        f"folio.{name}.zone": "normal", f"folio.{name}.kind": "anon",
                        f"folio.{name}.freed": False, f"folio.{name}.isolated": "none",
                        f"folio.{name}.flags": [], f"folio.{name}.holders": []})
    for cpu in range(cpus):
        for batch in ("lru_add", "lru_move_tail", "lru_deactivate_file", "lru_deactivate",
                      "lru_lazyfree", "lru_activate", "mlock"):
            initial[f"cpu{cpu}.{batch}"] = []
    for name in ("inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"):
        initial[f"list.{name}"] = []
    initial.update({"stats.drain_all_calls": 0, "stats.drain_all_cpus": 0,
                    "stats.drain_all_work": [], "stats.local_drains": 0, "stats.gup_attempts": 0})
    for key in list(initial):
        initial[key] = maybe(st.just(initial[key]))
    steps = []
    refs = {name: 0 for name in folios}
    for k in range(draw(st.integers(0, 5))):
        name = draw(st.sampled_from(folios))
        refs[name] += 1
        steps.append({
            "index": maybe(st.just(k + 1)), "line": maybe(st.integers(1, 3)), "column": 1,
            "cpu": maybe(st.integers(0, cpus - 1)), "op": maybe(st.sampled_from(["get", "put", "drain"])),
            "args": [name], "text": maybe(NASTY_STRINGS), "result": maybe(st.sampled_from(["ok", "BUG"])),
            "detail": maybe(NASTY_STRINGS), "events": maybe(st.lists(NASTY_STRINGS, max_size=3)),
            "changes": [{"key": f"folio.{name}.refcount", "old": refs[name] - 1, "new": refs[name]}],
            "expects": []})
    doc = {"schema_version": maybe(st.just(1)), "path": maybe(NASTY_STRINGS),
           "source": maybe(NASTY_STRINGS), "title": maybe(st.one_of(st.none(), NASTY_STRINGS)),
           "variant": maybe(st.sampled_from(["v6.11", "v6.18"])), "cpus": maybe(st.just(cpus)),
           "initial": initial, "initial_expects": [], "steps": steps,
           "verdict": {"expectations": 0, "failed": 0}}
    return json.dumps(doc)


# --- the property ------------------------------------------------------------


def draw_every_step(trace) -> None:
    """What the replayer's panels build for each step (no terminal needed)."""
    from folioscope.tui.batches import batches_renderable
    from folioscope.tui.folios import row_cells
    from folioscope.tui.frames import Frame
    from folioscope.tui.header import header_text
    from folioscope.tui.holders import holders_line, holders_table
    from folioscope.tui.lists import lists_renderable
    from folioscope.tui.step_events import event_items

    for index in range(min(len(trace), 50)):
        frame = Frame.at(trace, index)
        header_text(frame, False, 2.0)
        batches_renderable(frame)
        lists_renderable(frame)
        event_items(frame)
        for name in frame.folios:
            row_cells(frame, name)
            holders_table(frame, name)
            holders_line(frame, name)


def check(text: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        trace = load(text)
    except TraceFormatError as err:
        trace = None
        assert "\n" not in str(err) and str(err), repr(err)
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < SECONDS_PER_INPUT, f"{elapsed:.1f} s for {len(text):,} characters"
    assert peak < BYTES_PER_INPUT, f"{peak >> 20} MiB for {len(text):,} characters"
    if trace is not None:
        draw_every_step(trace)


@FUZZ
@given(mutated_traces())
def test_mutated_real_traces_load_or_are_refused(text):
    check(text)


@FUZZ
@given(schema_traces())
def test_traces_from_the_schema_load_or_are_refused(text):
    check(text)


def test_the_real_traces_load_and_draw():
    for text in real_traces():
        check(text)
