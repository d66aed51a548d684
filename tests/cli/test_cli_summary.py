"""trace --summary / --format mail (issue 8 item 7): what a developer pastes
into a reply on the list."""

from __future__ import annotations

from clitools import B2, REPO, run_cli, scenario


def _check_shape(out: str) -> list[str]:
    lines = out.splitlines()
    assert len(lines) <= 25, out
    assert max(len(line) for line in lines) <= 80, out
    return lines


def test_summary_of_the_pin_failure() -> None:
    proc = run_cli("trace", B2, "--summary")
    assert proc.returncode == 0
    lines = _check_shape(proc.stdout)
    out = proc.stdout
    assert "Will Deacon's pin failure" in lines[0]
    assert "under v6.11 (b)" in out
    assert "b2-will-deacon-pin-failure.fs:23  step 4  cpu0 gup_longterm F → ENOMEM" in out
    assert "F: refcount 4 (on no LRU list) = page cache 1, map (VM_LOCKED) 1, cpu0" in out
    assert lines[-1] == "verdict: ok"


def test_format_mail_is_the_summary() -> None:
    mail = run_cli("trace", B2, "--format", "mail")
    assert mail.returncode == 0 and mail.stdout.startswith("folioscope ")
    assert mail.stdout == run_cli("trace", B2, "--summary").stdout


def test_summary_lists_failed_expectations_with_file_and_line(tmp_path) -> None:
    path = scenario(tmp_path, "title \"two wrong guesses\"\nfolio F anon\ncpu0 activate F\n"
                              "expect F.refcount == 7\nexpect cpu0.lru_activate == []\n", "guess.fs")
    proc = run_cli("trace", path, "--summary")
    assert proc.returncode == 1
    out = proc.stdout
    _check_shape(out)
    assert "FAIL guess.fs:4  expect F.refcount == 7: expected 7, actual 2" in out
    assert "FAIL guess.fs:5" in out
    assert "verdict: FAIL: 2 expectations failed" in out
    assert "F: refcount 2 (on inactive_anon) = map 1, cpu0 lru_activate 1" in out


def test_summary_of_a_large_scenario_stays_short(tmp_path) -> None:
    body = "cpus 64\nfolio F1..F40 file new\n" + "".join(
        f"cpu{i} put F{i + 1}\nexpect F{i + 1}.refcount == 9\n" for i in range(40))
    proc = run_cli("trace", scenario(tmp_path, body), "--summary")
    out = proc.stdout
    _check_shape(out)
    assert "… and 36 more" in out
    assert "40 BUGs not expected" in out and "40 expectations failed" in out


def test_summary_of_a_bug_says_which_assertion(tmp_path) -> None:
    out = run_cli("trace", scenario(tmp_path, "folio F file new\ncpu0 put F\n"), "--summary").stdout
    _check_shape(out)
    assert "s.fs:2  step 1  cpu0 put F → BUG: folio_put(F)" in out
    assert "(not expected)" in out


def test_readme_shows_the_summary() -> None:
    readme = (REPO / "README.md").read_text()
    assert "--summary" in readme
    shown = run_cli("trace", B2, "--summary").stdout.splitlines()[1:]   # all but the version line
    assert "\n".join(shown) in readme


def test_a_split_statement_stopping_is_not_a_result_to_report(tmp_path) -> None:
    """`waiting` is where the user's `split` asked the operation to stop."""
    path = scenario(tmp_path, "folio F anon\ncpu0 sys_mlock F split\ncpu0 resume\n")
    proc = run_cli("trace", path, "--summary")
    assert proc.returncode == 0
    assert "results: every step ok (1 stopped where `split` asked)" in proc.stdout
    assert "not ok" not in proc.stdout
