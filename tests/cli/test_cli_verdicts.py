"""Verdicts a script can trust (issue 8 items 1-3): exit codes of trace and
compare, BUGs the scenario did not expect, expectations for other variants."""

from __future__ import annotations

from clitools import B2, run_cli, scenario

PUT_UNHELD = "folio F file new\ncpu0 put F\n"


def test_compare_exits_1_when_an_expectation_fails_under_one_variant(tmp_path) -> None:
    # the pin fails (ENOMEM) on v6.11 and succeeds on v6.18
    path = scenario(tmp_path, "folio F shmem new zone=movable\ncpu1 add_lru F\n"
                              "cpu1 map F locked\ncpu1 flush lru_add\ncpu0 gup_longterm F\n"
                              "expect result == ok\n")
    proc = run_cli("compare", path, "--kernel", "v6.11,v6.18")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed expectation(s) over 2 variants" in proc.stdout
    assert f"{path}:6: expectation failed under v6.11" in proc.stderr


def test_compare_exits_0_when_everything_holds() -> None:
    proc = run_cli("compare", B2)
    assert proc.returncode == 0, proc.stderr


def test_an_unexpected_bug_fails_trace_and_says_which_assertion(tmp_path) -> None:
    path = scenario(tmp_path, PUT_UNHELD)
    proc = run_cli("trace", path)
    assert proc.returncode == 1
    assert f"{path}:2: cpu0 put F would BUG under v6.18: folio_put(F)" in proc.stderr
    assert "expect result == BUG" in proc.stderr
    assert "1 BUG not expected" in proc.stdout
    # the assertion is said once in the step, not twice
    step = proc.stdout.split("step 1 ")[1].split("final state")[0]
    assert step.count("no reference of the caller's to drop") == 1


def test_an_unexpected_bug_fails_compare(tmp_path) -> None:
    proc = run_cli("compare", scenario(tmp_path, PUT_UNHELD), "--kernel", "v6.11,v6.18")
    assert proc.returncode == 1
    assert "BUG under v6.11, step 1 line 2: cpu0 put F" in proc.stdout


def test_an_expected_bug_passes(tmp_path) -> None:
    proc = run_cli("trace", scenario(tmp_path, PUT_UNHELD + "expect result == BUG\n"))
    assert proc.returncode == 0, proc.stderr
    assert "BUG not expected" not in proc.stdout


def test_a_bug_expected_only_under_another_variant_fails(tmp_path) -> None:
    path = scenario(tmp_path, PUT_UNHELD + "expect result == BUG @ v6.11\n")
    assert run_cli("trace", path, "--kernel", "v6.11").returncode == 0
    proc = run_cli("trace", path, "--kernel", "v6.18")
    assert proc.returncode == 1
    assert "would BUG under v6.18" in proc.stderr


def test_expectations_for_other_variants_are_counted_and_printed(tmp_path) -> None:
    path = scenario(tmp_path, "folio F anon\ncpu0 activate F\nexpect result == ok @ v6.11\n")
    proc = run_cli("trace", path, "--kernel", "v6.18")
    assert proc.returncode == 0
    assert "skip  line 3: expect result == ok @ v6.11" in proc.stdout
    assert "1 skipped: for v6.11 only" in proc.stdout
    assert "warning: no expectation applies to v6.18" in proc.stderr
    assert "checks nothing" in proc.stderr


def test_no_warning_when_something_is_checked(tmp_path) -> None:
    path = scenario(tmp_path, "folio F anon\ncpu0 activate F\nexpect result == ok @ v6.11\n"
                              "expect F.refcount == 2\n")
    proc = run_cli("trace", path, "--kernel", "v6.18")
    assert proc.returncode == 0
    assert "1 expectations, 1 held, 0 failed; 1 skipped: for v6.11 only" in proc.stdout
    assert "warning" not in proc.stderr


def test_skipped_expectations_in_a_repeat_are_counted_once_a_round(tmp_path) -> None:
    path = scenario(tmp_path, "folio F anon\nrepeat 3 {\n  cpu0 drain\n  expect F.refcount == 1 @ v6.11\n}\n"
                              "expect F.refcount == 1\n")
    proc = run_cli("trace", path, "--kernel", "v6.18")
    assert "skip  line 4: expect F.refcount == 1 @ v6.11 ×3" in proc.stdout
    assert "3 skipped: for v6.11 only" in proc.stdout


def test_compare_marks_skipped_cells() -> None:
    proc = run_cli("compare", B2, "--kernel", "v6.11,v6.18")
    row = next(line for line in proc.stdout.splitlines() if line.lstrip().startswith("25 "))
    assert row.split()[-2:] == ["skip", "ok"]
