"""The JSON form of a trace (docs/trace-format.md), and reading it back."""

from __future__ import annotations

import json

from ..replay.trace import Change, ExpectOutcome, Step, Trace

from .trace_schema import TraceFormatError, parse, validate

SCHEMA_VERSION = 1

__all__ = ["SCHEMA_VERSION", "TraceFormatError", "dump", "load"]


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
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _step(step: Step) -> dict:
    return {
        "index": step.index, "line": step.line, "column": step.column, "cpu": step.cpu,
        "op": step.op, "args": list(step.args), "text": step.text,
        "result": step.result, "detail": step.detail, "events": list(step.events),
        "changes": [{"key": c.key, "old": c.old, "new": c.new} for c in step.changes],
        "expects": [_expect(o) for o in step.expects],
    }


def _expect(o: ExpectOutcome) -> dict:
    return {"line": o.line, "text": o.text, "ok": o.ok, "expected": o.expected, "actual": o.actual}


def load(text: str) -> Trace:
    """Rebuild a Trace from ``dump``'s output without running the model; the
    whole document is checked first (TraceFormatError: one line, the field)."""
    doc = parse(text.removeprefix("\ufeff"))
    validate(doc)
    return _rebuild(doc)  # type: ignore[arg-type]


def _rebuild(doc: dict) -> Trace:
    trace = Trace(doc["path"], doc["source"], doc["title"], doc["variant"], doc["cpus"])
    initial = {k: _frozen(v) for k, v in doc["initial"].items()}
    step0 = Step(0, 1, 1, None, "declare", (), "initial state", "ok", "", (), (),
                 tuple(_outcome(o) for o in doc.get("initial_expects", [])))
    trace.start(initial, step0)
    for s in doc["steps"]:
        trace.append(Step(
            s["index"], s["line"], s["column"], s["cpu"], s["op"],
            tuple(s["args"]), s["text"], s["result"], s["detail"], tuple(s["events"]),
            tuple(Change(c["key"], _frozen(c["old"]), _frozen(c["new"])) for c in s["changes"]),
            tuple(_outcome(o) for o in s["expects"])))
    return trace


def _outcome(o: dict) -> ExpectOutcome:
    return ExpectOutcome(o["line"], o["text"], o["ok"], o["expected"], o["actual"])


def _frozen(value: object) -> object:
    """JSON arrays back to the tuples the flat state uses."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value
