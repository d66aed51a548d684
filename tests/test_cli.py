"""The command line: commands, exit codes, files never overwritten, and no
Textual import for commands that draw no UI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from folioscope.cli import main

REPO = Path(__file__).resolve().parents[1]

B2 = str(REPO / "scenarios" / "b2-will-deacon-pin-failure.fs")


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "folioscope", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_trace_text_exit_0(capsys) -> None:
    assert main(["trace", B2]) == 0
    out = capsys.readouterr().out
    assert "cpu0 gup_longterm F → ENOMEM" in out        # the file says kernel v6.11
    assert "verdict:" in out and "0 failed" in out


def test_kernel_override(capsys) -> None:
    assert main(["trace", B2, "--kernel", "v6.18"]) == 0
    assert "cpu0 gup_longterm F → ok" in capsys.readouterr().out


def test_unknown_kernel_is_a_usage_error(capsys) -> None:
    assert main(["trace", B2, "--kernel", "v6.18x"]) == 2
    err = capsys.readouterr().err
    assert "unknown kernel variant 'v6.18x'" in err and "did you mean 'v6.18'" in err


def test_failed_expectation_prints_both_sides_and_exits_1(tmp_path, capsys) -> None:
    f = tmp_path / "x.fs"
    f.write_text("folio F anon\ncpu0 activate F\nexpect F.refcount == 7\n")
    assert main(["trace", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:3: expectation failed" in err
    assert "expected: 7" in err and "actual:   2 (map 1, cpu0 lru_activate 1)" in err


def test_syntax_error_exits_2_with_caret(tmp_path, capsys) -> None:
    f = tmp_path / "x.fs"
    f.write_text("folio F1 anon\ncpu0 mlok F1\n")
    assert main(["trace", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}:2:6: error:" in err
    assert "^" in err and "did you mean 'mlock'?" in err
    assert "Traceback" not in err


def test_output_is_never_overwritten_without_force(tmp_path, capsys) -> None:
    out = tmp_path / "t.json"
    out.write_text("precious")
    assert main(["trace", B2, "--format", "json", "-o", str(out)]) == 2
    assert out.read_text() == "precious"
    assert "--force" in capsys.readouterr().err
    assert main(["trace", B2, "--format", "json", "-o", str(out), "--force"]) == 0
    doc = json.loads(out.read_text())
    assert doc["schema_version"] == 2 and doc["variant"] == "v6.11"


def test_json_trace_round_trips(tmp_path) -> None:
    from folioscope.replay import load_trace
    from folioscope.views import json_trace

    trace = load_trace(B2, "v6.18")
    again = json_trace.load(json_trace.dump(trace))
    assert [again.state_at(k) for k in range(len(again))] == \
           [trace.state_at(k) for k in range(len(trace))]
    def events(t):
        return [[(e.depth, e.text, e.func, e.folio, e.cpu, e.batch) for e in s.events]
                for s in t.steps]
    assert events(again) == events(trace)


def test_compare_groups_results_by_variant(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["compare", B2]) == 0
    out = capsys.readouterr().out
    assert "cpu0 gup_longterm F" in out
    assert "ENOMEM on v5.18, v6.9, v6.11, v6.14, hugh-suggestion" in out
    assert "ok on will-v1, v6.17, v6.18, hugh-portmanteau" in out


def test_compare_subset(capsys) -> None:
    assert main(["compare", B2, "--kernel", "v6.11,v6.18"]) == 0
    out = capsys.readouterr().out
    assert "ENOMEM on v6.11; ok on v6.18" in out


def test_variants_lists_every_variant_with_commits(capsys) -> None:
    from folioscope.mm.variants import VARIANTS

    assert main(["variants"]) == 0
    out = capsys.readouterr().out
    for name, v in VARIANTS.items():
        assert name in out and v.commits in out


def test_missing_file_exits_2(capsys) -> None:
    assert main(["trace", "/nonexistent/x.fs"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_play_with_syntax_error_opens_no_ui(tmp_path) -> None:
    f = tmp_path / "bad.fs"
    f.write_text("folio F anon\ncpu0 frobnicate F\n")
    code = ("import sys; from folioscope.cli import main; rc = main(['play', %r]); "
            "print('textual' in sys.modules); sys.exit(rc)" % str(f))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout.strip() == "False"
    assert "unknown operation 'frobnicate'" in proc.stderr


@pytest.mark.parametrize("args", [["trace", B2], ["compare", B2], ["variants"], ["--version"]])
def test_non_ui_commands_do_not_import_textual(args) -> None:
    code = ("import sys\nfrom folioscope.cli import main\n"
            "try:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "assert 'textual' not in sys.modules, 'textual imported'\n" % (args,))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_python_dash_m_and_help() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "examples:" in proc.stdout and "folioscope play" in proc.stdout
    assert run_cli("--version").stdout.startswith("folioscope ")
