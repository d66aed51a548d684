"""Each semantic check and each kind of syntax error gives its message, at its
place, with what was expected and a hint."""

from __future__ import annotations

import re

import pytest

from folioscope.dsl import ScenarioError, parse_text
from folioscope.dsl.ast import Pos

DECLS = "folio F1..F9 anon\nfolio G anon\n"


def error(text: str, path: str = "x.fs") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_text(text, path)
    return info.value


# --- exact renderings ----------------------------------------------------------------------


def test_unknown_operation_exact():
    e = error("folio F1 anon\n\ncpu0 mlok F1\n", "scenarios/x.fs")
    assert e.render() == """\
scenarios/x.fs:3:6: error: unknown operation 'mlok'
    3 | cpu0 mlok F1
      |      ^^^^
  expected: an operation such as add_lru, mlock, gup_longterm, drain
  hint: did you mean 'mlock'?"""
    assert (e.path, e.line, e.column, e.message, e.hint) == (
        "scenarios/x.fs", 3, 6, "unknown operation 'mlok'", "did you mean 'mlock'?")


def test_undeclared_folio_exact():
    assert error("folio page_a anon\ncpu1 add_lru page_b").render() == """\
x.fs:2:14: error: folio 'page_b' is not declared
    2 | cpu1 add_lru page_b
      |              ^^^^^^
  hint: did you mean 'page_a'?"""


def test_cpu_out_of_range_exact():
    assert error("cpus 4\nfolio F anon\ncpu5 add_lru F").render() == """\
x.fs:3:1: error: cpu5 does not exist: the CPUs are cpu0..cpu3
    3 | cpu5 add_lru F
      | ^^^^
  hint: 'cpus 4' at line 1 sets the number of CPUs; raise it to 6 or more"""


def test_syntax_error_exact():
    assert error("folio F1 anon\nexpect F1.refcount = 3").render() == """\
x.fs:2:20: error: unexpected '='
    2 | expect F1.refcount = 3
      |                    ^
  expected: a comparison such as ==
  hint: did you mean '=='?"""


def test_unterminated_string_exact():
    assert error('title "Will\'s pin\nfolio F anon').render() == """\
x.fs:1:7: error: unterminated string
    1 | title "Will's pin
      |       ^^^^^^^^^^^
  expected: a closing " on the same line
  hint: strings end on the line they start; write \\" for a quote inside"""


def test_tabs_are_kept_under_the_caret():
    lines = error("folio F anon\n\tcpu0\tmlok F").render().splitlines()
    assert lines[1] == "    2 | \tcpu0\tmlok F"
    assert lines[2] == "      | \t    \t^^^^"


def test_very_long_lines_are_cut_around_the_caret():
    text = "folio F anon; " + "cpu0 get F; " * 200 + "cpu0 mlok F; " + "cpu0 get F; " * 200
    lines = error(text).render().splitlines()
    assert all(len(line) < 130 for line in lines)
    assert lines[1].count("…") == 2 and "mlok" in lines[1]
    assert lines[2].index("^^^^") == lines[1].index("mlok")


def test_error_at_a_node_from_the_interpreter():
    source = "folio F anon\ncpu0 add_lru F\n"
    e = ScenarioError.at(Pos(2, 1, 2, 15), "s.fs", source, "add_lru of a folio with PG_lru set",
                         hint="the model stops here")
    assert e.render() == """\
s.fs:2:1: error: add_lru of a folio with PG_lru set
    2 | cpu0 add_lru F
      | ^^^^^^^^^^^^^^
  hint: the model stops here"""
    assert str(e) == e.render()


# --- every check, by message ------------------------------------------------------------------

CASES = [
    # (source, line:col, message regex, expected regex or None, hint regex or None)
    # header
    ("kernel v6.18x\nfolio F anon", "1:8", r"unknown kernel variant 'v6\.18x'", r"a variant: v5\.18, .*",
     r"did you mean 'v6\.18'"),
    ("kernel v6.1\nfolio F anon", "1:8", r"'v6\.1' is a kernel release, not a variant",
     None, r"^v6\.1 behaves as v5\.18"),
    ("kernel \"v6.11\"\nfolio F anon", "1:8", r"unknown kernel variant", None, r"without quotes: v6\.11$"),
    ("kernel v6.11\nkernel v6.18", "2:1", r"'kernel' is given twice", None, r"first given at line 1"),
    ('title "a"\ntitle "b"', "2:1", r"'title' is given twice", None, None),
    ("cpus 2\ncpus 4", "2:1", r"'cpus' is given twice", None, None),
    ("cpu0 drain\ncpus 4", "2:1", r"'cpus' must come before the first operation \(line 1\)", None, r"top of the file"),
    ('cpu0 drain\ntitle "x"', "2:1", r"'title' must come before the first operation", None, None),
    ("cpu0 drain\nkernel v6.11", "2:1", r"'kernel' must come before the first operation", None, None),
    ("cpus 0", "1:6", r"cpus 0 is out of range", r"a number from 1 to 64", None),
    ("cpus 65", "1:6", r"cpus 65 is out of range", r"a number from 1 to 64", None),
    ("cpus 99999999999999999999999999999", "1:6", r"far too large", r"1 to 64", None),
    ("cpus four", "1:6", r"unexpected 'four'", r"the number of CPUs, 1 to 64", None),
    (r'title "a\qb"', "1:9", r"unknown escape '\\q'", None, r"\\\\ for a backslash"),
    ("title x", "1:7", r"unexpected 'x'", r"a quoted title", None),
    ("kernel", "1:7", r"unexpected end of file", r"a kernel variant such as v6\.18", r"the variants are"),
    ("repeat 2 { title \"x\" }", "1:12", r"'title' cannot be inside repeat", None, None),
    # CPUs
    ("folio F anon\ncpu2 get F", "2:1", r"cpu2 does not exist: the CPUs are cpu0\.\.cpu1", None, r"add 'cpus 3'"),
    ("cpus 1\ndrain cpu1", "2:7", r"cpu1 does not exist: the CPUs are cpu0$", None, None),
    ("expect cpu3.lru_add == []\ncpus 2", "2:1", r"'cpus 2' leaves out cpu3, used at line 1",
     None, r"'cpus 4' or more"),
    ("expect cpu3.lru_add == []\ncpus 4\ncpu3 drain", None, None, None, None),  # fine
    ("expect cpu3.lru_add == []\ncpu0 drain", "1:8", r"cpu3 does not exist", None, None),
    ("expect stats.drain_all_work == [[cpu7]]", "1:34", r"cpu7 does not exist", None, None),
    ("cpu9999999 drain", "1:1", r"'cpu9999999' does not exist", r"cpu0 to cpu63", None),
    # folios
    ("cpu0 add_lru F1", "1:14", r"folio 'F1' is not declared$", None, r"folio F1 anon"),
    ("expect F.refcount == 1\nfolio F anon", "1:8", r"folio 'F' is not declared", None,
     r"declared at line 2, after this use; move the declaration up"),
    ("folio F1..F3 anon\ncpu0 add_lru F1..F5", "2:14", r"folio 'F4' is not declared \(in F1\.\.F5\)", None, None),
    ("folio F anon\ncpu0 put G'", "2:10", r"'G'' is migrated from G, and G is not declared", None, None),
    ("folio F anon\nfolio F file", "2:7", r"folio 'F' is declared twice", None, r"first declared at line 1"),
    ("folio F1..F3 anon; folio F2 anon", "1:26", r"folio 'F2' is declared twice", None, r"column 7 of this line"),
    ("folio F' anon", "1:7", r"cannot declare the primed name", None, r"declare F$"),
    ("folio cpu1 anon", "1:7", r"'cpu1' names a CPU, not a folio", None, None),
    ("folio result anon", "1:7", r"'result' is a reserved word", None, None),
    ("folio touch anon", "1:7", r"'touch' is a reserved word", None, None),
    ("folio F anon\ncpu0 get cpu1", "2:10", r"'cpu1' is a CPU, not a folio", None, None),
    ("repeat 2 { folio F anon }", "1:12", r"a folio declaration cannot be inside repeat", None, None),
    # kinds and attributes
    ("folio F", "1:8", r"needs a kind after 'F'", r"a kind: anon, file or shmem", None),
    ("folio F anno", "1:9", r"unknown folio kind 'anno'", r"anon, file or shmem", r"did you mean 'anon'"),
    ("folio F order=2 anon", "1:9", r"the kind must come first, before 'order=2'", None, r"folio F anon order=2"),
    ("folio F anon file", "1:14", r"a folio has one kind", None, None),
    ("folio F anon=1", "1:9", r"the kind 'anon' takes no value", None, None),
    ("folio F anon ordr=1", "1:14", r"unknown folio attribute 'ordr'",
     r"an attribute: order, zone", r"did you mean 'order'"),
    ("folio F anon order=1 order=2", "1:22", r"attribute 'order' is given twice", None, None),
    ("folio F anon new new", "1:18", r"attribute 'new' is given twice", None, None),
    ("folio F anon order", "1:14", r"'order' needs a value", r"order=VALUE", None),
    ("folio F anon order=x", "1:20", r"order= needs a number, not 'x'", r"0 to 9", None),
    ("folio F anon order=10", "1:20", r"order 10 is out of range", r"a number from 0 to 9", None),
    ("folio F anon mapped=1025", "1:21", r"mapped 1,025 is out of range", r"0 to 1,024", None),
    ("folio F anon locked=99999999999999999999", "1:21", r"far too large", None, None),
    ("folio F anon zone=dma", "1:19", r"unknown zone 'dma'", r"normal, movable or cma", None),
    ("folio F anon zone=3", "1:19", r"unknown zone '3'", None, None),
    ("folio F anon new=1", "1:14", r"'new' takes no value", None, r"write just 'new'"),
    ("folio F anon unmlocked", "1:14", r"'unmlocked' needs locked=N", None, r"locked=1"),
    ("folio F anon locked=0 unmlocked", "1:23", r"'unmlocked' needs locked=N", None, None),
    ("folio F anon locked=1 unmlocked new", "1:33", r"'unmlocked' and 'new' conflict", None, None),
    ("folio F anon locked=1 nolru unmlocked", "1:29", r"'unmlocked' and 'nolru' conflict", None, None),
    ("folio F anon active inactive", "1:21", r"'active' and 'inactive' conflict", None, None),
    ("folio F anon nolru active", "1:20", r"'active' and 'nolru' conflict", None, None),
    ("folio F file swapcache", "1:14", r"'swapcache' is for anon folios, not file", None, None),
    ("folio F shmem swapcache", "1:15", r"'swapcache' is for anon folios, not shmem", None, None),
    # ranges
    ("folio F5..F1 anon", "1:7", r"range 'F5\.\.F1' runs backwards", None, r"write F1\.\.F5"),
    ("folio F1..G3 anon", "1:7", r"must share a prefix: 'F' and 'G' differ", None, None),
    ("folio A..B anon", "1:7", r"names ending in numbers; 'A' has none", r"F1\.\.F31", None),
    ("folio F1..F100000 anon", "1:7", r"names 100,000 folios", r"at most 10,000", None),
    ("folio F1..F9999999999 anon", "1:7", r"too large", None, None),
    ("folio F01..F100 anon", "1:7", r"zero-padded", None, None),
    (DECLS + "cpu0 put F1'..F2'", "3:10", r"a range cannot use primed names", None, None),
    # operations
    ("folio F anon\nmlock F", "2:1", r"operation 'mlock' needs a CPU", r"cpuN before the operation", r"cpu0 mlock"),
    ("expct F.refcount == 1", "1:1", r"unknown statement 'expct'",
     r"a statement: cpuN OPERATION", r"did you mean 'expect'"),
    ("mlok F", "1:1", r"unknown statement 'mlok'", None, r"did you mean 'mlock'\? operations run on a CPU"),
    ("CPU0 drain", "1:1", r"unknown statement 'CPU0'", None, r"did you mean 'cpu0'"),
    ("cpu drain", "1:1", r"unknown statement 'cpu'", None, r"CPUs are written cpu0"),
    ("foli F anon", "1:1", r"unknown statement 'foli'", None, r"did you mean 'folio'"),
    ("cpu0 frobnicate", "1:6", r"unknown operation 'frobnicate'", r"an operation such as", None),
    (DECLS + "cpu0 add_lru", "3:13", r"'add_lru' needs a folio", r"cpu0 add_lru F1", None),
    (DECLS + "cpu0 gup_longterm", "3:18", r"'gup_longterm' needs a folio", None, None),
    (DECLS + "cpu0 add_lru F1 F2", "3:17", r"'add_lru' takes one folio or one range", None, r"use a range"),
    (DECLS + "cpu0 add_lru F1 locked", "3:17", r"'add_lru' takes no 'locked'", None, r"goes with map and unmap"),
    (DECLS + "cpu0 map F1 touch", "3:13", r"'map' takes no 'touch'", None, r"gup_longterm"),
    (DECLS + "cpu0 gup_longterm touch F1", "3:19", r"needs a folio before 'touch'", None, None),
    (DECLS + "cpu0 gup_longterm F1 touch touch", "3:28", r"'touch' is given twice", None, None),
    (DECLS + "cpu0 gup_longterm F1 touch F2", "3:28", r"folio 'F2' comes after 'touch'", None, r"folios first"),
    ("cpu0 flush", "1:11", r"'flush' needs a batch name", r"a batch: lru_add, .* or mlock", None),
    ("cpu0 flush lru_ad", "1:12", r"unknown batch 'lru_ad'", None, r"did you mean 'lru_add'"),
    ("cpu0 flush lru_add mlock", "1:20", r"'flush' takes one batch", None, None),
    (DECLS + "cpu0 drain F1", "3:12", r"'drain' takes no folio; 'F1' is extra", None, r"drains every CPU"),
    ("cpu0 drain al", "1:12", r"'drain' takes no folio", None, r"did you mean 'all'"),
    ("cpu0 drain all all", "1:16", r"'drain all' takes nothing after it", None, None),
    ("cpu0 lru_cache_disable now", "1:24", r"'lru_cache_disable' takes nothing after it", None, None),
    ("drain", "1:6", r"unexpected end of file", r"'all', or a CPU such as cpu1", r"drains every CPU"),
    ("drain every", "1:7", r"'drain' takes 'all' or a CPU, not 'every'", None, None),
    ("drain all all", "1:11", r"unexpected 'all'", r"the end of the statement", None),
    ("cpu0", "1:5", r"unexpected end of file", r"an operation such as add_lru", None),
    ("cpu0 drain $", "1:12", r"unexpected '\$'", r"the end of the statement", None),
    # repeat
    ("repeat 0 { cpu0 drain }", "1:8", r"repeat count 0 is out of range", r"1 to 1,000,000", None),
    ("repeat 1000001 { cpu0 drain }", "1:8", r"repeat count 1,000,001 is out of range", None, None),
    ("repeat 1000 { repeat 1000 { repeat 1000 { cpu0 drain } } }", "1:8", r"repeat over the limit", None, None),
    ("repeat 1000000 { cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain;"
     " cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain }", "1:8", r"repeat over the limit", None, None),
    ("folio F1..F10 anon\nrepeat 1000000 { cpu0 get F1..F10; cpu0 put F1..F10 }", "2:8",
     r"repeat over the limit: 1,000,000 times this block is 20,000,000 steps", None, r"lower the count"),
    ("repeat 9000000 { cpu0 drain }", "1:8", r"out of range", None, None),
    ("repeat 100000 { cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain }\n"
     "repeat 500000 { cpu0 drain }", None, None, None, None),
    ("repeat 100000 { cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain; cpu0 drain }\n" * 3, "3:1",
     r"repeat over the limit: the file runs 1,500,000 steps", None, None),
    ("repeat 3 { }", "1:1", r"the repeat block is empty", None, None),
    ("repeat 3 {\n# nothing\n}", "1:1", r"the repeat block is empty", None, None),
    ("repeat 3\n{ cpu0 drain }", "1:9", r"unexpected end of line", r"'\{'", r"same line"),
    ("repeat 3 {\ncpu0 drain\n", "1:10", r"'\{' is never closed", r"'\}'", None),
    ("repeat 2 { cpu0 drain } }", "1:25", r"unexpected '\}': no repeat block is open", None, None),
    ("repeat", "1:7", r"unexpected end of file", r"a repeat count", None),
    ("repeat " + "repeat 1 { " * 17, "1:8", r"unexpected 'repeat'", None, None),
    ("repeat 1 { " * 17 + "cpu0 drain" + " }" * 17, "1:177", r"nest too deeply", None, None),
    # expectations
    (DECLS + "expect F1.refcnt == 1", "3:11", r"unknown folio field 'refcnt'",
     r"a field: refcount, ", r"did you mean 'refcount'"),
    (DECLS + "expect F1.lru == 1", "3:11", r"unknown folio field 'lru'", None, r"has/lacks: 'expect F1 has lru'"),
    (DECLS + "expect F1.list < unevictable", "3:16", r"list can only be compared with == or !=, not <",
     r"== or !=", None),
    (DECLS + "expect F1.freed >= true", "3:17", r"freed can only be compared with == or !=", None, None),
    (DECLS + "expect F1.refcount == unevictable", "3:23", r"refcount is a number; 'unevictable' is not", None, None),
    (DECLS + "expect F1.refcount == [F1]", "3:23", r"refcount is a number", None, None),
    (DECLS + "expect F1.refcount == 4294967296", "3:23", r"refcount 4,294,967,296 is out of range", None, None),
    (DECLS + "expect F1.list == unevictabel", "3:19", r"unknown list value 'unevictabel'",
     r"inactive_anon, ", r"'unevictable'"),
    (DECLS + "expect F1.list == 3", "3:19", r"list is one of .*; '3' is not", None, None),
    (DECLS + "expect F1.pos == middle", "3:18", r"unknown pos value 'middle'", r"head, tail or none", None),
    (DECLS + "expect F1.zone == Movable", "3:19", r"unknown zone value 'Movable'", None, r"did you mean 'movable'"),
    (DECLS + "expect F1.freed == yes", "3:20", r"unknown freed value 'yes'", r"true or false", None),
    (DECLS + "expect F1 lru", "3:11", r"expected 'has' or 'lacks' before the flag 'lru'", None, r"expect F1 has lru"),
    (DECLS + "expect F1 hass lru", "3:11", r"unknown word 'hass' after 'F1'", None, r"did you mean 'has'"),
    (DECLS + "expect F1 has", "3:14", r"'has' needs at least one flag", r"a flag: lru, ", None),
    (DECLS + "expect F1 has lru lru", "3:19", r"flag 'lru' is listed twice", None, None),
    (DECLS + "expect F1 has mlockd", "3:15", r"unknown flag 'mlockd'", None, r"did you mean 'mlocked'"),
    (DECLS + "expect F1 lacks refcount", "3:17", r"unknown flag 'refcount'", None, r"'refcount' is a field"),
    (DECLS + "expect F1 == 3", "3:10", r"expected a field after 'F1'", r"'\.FIELD', as in F1\.refcount == 3", None),
    ("expect cpu0 == []", "1:12", r"expected a batch after 'cpu0'", None, None),
    ("expect cpu0 has lru", "1:8", r"a CPU has no flags", None, None),
    ("expect stats == 1", "1:13", r"expected a statistic after 'stats'", None, None),
    ("expect stats has lru", "1:8", r"stats has no flags", None, None),
    ("expect cpu0.lru_addd == []", "1:13", r"unknown batch 'lru_addd'", None, r"did you mean 'lru_add'"),
    ("expect cpu0.lru_add < []", "1:21", r"cpu0\.lru_add can only be compared with == or !=", None, None),
    ("expect cpu0.lru_add == 0", "1:24", r"a batch \(lru_add\) is a list; '0' is not", r"\[\] when empty", None),
    (DECLS + "expect cpu0.lru_add == [F1:lru]", "3:28", r"only mlock batch entries have tags", None, None),
    (DECLS + "expect cpu0.mlock == [F1:locked]", "3:26", r"unknown mlock tag 'locked'", r"lru, new or munlock", None),
    (DECLS + "expect cpu0.mlock == [[F1]]", "3:23", r"a batch holds folios, not lists", None, None),
    ("expect cpu0.mlock == [cpu1]", "1:23", r"a batch holds folios; 'cpu1' is a CPU", None, None),
    (DECLS + "expect cpu0.mlock == [F1 F2]", "3:26", r"unexpected 'F2'", r"',', '\]' or ':' and an mlock tag", None),
    (DECLS + "expect cpu0.mlock == [F1, F11]", "3:27", r"folio 'F11' is not declared", None, r"did you mean 'F1'"),
    ("expect result == enomem", "1:18", r"unknown result 'enomem'", r"ok, refused, EBUSY, ENOMEM, LIVELOCK or BUG",
     r"did you mean 'ENOMEM'"),
    ("expect result == 3", "1:18", r"unknown result '3'", None, None),
    ("expect result < ok", "1:15", r"result can only be compared with == or !=", None, None),
    ("expect result.value == ok", "1:8", r"'result' has no fields", None, None),
    ("expect stats.drain_all_call == 1", "1:14", r"unknown statistic 'drain_all_call'", None, r"'drain_all_calls'"),
    ("expect stats.drain_all_calls == many", "1:33", r"stats\.drain_all_calls is a number", None, None),
    ("expect stats.drain_all_work == [cpu1]", "1:33", r"one list of CPUs per call",
     None, r"\[\[cpu1\], \[cpu0, cpu3\]\]"),
    ("expect stats.drain_all_work == [[F1]]", "1:34", r"expected a CPU, not 'F1'", None, None),
    ("expect stats.drain_all_work > []", "1:29", r"can only be compared with == or !=", None, None),
    ("expect stats.drain_all_work == 1", "1:32", r"is a list", None, None),
    (DECLS + "expect F1.refcount == 1 @ v6.1x", "3:27", r"unknown kernel variant 'v6\.1x'", None, r"did you mean"),
    (DECLS + "expect F1.refcount == 1 @ v6.17 v6.17", "3:33", r"variant 'v6\.17' is listed twice", None, None),
    (DECLS + "expect F1.refcount == 1 @", "3:26", r"unexpected end of file", r"a kernel variant such as v6\.18", None),
    (DECLS + "expect F1.refcount == 3.5", "3:24", r"unexpected '\.5'", r"'@' and kernel variants or the end", None),
    (DECLS + "expect F1.refcount == 1 2", "3:25", r"unexpected '2'", None, None),
    (DECLS + "expect F1.refcount", "3:19", r"unexpected end of file", r"a comparison such as ==", None),
    (DECLS + "expect F1.refcount ==", "3:22", r"unexpected end of file", r"a value: a number, a word", None),
    (DECLS + "expect F1.refcount =! 3", "3:20", r"unexpected '=!'", None, r"'=='"),
    ("expect", "1:7", r"unexpected end of file", r"a folio name or range, cpuN, stats or result$", None),
    (DECLS + "expect F1", "3:10", r"unexpected end of file",
     r"^'\.' and a field \(as in F1\.refcount\), 'has', 'lacks', or a comparison such as ==$", None),
    ("expect F1.", "1:11", r"unexpected end of file", r"a field such as refcount", None),
    ("expect cpu0.", "1:13", r"unexpected end of file", r"a batch name: lru_add", None),
    ("expect stats.", "1:14", r"unexpected end of file", r"a statistic: drain_all_calls", None),
    (DECLS + "expect cpu0.mlock == [F1", "3:25", r"unexpected end of file", r"',', '\]' or ':' and an mlock tag", None),
    (DECLS + "expect cpu0.mlock == [F1:", "3:26", r"unexpected end of file", r"a tag: lru, new or munlock", None),
    ("expect stats.drain_all_work == [[cpu1", "1:38", r"unexpected end of file", r"^',' or '\]'$", None),
    ("expect cpu0.mlock == [", "1:23", r"unexpected end of file",
     r"a folio name or range, .*a nested list or '\]'", None),
    # lexical
    ("folio F anon\ncpu0 put F..", "2:13", r"unexpected end of file", r"the folio name that ends the range", None),
    ("folio F anon\n\x01", "2:1", r"unexpected '\\x01' at the start of a statement", r"a statement", None),
    ("folio F anon\ncpu0 get F\u00a0", "2:11", r"unexpected character '\\xa0'", None, None),
    ("folio F anon\ncpu0 get 'F", "2:10", r"unexpected \"'F\"", None, r"a prime follows a folio name"),
    ('folio F anon\ncpu0 get "F"', "2:10", r"unexpected string '\"F\"'", None, r"only for 'title'"),
    ('folio F anon\ncpu0 get "F', "2:10", r"unterminated string", None, None),
    ("folio F anon order=2x", "1:20", r"unexpected '2x'", r"a value: a number, or a zone", None),
    ("folio F anon order=", "1:20", r"unexpected end of file", r"a value: a number, or a zone", None),
    ("folio", "1:6", r"unexpected end of file", r"a folio name such as F1, or a range", None),
    ("folio F1..", "1:11", r"unexpected end of file", r"the folio name that ends the range", None),
    ("folio F anon\n}", "2:1", r"unexpected '\}'", r"a statement", None),
    ("folio F anon ;; ]", "1:17", r"unexpected '\]' at the start of a statement", None, None),
]


@pytest.mark.parametrize("source, where, message, expected, hint", CASES, ids=[c[0][-40:] for c in CASES])
def test_errors(source, where, message, expected, hint):
    if where is None:
        parse_text(source)  # no error
        return
    e = error(source)
    rendered = e.render()
    assert f"{e.line}:{e.column}" == where, rendered
    assert re.search(message, e.message), rendered
    if expected is None:
        pass
    else:
        assert e.expected is not None and re.search(expected, e.expected), rendered
    if hint is not None:
        assert e.hint is not None and re.search(hint, e.hint), rendered
    assert rendered.startswith(f"x.fs:{where}: error: {e.message}\n")
    assert_words_only(rendered)


TERMINALS = re.compile(r"\b(NAME|INT|CPUS|STRING|VARIANT|CMP|EQ|DOTDOT|DOT|COLON|COMMA|LSQB|RSQB|LBRACE|RBRACE|"
                       r"TITLE|KERNEL|FOLIO|REPEAT|EXPECT|DRAIN|WS|COMMENT|_SEP|__ANON\w*|__\w+)\b|\$END")


def assert_words_only(rendered: str) -> None:
    """No Lark terminal or rule names in what users read (their own text aside)."""
    for line in rendered.splitlines():
        if line.startswith("  expected:"):
            assert not TERMINALS.search(line), rendered
            assert "something else" not in line, rendered


def test_first_error_wins():
    e = error("folio F anon\ncpu0 get G\ncpu0 mlok F\n")
    assert e.line == 2 and "'G' is not declared" in e.message
