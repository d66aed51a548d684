"""``play --trace`` checks the whole saved trace before the UI starts: one
line naming the field and what was expected, exit 2 (issue 13 item 2, issue
12 item 6).  Each case below crashed the replayer, hung it or was accepted
as something it is not before the check existed."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from folioscope.replay.source import SavedTraceSource
from folioscope.views.json_trace import TraceFormatError, dump, load

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "b2-v6.11.json"
DOC = json.loads(FIXTURE.read_text(encoding="utf-8"))


def mutated(change) -> str:
    doc = copy.deepcopy(DOC)
    change(doc)
    return json.dumps(doc)


def setter(path: str, value):
    """A mutation setting the field at ``a/b/0/c`` to ``value``."""
    def change(doc):
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("/")]
        node = doc
        for p in parents:
            node = node[p]
        node[last] = value
    return change


def error_of(text: str) -> str:
    with pytest.raises(TraceFormatError) as info:
        load(text)
    message = str(info.value)
    assert "\n" not in message
    for python in ("KeyError", "TypeError", "ValueError(", "None", "True", "False", "{'", "['"):
        assert python not in message, message
    return message


CASES = [
    # (name, the file's text, words the error must contain)
    ("1,000 nested [", "[" * 1000 + "]" * 1000, ["t"]),  # too deep for json, or not an object
    ("100,000 nested [", "[" * 100_000, ["nested too deeply"]),
    ("4,300-digit number", mutated(setter("cpus", 0)).replace('"cpus": 0', '"cpus": ' + "9" * 4300),
     ["4,300 digits", "line 1"]),
    ("source null", mutated(setter("source", None)), ["source", "expected a string", "null"]),
    ("path 5", mutated(setter("path", 5)), ["path", "expected a string", "found 5"]),
    ("title 123", mutated(setter("title", 123)), ["title", "found 123"]),
    ("step result null", mutated(setter("steps/3/result", None)),
     ["steps[3].result", "ENOMEM", "null"]),
    ("initial.folios 5", mutated(setter("initial/folios", 5)), ['initial["folios"]', "array"]),
    ("holders 5", mutated(setter("initial/folio.F.holders", 5)), ["folio.F.holders", "array"]),
    ("holders 5 in a change", mutated(setter("steps/3/changes/3/new", 5)),
     ["steps[3].changes[3].new", "array"]),
    ("cpus 10000000", mutated(setter("cpus", 10_000_000)), ["cpus", "1 to 64", "10000000"]),
    ("schema_version true", mutated(setter("schema_version", True)), ["schema_version", "true"]),
    ("schema_version 1.0", mutated(setter("schema_version", 1.0)), ["schema_version", "1.0"]),
    ("schema_version 99", mutated(setter("schema_version", 99)), ["schema_version", "99"]),
    ("no schema_version", mutated(lambda d: d.pop("schema_version")), ["schema_version", "missing"]),
    ('"ok": "false"', mutated(setter("steps/3/expects/2/ok", "false")),
     ["steps[3].expects[2].ok", "true or false", '"false"']),
    ("unknown variant", mutated(setter("variant", "v9.9")), ["variant", "v9.9", "known: v5.18"]),
    ("missing path", mutated(lambda d: d.pop("path")), ['"path" is missing']),
    ("unknown field", mutated(setter("colour", "red")), ['unknown field "colour"']),
    ("NaN", mutated(setter("cpus", 0)).replace('"cpus": 0', '"cpus": NaN'), ["NaN"]),
    ("truncated", FIXTURE.read_text()[:500], ["not JSON", "line"]),
    ("empty", "", ["not JSON"]),
    ("a number where the steps are", mutated(setter("steps", 7)), ["steps", "an array"]),
    ("step index out of order", mutated(setter("steps/2/index", 9)), ["steps[2].index", "3"]),
    ("cpu beyond cpus", mutated(setter("steps/0/cpu", 2)), ["steps[0].cpu", "0 to 1"]),
    ("unknown op", mutated(setter("steps/0/op", "fly")), ["steps[0].op"]),
    ("bad batch entry", mutated(setter("steps/3/changes/4/new", ["F:bogus"])),
     ["steps[3].changes[4].new[0]", "F1:lru"]),
    ("key of an absent CPU", mutated(setter("initial/cpu7.lru_add", [])), ['initial["cpu7.lru_add"]']),
    ("unknown key", mutated(setter("initial/colour", 1)), ['initial["colour"]', "not a key"]),
    ("missing folio field", mutated(lambda d: d["initial"].pop("folio.F.refcount")),
     ['"folio.F.refcount" is missing']),
    ("old that does not match", mutated(setter("steps/3/changes/0/old", 99)),
     ["steps[3].changes[0].old", "expected 3", "found 99"]),
    ("verdict miscounted", mutated(setter("verdict/failed", 0)), ["verdict.failed", "expected 1"]),
    ("a folio named with an escape", mutated(setter("initial/folios", ["F\x1b[31m"])),
     ["folio name", "\\u001b"]),
    ("ok as 1", mutated(setter("steps/3/expects/0/ok", 1)), ["ok", "true or false", "found 1"]),
    ("line 0", mutated(setter("steps/0/line", 0)), ["steps[0].line", "1 to"]),
    ("events null", mutated(setter("steps/0/events", None)), ["steps[0].events", "array"]),
    ("an event 5", mutated(setter("steps/3/events/1", 5)), ["steps[3].events[1]", "a string"]),
]


@pytest.mark.parametrize("text,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_trace_is_refused_with_one_line_naming_the_field(text, words):
    message = error_of(text)
    for word in words:
        assert word in message, message


def test_the_fixture_loads():
    assert load(FIXTURE.read_text()).last == 6


def test_a_trace_with_a_bom_loads(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + FIXTURE.read_bytes())
    assert SavedTraceSource.open(str(path)).trace.last == 6


def test_every_bundled_scenario_round_trips():
    from folioscope.replay import load_trace

    for scenario in sorted((REPO / "scenarios").glob("*.fs")):
        trace = load_trace(str(scenario))
        again = load(dump(trace))
        assert [s.changes for s in again.steps] == [s.changes for s in trace.steps], scenario
        assert again.final_state() == trace.final_state()


def test_not_utf8_is_named(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"path": "\xff"}')
    with pytest.raises(TraceFormatError, match="not UTF-8 text: byte 0xff at offset 10"):
        SavedTraceSource.open(str(path))


def play(tmp_path, text: str) -> subprocess.CompletedProcess:
    path = tmp_path / "t.json"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "folioscope", "play", "--trace", str(path)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("name", ["1,000 nested [", "4,300-digit number", "source null",
                                  "cpus 10000000", "holders 5", "truncated", "unknown variant"])
def test_play_refuses_a_bad_trace_before_the_ui_starts(tmp_path, name):
    text = next(c[1] for c in CASES if c[0] == name)
    done = play(tmp_path, text)
    assert done.returncode == 2
    assert done.stdout == ""  # no screen was drawn
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("folioscope: error: "), done.stderr
    assert "Traceback" not in done.stderr


def test_play_refuses_a_directory(tmp_path):
    done = subprocess.run([sys.executable, "-m", "folioscope", "play", "--trace", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert "Errno" not in done.stderr and "'" not in done.stderr.split(":", 2)[2]


def v2_doc() -> dict:
    from folioscope.replay import load_trace

    text = dump(load_trace(str(REPO / "scenarios" / "b2-will-deacon-pin-failure.fs"), "v6.11"))
    doc = json.loads(text)
    assert doc["schema_version"] == 2 and isinstance(doc["steps"][0]["events"][0], dict)
    return doc


def v2_error(change) -> str:
    doc = v2_doc()
    change(doc)
    return error_of(json.dumps(doc))


def test_version_2_events_are_checked():
    assert "steps[0].events[0].depth: expected an integer from 0 to 64" in v2_error(
        setter("steps/0/events/0/depth", "x"))
    assert 'steps[0].events[0]: the field "text" is missing' in v2_error(
        lambda d: d["steps"][0]["events"][0].pop("text"))
    assert "steps[0].events[0]: expected an object" in v2_error(setter("steps/0/events/0", "cpu1 ..."))
    assert "steps[0].events[0].cpu" in v2_error(setter("steps/0/events/0/cpu", 7))


def test_version_2_appended_work_is_checked(tmp_path):
    scenario = tmp_path / "drains.fs"
    scenario.write_text("cpus 4\nfolio F anon new\ncpu1 add_lru F\ncpu0 drain all\ncpu0 drain all\n")
    from folioscope.replay import load_trace

    doc = json.loads(dump(load_trace(str(scenario))))
    changes = doc["steps"][1]["changes"]
    at = next(i for i, c in enumerate(changes) if "appended" in c)
    assert load(json.dumps(doc)).final_state()["stats.drain_all_work"] == ((1,), ())
    bad = copy.deepcopy(doc)
    bad["steps"][1]["changes"][at]["appended"] = [[9]]
    assert f"steps[1].changes[{at}].appended[0][0]: expected an integer from 0 to 3" in error_of(json.dumps(bad))
    bad = copy.deepcopy(doc)
    bad["steps"][1]["changes"][at]["key"] = "stats.local_drains"
    assert "only it is written as appended calls" in error_of(json.dumps(bad))
