"""``folioscope compare``: one scenario under several variants, one table.

The operations are the same under every variant (a scenario has no
branches), so step k of one run is step k of every other.
"""

from __future__ import annotations

from ..replay.trace import Trace


def render(traces: list[Trace]) -> str:
    """The steps whose result differs, and every expectation, variant by variant."""
    first = traces[0]
    names = [t.variant for t in traces]
    title = f"# {first.title}\n" if first.title else ""
    lines = [f"{title}# {first.path} under {len(traces)} variants: {', '.join(names)}", ""]
    lines += _differing_steps(traces)
    lines += [""] + _expectations(traces)
    return "\n".join(lines) + "\n"


def _differing_steps(traces: list[Trace]) -> list[str]:
    first = traces[0]
    rows = []
    for k in range(1, len(first)):
        results = [t.steps[k].result for t in traces]
        if len(set(results)) > 1:
            step = first.steps[k]
            rows.append((str(k), str(step.line), step.text, results))
            rows.append(("", "", "  " + grouped(traces, results), None))
    if not rows:
        return ["operations: every step has the same result under every variant"]
    lines = ["operations whose result differs"]
    lines += _table(["step", "line", "operation"], [t.variant for t in traces], rows)
    return lines


def grouped(traces: list[Trace], values: list[str]) -> str:
    """``ENOMEM on v5.18, v6.11; ok on will-v1, v6.17``."""
    groups: dict[str, list[str]] = {}
    for trace, value in zip(traces, values):
        groups.setdefault(value, []).append(trace.variant)
    return "; ".join(f"{value} on {', '.join(vs)}" for value, vs in groups.items())


def _expectations(traces: list[Trace]) -> list[str]:
    by_line: dict[tuple[int, str], dict[str, str]] = {}
    for trace in traces:
        for _, o in trace.expectations():
            cell = by_line.setdefault((o.line, o.text), {})
            prior = cell.get(trace.variant)
            mark = "ok" if o.ok else "FAIL"
            cell[trace.variant] = "FAIL" if prior == "FAIL" else mark
    if not by_line:
        return ["expectations: none"]
    rows = []
    for (line, text), cells in sorted(by_line.items()):
        rows.append((str(line), "", text, [cells.get(t.variant, "-") for t in traces]))
    failed = sum(1 for t in traces for o in t.failed)
    lines = ["expectations (ok, FAIL, or - where the expectation names other variants)"]
    lines += _table(["line", "", "expectation"], [t.variant for t in traces], rows)
    lines.append(f"verdict: {failed} failed expectation(s) over {len(traces)} variants")
    return lines


def _table(heads: list[str], variants: list[str], rows: list) -> list[str]:
    """Fixed-width columns: the leading text columns, then one per variant."""
    lead = [max([len(heads[i])] + [len(r[i]) for r in rows if r[3] is not None]) for i in range(3)]
    lead[2] = min(lead[2], 48)
    widths = [max(len(v), *(len(r[3][j]) for r in rows if r[3] is not None))
              for j, v in enumerate(variants)]
    out = ["  " + _row(heads, lead, variants, widths)]
    for row in rows:
        if row[3] is None:
            out.append("  " + row[2])
        else:
            out.append("  " + _row(list(row[:3]), lead, row[3], widths))
    return out


def _row(lead_cells: list[str], lead: list[int], cells: list[str], widths: list[int]) -> str:
    text = "  ".join(_fit(c, w) for c, w in zip(lead_cells, lead) if w)
    return (text + "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths))).rstrip()


def _fit(text: str, width: int) -> str:
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)
