"""Evaluating ``expect`` statements against the flat state after a step."""

from __future__ import annotations

import operator
from typing import Callable

from ..dsl.ast import (
    BatchItem,
    Expect,
    ExpectBatch,
    ExpectField,
    ExpectFlags,
    ExpectResult,
    ExpectStat,
)
from ..mm.folio import FLAG_ORDER
from ..mm.state import DrainWorkLog
from ..mm.variants import base_name
from .trace import ExpectOutcome, FlatState, holders_text

COMPARE: dict[str, Callable[[object, object], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


BOOLEAN_FIELDS = ("freed", "dma_pinned")
"""Folio fields whose flat value is a bool (written ``true``/``false``)."""


def applies(expect: Expect, variant: str) -> bool:
    """An ``@ v6.17 v6.18`` expectation is checked only under those variants,
    and under the variants composed from them (``v6.17+switch=value``): it
    states what v6.17 does, so a run under a composition reports each such
    behaviour the change alters.  ``@ v6.17+switch=value`` is checked under
    that composition only."""
    return not expect.variants or variant in expect.variants or base_name(variant) in expect.variants


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


def _per_folio(folios: tuple[str, ...], state: FlatState, judge) -> tuple[bool, str]:
    """Apply ``judge(folio) -> (ok, shown)`` to each folio; a folio that does
    not exist (F' when F was not migrated) fails."""
    actuals, ok = [], True
    for folio in folios:
        good, shown = (False, _no_folio(folio)) if _missing(state, folio) else judge(folio)
        ok = ok and good
        actuals.append(shown if len(folios) == 1 else f"{folio}: {shown}")
    return ok, _summarise(actuals)


def _field(check: ExpectField, state: FlatState) -> tuple[bool, str, str]:
    expected = f"{check.op} {check.value}" if check.op != "==" else str(check.value)
    want = str(check.value).lower() == "true" if check.field in BOOLEAN_FIELDS else check.value

    def judge(folio: str) -> tuple[bool, str]:
        value = state[f"folio.{folio}.{check.field}"]
        good = COMPARE[check.op](value, want)
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        if check.field == "refcount" and not good:
            shown += f" ({holders_text(state[f'folio.{folio}.holders'])})"
        return good, shown

    ok, actual = _per_folio(check.folios, state, judge)
    return ok, expected, actual


def _flags(check: ExpectFlags, state: FlatState) -> tuple[bool, str, str]:
    expected = f"{'has' if check.present else 'lacks'} {' '.join(check.flags)}"

    def judge(folio: str) -> tuple[bool, str]:
        flags = set(state[f"folio.{folio}.flags"])
        if state[f"folio.{folio}.isolated"] != "none":
            flags.add("isolated")
        good = all((flag in flags) == check.present for flag in check.flags)
        return good, "flags " + (" ".join(_ordered(flags)) or "(none)")

    ok, actual = _per_folio(check.folios, state, judge)
    return ok, expected, actual


def _ordered(flags: set[str]) -> list[str]:
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
    if isinstance(value, (tuple, DrainWorkLog)):
        return "[" + ", ".join("[" + ", ".join(f"cpu{c}" for c in call) + "]" for call in value) + "]"
    return str(value)
