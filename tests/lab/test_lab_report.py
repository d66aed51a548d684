"""The side-by-side report, the noise rule and the histogram, from agent
output written by hand (no QEMU)."""

from collections import Counter

from folioscope.dsl import parse_file
from folioscope.lab.compare import step_report
from folioscope.lab.observe import kernel_state, parse_output
from folioscope.lab.report import AGREE, DISAGREE, NOISE, final_histogram, judge, render_step
from folioscope.lab.routes import as_routed, plan_scenario
from folioscope.lab.session import BATCHES
from folioscope.replay import run_scenario

from test_lab_routes import B2

# What the agent printed on 6.16.3 after B2's pin (trimmed to the batches that matter).
AGENT_6_16 = """\
@@ zone DMA32 start 4096
@@ zone DMA32 spanned 159744
@@ zone Movable start 163840
@@ zone Movable spanned 98272
@@ run 0
@@ step 4 -12
@@ folio 0.0 3ffdf ref=4 kpf=20004481c map=1 mlc=290
@@ mapped 0 3ffdf
@@ batch 0 lru_add 3ffdf:0 1234:0
@@ batch 1 mlock 3ffdf:1
@@ end
@@ done
"""
AGENT_6_17 = """\
@@ zone Movable start 163840
@@ zone Movable spanned 98272
@@ run 0
@@ step 4 0
@@ folio 0.0 288b4 ref=0 kpf=0 map=0 mlc=0
@@ folio 0.1 52ed ref=1026 kpf=20004483c map=1 mlc=1
@@ mapped 0 52ed
@@ end
@@ done
"""


def kernel(text):
    out = parse_output(text)
    return out, [kernel_state(run[4], ["F"], out.zones, 2, BATCHES) for run in out.runs]


def test_kernel_state_names_pfns_as_the_model_does():
    _, (state,) = kernel(AGENT_6_16)
    assert state["result"] == "ENOMEM"
    assert state["folio.F.refcount"] == 4
    assert state["folio.F.flags"] == ("referenced", "unevictable", "mlocked", "swapbacked", "dirty")
    assert state["folio.F.list"] == "none" and state["folio.F.zone"] == "movable"
    assert state["cpu0.lru_add"] == ("F",)        # the scratch page 0x1234 is not a scenario folio
    assert state["cpu1.mlock"] == ("F:lru",)      # LRU_FOLIO tag
    assert "folio.F.mlock_count" not in state     # only meaningful on the unevictable list


def test_a_migrated_folio_is_primed_and_the_old_one_freed():
    _, (state,) = kernel(AGENT_6_17)
    assert state["folio.F.freed"] is True and "folio.F.refcount" not in state
    assert state["folio.F'.zone"] == "normal" and state["folio.F'.list"] == "unevictable"
    assert state["folio.F'.mlock_count"] == 1 and state["folio.F'.refcount"] == 1026


def test_judge_follows_klitmus7():
    assert judge("ok", Counter({"ok": 3, "ENOMEM": 2}), must=True) == AGREE
    assert judge("ok", Counter({"ok": 2, "ENOMEM": 3}), must=False) == NOISE
    assert judge("ok", Counter({"ok": 2, "ENOMEM": 3}), must=True) == DISAGREE
    assert judge("ok", Counter({"ENOMEM": 5}), must=False) == DISAGREE


def b2_report(variant, text, runs=1):
    scenario = as_routed(parse_file(str(B2)))
    trace = run_scenario(scenario, variant)
    plan = plan_scenario(scenario, trace.steps)
    _, states = kernel(text)
    return step_report(trace, plan, 4, states * runs, {"result"}, [[]])


def test_side_by_side_agrees_with_6_16_under_v6_11():
    rep = b2_report("v6.11", AGENT_6_16, runs=5)
    assert not rep.disagreements
    text = render_step(rep, 5)
    assert "result" in text and "ENOMEM ×5" in text
    assert "cpu0.lru_add" in text


def test_side_by_side_marks_what_v6_17_gets_wrong_about_6_16():
    rep = b2_report("v6.17", AGENT_6_16)
    keys = {k.key for k in rep.disagreements}
    assert {"result", "folio.F.freed"} <= keys
    assert "✗ result" in render_step(rep, 1)


def test_final_histogram_counts_runs_per_outcome():
    text = final_histogram([("line 23=ENOMEM",)] * 4 + [("line 23=ok",)])
    assert text.splitlines() == ["Histogram (5 runs)", "    4 : line 23=ENOMEM", "    1 : line 23=ok"]


def test_a_folio_in_a_move_batch_without_pg_lru_is_still_on_its_list():
    # v6.11: folio_activate() cleared PG_lru when A entered cpu1's lru_activate
    out = parse_output("@@ run 0\n@@ step 2 0\n@@ folio 0.0 30000 ref=2 kpf=4000 map=1 mlc=0\n"
                       "@@ mapped 0 30000\n@@ batch 1 lru_activate 30000:0\n@@ end\n@@ done\n")
    state = kernel_state(out.runs[0][2], ["A"], out.zones, 2, BATCHES)
    assert state["folio.A.flags"] == ("swapbacked",)
    assert state["folio.A.list"] == "inactive_anon"
    assert state["cpu1.lru_activate"] == ("A",)


def test_ftrace_lines_become_a_call_sequence_with_repeats_folded():
    from folioscope.lab.ftrace import sequence

    lines = ["  <...>-1       [001] .l...    49.20: folio_add_lru <-shmem_alloc_and_add_folio",
             "   kworker/0:1-20 [000] .....  49.30: lru_add_drain_per_cpu <-process_one_work"]
    lines += ["  init-1 [001] ...1.  49.3: folio_add_lru_vma <-do_anonymous_page",
              "  init-1 [001] ...1.  49.3: folio_add_lru <-do_anonymous_page"] * 3
    assert sequence(lines) == [
        "cpu1 folio_add_lru ← shmem_alloc_and_add_folio",
        "cpu0 lru_add_drain_per_cpu ← process_one_work [kworker/0:1]",
        "cpu1 folio_add_lru_vma ← do_anonymous_page",
        "cpu1 folio_add_lru ← do_anonymous_page   (these 2 ×3)",
    ]
