"""Whatever the input, the parser returns a Scenario or raises a ScenarioError
that renders as ``file:line:col: error: ...`` (``file: error: ...`` for the
whole-file errors) -- never any other exception, never Lark's names."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.lark import from_lark

from folioscope.dsl import ScenarioError, parse_bytes, parse_text
from folioscope.dsl.parser import build_parser
from folioscope.dsl.vocabulary import (
    BATCHES,
    FLAGS,
    FOLIO_ATTRS,
    FOLIO_FIELDS,
    KINDS,
    OPS,
    RESULTS,
    STATS,
    VERDICTS,
)

from dsl_samples import CONCURRENT, EVERYTHING, WILL, WITNESS, all_samples
from test_dsl_errors import assert_words_only

pytestmark = pytest.mark.slow     # hypothesis: fuzzing the parser

SHAPE = re.compile(r"f\.fs:\d+:\d+: error: \S.*\n +\d+ \| .*\n +\| [ \t…]*\^+(\n  expected: .+)?(\n  hint: .+)?")
FILE_SHAPE = re.compile(r"f\.fs: error: \S.*(\n  expected: .+)?(\n  hint: .+)?")

FUZZ = settings(max_examples=200, deadline=timedelta(seconds=5), suppress_health_check=list(HealthCheck))
"""Each input within 5 s: a superlinear path on a small input fails the test
(hypothesis reports an input over its deadline twice before it fails)."""


def check(outcome) -> None:
    """``outcome`` is a thunk parsing with path f.fs."""
    try:
        outcome()
    except ScenarioError as e:
        rendered = e.render()
        shape = FILE_SHAPE if e.line is None else SHAPE
        assert shape.fullmatch(rendered), rendered
        assert_words_only(rendered)


# --- inputs generated from the grammar ----------------------------------------------------

WORDS = sorted({"F", "F1", "F2", "F9", "G", "S", "page_a", "all", "stats", "result", "has", "lacks", "locked",
                "touch", "write", "x", *KINDS, *FOLIO_ATTRS, *OPS, *BATCHES, *FOLIO_FIELDS, *FLAGS, *STATS,
                *RESULTS, "unevictable", "none", "head", "true", "movable", "lru", "new", "munlock", "mlok",
                "split", "verdict", *VERDICTS, "flush", "sometimes"})


def spaced(strategy):
    return strategy.map(lambda s: f" {s} ")


EXPLICIT = {
    "NAME": spaced(st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w + "'", w + "''"]))),
    "INT": spaced(st.sampled_from(["0", "1", "2", "3", "9", "10", "64", "65", "1_000", "1000000", "1000001",
                                   "99999999999999999999"])),
    "CPU": spaced(st.sampled_from(["cpu0", "cpu1", "cpu3", "cpu63", "cpu64"])),
    "VARIANT": spaced(st.sampled_from(["v6.18", "v6.17", "will-v1", "hugh-suggestion", "v6.1", '"v6.11"'])),
    "STRING": spaced(st.sampled_from(['"t"', '"a \\" b"', '""', '"\\q"'])),
    **{kw: spaced(st.just(kw.lower())) for kw in ("TITLE", "KERNEL", "CPUS", "FOLIO", "REPEAT", "EXPECT", "DRAIN",
                                                  "MAY", "EXISTS", "FORALL", "NEVER", "ALWAYS", "FILTER",
                                                  "LOCATIONS")},
    "_AND": spaced(st.sampled_from(["and", "/\\"])),
    "_OR": spaced(st.sampled_from(["or", "\\/"])),
    "_NOT": spaced(st.sampled_from(["not", "~"])),
    "_SEP": st.sampled_from(["\n", ";", " # c\n", "\n\n", ";;"]),
    "CMP": spaced(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])),
    "WS": st.just(" "),
    "COMMENT": st.just("# comment\n"),
}


@FUZZ
@given(from_lark(build_parser(), start="start", explicit=EXPLICIT))
def test_grammar_generated_inputs(text):
    check(lambda: parse_text(text, "f.fs"))


# --- real scenarios, mutated ---------------------------------------------------------------

TOKEN = re.compile(r"\s+|[A-Za-z0-9_']+|\.\.|==|!=|<=|>=|.", re.S)
SAMPLES = tuple(all_samples())  # read once: scenarios/ may change while the tests run


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SAMPLES))
    tokens = TOKEN.findall(text)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(0, len(tokens) - 1)))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "cut"]))
        if action == "delete" and tokens:
            del tokens[i]
        elif action == "duplicate" and tokens:
            tokens.insert(i, tokens[i])
        elif action == "swap" and len(tokens) > 1:
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif action == "insert":
            tokens.insert(i, draw(st.text(max_size=8) | st.sampled_from(WORDS + list("[]{}@.;:,=\"'\n#"))))
        elif action == "replace" and tokens:
            tokens[i] = draw(st.sampled_from(WORDS + ["cpu9", "F1..F3", "F3..F1", "1", "-1", "==", "{", "}"]))
        elif action == "cut":
            tokens = tokens[:i]
    return "".join(tokens)


@FUZZ
@given(mutated())
def test_mutated_scenarios(text):
    check(lambda: parse_text(text, "f.fs"))


@FUZZ
@given(mutated(), st.binary(min_size=1, max_size=6), st.floats(0, 1))
def test_random_bytes_in_scenarios(text, junk, where):
    data = text.encode("utf-8")
    at = int(len(data) * where)
    check(lambda: parse_bytes(data[:at] + junk + data[at:], "f.fs"))


# --- every prefix of every statement: each parser state's message is in words ------------------

HEAD, _, STATEMENTS = EVERYTHING.partition("cpu0 add_lru F3..F5")
STATEMENTS = "cpu0 add_lru F3..F5" + STATEMENTS


CHUNKS = [*HEAD.splitlines(), *re.split(r"[;\n]", STATEMENTS), *WILL.splitlines()[:5],
          "repeat 2 { cpu0 add_lru F1; repeat 3 { expect cpu0.mlock == [F1:lru, F2..F3] } }"]

C_HEAD, _, C_REST = CONCURRENT.partition("cpu0 {")
C_CHUNKS = ["cpu0 {" + C_REST.partition("\n")[0], "cpu2 {\n  drain all\n  repeat 2 { mark_accessed G }\n}",
            *C_REST.split("}\n")[-1].splitlines(), *WITNESS.splitlines()[2:]]


@pytest.mark.parametrize("chunk", [c for c in C_CHUNKS if c.strip()])
def test_every_prefix_of_concurrent_statements(chunk):
    after_threads = chunk.startswith(("may", "exists", "filter", "locations", "expect verdict"))
    context = C_HEAD + "cpu1 { drain }\n" if after_threads else C_HEAD  # threads and witnesses: after the prologue
    cuts = {m.start() for m in TOKEN.finditer(chunk)} | {len(chunk)}
    for cut in sorted(cuts):
        for tail in ("", " ]", " )", " }"):
            text = context + chunk[:cut] + tail
            check(lambda text=text: parse_text(text, "f.fs"))


@pytest.mark.parametrize("chunk", [c for c in CHUNKS if c.strip()])
def test_every_prefix(chunk):
    context = "" if chunk.startswith(("title", "kernel", "cpus", "folio")) else HEAD
    cuts = {m.start() for m in TOKEN.finditer(chunk)} | {len(chunk)}
    for cut in sorted(cuts):
        for tail in ("", " ]"):
            text = context + chunk[:cut] + tail
            check(lambda text=text: parse_text(text, "f.fs"))
