"""folioscope check end to end: check.md's acceptance table, the exit
statuses, and witnesses that replay."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from folioscope.cli import main
from folioscope.mm.variants import VARIANT_NAMES

ROOT = Path(__file__).resolve().parents[2]
C1 = str(ROOT / "scenarios" / "c1-opx-opy.fs")
C2 = str(ROOT / "scenarios" / "c2-mlock-vs-parked.fs")
C3 = str(ROOT / "scenarios" / "c3-pin-any-interleaving.fs")
BAD_ORDER = ("v6.11", "v6.14", "will-v1", "hugh-suggestion")
REVERTED = ("v5.18", "v6.9", "v6.17", "v6.18", "hugh-portmanteau")


def _check(capsys, *args: str) -> tuple[int, str]:
    status = main(["check", *args, "--no-time", "--progress", "none"])
    return status, capsys.readouterr().out


def _json(capsys, *args: str) -> dict:
    status, out = _check(capsys, *args, "--format", "json")
    doc = json.loads(out)
    assert doc["exit_status"] == status
    return doc


def _verdicts(doc: dict) -> dict[str, tuple[str, int, int]]:
    return {v["variant"]: (v["verdict"], v["positive"], v["negative"]) for v in doc["variants"]}


def test_opx_opy_verdicts(capsys):
    doc = _json(capsys, C1, "--kernel", "all")
    verdicts = _verdicts(doc)
    assert doc["schema_version"] == 1 and len(doc["variants"]) == len(VARIANT_NAMES)
    assert all(verdicts[v] == ("Sometimes", 1, 1) for v in REVERTED)
    assert all(verdicts[v] == ("Never", 0, 2) for v in BAD_ORDER)
    assert doc["exit_status"] == 0


def test_opx_opy_witness_replays(capsys, tmp_path):
    status, out = _check(capsys, C1, "--kernel", "v6.17", "-o", str(tmp_path))
    assert status == 0
    witnesses = sorted(tmp_path.iterdir())
    assert [w.name for w in witnesses] == ["c1-opx-opy.v6.17.w1.fs"]
    assert "Witness " + str(witnesses[0]) in out
    assert main(["trace", str(witnesses[0])]) == 0
    trace = capsys.readouterr().out
    assert "expect F.list == active_file" in trace and "FAILED" not in trace


def test_hugh_too_soon_too_late(capsys, tmp_path):
    verdicts = _verdicts(_json(capsys, C2, "--kernel", "all"))
    # 5 bad outcomes: too soon or too late, each with or without the PG_referenced
    # that mlock(2)'s populate pass sets (docs/check.md)
    assert all(verdicts[v][0] == "Sometimes" and verdicts[v][1] == 5 for v in BAD_ORDER)
    assert all(verdicts[v][0] == "Never" for v in REVERTED)
    assert _check(capsys, C2, "--kernel", "v6.11", "-o", str(tmp_path))[0] == 0
    witnesses = sorted(tmp_path.iterdir())
    assert len(witnesses) == 5
    texts = []
    for w in witnesses:
        assert main(["trace", str(w)]) == 0, w.name
        texts.append(capsys.readouterr().out)
    assert any("__mlock_folio(F): PG_lru clear" in t for t in texts)


def test_will_pin_under_any_interleaving(capsys, tmp_path):
    verdicts = _verdicts(_json(capsys, C3, "--kernel", "all"))
    assert all(v[0] == "Sometimes" for v in verdicts.values())
    _check(capsys, C3, "--kernel", "v6.17", "-o", str(tmp_path))
    witness = (tmp_path / "c3-pin-any-interleaving.v6.17.w1.fs").read_text()
    lines = [line.split("#")[0].strip() for line in witness.splitlines()]
    assert "cpu0 gup_longterm F split" in lines and "cpu1 map F locked" in lines
    assert lines.index("cpu1 map F locked") < lines.index("cpu0 resume")
    assert "expect result == ENOMEM" in lines
    assert main(["trace", str(tmp_path / "c3-pin-any-interleaving.v6.17.w1.fs")]) == 0


def test_will_without_the_concurrent_fault(capsys, tmp_path):
    source = Path(C3).read_text().replace("cpu1 { map F locked }", "")
    source = source.replace("expect verdict == Sometimes", "")
    path = tmp_path / "c3-alone.fs"
    path.write_text(source)
    verdicts = _verdicts(_json(capsys, str(path), "--kernel", "all"))
    assert all(verdicts[v] == ("Sometimes", 1, 1)
               for v in ("v5.18", "v6.9", "v6.11", "v6.14", "hugh-suggestion"))
    assert all(verdicts[v] == ("Never", 0, 1)
               for v in ("will-v1", "v6.17", "v6.18", "hugh-portmanteau"))


def _write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_endless_retry_is_always_a_livelock_but_on_v6_14(capsys, tmp_path):
    path = _write(tmp_path, "b7.fs", "folio F anon zone=movable nolru\n"
                  "cpu0 { gup_longterm F }\nexists cpu0.result == LIVELOCK\n")
    verdicts = _verdicts(_json(capsys, path, "--kernel", "all"))
    assert verdicts.pop("v6.14") == ("Never", 0, 1)
    assert set(verdicts.values()) == {("Always", 1, 0)}


INVERSION = """cpus 2
folio F {kind} locked=1
cpu0 {{ unmap F locked }}
cpu1 {{ map F locked }}
may drain cpu0 cpu1
exists F lacks mlocked
"""


def test_mlock_batch_inversion_in_every_variant(capsys, tmp_path):
    path = _write(tmp_path, "inv.fs", INVERSION.format(kind="shmem"))
    doc = _json(capsys, path, "--kernel", "all")
    assert set(_verdicts(doc).values()) == {("Sometimes", 1, 1)}
    assert {v["explored"]["states"] for v in doc["variants"]} == {11}


def test_a_bug_outcome_fails_the_check(capsys, tmp_path):
    path = _write(tmp_path, "inv.fs", INVERSION.format(kind="anon"))
    status, out = _check(capsys, path, "--kernel", "v6.18", "-o", str(tmp_path / "w"))
    assert status == 1
    assert "1 final state has a BUG result" in out
    assert "cpu1 map F locked: F is used after it was freed" in out
    assert any("BUG" in line and line.startswith("Witness") for line in out.splitlines())


def test_an_expected_verdict_that_does_not_hold(capsys, tmp_path):
    path = _write(tmp_path, "c1.fs", Path(C1).read_text()
                  + "expect verdict == Never @ v6.17\n")
    status, out = _check(capsys, path, "--kernel", "v6.17")
    assert status == 1
    assert "Expected Never: FAILED, got Sometimes  (c1.fs:" in out


@pytest.mark.parametrize("text,message", [
    ("folio F anon\nexists F.refcount == 1\n", "a condition needs threads"),
    ("folio F anon\ncpu0 { gup_longterm }\nexists cpu0.result == ok\n", "needs a folio"),
    ("folio F anon\ncpu0 activate F\n", "needs a concurrent scenario"),
])
def test_bad_input_exits_2(tmp_path, text, message):
    path = _write(tmp_path, "bad.fs", text)
    run = subprocess.run([sys.executable, "-m", "folioscope", "check", path],
                         capture_output=True, text=True)
    assert run.returncode == 2 and message in run.stderr
    assert "Traceback" not in run.stderr


def test_a_bound_stops_with_exit_3(capsys, tmp_path):
    path = _write(tmp_path, "big.fs", "cpus 3\nfolio A file\nfolio B file\nfolio C file\n"
                  "cpu0 { activate A; deactivate_file B; rotate C; mark_accessed A }\n"
                  "cpu1 { mark_accessed B; activate C; lazyfree A; deactivate B }\n"
                  "cpu2 { rotate C; mark_accessed A; activate B; deactivate_file C }\n"
                  "may drain\nexists A.list == active_file\n")
    status, out = _check(capsys, path, "--max-states", "1000", "--no-por")
    assert status == 3
    assert "Bound reached: 1,0" in out and "left on queue" in out


def test_witness_files_are_not_overwritten(capsys, tmp_path):
    assert _check(capsys, C1, "--kernel", "v6.17", "-o", str(tmp_path))[0] == 0
    assert main(["check", C1, "--kernel", "v6.17", "-o", str(tmp_path), "--no-time"]) == 2
    assert "--force" in capsys.readouterr().err
    assert _check(capsys, C1, "--kernel", "v6.17", "-o", str(tmp_path), "--force")[0] == 0


@pytest.mark.parametrize("path", [C1, C2, C3])
def test_no_invariant_is_broken_on_any_reachable_state(capsys, path):
    status, out = _check(capsys, path, "--kernel", "all", "--invariants")
    assert status == 0 and "Invariant violated" not in out


@pytest.mark.parametrize("path", [C1, C2, C3])
def test_trace_runs_a_concurrent_file_as_one_interleaving(capsys, path):
    assert main(["trace", path]) == 0
    assert "one interleaving of many" in capsys.readouterr().out


KINDS = """cpus 3
folio F file
cpu1 activate F
cpu0 {{ deactivate_file F }}
cpu2 {{ drain all }}
may drain cpu0 cpu1
{condition}
"""


@pytest.mark.parametrize("condition,observation,ok", [
    ("forall F.list == active_file", "Sometimes", "No"),
    ("forall F.refcount == 1", "Always", "Ok"),
    ("never F.list == active_file", "Sometimes", "No"),
    ("never F.refcount == 2", "Never", "Ok"),
    ("exists F.list == active_file\nfilter F.pos == tail", "Never", "No"),
])
def test_quantifiers_and_filter(capsys, tmp_path, condition, observation, ok):
    path = _write(tmp_path, "k.fs", KINDS.format(condition=condition))
    status, out = _check(capsys, path, "--kernel", "v6.17")
    assert f"Observation k {observation}" in out
    assert out.splitlines()[out.splitlines().index("Witnesses") - 1] == ok


def test_always_is_an_invariant_of_every_reachable_state(capsys, tmp_path):
    path = _write(tmp_path, "a.fs", KINDS.format(condition="always F.refcount <= 2"))
    status, out = _check(capsys, path, "--kernel", "v6.17")
    assert "Observation a Sometimes" in out and "Always violated" in out and status == 1
    path = _write(tmp_path, "b.fs", KINDS.format(condition="always F.refcount <= 3"))
    status, out = _check(capsys, path, "--kernel", "v6.17")
    assert "Observation b Always" in out and status == 0


def test_a_thread_expect_is_checked_on_every_path(capsys, tmp_path):
    text = KINDS.format(condition="exists F.list == active_file").replace(
        "cpu0 { deactivate_file F }", "cpu0 {\n  deactivate_file F\n  expect F.refcount == 2\n}")
    status, out = _check(capsys, _write(tmp_path, "e.fs", text), "--kernel", "v6.17")
    assert status == 1 and "Thread expect failed" in out
    text = text.replace("expect F.refcount == 2", "expect F.refcount >= 1")
    status, out = _check(capsys, _write(tmp_path, "f.fs", text), "--kernel", "v6.17")
    assert status == 0 and "Thread expect failed" not in out
