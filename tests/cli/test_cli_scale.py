"""Output that scales (issue 8 item 6): repeats collapse, batch changes are
what came and went, idle CPUs share a line."""

from __future__ import annotations

import re

from clitools import REPO, run_cli, scenario

C64 = str(REPO / "tests" / "fixtures" / "c64.fs")
"""A 20-line scenario on 64 CPUs."""


def test_a_repeat_at_its_fixed_point_prints_once(tmp_path) -> None:
    path = scenario(tmp_path, "folio L anon\nrepeat 4092 {\n  cpu0 mark_accessed L\n}\n")
    out = run_cli("trace", path).stdout
    assert re.search(r"^steps 64–4092  s\.fs:3  cpu0 mark_accessed L → ok  ×4029$", out, re.M)
    assert out.count("already active — nothing done") == 1
    assert len(out.splitlines()) < 500


def test_equal_events_in_a_step_print_once(tmp_path) -> None:
    path = scenario(tmp_path, "folio L anon\nrepeat 62 {\n  cpu0 mark_accessed L\n}\n")
    out = run_cli("trace", path).stdout
    assert "lru_activate(L): active — nothing done ×30" in out
    assert "cpu0.lru_activate -L ×30" in out


def test_a_step_that_changed_something_is_never_folded(tmp_path) -> None:
    path = scenario(tmp_path, "folio F anon\nrepeat 3 { cpu0 activate F }\n")
    out = run_cli("trace", path).stdout
    assert "step 1 " in out and "step 2 " in out and "step 3 " in out


def test_batch_changes_are_the_entries_that_came_and_went() -> None:
    out = run_cli("trace", str(REPO / "scenarios" / "b2-will-deacon-pin-failure.fs")).stdout
    assert "cpu1.lru_add +F\n" in out
    assert "cpu1.lru_add -F\n" in out
    assert "cpu1.mlock +F:lru\n" in out
    assert "[] → [" not in out


def test_idle_cpus_share_one_line() -> None:
    out = run_cli("trace", C64).stdout
    final = out.split("\nfinal state\n")[1].split("\n\n")[0]
    assert len(final.splitlines()) < 10
    assert re.search(r"^    cpu0–cpu4, cpu6–cpu63: batches empty$", final, re.M)
    assert re.search(r"^    cpu5: lru_activate \[F\]$", final, re.M)


def test_the_64_cpu_scenario_is_short() -> None:
    lines = run_cli("trace", C64).stdout.splitlines()
    assert len(lines) < 150
