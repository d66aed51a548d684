"""Concurrent scenarios: thread blocks, the prologue, ``may`` lines, one
condition with ``filter`` and ``locations``, ``expect verdict``; and the
witness statements of sequential files (``split``, ``work``, ``resume``).
Every form parses to the AST it means; every mistake gets its message at its
place, with a caret and a hint."""

from __future__ import annotations

import io
import logging
import re

import pytest
from lark import Lark
from lark import logger as lark_logger

from folioscope.dsl import ScenarioError, parse_text
from folioscope.dsl.ast import (
    And,
    Atom,
    Condition,
    Expect,
    ExpectBatch,
    ExpectField,
    ExpectFlags,
    ExpectStat,
    ExpectThreadResult,
    ExpectVerdict,
    Location,
    May,
    Not,
    Op,
    Repeat,
    Thread,
)
from folioscope.dsl.parser import LARK_OPTIONS, grammar_path

from test_dsl_errors import assert_words_only

D = "folio F anon\nfolio G file\n"
T = D + "cpu0 { activate F }\ncpu1 { drain }\n"  # a concurrent file to add lines to


def scenario(text: str):
    return parse_text(text, "c.fs")


def error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_text(text, "c.fs")
    return info.value


def cond(line: str, prefix: str = T):
    return scenario(prefix + line + "\n").condition


def F(field: str, op: str, value) -> ExpectField:
    return ExpectField(("F",), field, op, value)


def atoms(expr):
    """The checks of an expression, with its shape: ('and', [...]) etc."""
    if isinstance(expr, Atom):
        return expr.check
    if isinstance(expr, Not):
        return ("not", atoms(expr.item))
    return ("and" if isinstance(expr, And) else "or", [atoms(i) for i in expr.items])


# --- the grammar -----------------------------------------------------------------------------


def test_the_lalr_grammar_has_no_conflict():
    # Lark resolves a shift/reduce conflict as a shift, silently unless debug is on
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    level = lark_logger.level
    lark_logger.addHandler(handler)
    lark_logger.setLevel(logging.DEBUG)
    try:
        Lark(grammar_path().read_text(encoding="utf-8"), **LARK_OPTIONS, debug=True)
    finally:
        lark_logger.removeHandler(handler)
        lark_logger.setLevel(level)
    assert "onflict" not in out.getvalue(), out.getvalue()


# --- threads and the prologue ------------------------------------------------------------------


def test_threads_and_prologue():
    s = scenario("cpus 3\n" + D + "cpu1 activate F\ncpu2 { drain all }\ncpu0 {\n  deactivate_file G\n  drain\n}\n")
    assert s.concurrent
    assert [(op.cpu, op.name) for op in s.body] == [(1, "activate")]
    assert [t.cpu for t in s.threads] == [0, 2]  # by CPU, whatever the file order
    zero = s.threads[0]
    assert isinstance(zero, Thread) and zero.pos.line == 6 and zero.pos.end_line == 9
    assert [(op.cpu, op.name, op.folios, op.text) for op in zero.body] == [
        (0, "deactivate_file", ("G",), "deactivate_file G"), (0, "drain", (), "drain")]
    assert s.threads[1].body[0].name == "drain_all"


def test_every_thread_statement():
    s = scenario(D + "cpu1 {\n  add_lru F; mark_accessed F; map F locked; flush mlock; drain all; drain\n"
                     "  gup_longterm F G touch write\n  repeat 3 { get F; put F }\n  expect F.refcount == 1\n"
                     "  expect result == ok\n  lru_cache_disable; lru_cache_enable\n}\n")
    [thread] = s.threads
    ops = [x for x in thread.body if isinstance(x, Op)]
    assert all(op.cpu == 1 and not op.split for op in ops)
    assert [op.name for op in ops] == ["add_lru", "mark_accessed", "map", "flush", "drain_all", "drain",
                                       "gup_longterm", "lru_cache_disable", "lru_cache_enable"]
    assert ops[2].flags == ("locked",) and ops[3].batch == "mlock" and ops[6].flags == ("touch", "write")
    [rep] = [x for x in thread.body if isinstance(x, Repeat)]
    assert rep.count == 3 and [(op.cpu, op.name) for op in rep.body] == [(1, "get"), (1, "put")]
    assert [type(x) for x in thread.body].count(Expect) == 2


def test_a_sequential_file_is_not_concurrent():
    s = scenario(D + "cpu0 activate F\n")
    assert not s.concurrent and s.threads == [] and s.env == [] and s.condition is None
    assert s.filter is None and s.locations is None and s.verdicts == []


def test_thread_steps_count_toward_the_limit():
    e = error(D + "cpu0 { repeat 1000000 { get F } }\ncpu1 { repeat 1000 { repeat 1000 { put F } } }\n")
    assert e.message.startswith("repeat over the limit: the file runs 2,000,000 steps"), e.render()


# --- may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, kind, batch, cpus", [
    ("may drain cpu0 cpu1", "drain", None, (0, 1)),
    ("may drain cpu2 cpu0", "drain", None, (0, 2)),
    ("may drain", "drain", None, ()),  # every CPU
    ("may drain all", "drain_all", None, ()),  # a CPU without a thread
    ("may drain all cpu2", "drain_all", None, (2,)),
    ("may flush mlock cpu1", "flush", "mlock", (1,)),
    ("may flush lru_add", "flush", "lru_add", ()),
])
def test_may(line, kind, batch, cpus):
    s = scenario("cpus 3\n" + T + line + "\n")
    [may] = s.env
    assert may == May(kind, batch, cpus, may.pos, line)
    assert may.pos.line == 6


# --- conditions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["exists", "forall", "never", "always"])
def test_condition_kinds(kind):
    c = cond(f"{kind} F.list == active_anon")
    assert isinstance(c, Condition) and c.kind == kind and c.text == "F.list == active_anon"
    assert (c.pos.column, c.pos.end_column) == (1, len(kind) + 23)
    assert c.expr == Atom(F("list", "==", "active_anon"), c.expr.pos, "F.list == active_anon")
    assert (c.expr.pos.line, c.expr.pos.column) == (5, len(kind) + 2)


@pytest.mark.parametrize("text, shape", [
    ("F has lru and F.refcount == 2", ("and", [ExpectFlags(("F",), True, ("lru",)), F("refcount", "==", 2)])),
    ("F has lru /\\ F.refcount == 2", ("and", [ExpectFlags(("F",), True, ("lru",)), F("refcount", "==", 2)])),
    ("F lacks mlocked or F.list != unevictable",
     ("or", [ExpectFlags(("F",), False, ("mlocked",)), F("list", "!=", "unevictable")])),
    ("F lacks mlocked \\/ F.list != unevictable",
     ("or", [ExpectFlags(("F",), False, ("mlocked",)), F("list", "!=", "unevictable")])),
    ("not F has lru", ("not", ExpectFlags(("F",), True, ("lru",)))),
    ("~F has lru", ("not", ExpectFlags(("F",), True, ("lru",)))),
    ("~ ~ F has lru", ("not", ("not", ExpectFlags(("F",), True, ("lru",))))),
    # not binds tightest, then and, then or
    ("F has lru or F has active and not F has mlocked",
     ("or", [ExpectFlags(("F",), True, ("lru",)),
             ("and", [ExpectFlags(("F",), True, ("active",)), ("not", ExpectFlags(("F",), True, ("mlocked",)))])])),
    ("(F has lru or F has active) and F.pos == head",
     ("and", [("or", [ExpectFlags(("F",), True, ("lru",)), ExpectFlags(("F",), True, ("active",))]),
              F("pos", "==", "head")])),
    ("~(F has lru \\/ F has active)",
     ("not", ("or", [ExpectFlags(("F",), True, ("lru",)), ExpectFlags(("F",), True, ("active",))]))),
    ("F.refcount == 1 and G.refcount == 1 and F.mapcount == 1",
     ("and", [F("refcount", "==", 1), ExpectField(("G",), "refcount", "==", 1), F("mapcount", "==", 1)])),
])
def test_expressions(text, shape):
    assert atoms(cond("exists " + text).expr) == shape


def test_condition_text_is_the_expression_as_written():
    assert cond("exists (F has lru or F has active)   # a comment").text == "(F has lru or F has active)"
    assert cond("never ~ (F has lru) /\\ F.pos==head").text == "~ (F has lru) /\\ F.pos==head"


def test_every_atom_of_expect_works_in_a_condition():
    c = cond("exists cpu0.result != ok and cpu1.mlock == [F:lru] and stats.drain_all_calls >= 1 "
             "and F lacks mlocked and F'.list == unevictable")
    assert [a.check for a in c.expr.items] == [
        ExpectThreadResult(0, "!=", "ok"), ExpectBatch(1, "mlock", "==", (c.expr.items[1].check.items[0],)),
        ExpectStat("drain_all_calls", ">=", 1), ExpectFlags(("F",), False, ("mlocked",)),
        ExpectField(("F'",), "list", "==", "unevictable")]
    assert [a.text for a in c.expr.items][:2] == ["cpu0.result != ok", "cpu1.mlock == [F:lru]"]


def test_filter_and_locations():
    s = scenario(T + "exists F has lru\nfilter F.refcount >= 1\n"
                     "locations F.pos F G.list cpu1.mlock cpu0.result stats.local_drains\n")
    assert atoms(s.filter.expr) == F("refcount", ">=", 1) and s.filter.text == "F.refcount >= 1"
    assert s.locations.items == (
        Location("field", ("F",), None, "pos", "F.pos"), Location("flags", ("F",), None, None, "F"),
        Location("field", ("G",), None, "list", "G.list"), Location("batch", (), 1, "mlock", "cpu1.mlock"),
        Location("result", (), 0, None, "cpu0.result"),
        Location("stat", (), None, "local_drains", "stats.local_drains"))


def test_locations_range():
    s = scenario("folio F1..F3 anon\ncpu0 { activate F1 }\nlocations F1..F3.refcount cpu0.result\n")
    assert s.locations.items[0] == Location("field", ("F1", "F2", "F3"), None, "refcount", "F1..F3.refcount")


def test_verdicts():
    s = scenario(T + "exists F has lru\nexpect verdict == Sometimes @ v6.17 v6.18\nexpect verdict != Never\n")
    assert [(v.check, v.variants) for v in s.verdicts] == [
        (ExpectVerdict("==", "Sometimes"), ("v6.17", "v6.18")), (ExpectVerdict("!=", "Never"), ())]
    assert s.body == s.verdicts  # top-level lines of the body, which a sequential run skips


def test_order_of_top_level_lines_is_free_after_the_threads():
    s = scenario(D + "cpu1 activate F\nexpect F.list == active_anon\ncpu0 { drain }\nexists F has lru\n"
                     "may drain\nexpect verdict == Always\nfolio H anon\nlocations H.refcount\ncpu1 { drain }\n")
    assert [t.cpu for t in s.threads] == [0, 1] and len(s.body) == 3 and len(s.decls) == 3


# --- witness statements -------------------------------------------------------------------------


def test_witness_statements():
    s = scenario(D + "cpu0 gup_longterm F G touch split\ncpu1 work\ncpu0 resume\ncpu0 drain all split\n"
                     "cpu1 lru_cache_disable split\nrepeat 2 { cpu1 work; cpu0 resume }\ncpu0 gup_longterm F\n")
    ops = s.body
    assert (ops[0].name, ops[0].folios, ops[0].flags, ops[0].split) == ("gup_longterm", ("F", "G"), ("touch",), True)
    assert (ops[1].cpu, ops[1].name, ops[1].folios, ops[1].split) == (1, "work", (), False)
    assert (ops[2].cpu, ops[2].name) == (0, "resume")
    assert (ops[3].name, ops[3].split) == ("drain_all", True)
    assert (ops[4].name, ops[4].split) == ("lru_cache_disable", True)
    assert [op.name for op in ops[5].body] == ["work", "resume"]
    assert ops[6].split is False and not s.concurrent


# --- errors: exact renderings ------------------------------------------------------------------

EXACT = [
    (D + "exists F.refcount == 1\n", """\
c.fs:3:1: error: a condition needs threads: write 'cpu0 { … }'
    3 | exists F.refcount == 1
      | ^^^^^^
  hint: the operations of a thread go between braces after its CPU: 'cpu0 { activate F; drain }'"""),
    (T + "exists F.refcount == 1\nforall F has lru\n", """\
c.fs:6:1: error: a scenario has one condition; the first is at line 5
    6 | forall F has lru
      | ^^^^^^
  hint: combine them with 'and' or 'or' into one"""),
    ("cpus 2\n" + D + "cpu2 { activate F }\n", """\
c.fs:4:1: error: cpu2 does not exist: the CPUs are cpu0..cpu1
    4 | cpu2 { activate F }
      | ^^^^
  hint: 'cpus 2' at line 1 sets the number of CPUs; raise it to 3 or more"""),
    (D + "cpu0 { gup_longterm }\n", """\
c.fs:3:20: error: 'gup_longterm' needs a folio
    3 | cpu0 { gup_longterm }
      |                    ^
  expected: a folio, as in 'gup_longterm F1 F2..F5'"""),
    (T + "may drain cpu0 cpu5\n", """\
c.fs:5:16: error: cpu5 does not exist: the CPUs are cpu0..cpu1
    5 | may drain cpu0 cpu5
      |                ^^^^
  hint: there are 2 CPUs unless the header says otherwise; add 'cpus 6' before the first operation"""),
    (T + "may flush lru_ad cpu0\n", """\
c.fs:5:11: error: unknown batch 'lru_ad'
    5 | may flush lru_ad cpu0
      |           ^^^^^^
  expected: a batch: lru_add, lru_move_tail, lru_deactivate_file, lru_deactivate, lru_lazyfree, lru_activate or mlock
  hint: did you mean 'lru_add'?"""),
    (D + "cpu0 activate F\nexpect verdict == Never\n", """\
c.fs:4:8: error: 'expect verdict' is for concurrent scenarios
    4 | expect verdict == Never
      |        ^^^^^^^
  hint: a verdict is what 'folioscope check' finds for the condition over every interleaving of the threads: \
write threads ('cpu0 { … }') and a condition"""),
    (D + "cpu0 activate F split\n", """\
c.fs:3:17: error: 'activate' cannot be split
    3 | cpu0 activate F split
      |                 ^^^^^
  hint: only an operation another CPU can overtake can be split (where it waits or drops a lock): \
drain all, lru_cache_disable, gup_longterm and sys_mlock"""),
    (D + "cpu0 { activate F; cpu1 { drain } }\n", """\
c.fs:3:20: error: a thread block cannot be inside another thread block
    3 | cpu0 { activate F; cpu1 { drain } }
      |                    ^^^^^^
  hint: threads run side by side: write 'cpu1 { … }' at the top level"""),
    ("cpus 3\n" + T + "exists cpu2.result == ok\n", """\
c.fs:6:8: error: cpu2 has no thread
    6 | exists cpu2.result == ok
      |        ^^^^
  hint: cpu2.result is the result of the last operation of cpu2's thread; the threads are cpu0 and cpu1"""),
]


@pytest.mark.parametrize("text, rendered", EXACT, ids=[r.splitlines()[0][12:60] for _, r in EXACT])
def test_exact_errors(text, rendered):
    assert error(text).render() == rendered


# --- errors: each at its place ------------------------------------------------------------------

CASES = [
    # (source, line:col, message regex, expected regex or None, hint regex or None)
    # threads
    (D + "repeat 2 { cpu0 { drain } }", "3:12", r"a thread block cannot be inside repeat", None, r"'cpu0 \{ repeat 3"),
    (T + "cpu0 { drain }", "5:1", r"cpu0 has two thread blocks", None, r"the first is at line 3"),
    (D + "cpu0 { }", "3:1", r"the thread block is empty", None, r"cpu0's operations"),
    (D + "cpu0 {\n}", "3:1", r"the thread block is empty", None, None),
    (D + "cpu0 { cpu1 activate F }", "3:8", r"an operation in cpu0's thread is written without a CPU", None,
     r"put 'activate F' in cpu1's thread"),
    (D + "cpu0 { cpu0 activate F }", "3:8", r"written without a CPU", None, r"drop 'cpu0': write 'activate F'"),
    (D + "cpu0 { folio H anon }", "3:8", r"'folio' cannot be inside a thread block", None, r"top level"),
    (D + "cpu0 { cpus 4 }", "3:8", r"'cpus' cannot be inside a thread block", None, None),
    (D + 'cpu0 { title "x" }', "3:8", r"'title' cannot be inside a thread block", None, None),
    (D + "cpu0 { exists F has lru }", "3:8", r"'exists' cannot be inside a thread block", None, None),
    (D + "cpu0 { exists F.refcount == 1 }", "3:8", r"'exists' cannot be inside a thread block", None, None),
    (D + "cpu0 { may drain cpu1 }", "3:8", r"'may' cannot be inside a thread block", None, None),
    (D + "cpu0 { work }", "3:8", r"'work' cannot be inside a thread block", None, r"sequential witnesses"),
    (D + "cpu0 { resume }", "3:8", r"'resume' cannot be inside a thread block", None, None),
    (D + "cpu0 { drain cpu1 }", "3:14", r"in cpu0's thread, 'drain' drains cpu0: it takes no CPU", None,
     r"'may drain cpu1'"),
    (D + "cpu0 { drain al }", "3:14", r"'drain' takes nothing or 'all', not 'al'", r"'drain' or 'drain all'",
     r"did you mean 'all'"),
    (D + "cpu0 { mlok F }", "3:8", r"unknown operation 'mlok'", r"an operation such as", r"did you mean 'mlock'"),
    (D + "cpu0 { activate H }", "3:17", r"folio 'H' is not declared", None, None),
    (D + "cpu0 { gup_longterm F split }", "3:23", r"'split' is for sequential witnesses, not thread blocks", None,
     r"every point"),
    (D + "cpu0 { drain all split }", "3:18", r"unexpected 'split'", r"the end of the statement",
     r"sequential witnesses"),
    (D + "cpu0 { gup_longterm F touch G }", "3:29", r"folio 'G' comes after 'touch'", None,
     r"put the folios first: 'gup_longterm F … touch'"),
    (D + "cpu0 { gup_longterm touch F }", "3:21", r"needs a folio before 'touch'", r"^'gup_longterm F touch'$", None),
    (D + "cpu0 { flush }", "3:13", r"'flush' needs a batch name", None, None),
    (D + "cpu0 { $ }", "3:8", r"unexpected '\$' at the start of a statement", r"a statement of the thread", None),
    (D + "cpu0 {\n activate F\n", "3:6", r"'\{' is never closed", r"'\}' to end the thread block",
     r"end the thread block"),
    (D + "cpu0\n{ activate F }", "3:5", r"unexpected end of (line|file)", r"or '\{' and the operations",
     r"same line as 'cpu0'"),
    (D + "cpu0 { expect verdict == Never }", "3:15", r"'expect verdict' goes at the top level", None, None),
    (D + "cpu0 { repeat 0 { drain } }", "3:15", r"repeat count 0 is out of range", None, None),
    (D + "cpu0 { repeat 2 { } }", "3:8", r"the repeat block is empty", None, None),
    (D + "cpu0 { repeat 2 { mlok F } }", "3:19", r"unknown operation 'mlok'", None, None),
    # the prologue comes first
    (T + "cpu1 drain", "5:1", r"top-level operations must come before the thread blocks \(the first is at line 3\)",
     None, r"prologue"),
    (T + "drain all", "5:1", r"top-level operations must come before", None, None),
    (T + "repeat 2 { cpu0 get F }", "5:1", r"top-level operations must come before", None, None),
    (T + "expect F.refcount == 1", "5:1", r"top-level expectations must come before", None, r"condition"),
    (T + "cpus 4", "5:1", r"'cpus' must come before the first operation \(line 3\)", None, None),
    # may
    (D + "may drain cpu0", "3:1", r"a 'may' line needs threads", None, r"cpu0 \{ activate F; drain \}"),
    (T + "may activate F", "5:5", r"unknown environment step 'activate'", r"'drain', 'drain all' or 'flush BATCH'",
     None),
    (T + "may flsh mlock", "5:5", r"unknown environment step 'flsh'", None, r"did you mean 'flush'"),
    (T + "may drain al", "5:11", r"unknown word 'al' after 'may drain'", r"'all', or CPUs", r"'all'"),
    (T + "may flush", "5:10", r"'may flush' needs a batch name", r"a batch: lru_add", None),
    (T + "may flush cpu1", "5:11", r"'may flush' needs a batch name", None, None),
    (T + "may drain cpu0 cpu0", "5:16", r"cpu0 is listed twice", None, None),
    (T + "may drain cpu0 F", "5:16", r"expected a CPU, not 'F'", r"a CPU such as cpu1", None),
    (T + "may drain cpu9999999", "5:11", r"does not exist", None, None),
    (T + "may drain all cpu0", "5:15",
     r"cpu0 runs a thread: another task's lru_add_drain_all\(\) needs a CPU of its own",
     None, r"without a thread"),
    ("cpus 4\n" + T + "may drain all cpu2 cpu3", "6:20", r"'may drain all' runs on one CPU", None, None),
    (T + "may drain all", "5:1", r"'may drain all' needs a CPU without a thread to run on", None, r"'cpus 3'"),
    (D + "may drain all\ncpu0 { drain }\ncpu1 { drain }", "3:1", r"needs a CPU without a thread", None, None),
    ("cpus 3\n" + D + "may drain all\ncpu0 { drain }\ncpu1 { drain }", None, None, None, None),  # cpu2 is free
    (T + "may", "5:4", r"unexpected end of (line|file)", r"'drain', 'drain all' or 'flush BATCH'", None),
    (T + "repeat 2 { may drain }", "5:1", r"top-level operations must come before", None, None),
    (D + "repeat 2 { may drain }\ncpu0 { drain }", "3:12", r"'may' cannot be inside repeat", None, None),
    # the condition
    (D + "forall F has lru", "3:1", r"a condition needs threads", None, None),
    (T + "exists result == ok", "5:8", r"in a condition, 'result' must name its thread", None, r"cpu0\.result == R"),
    (T + "exists verdict == Never", "5:8", r"'verdict' is what 'folioscope check' says", None, None),
    (T + "exists cpu0.result < ok", "5:20", r"cpu0\.result can only be compared with == or !=", None, None),
    (T + "exists cpu0.result == enomem", "5:23", r"unknown result 'enomem'", None, r"'ENOMEM'"),
    (T + "exists cpu0 == ok", "5:12", r"expected a batch after 'cpu0'", r"or '\.result', as in cpu0\.result == ok",
     None),
    (T + "exists F.refcnt == 1", "5:10", r"unknown folio field 'refcnt'", None, r"'refcount'"),
    (T + "exists F has lru and", "5:21", r"unexpected end of (line|file)", r"a test such as F\.refcount == 2", None),
    (T + "exists (F has lru", "5:18", r"unexpected end of (line|file)", r"'and', 'or', '\)' or the end", None),
    (T + "exists F has lru)", "5:17", r"unexpected '\)'", None, None),
    (T + "exists", "5:7", r"unexpected end of (line|file)", r"a test such as", None),
    (T + "exists F.refcount ==", "5:21", r"unexpected end of (line|file)", r"a value: a number", None),
    (T + "exists F.refcount == 1 @ v6.17", "5:24", r"unexpected '@'", None, None),
    (T + "exists F has lru\nexists F has lru", "6:1", r"a scenario has one condition", None, None),
    (T + "repeat 2 { exists F has lru }", "5:1", r"top-level operations must come before", None, None),
    # filter, locations
    (T + "filter F has lru", "5:1", r"'filter' needs a condition", None, r"drops final states"),
    (T + "exists F has lru\nfilter F has lru\nfilter F has lru", "7:1", r"a scenario has one filter", None, None),
    (D + "locations F.pos", "3:1", r"'locations' needs threads", None, None),
    (T + "locations F.lru", "5:13", r"unknown folio field 'lru'", None, r"naming the folio alone"),
    (T + "locations result", "5:11", r"'result' is not a location", None, None),
    (T + "locations cpu0", "5:15", r"expected '\.' and a name after 'cpu0'", r"cpuN\.BATCH, cpuN\.result", None),
    (T + "locations cpu0.mlok", "5:16", r"unknown batch 'mlok'", None, None),
    ("cpus 3\n" + T + "locations cpu2.result", "6:11", r"cpu2 has no thread", None, None),
    (T + "locations stats.x", "5:17", r"unknown statistic 'x'", None, None),
    (T + "locations H.pos", "5:11", r"folio 'H' is not declared", None, None),
    (T + "locations", "5:10", r"unexpected end of (line|file)", r"a location such as F\.refcount", None),
    (T + "locations F.", "5:13", r"unexpected end of (line|file)", r"a field such as refcount", None),
    (T + "locations cpu0.", "5:16", r"unexpected end of (line|file)", r"a batch name", None),
    (T + "locations F.pos\nlocations F.list", "6:1", r"a scenario has one locations line", None, None),
    # verdicts
    (T + "expect verdict == Never", "5:8", r"'expect verdict' needs a condition", None, None),
    (T + "exists F has lru\nexpect verdict == sometimes", "6:19", r"unknown verdict 'sometimes'",
     r"a verdict: Never, Sometimes or Always", r"'Sometimes'"),
    (T + "exists F has lru\nexpect verdict < Never", "6:16", r"verdict can only be compared with == or !=", None, None),
    (T + "exists F has lru\nexpect verdict.x == Never", "6:8", r"'verdict' has no fields", None, None),
    (T + "exists F has lru\nexpect verdict has lru", "6:8", r"verdict has no flags", None, None),
    (T + "exists F has lru\nrepeat 2 { expect verdict == Never }", "6:1", r"top-level operations must come before",
     None, None),
    # cpuN.result outside conditions
    (D + "cpu0 activate F\nexpect cpu0.result == ok", "4:8", r"'cpu0\.result' is tested in a condition", None,
     r"expect result == R"),
    # split and the witness statements
    (D + "cpu0 drain split", "3:12", r"'drain' cannot be split", None, None),
    (D + "cpu0 flush mlock split", "3:18", r"'flush' cannot be split", None, None),
    (D + "cpu0 get split", "3:10", r"'get' cannot be split", None, None),
    (D + "cpu0 work split", "3:11", r"'work' cannot be split", None, None),
    (D + "cpu0 gup_longterm F split touch", "3:21", r"'split' comes last", None, None),
    (D + "cpu0 gup_longterm F split split", "3:21", r"'split' comes last", None, None),
    (D + "drain all split", "3:11", r"unexpected 'split'", None, r"cpu0 drain all split"),
    (D + "cpu0 work F", "3:11", r"'work' takes nothing after it", None, None),
    (D + "cpu0 resume now", "3:13", r"'resume' takes nothing after it", None, None),
    (D + "cpu0 drain all all", "3:16", r"'drain all' takes nothing after it", None, None),
    # the new words are reserved
    ("folio and anon", "1:7", r"'and' is a reserved word", None, None),
    ("folio exists anon", "1:7", r"'exists' is a reserved word", None, None),
    ("folio split anon", "1:7", r"'split' is a reserved word", None, None),
    ("folio verdict anon", "1:7", r"'verdict' is a reserved word", None, None),
]


@pytest.mark.parametrize("source, where, message, expected, hint", CASES, ids=[c[0][-36:] for c in CASES])
def test_errors(source, where, message, expected, hint):
    if where is None:
        scenario(source)  # no error
        return
    e = error(source)
    rendered = e.render()
    assert f"{e.line}:{e.column}" == where, rendered
    assert re.search(message, e.message), rendered
    if expected is not None:
        assert e.expected is not None and re.search(expected, e.expected), rendered
    if hint is not None:
        assert e.hint is not None and re.search(hint, e.hint), rendered
    assert rendered.startswith(f"c.fs:{where}: error: {e.message}\n")
    assert_words_only(rendered)


# --- file order ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, where", [
    # a rule that depends on lines below is still reported where it is
    (D + "exists F has lru\ncpu0 mlok F", "3:1"),
    (D + "may drain\ncpu0 mlok F", "3:1"),
    (D + "cpu0 { activate F }\nexists cpu1.result == ok\ncpu1 mlok F", "4:8"),
    (D + "cpu0 { activate F }\nexpect verdict == Never\ncpu1 mlok F", "4:8"),
    # statements above a syntax error, in a thread left open
    (D + "cpu0 {\n  mlok F\n  expect F.x = 1\n}", "4:3"),
    (D + "cpu0 { activate F }\ncpu0 {\n  drain\n  expect F.x = 1\n}", "4:1"),
    (D + "cpu0 {\n  repeat 0 {\n    expect F.x = 1\n  }\n}", "4:10"),
    (D + "cpu0 { cpu1 { drain }\n  expect F.x = 1\n}", "3:8"),
])
def test_first_error_in_file_order(text, where):
    e = error(text)
    assert f"{e.line}:{e.column}" == where, e.render()


def test_a_file_that_does_not_parse_does_not_guess_about_threads():
    # the threads below the syntax error are unknown: the condition is not blamed
    e = error(D + "exists F has lru\ncpu0 { activate F }\nexpect F.x = 1\n")
    assert (e.line, e.message) == (5, "unexpected '='"), e.render()
