"""Routes from the DSL to system calls: what each step makes the guest do,
and the lines the lab refuses (with the line number and why)."""

from pathlib import Path

import pytest

from folioscope.dsl import parse_file, parse_text
from folioscope.lab.routes import NoRoute, as_routed, plan_scenario, program_text
from folioscope.replay import run_scenario

REPO = Path(__file__).resolve().parents[2]
B2 = REPO / "scenarios" / "b2-will-deacon-pin-failure.fs"
LAB = sorted((REPO / "scenarios" / "lab").glob("*.fs"))


def plan_of(scenario, touch=True):
    routed = as_routed(scenario, touch)
    return plan_scenario(routed, run_scenario(routed).steps), routed


def text_plan(src: str):
    return plan_of(parse_text(src, "t.fs"))[0]


def test_b2_is_one_fault_a_flush_and_a_pin():
    plan, _ = plan_of(parse_file(str(B2)))
    assert plan.folios == [("F", "shmem")]
    # map F locked needs a VM_LOCKED vma before the fault: mlock2(MLOCK_ONFAULT)
    assert [op.op for op in plan.setup] == ["mlock_onfault", "drain_all"]
    assert {k: (op.op, op.cpu) for k, op in plan.steps.items()} == {
        2: ("fault_r", 1), 3: ("fill_lru_add", 1), 4: ("pin", 0)}
    assert plan.folded == {1: 2}   # add_lru F is observed with the fault that does it


def test_program_text_lists_folios_setup_and_steps():
    plan, _ = plan_of(parse_file(str(B2)))
    text = program_text(plan, runs=3, cpus=2, ftrace_funcs=("lru_add_drain",))
    assert text.splitlines()[:5] == ["cpus 2", "runs 3", "ftrace 1", "folio s", "ftrace_func lru_add_drain"]
    assert "step 4 pin 0 0 1" in text and "observe0" in text


def test_gup_longterm_runs_as_touch_write_only_where_io_uring_touches():
    _, routed = plan_of(parse_file(str(B2)))
    ops = [s for s in routed.body if getattr(s, "name", None) == "gup_longterm"]
    assert ops[0].flags == ("touch", "write")
    _, plain = plan_of(parse_file(str(B2)), touch=False)
    assert [s for s in plain.body if getattr(s, "name", None) == "gup_longterm"][0].flags == ()


def test_madvise_drains_its_cpu_first_in_the_model():
    plan, routed = plan_of(parse_text(
        "folio A anon active zone=movable\ncpu1 deactivate A\n", "t.fs"))
    assert [s.name for s in routed.body] == ["drain", "deactivate"]
    assert plan.steps[2].op == "cold" and plan.folded == {1: 2}


def test_a_range_of_folios_is_one_mlock_of_a_contiguous_range():
    plan = text_plan("folio A anon zone=movable\nfolio B anon zone=movable\ncpu0 sys_mlock A B\n")
    assert [(op.op, op.a, op.b) for op in plan.steps.values()] == [("mlock", 0, 2)]


def test_mlock_onfault_is_mlock2_without_the_populate_pass():
    plan = text_plan("folio A anon zone=movable\ncpu0 sys_mlock A onfault\n")
    assert [(op.op, op.a, op.b) for op in plan.steps.values()] == [("mlock_onfault", 0, 1)]


@pytest.mark.parametrize("src, line, words", [
    ("folio F file zone=movable mapped=1\ncpu0 drain\n", 1, "needs a filesystem"),
    ("folio F anon\ncpu0 drain\n", 1, "declare zone=movable"),
    ("folio F anon zone=movable order=2\ncpu0 drain\n", 1, "`order` has no route"),
    ("folio F anon zone=movable\ncpu0 activate F\n", 2, "two `mark_accessed`"),
    ("folio F anon zone=movable\ncpu0 get F\n", 2, "kernel-internal reference"),
    ("folio F shmem new zone=movable\ncpu0 add_lru F\ncpu0 drain\n", 2, "follow `cpu0 add_lru F`"),
    ("folio F shmem new zone=movable\ncpu0 add_lru F\ncpu1 map F\n", 2, "enters the LRU"),
    ("folio F anon zone=movable\ncpu0 flush lru_activate\n", 2, "only lru_add and mlock"),
    ("folio F anon new zone=movable\ncpu0 mark_accessed F\n", 2, "does not exist in the kernel yet"),
    ("folio F shmem zone=movable mapped=1\ncpu0 lazyfree F\n", 2, "private anonymous"),
    ("title \"t\"\ncpus 9\nfolio F anon zone=movable\ncpu8 drain\n", 2, "at most 8 CPUs"),
    ("folio F anon new zone=movable\nrepeat 2001 { cpu0 drain }\n", 2, "at most 2000"),
    ("folio A anon zone=movable\nfolio B anon zone=movable\nfolio C anon zone=movable\n"
     "cpu0 gup_longterm A C\n", 4, "without gaps"),
])
def test_no_route_names_the_line_and_why(src, line, words):
    with pytest.raises(NoRoute) as err:
        text_plan(src)
    assert err.value.line == line
    assert words in err.value.why


@pytest.mark.parametrize("path", LAB, ids=lambda p: p.name)
def test_every_bundled_lab_scenario_has_routes(path):
    plan, _ = plan_of(parse_file(str(path)))
    assert plan.steps


def test_docs_list_every_route_and_every_missing_one():
    from folioscope.lab.routes import NO_ROUTE, ROUTES

    doc = (REPO / "docs" / "lab.md").read_text()
    for route in ROUTES:
        assert f"| `{route.op}` | {route.syscall} | {route.path} |" in doc, route.op
    for op in NO_ROUTE:
        assert f"| `{op}` | {NO_ROUTE[op]} |" in doc, op
