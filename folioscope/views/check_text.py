"""``folioscope check`` as text: one herd-shaped block per variant, then,
for several variants, one line each (tools/memory-model's litmus-tests.txt
shows the herd7 form this follows)."""

from __future__ import annotations

from ..check.report import CheckReport, VariantReport

from .escape import escape as escape_control

RULE = "-" * 72


def render(report: CheckReport, show_time: bool = True) -> str:
    blocks = [_block(report, v, show_time) for v in report.variants]
    out = "\n\n".join(blocks)
    if len(report.variants) > 1:
        out += "\n\n" + _table(report)
    return out + "\n"


def _block(report: CheckReport, v: VariantReport, show_time: bool) -> str:
    verdict, search = v.verdict, v.verdict.search
    lines = [f"Test {report.name} Kernel {v.variant}",
             f"States {len(verdict.finals)}"]
    for final in verdict.finals:
        values = " ".join(f"{label}={value};" for label, value in final.values
                          if not (report.all_states and _empty_batch(label, value)))
        if final.bug:
            values += f" {final.bug.split()[0]}.result=BUG;"
        lines.append(escape_control(values.strip() or "(no location named)"))
    cond = report.program.condition
    if cond is not None:
        lines.append("Ok" if verdict.ok else "No")
        lines.append("Witnesses")
        lines.append(f"Positive: {verdict.positive} Negative: {verdict.negative}")
        lines.append(f"Condition {cond.kind} ({escape_control(cond.text)})")
        lines.append(f"Observation {report.name} {verdict.observation} "
                     f"{verdict.positive} {verdict.negative}")
    lines.append(_explored(v))
    lines += [_problem_line(p) for p in search.problems]
    if verdict.bug_finals:
        n = len(verdict.bug_finals)
        lines.append(f"{n} final state{' has' if n == 1 else 's have'} a BUG result "
                     "the condition does not ask about:")
        lines += [f"  {escape_control(final.bug)}" for final in verdict.bug_finals]
    lines += [f"Witness {w.label}" for w in v.witnesses]
    if not search.complete:
        lines.append(_bound_line(v))
    if verdict.expected is not None:
        e = verdict.expected
        got = "ok" if verdict.expected_ok else f"FAILED, got {verdict.observation}"
        lines.append(f"Expected {e.verdict}: {got}  ({report.file_name}:{e.line})")
    if show_time:
        lines.append(f"Time {report.name} {search.seconds:.3f}")
    lines.append(f"Hash={report.hash}")
    return "\n".join(lines)


def _empty_batch(label: str, value: str) -> bool:
    return label.startswith("cpu") and not label.endswith(".result") and value == "[]"


def _values(final) -> str:
    return escape_control(" ".join(f"{label}={value};" for label, value in final.values))


def _explored(v: VariantReport) -> str:
    search = v.verdict.search
    deadlocks = sum(1 for p in search.problems if p.kind == "deadlock")
    bugs = sum(1 for f in v.verdict.finals if f.bug)
    return (f"Explored {search.states:,} states, {search.transitions:,} transitions, "
            f"depth {search.depth}, POR {'on' if v.por else 'off'}, {deadlocks} deadlock"
            f"{'' if deadlocks == 1 else 's'}, {bugs} BUG outcome{'' if bugs == 1 else 's'}")


def _problem_line(problem) -> str:
    what = {"deadlock": "Deadlock", "invariant": "Invariant violated", "always": "Always violated",
            "expect": "Thread expect failed"}[problem.kind]
    return f"{what}: {escape_control(problem.message)}"


def _bound_line(v: VariantReport) -> str:
    search = v.verdict.search
    if search.bound == "first":
        return "Stopped at the first witness (--first): the counts are not complete"
    return (f"Bound reached: {search.bound}, {search.left:,} left on queue (raise the bound or "
            "add `may` restrictions). A Sometimes/witness found so far is definitive; "
            "Never/Always are not.")


def _table(report: CheckReport) -> str:
    rows = [("variant", "verdict", "P", "N", "states", "expected")]
    for v in report.variants:
        verdict = v.verdict
        expected = "-" if verdict.expected is None else (
            "ok" if verdict.expected_ok else f"FAILED ({verdict.expected.verdict})")
        if not verdict.search.complete:
            expected += " (incomplete)"
        rows.append((v.variant, verdict.observation, str(verdict.positive),
                     str(verdict.negative), f"{verdict.search.states:,}", expected))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
