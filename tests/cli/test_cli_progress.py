"""Long runs (issue 8 item 8, issue 12 item 3): a progress bar on stderr when
it is a terminal, and what a run will cost said before it starts."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from clitools import REPO, run_cli, scenario

FAST_BAR = "import folioscope.views.progress as p; p.SHOW_AFTER = 0.0"
LONG = "folio F anon\nrepeat 6000 { cpu0 drain }\nexpect F.refcount == 1\n"


def _stderr_on_a_terminal(args: list[str], prelude: str) -> tuple[int, str]:
    master, slave = pty.openpty()
    code = f"{prelude}\nimport sys\nfrom folioscope.cli import main\nsys.exit(main({args!r}))\n"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:                     # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def test_trace_draws_a_bar_on_a_terminal(tmp_path) -> None:
    rc, err = _stderr_on_a_terminal(["trace", scenario(tmp_path, LONG)], FAST_BAR)
    assert rc == 0
    assert "trace v6.18" in err and "steps" in err and "/6000" in err


def test_compare_draws_a_bar_on_a_terminal(tmp_path) -> None:
    rc, err = _stderr_on_a_terminal(["compare", scenario(tmp_path, LONG), "--kernel", "v6.11,v6.18"],
                                    FAST_BAR)
    assert rc == 0
    assert "compare v6.11" in err and "/12000" in err


def test_no_bar_when_stderr_is_not_a_terminal(tmp_path) -> None:
    proc = run_cli("trace", scenario(tmp_path, LONG), prelude=FAST_BAR)
    assert proc.returncode == 0 and proc.stderr == ""


def test_no_bar_for_a_short_run_even_on_a_terminal(tmp_path) -> None:
    rc, err = _stderr_on_a_terminal(["trace", scenario(tmp_path, LONG)], "")
    assert rc == 0 and "steps" not in err


def test_a_long_run_is_announced_before_it_starts(tmp_path) -> None:
    slow = "import folioscope.views.progress as p; p.STEP_SECONDS = 0.01"
    proc = run_cli("trace", scenario(tmp_path, LONG), prelude=slow)
    assert proc.returncode == 0
    assert "runs 6,000 steps: up to about 60 s and 8.4 MB of memory" in proc.stderr and "Ctrl-C" in proc.stderr
    proc = run_cli("compare", scenario(tmp_path, LONG), prelude=slow)
    assert "6,000 steps under 9 variants: up to about 9 min" in proc.stderr


def test_a_run_that_cannot_fit_in_memory_is_refused_before_it_starts(tmp_path) -> None:
    small = "import folioscope.views.progress as p; p.available_memory = lambda: 100_000_000"
    path = scenario(tmp_path, "folio F anon\nrepeat 1000 {\n  repeat 1000 { cpu0 drain }\n}\n")
    proc = run_cli("trace", path, prelude=small)
    assert proc.returncode == 2
    assert "runs 1,000,000 steps, which need at least 300.0 MB" in proc.stderr
    assert "cannot finish" in proc.stderr and "100.0 MB available" in proc.stderr
    assert proc.stdout == ""


def test_a_run_that_fits_only_because_its_steps_are_cheap_is_not_refused(tmp_path) -> None:
    """100,000 cheap drains keep some 32 MB, not the 140 MB of busy steps."""
    small = "import folioscope.views.progress as p; p.available_memory = lambda: 100_000_000"
    path = scenario(tmp_path, "folio F anon\nrepeat 1000 {\n  repeat 100 { cpu0 drain }\n}\n")
    proc = run_cli("trace", path, prelude=small)
    assert proc.returncode == 0, proc.stderr
