"""Evaluating ``expect`` statements against the flat state after a step."""

from __future__ import annotations

import operator
from typing import Callable

from ..dsl.ast import (BatchItem, Expect, ExpectBatch, ExpectField, ExpectFlags,
                       ExpectResult, ExpectStat)
from .trace import ExpectOutcome, FlatState

COMPARE: dict[str, Callable[[object, object], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def applies(expect: Expect, variant: str) -> bool:
    """An ``@ v6.17 v6.18`` expectation is checked only under those variants."""
    return not expect.variants or variant in expect.variants


def evaluate(expect: Expect, state: FlatState, last_result: str | None) -> ExpectOutcome:
    """Check one expectation; both sides are kept as text for reports."""
    check = expect.check
    if isinstance(check, ExpectField):
        ok, expected, actual = _field(check, state)
    elif isinstance(check, ExpectFlags):
        ok, expected, actual = _flags(check, state)
    elif isinstance(check, ExpectBatch):
        ok, expected, actual = _batch(check, state)
    elif isinstance(check, ExpectResult):
        actual = last_result or "(no operation yet)"
        ok = COMPARE[check.op](actual, check.value)
        expected = f"{check.op} {check.value}" if check.op != "==" else check.value
    else:
        ok, expected, actual = _stat(check, state)
    return ExpectOutcome(expect.pos.line, expect.text, ok, expected, actual)


def _missing(state: FlatState, folio: str) -> bool:
    return f"folio.{folio}.refcount" not in state


def _no_folio(folio: str) -> str:
    base = folio.rstrip("'")
    return f"no folio {folio} ({base} was not migrated)" if folio != base else f"no folio {folio}"


def _field(check: ExpectField, state: FlatState) -> tuple[bool, str, str]:
    expected = f"{check.op} {check.value}" if check.op != "==" else str(check.value)
    actuals, ok = [], True
    for folio in check.folios:
        if _missing(state, folio):
            ok = False
            actuals.append(_no_folio(folio))
            continue
        value = state[f"folio.{folio}.{check.field}"]
        want = check.value
        if check.field == "freed":
            want = str(check.value).lower() == "true"
        good = COMPARE[check.op](value, want)
        ok = ok and good
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        if check.field == "refcount" and not good:
            shown += f" ({_holders_text(state, folio)})"
        actuals.append(shown if len(check.folios) == 1 else f"{folio}: {shown}")
    return ok, expected, _summarise(actuals)


def _holders_text(state: FlatState, folio: str) -> str:
    held = state[f"folio.{folio}.holders"]
    return ", ".join(f"{label} {n}" for label, n in held) or "no holders"


def _flags(check: ExpectFlags, state: FlatState) -> tuple[bool, str, str]:
    word = "has" if check.present else "lacks"
    expected = f"{word} {' '.join(check.flags)}"
    actuals, ok = [], True
    for folio in check.folios:
        if _missing(state, folio):
            ok = False
            actuals.append(_no_folio(folio))
            continue
        flags = set(state[f"folio.{folio}.flags"])
        if state[f"folio.{folio}.isolated"] != "none":
            flags.add("isolated")
        good = all((flag in flags) == check.present for flag in check.flags)
        ok = ok and good
        shown = "flags " + (" ".join(f for f in _ordered(flags)) or "(none)")
        actuals.append(shown if len(check.folios) == 1 else f"{folio}: {shown}")
    return ok, expected, _summarise(actuals)


def _ordered(flags: set[str]) -> list[str]:
    from ..mm.folio import FLAG_ORDER
    order = FLAG_ORDER + ("isolated",)
    return [f for f in order if f in flags]


def _summarise(actuals: list[str]) -> str:
    if len(set(a.split(": ", 1)[-1] for a in actuals)) == 1 and len(actuals) > 1:
        return "all " + actuals[0].split(": ", 1)[-1]
    return "; ".join(actuals)


def _batch(check: ExpectBatch, state: FlatState) -> tuple[bool, str, str]:
    entries = state[f"cpu{check.cpu}.{check.batch}"]
    matches = len(entries) == len(check.items) and all(
        _entry_matches(entry, item) for entry, item in zip(entries, check.items))
    ok = matches if check.op == "==" else not matches
    expected = _items_text(check.items)
    if check.op != "==":
        expected = f"!= {expected}"
    return ok, expected, "[" + ", ".join(entries) + "]"


def _entry_matches(entry: str, item: BatchItem) -> bool:
    name, _, tag = entry.partition(":")
    return name == item.folio and (item.tag is None or item.tag == tag)


def _items_text(items: tuple[BatchItem, ...]) -> str:
    return "[" + ", ".join(i.folio + (f":{i.tag}" if i.tag else "") for i in items) + "]"


def _stat(check: ExpectStat, state: FlatState) -> tuple[bool, str, str]:
    value = state[f"stats.{check.name}"]
    ok = COMPARE[check.op](value, check.value)
    expected = _stat_text(check.value)
    if check.op != "==":
        expected = f"{check.op} {expected}"
    return ok, expected, _stat_text(value)


def _stat_text(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join("[" + ", ".join(f"cpu{c}" for c in call) + "]" for call in value) + "]"
    return str(value)
