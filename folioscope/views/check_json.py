"""``folioscope check --format json``: the verdicts, machine-readable
(docs/check-format.md)."""

from __future__ import annotations

import json

from ..check.report import CheckReport, VariantReport
from ..check.witness import schedule

SCHEMA_VERSION = 1


def dump(report: CheckReport, show_time: bool = True) -> str:
    cond = report.program.condition
    doc = {
        "schema_version": SCHEMA_VERSION,
        "file": report.program.path,
        "hash": report.hash,
        "condition": None if cond is None else {"kind": cond.kind, "text": cond.text},
        "variants": [_variant(report, v, show_time) for v in report.variants],
        "exit_status": report.exit_status,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _variant(report: CheckReport, v: VariantReport, show_time: bool) -> dict:
    verdict, search = v.verdict, v.verdict.search
    witness_of = {id(w.final): w for w in v.witnesses}
    expected = None
    if verdict.expected is not None:
        expected = {"verdict": verdict.expected.verdict, "op": verdict.expected.op,
                    "line": verdict.expected.line, "held": verdict.expected_ok}
    doc = {
        "variant": v.variant,
        "verdict": verdict.observation,
        "ok": verdict.ok,
        "expected": expected,
        "positive": verdict.positive,
        "negative": verdict.negative,
        "explored": {"states": search.states, "transitions": search.transitions,
                     "depth": search.depth, "final_states": len(verdict.finals),
                     "deadlocks": sum(1 for p in search.problems if p.kind == "deadlock"),
                     "bug_outcomes": sum(1 for f in verdict.finals if f.bug),
                     "por": v.por},
        "finals": [_final(report, v, f, witness_of.get(id(f))) for f in verdict.finals],
        "problems": [{"kind": p.kind, "message": p.message} for p in search.problems],
        "bounded": None if search.complete else {"bound": search.bound, "left": search.left},
    }
    if show_time:
        doc["seconds"] = round(search.seconds, 6)
    return doc


def _final(report: CheckReport, v: VariantReport, final, witness) -> dict:
    doc: dict = {"values": dict(final.values), "satisfies": final.satisfies,
                 "bug": final.bug or None, "witness": None}
    if witness is not None:
        steps = schedule(v.program, v.verdict.search, final.node_fp)
        doc["witness"] = {"file": witness.path or witness.file_name,
                          "schedule": [{"kind": s.kind, "cpu": s.cpu, "text": s.text,
                                        "line": s.line or None} for s in steps]}
    return doc
