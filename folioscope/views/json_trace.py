"""The JSON form of a trace (docs/trace-format.md), and reading it back."""

from __future__ import annotations

import json

from ..mm.events import Event
from ..mm.state import EMPTY_WORK_LOG, DrainWorkLog
from ..replay.trace import Change, ExpectOutcome, Skipped, Step, Trace, as_tuple
from .trace_schema import READABLE_VERSIONS, WORK_LOG_KEY, TraceFormatError, parse, validate

SCHEMA_VERSION = 2
"""Version 1 wrote events as indented strings and drain_all_work whole."""

__all__ = ["READABLE_VERSIONS", "SCHEMA_VERSION", "TraceFormatError", "dump", "load"]


def dump(trace: Trace) -> str:
    """The trace as JSON text (deterministic: keys in a fixed order)."""
    initial = trace.state_at(0)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "path": trace.path,
        "source": trace.source,
        "title": trace.title,
        "variant": trace.variant,
        "cpus": trace.cpus,
        "initial": initial,
        "initial_expects": [_expect(o) for o in trace.steps[0].expects],
        "steps": [_step(s) for s in trace.steps[1:]],
        "verdict": {"expectations": sum(1 for _ in trace.expectations()),
                    "failed": len(trace.failed)},
    }
    if trace.note:
        doc["note"] = trace.note
    if trace.skipped:
        doc["skipped"] = [{"line": s.line, "text": s.text, "variants": list(s.variants),
                           "times": s.times} for s in trace.skipped.values()]
    if trace.checked_results:
        doc["checked_results"] = sorted(trace.checked_results)
    return json.dumps(doc, indent=1, ensure_ascii=False, default=_plain) + "\n"


def _plain(value: object) -> object:
    if isinstance(value, DrainWorkLog):
        return [list(call) for call in value]
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _step(step: Step) -> dict:
    return {
        "index": step.index, "line": step.line, "column": step.column, "cpu": step.cpu,
        "op": step.op, "args": list(step.args), "text": step.text,
        "result": step.result, "detail": step.detail,
        "events": [_event(e) for e in step.events],
        "changes": [_change(c) for c in step.changes],
        "expects": [_expect(o) for o in step.expects],
    }


def _event(e: Event) -> dict:
    return {"depth": e.depth, "func": e.func, "folio": e.folio, "cpu": e.cpu,
            "batch": e.batch, "text": e.text}


def _change(c: Change) -> dict:
    if isinstance(c.new, DrainWorkLog) and isinstance(c.old, DrainWorkLog):
        # the log only grows: write the calls added, not the whole history
        return {"key": c.key, "appended": [list(call) for call in c.new.since(c.old)]}
    return {"key": c.key, "old": c.old, "new": c.new}


def _expect(o: ExpectOutcome) -> dict:
    return {"line": o.line, "text": o.text, "ok": o.ok, "expected": o.expected, "actual": o.actual}


def load(text: str) -> Trace:
    """Rebuild a Trace from ``dump``'s output without running the model; the
    whole document is checked first (TraceFormatError: one line, the field)."""
    doc = validate(parse(text.removeprefix("\ufeff")))
    return _rebuild(doc, doc["schema_version"])


def _rebuild(doc: dict, version: int) -> Trace:
    trace = Trace(doc["path"], doc["source"], doc["title"], doc["variant"], doc["cpus"])
    initial = {k: _frozen(v) for k, v in doc["initial"].items()}
    log = _work_log(EMPTY_WORK_LOG, as_tuple(initial.get(WORK_LOG_KEY, ()), WORK_LOG_KEY))
    initial[WORK_LOG_KEY] = log
    step0 = Step(0, 1, 1, None, "declare", (), "initial state", "ok", "", (), (),
                 [_outcome(o) for o in doc.get("initial_expects", [])])
    trace.start(initial, step0)
    read_event = Event.from_line if version == 1 else _read_event
    for s in doc["steps"]:
        changes = []
        for c in s["changes"]:
            change, log = _read_change(c, log)
            changes.append(change)
        trace.append(Step(
            s["index"], s["line"], s["column"], s["cpu"], s["op"],
            tuple(s["args"]), s["text"], s["result"], s["detail"],
            tuple(read_event(e) for e in s["events"]), tuple(changes),
            [_outcome(o) for o in s["expects"]]))
    trace.note = doc.get("note", "")
    for item in doc.get("skipped", []):
        skip = Skipped(item["line"], item["text"], tuple(item["variants"]), item["times"])
        trace.skipped[(skip.line, skip.text)] = skip
    trace.checked_results = set(doc.get("checked_results", []))
    return trace


def _read_event(e: dict) -> Event:
    return Event.plain(e["depth"], e["text"], e["func"], e["folio"], e["cpu"], e["batch"])


def _read_change(c: dict, log: DrainWorkLog) -> tuple[Change, DrainWorkLog]:
    """A change as the trace keeps it; the drain_all work log is rebuilt
    call by call, whether written whole (version 1) or as what was added."""
    if c["key"] != WORK_LOG_KEY:
        return Change(c["key"], _frozen(c["old"]), _frozen(c["new"])), log
    calls = c["appended"] if "appended" in c else c["new"][len(log):]
    new = _work_log(log, as_tuple(_frozen(calls), WORK_LOG_KEY))
    return Change(c["key"], log, new), new


def _work_log(log: DrainWorkLog, calls: tuple) -> DrainWorkLog:
    for call in calls:
        log = log.append(tuple(call))
    return log


def _outcome(o: dict) -> ExpectOutcome:
    return ExpectOutcome(o["line"], o["text"], o["ok"], o["expected"], o["actual"])


def _frozen(value: object) -> object:
    """JSON arrays back to the tuples the flat state uses."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value
