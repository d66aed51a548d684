"""``folioscope trace --summary`` (``--format mail``): the verdict block a
developer pastes into a reply on the list, as herd7 users paste theirs.

At most ``WIDTH`` columns and about ``MOST_LINES`` lines whatever the
scenario: the title, the variant, each result that was not ok and each
failed expectation with its file:line, the final holders of the folios
that matter, and the verdict.  Lists that would run longer end with
``… and N more``.
"""

from __future__ import annotations

import re
import textwrap

from .. import __version__
from ..mm.variants import find_variant
from ..replay.trace import CALM_RESULTS, FlatState, Trace, as_tuple, flat_tuple, holders_text
from . import text
from .escape import escape

WIDTH = 80
MOST_LINES = 25
SHOWN = 4
"""Most results, failures, and folios listed; the rest are counted."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*'*")


def render(trace: Trace) -> str:
    """The block, ending with a newline."""
    lines = _head(trace)
    lines += _results(trace)
    lines += _expectations(trace)
    lines += _holders(trace)
    lines.append(_verdict(trace))
    out: list[str] = []
    for line in lines:
        out += _wrap(escape(line))
    return "".join(line + "\n" for line in out)


def _wrap(line: str) -> list[str]:
    indent = " " * (len(line) - len(line.lstrip(" ")) + 4)
    return textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_on_hyphens=False) or [""]


def _head(trace: Trace) -> list[str]:
    variant = find_variant(trace.variant)
    letter = f" ({variant.letter})" if variant else ""
    title = trace.title or text.basename(trace.path)
    return [f"folioscope {__version__}: {title}",
            f"  {text.basename(trace.path)} under {trace.variant}{letter}, {trace.cpus} CPUs, "
            f"{trace.last} step{'' if trace.last == 1 else 's'}"]


def _where(trace: Trace, line: int) -> str:
    return f"{text.basename(trace.path)}:{line}"


def _more(items: list, render_one) -> list[str]:
    lines = [render_one(item) for item in items[:SHOWN]]
    if len(items) > SHOWN:
        lines.append(f"    … and {len(items) - SHOWN} more")
    return lines


def _results(trace: Trace) -> list[str]:
    steps = [s for s in trace.steps[1:] if s.result not in CALM_RESULTS]
    if not steps:
        split = sum(1 for s in trace.steps[1:] if s.result == "waiting")
        return ["results: every step ok" + (f" ({split} stopped where `split` asked)" if split else "")]
    expected = trace.checked_results
    lines = [f"results not ok: {len(steps)}"]

    def one(s) -> str:
        note = "" if s.index in expected or s.result != "BUG" else "  (not expected)"
        detail = f": {s.detail}" if s.result == "BUG" and s.detail else ""
        return f"  {_where(trace, s.line)}  step {s.index}  {s.text} → {s.result}{detail}{note}"

    return lines + _more(steps, one)


def _expectations(trace: Trace) -> list[str]:
    outcomes = [o for _, o in trace.expectations()]
    failed = [o for o in outcomes if not o.ok]
    line = f"expectations: {len(outcomes)} checked, {len(outcomes) - len(failed)} held, " \
           f"{len(failed)} failed"
    skipped = sum(s.times for s in trace.skipped.values())
    lines = [line + (f"; {skipped} skipped (for other variants)" if skipped else "")]
    return lines + _more(failed, lambda o: f"  FAIL {_where(trace, o.line)}  {o.text}: "
                                           f"expected {o.expected}, actual {o.actual}")


def _holders(trace: Trace) -> list[str]:
    state = trace.final_state()
    names = _folios_that_matter(trace, state)
    if not names:
        return []
    return ["final holders:"] + _more(names, lambda n: "  " + _holder_line(state, n))


def _holder_line(state: FlatState, name: str) -> str:
    p = f"folio.{name}."
    if state[p + "freed"]:
        return f"{name}: freed"
    where = "on no LRU list" if state[p + "list"] == "none" else f"on {state[p + 'list']}"
    pins = f", pincount {state[p + 'pincount']}" if state[p + "pincount"] else ""
    return (f"{name}: refcount {state[p + 'refcount']} ({where}{pins}) = "
            f"{holders_text(flat_tuple(state, p + 'holders'))}")


def _folios_that_matter(trace: Trace, state: FlatState) -> list[str]:
    """Folios named by a step that was not ok or by a failed expectation;
    failing those, the folios a per-CPU batch still holds; failing those,
    every folio if there are few."""
    folios: list[str] = list(flat_tuple(state, "folios"))
    known = set(folios)
    named: dict[str, None] = {}
    for s in trace.steps[1:]:
        if s.result not in CALM_RESULTS:
            named.update((a, None) for a in s.args if a in known)
    for o in trace.failed:
        named.update((w, None) for w in _NAME.findall(o.text) if w in known)
    for name in list(named):
        if f"{name}'" in known:
            named[f"{name}'"] = None          # where it went, if it was migrated
    if named:
        return [n for n in folios if n in named]
    cached = [n for n in folios if any(label.startswith("cpu") for label, _ in
                                      as_tuple(state.get(f"folio.{n}.holders", ()), "holders"))]
    return cached or (folios if len(folios) <= SHOWN else [])


def _verdict(trace: Trace) -> str:
    """``verdict: ok`` or ``verdict: FAIL: 2 expectations failed, 1 BUG not expected``."""
    failed, bugs = len(trace.failed), len(trace.unexpected_bugs)
    why = ([f"{failed} expectation{'s' if failed > 1 else ''} failed"] if failed else []) + \
          ([f"{bugs} BUG{'s' if bugs > 1 else ''} not expected"] if bugs else [])
    return "verdict: FAIL: " + ", ".join(why) if why else "verdict: ok"
