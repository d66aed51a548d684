"""``folioscope compare``: one scenario under several variants, one report.

The operations are the same under every variant (a scenario has no
branches), so step k of one run is step k of every other.  The report
shows where the variants differ: results, the final state (counters
included) and expectations.  Variants that behave alike on the scenario
share a column; consecutive rows that read alike share a row; the tables
fit the width given (a list replaces a table that cannot).

Only a digest of each run is kept (``Run``), so comparing nine variants
costs the memory of one trace.
"""

from __future__ import annotations

import json
import string
import textwrap
from dataclasses import dataclass, field
from typing import Sequence

from ..replay.trace import FlatState, Trace
from . import text
from .escape import escape

MIN_WIDTH = 40
"""Narrower terminals are drawn as if this wide."""
MIN_TEXT = 16
"""A table's text column is never narrower; a list is drawn instead."""
FAIL, SKIP = "FAIL", "skip"


@dataclass
class Run:
    """What compare keeps of one variant's trace."""

    variant: str
    path: str
    title: str | None
    results: list[str]
    """The result of steps 1..n."""
    final: FlatState
    verdicts: dict[tuple[int, str], str]
    """(line, expectation) -> ok, FAIL or skip (FAIL if it failed once)."""
    failed: int
    bugs: list[tuple[int, int, str, str]]
    """Unexpected BUGs: (step, line, call, assertion)."""
    report: str
    """What ``trace`` prints to stderr for this run (failures, warnings)."""
    calls: list[tuple[int, str]] = field(default_factory=list)
    """(line, call) of each step; kept for the first run only."""

    @classmethod
    def of(cls, trace: Trace, keep_calls: bool = False) -> "Run":
        verdicts: dict[tuple[int, str], str] = {}
        for _, o in trace.expectations():
            key = (o.line, o.text)
            if verdicts.get(key) != FAIL:
                verdicts[key] = "ok" if o.ok else FAIL
        for s in trace.skipped.values():
            verdicts.setdefault((s.line, s.text), SKIP)
        steps = trace.steps[1:]
        return cls(
            variant=trace.variant, path=trace.path, title=trace.title,
            results=[s.result for s in steps], final=trace.final_state(),
            verdicts=dict(sorted(verdicts.items())), failed=len(trace.failed),
            bugs=[(s.index, s.line, s.text, s.detail) for s in trace.unexpected_bugs],
            report=text.failure_report(trace) if text.failed(trace) else "".join(
                line + "\n" for line in text.nothing_checked(trace)),
            calls=[(s.line, s.text) for s in steps] if keep_calls else [])

    @property
    def ok(self) -> bool:
        return not self.failed and not self.bugs

    def behaves_like(self, other: "Run") -> bool:
        return (self.results == other.results and self.final == other.final
                and self.verdicts == other.verdicts and self.bugs == other.bugs)


@dataclass
class Comparison:
    """Runs grouped by behaviour, and the rows where the groups differ."""

    runs: list[Run]
    groups: list[list[Run]]
    steps: list[tuple[int, int, str, list[str]]]
    """Differing steps: (index, line, call, result per group)."""
    final: list[tuple[str, list[object]]]
    """Differing flat keys: (key, value per group; None where absent)."""
    expectations: list[tuple[int, str, list[str]]]
    """Every expectation: (line, text, verdict per group)."""

    @classmethod
    def of(cls, runs: list[Run]) -> "Comparison":
        groups: list[list[Run]] = []
        for run in runs:
            home = next((g for g in groups if g[0].behaves_like(run)), None)
            if home is None:
                groups.append([run])
            else:
                home.append(run)
        reps = [g[0] for g in groups]
        return cls(runs, groups, _differing_steps(runs[0], reps),
                   _differing_final(reps), _expectation_rows(reps))

    @property
    def failed(self) -> int:
        return sum(r.failed for r in self.runs)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs)


def _differing_steps(first: Run, reps: list[Run]) -> list[tuple[int, int, str, list[str]]]:
    rows = []
    for k, (line, call) in enumerate(first.calls):
        results = [r.results[k] for r in reps]
        if len(set(results)) > 1:
            rows.append((k + 1, line, call, results))
    return rows


def _differing_final(reps: list[Run]) -> list[tuple[str, list[object]]]:
    keys = list(dict.fromkeys(k for r in reps for k in r.final if k != "folios"))
    rows = []
    for key in keys:
        values = [r.final.get(key) for r in reps]
        if any(v != values[0] for v in values):
            rows.append((key, values))
    return rows


def _expectation_rows(reps: list[Run]) -> list[tuple[int, str, list[str]]]:
    keys = sorted({k for r in reps for k in r.verdicts})
    return [(line, expect, [r.verdicts.get((line, expect), SKIP) for r in reps])
            for line, expect in keys]


# --- text -----------------------------------------------------------------------


def render(runs: list[Run], width: int = 80) -> str:
    """The report as text, lines at most ``width`` columns where they can be."""
    width = max(width, MIN_WIDTH)
    c = Comparison.of(runs)
    labels, legend = _labels(c, width)
    lines = _header(c, width) + legend
    lines += [""] + _steps_section(c, labels, width)
    lines += [""] + _final_section(c, labels, width)
    lines += [""] + _expectations_section(c, labels, width)
    return "".join(escape(line) + "\n" for line in lines)


def _header(c: Comparison, width: int) -> list[str]:
    first = c.runs[0]
    names = ", ".join(r.variant for r in c.runs)
    heads = ([f"# {first.title}"] if first.title else []) + \
        [f"# {first.path} under {len(c.runs)} variants: {names}"]
    return [line for head in heads for line in _wrap(head, width, "#   ")]


def _wrap(line: str, width: int, indent: str = "    ") -> list[str]:
    return textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False)


def _labels(c: Comparison, width: int) -> tuple[list[str], list[str]]:
    """Column headings: the variant names when each has its own column and
    they fit, else letters with a legend."""
    names = [g[0].variant for g in c.groups]
    if all(len(g) == 1 for g in c.groups) and sum(len(n) + 2 for n in names) + 40 <= width:
        return names, []
    letters = [_letter(i) for i in range(len(c.groups))]
    if len(c.groups) == 1:
        head = f"all {len(c.runs)} variants behave alike on this scenario (column A)"
    else:
        head = "variants (those that behave alike share a column)"
    legend = [""] + _wrap(head, width)
    for letter, group in zip(letters, c.groups):
        legend += textwrap.wrap(", ".join(r.variant for r in group), width,
                                initial_indent=f"  {letter}  ", subsequent_indent="     ",
                                break_on_hyphens=False)
    return letters, legend


def _letter(i: int) -> str:
    return string.ascii_uppercase[i] if i < 26 else f"V{i}"


def _steps_section(c: Comparison, labels: list[str], width: int) -> list[str]:
    if not c.steps:
        return _wrap("operations: every step has the same result under every variant", width)
    rows = _merged([([str(k), str(line)], call, cells) for k, line, call, cells in c.steps],
                   lambda a, b: a[1] == b[1] and a[2] == b[2] and int(b[0][0]) == int(a[0][0]) + 1)
    lines = ["operations whose result differs"]
    table = _table(["step", "line"], "operation", rows, labels, width)
    if table is None:
        return lines + _listed(rows, labels, width)
    out = lines + table[:1]
    for line, row in zip(table[1:], rows):
        out.append(line)
        out += textwrap.wrap(_grouped(c, row[2]), width, initial_indent="    ",
                             subsequent_indent="      ", break_on_hyphens=False)
    return out


def _grouped(c: Comparison, cells: list[str]) -> str:
    """``ENOMEM on v5.18, v6.11; ok on will-v1, v6.17``."""
    by_value: dict[str, list[str]] = {}
    for value, group in zip(cells, c.groups):
        by_value.setdefault(value, []).extend(r.variant for r in group)
    return "; ".join(f"{value} on {', '.join(vs)}" for value, vs in by_value.items())


def _final_section(c: Comparison, labels: list[str], width: int) -> list[str]:
    folios = _folio_rows(c, labels, width)
    others = [(key, values) for key, values in c.final if not key.startswith("folio.")]
    if not folios and not others:
        return ["final state: the same under every variant"]
    lines = ["final state where variants differ"] + folios
    if others:
        rows = _merged([([], key, [_cell(key, v) for v in values]) for key, values in others],
                       lambda a, b: a[2] == b[2], label=lambda run: ", ".join(r[1] for r in run))
        table = _table([], "batches, lists, counters", rows, labels, width, truncate_cells=False)
        lines += table if table is not None else _listed(rows, labels, width)
    return lines


def _folio_rows(c: Comparison, labels: list[str], width: int) -> list[str]:
    """Each folio whose final state differs, as the trace writes it, once per
    set of columns that agree."""
    reps = [g[0] for g in c.groups]
    names = dict.fromkeys(n for r in reps for n in r.final.get("folios", ()))  # type: ignore[attr-defined]
    out = []
    for name in names:
        shown = [text.folio_line(r.final, name) if name in r.final.get("folios", ())  # type: ignore[operator]
                 else f"{name}  no such folio" for r in reps]
        if len(set(shown)) == 1:
            continue
        by_line: dict[str, list[str]] = {}
        for label, line in zip(labels, shown):
            by_line.setdefault(line, []).append(label)
        pad = max(len(", ".join(ls)) for ls in by_line.values())
        for line, ls in by_line.items():
            out += textwrap.wrap(line, width, initial_indent=f"  {', '.join(ls).ljust(pad)}  ",
                                 subsequent_indent=" " * (pad + 6), break_on_hyphens=False)
    return out


def _key_text(key: str) -> str:
    return key[len("folio."):] if key.startswith("folio.") else key


def _cell(key: str, value: object) -> str:
    return text.value_text(key, value) if value is not None else "-"


def _expectations_section(c: Comparison, labels: list[str], width: int) -> list[str]:
    lines = []
    if not c.expectations:
        lines.append("expectations: none")
    else:
        rows = _merged([([str(line)], expect, cells) for line, expect, cells in c.expectations],
                       lambda a, b: a[2] == b[2] and FAIL not in a[2])
        lines += _wrap("expectations (ok, FAIL, or skip where the expectation names other variants)",
                       width)
        table = _table(["line"], "expectation", rows, labels, width)
        lines += table if table is not None else _listed(rows, labels, width)
    for run in c.runs:
        for k, line, call, detail in run.bugs:
            lines += _wrap(f"  BUG under {run.variant}, step {k} line {line}: {call}: {detail}", width)
    return lines + _wrap(_verdict(c), width)


def _verdict(c: Comparison) -> str:
    bugs = sum(len(r.bugs) for r in c.runs)
    verdict = f"verdict: {c.failed} failed expectation(s) over {len(c.runs)} variants"
    if bugs:
        verdict += f"; {bugs} BUG(s) not expected"
    failing = [r.variant for r in c.runs if not r.ok]
    if failing:
        verdict += f" (failing under {', '.join(failing)})"
    return verdict


Row = tuple[list[str], str, list[str]]
"""(narrow lead cells, the text cell, one cell per column)."""


def _merged(rows: list[Row], alike, label=None) -> list[Row]:
    """Consecutive rows that ``alike`` says read the same, as one row: the
    lead cells become ranges, the text says how many (or ``label(rows)``)."""
    runs: list[list[Row]] = []
    for row in rows:
        if runs and alike(runs[-1][-1], row):
            runs[-1].append(row)
        else:
            runs.append([row])
    return [_merge(run, label) for run in runs]


def _merge(run: list[Row], label=None) -> Row:
    if len(run) == 1:
        return run[0]
    first, last = run[0], run[-1]
    lead = [a if a == b else f"{a}–{b}" for a, b in zip(first[0], last[0])]
    if label is not None:
        return lead, label(run), first[2]
    texts = list(dict.fromkeys(r[1] for r in run))
    if len(texts) == 1:
        return lead, f"{texts[0]} ×{len(run)}", first[2]
    return lead, f"{texts[0]} (and {len(run) - 1} more)", first[2]


def _table(heads: list[str], text_head: str, rows: list[Row], labels: list[str], width: int,
           truncate_cells: bool = True) -> list[str] | None:
    """Fixed-width columns fitting ``width``, or None when they cannot."""
    lead = [max([len(h)] + [len(r[0][i]) for r in rows]) for i, h in enumerate(heads)]
    cols = [max([len(lab)] + [len(r[2][j]) for r in rows]) for j, lab in enumerate(labels)]
    fixed = 2 + sum(w + 2 for w in lead) + sum(w + 2 for w in cols)
    room = width - fixed
    if room < MIN_TEXT:
        if not truncate_cells:
            return None
        cap = max(8, (width - 2 - sum(w + 2 for w in lead) - MIN_TEXT) // max(1, len(cols)) - 2)
        cols = [min(w, cap) for w in cols]
        room = width - (2 + sum(w + 2 for w in lead) + sum(w + 2 for w in cols))
        if room < MIN_TEXT:
            return None
    textw = min(room, max([len(text_head)] + [len(r[1]) for r in rows]))
    out = ["  " + _row(heads, lead, text_head, textw, labels, cols)]
    out += ["  " + _row(r[0], lead, r[1], textw, r[2], cols) for r in rows]
    return out


def _row(lead_cells: Sequence[str], lead: list[int], text_cell: str, textw: int,
         cells: Sequence[str], cols: list[int]) -> str:
    parts = [_fit(c, w) for c, w in zip(lead_cells, lead)] + [_fit(text_cell, textw)]
    parts += [_fit(c, w) for c, w in zip(cells, cols)]
    return "  ".join(parts).rstrip()


def _fit(cell: str, width: int) -> str:
    return (cell if len(cell) <= width else cell[: width - 1] + "…").ljust(width)


def _listed(rows: list[Row], labels: list[str], width: int) -> list[str]:
    """The rows as a list, each value on its own wrapped line: any width."""
    out = []
    for lead, label, cells in rows:
        out += textwrap.wrap("  ".join(lead + [label]), width, initial_indent="  ",
                             subsequent_indent="      ", break_on_hyphens=False)
        pad = max(len(lab) for lab in labels)
        for lab, cell in zip(labels, cells):
            out += textwrap.wrap(cell or "-", width, initial_indent=f"      {lab.ljust(pad)}  ",
                                 subsequent_indent=" " * (8 + pad), break_on_hyphens=False)
    return out


# --- JSON -----------------------------------------------------------------------


def _plain(value: object) -> object:
    """Flat-state values as JSON: sequences (tuples, a drain log) as arrays."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return [_plain(v) for v in value]  # type: ignore[attr-defined]


def to_json(runs: list[Run]) -> str:
    """The same comparison for scripts: every value whole, per variant."""
    c = Comparison.of(runs)
    first = c.runs[0]

    def per_variant(cells: Sequence[object]) -> dict[str, object]:
        return {r.variant: cell for cell, group in zip(cells, c.groups) for r in group}

    doc = {
        "folioscope_compare": 1,
        "path": first.path, "title": first.title,
        "variants": [r.variant for r in c.runs],
        "groups": [[r.variant for r in g] for g in c.groups],
        "steps": [{"index": k, "line": line, "text": call, "results": per_variant(cells)}
                  for k, line, call, cells in c.steps],
        "final": [{"key": key, "values": per_variant([_plain(v) for v in values])}
                  for key, values in c.final],
        "expectations": [{"line": line, "text": expect, "verdicts": per_variant(cells)}
                         for line, expect, cells in c.expectations],
        "bugs": [{"variant": r.variant, "step": k, "line": line, "text": call, "detail": detail}
                 for r in c.runs for k, line, call, detail in r.bugs],
        "verdict": {"ok": c.ok, "failed": c.failed,
                    "unexpected_bugs": sum(len(r.bugs) for r in c.runs),
                    "failing": [r.variant for r in c.runs if not r.ok]},
    }
    return json.dumps(doc, indent=1, ensure_ascii=True) + "\n"
