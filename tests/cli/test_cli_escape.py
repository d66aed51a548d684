"""Nothing a scenario holds reaches the terminal raw (issue 13 item 1)."""

from __future__ import annotations

import json
import re

from clitools import run_cli, scenario

from folioscope.views.escape import escape

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
EVIL_TITLE = 'title "\x1b]2;PWNED\x07\x1b[31mred\x9b\u202eevil"\n'


def test_escape_writes_controls_visibly() -> None:
    assert escape("a\x1b[31mb\x07") == "a\\x1b[31mb\\x07"
    assert escape("one\ntwo\tthree\r") == "one\\ntwo\\tthree\\r"
    assert escape("\x9b\u202e\u2066") == "\\x9b\\u202e\\u2066"
    assert escape("refcount 1 → 2 — ok, café") == "refcount 1 → 2 — ok, café"


def test_trace_compare_and_summary_escape_the_title(tmp_path) -> None:
    path = scenario(tmp_path, EVIL_TITLE + "folio F anon\ncpu0 activate F\n")
    for args in (["trace", path], ["trace", path, "--summary"], ["compare", path],
                 ["compare", path, "--format", "json"]):
        proc = run_cli(*args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert not RAW.search(proc.stdout), args
        assert not RAW.search(proc.stderr), args
    out = run_cli("trace", path).stdout
    assert out.splitlines()[0] == "# \\x1b]2;PWNED\\x07\\x1b[31mred\\x9b\\u202eevil"


def test_compare_json_keeps_the_title_exact(tmp_path) -> None:
    path = scenario(tmp_path, EVIL_TITLE + "folio F anon\n")
    doc = json.loads(run_cli("compare", path, "--format", "json").stdout)
    assert doc["title"] == "\x1b]2;PWNED\x07\x1b[31mred\x9b\u202eevil"


def test_a_newline_in_a_saved_title_stays_on_the_title_line(tmp_path) -> None:
    from folioscope.replay import load_trace
    from folioscope.views import summary, text

    path = scenario(tmp_path, 'title "x"\nfolio F anon\n')
    trace = load_trace(path)
    trace.title = "first\nsecond\x1b[2J"          # as a JSON trace may carry it
    lines = text.render(trace).splitlines()
    assert lines[0] == "# first\\nsecond\\x1b[2J"
    assert lines[1].startswith("# ")
    assert not RAW.search(summary.render(trace))


def test_a_path_with_controls_is_escaped_in_messages(tmp_path) -> None:
    evil = tmp_path / "evil\x1b[31m.fs"
    evil.write_text("folio F anon\ncpu0 mlok F\n")
    proc = run_cli("trace", str(evil))
    assert proc.returncode == 2
    assert "evil\\x1b[31m.fs:2:6: error" in proc.stderr
    assert not RAW.search(proc.stderr)
    proc = run_cli("trace", str(tmp_path / "none\x07.fs"))
    assert proc.returncode == 2 and not RAW.search(proc.stderr)
    assert not RAW.search(run_cli("trace", "x.fs", "-o", str(evil), "--kernel", "v6.18").stderr)
