"""Every form of the language parses to the AST it means."""

from __future__ import annotations

import pytest

from folioscope.dsl import ScenarioError, parse_text
from folioscope.dsl.ast import (
    BatchItem, Expect, ExpectBatch, ExpectField, ExpectFlags, ExpectResult, ExpectStat,
    FolioDecl, Op, Pos, Repeat,
)

from dsl_samples import EVERYTHING, WILL, all_samples, repo_scenarios

DECLS = "folio F1..F31 anon\nfolio F anon\nfolio S shmem new\nfolio L1 anon order=2\n"


def one(stmt: str, decls: str = DECLS, cpus: int = 4):
    """The single body statement of ``stmt`` after declarations."""
    scenario = parse_text(f"cpus {cpus}\n{decls}{stmt}\n")
    assert len(scenario.body) == 1, scenario.body
    return scenario.body[0]


def op(stmt: str, **kw) -> tuple:
    node = one(stmt, **kw)
    assert isinstance(node, Op)
    return node.cpu, node.name, node.folios, node.flags, node.batch


# --- header -----------------------------------------------------------------------


def test_header():
    s = parse_text('title "Will Deacon\'s pin failure"  # c\nkernel will-v1\ncpus 4\nfolio F anon\n')
    assert (s.title, s.kernel, s.cpus) == ("Will Deacon's pin failure", "will-v1", 4)


def test_header_defaults():
    s = parse_text("folio F anon")
    assert (s.title, s.kernel, s.cpus) == (None, None, 2)
    assert s.path == "<string>" and s.source == "folio F anon"


@pytest.mark.parametrize("variant", ["v5.18", "v6.9", "v6.11", "v6.14", "will-v1", "hugh-suggestion",
                                     "v6.17", "v6.18", "hugh-portmanteau"])
def test_every_variant(variant):
    assert parse_text(f"kernel {variant}; folio F anon").kernel == variant


def test_title_escapes():
    s = parse_text(r'title "a \"b\" \\ c\td\ne"' + "\nfolio F anon")
    assert s.title == 'a "b" \\ c\td\ne'


def test_header_after_declarations_and_expectations():
    s = parse_text("folio F anon\nexpect F.refcount == 1\ncpus 3\ncpu2 drain")
    assert s.cpus == 3


# --- folios -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, names, kind, attrs", [
    ("folio F1 anon", ("F1",), "anon", {}),
    ("folio F2 file zone=movable", ("F2",), "file", {"zone": "movable"}),
    ("folio S shmem new locked=1", ("S",), "shmem", {"new": True, "locked": 1}),
    ("folio L1 anon order=2 mapped=4", ("L1",), "anon", {"order": 2, "mapped": 4}),
    ("folio F3..F5 anon new", ("F3", "F4", "F5"), "anon", {"new": True}),
    ("folio P08..P11 file", ("P08", "P09", "P10", "P11"), "file", {}),
    ("folio page_a anon zone=cma order=0", ("page_a",), "anon", {"zone": "cma", "order": 0}),
    ("folio U anon locked=2 unmlocked active", ("U",), "anon", {"locked": 2, "unmlocked": True, "active": True}),
    ("folio D file nolru new dirty writeback referenced private", ("D",), "file",
     {"nolru": True, "new": True, "dirty": True, "writeback": True, "referenced": True, "private": True}),
    ("folio N file new active", ("N",), "file", {"new": True, "active": True}),
    ("folio I shmem inactive locked=1", ("I",), "shmem", {"inactive": True, "locked": 1}),
    ("folio W anon swapcache mapped=0", ("W",), "anon", {"swapcache": True, "mapped": 0}),
    ("folio X anon order=9 mapped=1_024", ("X",), "anon", {"order": 9, "mapped": 1024}),
    ("folio F7..F7 anon", ("F7",), "anon", {}),
])
def test_folio_declarations(text, names, kind, attrs):
    (decl,) = parse_text(text).decls
    assert decl == FolioDecl(names=names, kind=kind, attrs=attrs, pos=decl.pos)
    assert decl.pos == Pos(1, 1, 1, len(text) + 1)


def test_declaration_after_operations():
    s = parse_text("folio F anon\ncpu0 add_lru F\nfolio G file\ncpu0 add_lru G")
    assert [d.names for d in s.decls] == [("F",), ("G",)]
    assert len(s.body) == 2


# --- operations --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["add_lru", "mark_accessed", "activate", "deactivate", "deactivate_file",
                                  "lazyfree", "rotate", "mlock", "mlock_new", "munlock", "get", "put",
                                  "isolate", "putback", "pin", "unpin", "map", "unmap"])
def test_single_folio_operations(name):
    assert op(f"cpu1 {name} F1") == (1, name, ("F1",), (), None)
    assert op(f"cpu1 {name} F1..F3") == (1, name, ("F1", "F2", "F3"), (), None)


def test_map_locked():
    assert op("cpu1 map S locked") == (1, "map", ("S",), ("locked",), None)
    assert op("cpu0 unmap S locked") == (0, "unmap", ("S",), ("locked",), None)


@pytest.mark.parametrize("name", ["sys_mlock", "sys_munlock", "gup_longterm"])
def test_multi_folio_operations(name):
    assert op(f"cpu2 {name} F1") == (2, name, ("F1",), (), None)
    assert op(f"cpu2 {name} F1 F5..F7 L1") == (2, name, ("F1", "F5", "F6", "F7", "L1"), (), None)


def test_gup_flags():
    assert op("cpu0 gup_longterm F1 F2 touch") == (0, "gup_longterm", ("F1", "F2"), ("touch",), None)
    assert op("cpu0 gup_longterm F1 write touch") == (0, "gup_longterm", ("F1",), ("write", "touch"), None)


def test_primed_folios_in_operations():
    assert op("cpu0 put F'") == (0, "put", ("F'",), (), None)
    assert op("cpu0 gup_longterm F1'' F2") == (0, "gup_longterm", ("F1''", "F2"), (), None)


@pytest.mark.parametrize("text, expected", [
    ("cpu1 drain", (1, "drain", (), (), None)),
    ("cpu3 drain all", (3, "drain_all", (), (), None)),
    ("drain all", (0, "drain_all", (), (), None)),
    ("drain cpu2", (2, "drain", (), (), None)),
    ("cpu0 lru_cache_disable", (0, "lru_cache_disable", (), (), None)),
    ("cpu0 lru_cache_enable", (0, "lru_cache_enable", (), (), None)),
])
def test_folio_less_operations(text, expected):
    assert op(text) == expected


@pytest.mark.parametrize("batch", ["lru_add", "lru_move_tail", "lru_deactivate_file", "lru_deactivate",
                                   "lru_lazyfree", "lru_activate", "mlock"])
def test_flush(batch):
    assert op(f"cpu1 flush {batch}") == (1, "flush", (), (), batch)


def test_operation_text_and_position():
    s = parse_text("folio F anon\n  cpu1 add_lru F   # queued\ncpu0 drain; drain all")
    a, b, c = s.body
    assert a.text == "cpu1 add_lru F" and a.pos == Pos(2, 3, 2, 17)
    assert b.text == "cpu0 drain" and b.pos == Pos(3, 1, 3, 11)
    assert c.text == "drain all" and c.pos == Pos(3, 13, 3, 22)


def test_separators_and_blank_statements():
    s = parse_text("\n\n;folio F anon;;cpu0 get F ;\n\n cpu0 put F\n# end")
    assert [x.name for x in s.body] == ["get", "put"]


def test_crlf_and_tabs():
    s = parse_text("folio F anon\r\n\tcpu0 get F\r\n")
    assert s.body[0].pos == Pos(2, 2, 2, 12) and s.body[0].text == "cpu0 get F"


# --- repeat ------------------------------------------------------------------------------


def test_repeat():
    node = one("repeat 3 {\n  cpu0 add_lru F1\n  repeat 2 { cpu1 drain; expect result == ok }\n}")
    assert isinstance(node, Repeat) and node.count == 3
    first, inner = node.body
    assert isinstance(first, Op) and first.name == "add_lru"
    assert isinstance(inner, Repeat) and inner.count == 2 and len(inner.body) == 2
    assert node.pos.line == 6 and node.pos.end_line == 9


def test_repeat_on_one_line_and_big_counts():
    node = one("repeat 500_000 { cpu0 get F1 ; cpu0 put F1 }")
    assert node.count == 500_000 and len(node.body) == 2
    node = one("repeat 1_000_000 { cpu0 get F1 }")
    assert node.count == 1_000_000


# --- expectations ----------------------------------------------------------------------------


def check(stmt: str, **kw):
    node = one(stmt, **kw)
    assert isinstance(node, Expect)
    return node.check


@pytest.mark.parametrize("text, expected", [
    ("expect F1.refcount == 3", ExpectField(("F1",), "refcount", "==", 3)),
    ("expect F1.mapcount != 0", ExpectField(("F1",), "mapcount", "!=", 0)),
    ("expect F1.pincount < 1025", ExpectField(("F1",), "pincount", "<", 1025)),
    ("expect F1.mlock_count <= 1", ExpectField(("F1",), "mlock_count", "<=", 1)),
    ("expect L1.order > 1", ExpectField(("L1",), "order", ">", 1)),
    ("expect L1.order >= 2", ExpectField(("L1",), "order", ">=", 2)),
    ("expect F1.list == unevictable", ExpectField(("F1",), "list", "==", "unevictable")),
    ("expect F1.list != none", ExpectField(("F1",), "list", "!=", "none")),
    ("expect F1.pos == tail", ExpectField(("F1",), "pos", "==", "tail")),
    ("expect F1.zone == movable", ExpectField(("F1",), "zone", "==", "movable")),
    ("expect F1.freed == true", ExpectField(("F1",), "freed", "==", "true")),
    ("expect F1..F3.refcount == 2", ExpectField(("F1", "F2", "F3"), "refcount", "==", 2)),
    ("expect F'.list == unevictable", ExpectField(("F'",), "list", "==", "unevictable")),
    ("expect F''.freed == false", ExpectField(("F''",), "freed", "==", "false")),
    ("expect F1 has lru mlocked", ExpectFlags(("F1",), True, ("lru", "mlocked"))),
    ("expect F1 lacks active unevictable", ExpectFlags(("F1",), False, ("active", "unevictable"))),
    ("expect F1..F31 lacks lru", ExpectFlags(tuple(f"F{i}" for i in range(1, 32)), False, ("lru",))),
    ("expect S has referenced swapbacked reclaim dirty writeback isolated",
     ExpectFlags(("S",), True, ("referenced", "swapbacked", "reclaim", "dirty", "writeback", "isolated"))),
    ("expect cpu0.mlock == [F1]", ExpectBatch(0, "mlock", "==", (BatchItem("F1", None),))),
    ("expect cpu1.lru_add == []", ExpectBatch(1, "lru_add", "==", ())),
    ("expect cpu0.mlock == [F1:lru, F2:munlock, S:new, F]",
     ExpectBatch(0, "mlock", "==", (BatchItem("F1", "lru"), BatchItem("F2", "munlock"), BatchItem("S", "new"),
                                   BatchItem("F", None)))),
    ("expect cpu3.lru_activate != [F1..F3,]",
     ExpectBatch(3, "lru_activate", "!=", (BatchItem("F1", None), BatchItem("F2", None), BatchItem("F3", None)))),
    ("expect cpu0.mlock == [F1..F2:new]",
     ExpectBatch(0, "mlock", "==", (BatchItem("F1", "new"), BatchItem("F2", "new")))),
    ("expect result == ENOMEM", ExpectResult("==", "ENOMEM")),
    ("expect result != ok", ExpectResult("!=", "ok")),
    ("expect stats.drain_all_calls == 1", ExpectStat("drain_all_calls", "==", 1)),
    ("expect stats.drain_all_cpus > 1", ExpectStat("drain_all_cpus", ">", 1)),
    ("expect stats.local_drains <= 2", ExpectStat("local_drains", "<=", 2)),
    ("expect stats.gup_attempts == 8", ExpectStat("gup_attempts", "==", 8)),
    ("expect stats.drain_all_work == [[cpu1], [cpu0, cpu3]]", ExpectStat("drain_all_work", "==", ((1,), (0, 3)))),
    ("expect stats.drain_all_work == []", ExpectStat("drain_all_work", "==", ())),
    ("expect stats.drain_all_work != [[]]", ExpectStat("drain_all_work", "!=", ((),))),
])
def test_expectations(text, expected):
    assert check(text) == expected


@pytest.mark.parametrize("result", ["ok", "refused", "EBUSY", "ENOMEM", "LIVELOCK", "BUG"])
def test_every_result(result):
    assert check(f"expect result == {result}") == ExpectResult("==", result)


def test_expect_variants_text_and_position():
    node = one("expect F1.refcount == 2 @ v6.17 v6.18   # only fixed kernels")
    assert node.variants == ("v6.17", "v6.18")
    assert node.text == "expect F1.refcount == 2 @ v6.17 v6.18"
    assert node.pos == Pos(6, 1, 6, 38)
    assert one("expect F1 has lru").variants == ()


def test_expect_before_any_operation():
    s = parse_text("folio F anon\nexpect F.refcount == 1\n")
    assert isinstance(s.body[0], Expect)


# --- whole files --------------------------------------------------------------------------------


def test_will_deacon_sample():
    s = parse_text(WILL, "scenarios/b2.fs")
    assert s.path == "scenarios/b2.fs" and s.kernel == "v6.11" and s.cpus == 2
    assert [d.names for d in s.decls] == [("F",)]
    assert [type(x).__name__ for x in s.body] == ["Op"] * 3 + ["Expect"] * 3 + ["Op"] + ["Expect"] * 3
    gup = s.body[6]
    assert gup == Op(0, "gup_longterm", ("F",), (), None, Pos(12, 1, 12, 20), "cpu0 gup_longterm F")


def test_everything_sample():
    s = parse_text(EVERYTHING)
    assert s.title == 'every form "quoted" \\ once' and s.kernel == "hugh-suggestion" and s.cpus == 4
    names = [x.name for x in s.body if isinstance(x, Op)]
    assert set(names) >= {"add_lru", "gup_longterm", "drain_all", "flush", "lru_cache_enable"}


@pytest.mark.parametrize("index", range(len(all_samples())))
def test_samples_parse_or_fail_cleanly(index):
    text = all_samples()[index]
    try:
        parse_text(text, "s.fs")
    except ScenarioError as e:
        assert e.render().startswith("s.fs:")


def test_repository_scenarios_parse():
    for text in repo_scenarios():
        parse_text(text)


def test_every_node_has_a_position():
    s = parse_text(EVERYTHING)

    def walk(nodes):
        for n in nodes:
            assert isinstance(n.pos, Pos) and n.pos.line >= 1 and n.pos.column >= 1
            assert (n.pos.end_line, n.pos.end_column) > (n.pos.line, n.pos.column)
            if isinstance(n, Repeat):
                walk(n.body)
    walk(s.decls)
    walk(s.body)
