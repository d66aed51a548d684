"""Values printed can be pasted back into an expectation, and a saved JSON
trace given to trace or compare is pointed to `play --trace` (issue 8 item 5)."""

from __future__ import annotations

import re

from clitools import B2, run_cli, scenario


def test_drain_all_work_is_printed_as_an_expectation_writes_it(tmp_path) -> None:
    out = run_cli("trace", B2, "--kernel", "v6.18").stdout
    assert "stats.drain_all_work +[cpu1]" in out
    final = out.split("final state")[1]
    value = re.search(r"drain_all_work (\[\[.*?\]\])", final).group(1)
    assert value == "[[cpu1]]"
    # pasted back, it holds
    path = scenario(tmp_path, open(B2).read() + f"expect stats.drain_all_work == {value} @ v6.18\n")
    proc = run_cli("trace", path, "--kernel", "v6.18")
    assert proc.returncode == 0, proc.stderr


def test_batch_entries_are_printed_as_an_expectation_writes_them(tmp_path) -> None:
    out = run_cli("trace", B2, "--kernel", "v6.11").stdout
    value = re.search(r"cpu1: mlock (\[.*?\])", out).group(1)
    path = scenario(tmp_path, open(B2).read() + f"expect cpu1.mlock == {value}\n")
    assert run_cli("trace", path, "--kernel", "v6.11").returncode == 0


def test_trace_of_a_saved_json_trace_points_to_play(tmp_path) -> None:
    saved = tmp_path / "saved.json"
    assert run_cli("trace", B2, "--format", "json", "-o", str(saved)).returncode == 0
    for command in ("trace", "compare", "play"):
        proc = run_cli(command, str(saved))
        assert proc.returncode == 2
        assert f"folioscope play --trace {saved}" in proc.stderr
        assert "Traceback" not in proc.stderr and "error:" in proc.stderr


def test_a_json_trace_with_a_bom_is_recognised(tmp_path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_bytes(b"\xef\xbb\xbf\n  {\"schema_version\": 1}")
    proc = run_cli("trace", str(saved))
    assert proc.returncode == 2 and "play --trace" in proc.stderr
