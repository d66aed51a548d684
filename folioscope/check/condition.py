"""Conditions over final states: boolean expressions of ``expect`` atoms
(checked as ``folioscope.replay.expect`` checks them) and ``cpuN.result``,
and the projection of a final state on what a condition names."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Callable, Iterator

from ..dsl.ast import Expect, ExpectBatch, ExpectField, ExpectFlags, ExpectStat, Pos
from ..mm.flat import flatten
from ..mm.state import DrainWorkLog, State
from ..replay.expect import evaluate

COMPARE: dict[str, Callable[[object, object], bool]] = {"==": operator.eq, "!=": operator.ne}

_NOWHERE = Pos(0, 0, 0, 0)


@dataclass(frozen=True)
class ThreadResult:
    """``cpuN.result == ENOMEM``: the result of thread N's last operation."""

    cpu: int
    op: str
    value: str


@dataclass(frozen=True)
class Atom:
    check: Check


@dataclass(frozen=True)
class All:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Any:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Neg:
    item: Expr


Check = ExpectField | ExpectFlags | ExpectBatch | ExpectStat | ThreadResult
"""What an atom checks: an ``expect`` of folioscope.dsl.ast, or a thread's result."""

Expr = All | Any | Neg | Atom
"""A boolean expression of atoms."""


@dataclass(frozen=True)
class Condition:
    """``exists``, ``forall``, ``never`` or ``always`` and its expression."""

    kind: str
    expr: Expr
    text: str
    line: int = 0


class Outcome:
    """A final (or, for ``always``, any) state as conditions see it: the flat
    state, computed once, and the threads' results."""

    __slots__ = ("state", "results", "_flat")

    def __init__(self, state: State, results: dict[int, str | None]) -> None:
        self.state = state
        self.results = results
        self._flat: dict | None = None

    @property
    def flat(self) -> dict:
        if self._flat is None:
            self._flat = flatten(self.state)
        return self._flat


def holds(expr: Expr, outcome: Outcome) -> bool:
    """Whether ``expr`` is true of ``outcome``."""
    if isinstance(expr, All):
        return all(holds(e, outcome) for e in expr.items)
    if isinstance(expr, Any):
        return any(holds(e, outcome) for e in expr.items)
    if isinstance(expr, Neg):
        return not holds(expr.item, outcome)
    check = expr.check
    if isinstance(check, ThreadResult):
        return COMPARE[check.op](outcome.results.get(check.cpu) or "none", check.value)
    return evaluate(Expect(check, (), _NOWHERE, ""), outcome.flat, None).ok


def atoms(expr: Expr) -> Iterator[Check]:
    """The checks an expression is made of, left to right."""
    if isinstance(expr, (All, Any)):
        for item in expr.items:
            yield from atoms(item)
    elif isinstance(expr, Neg):
        yield from atoms(expr.item)
    else:
        yield expr.check


# --- what a condition names -------------------------------------------------


@dataclass(frozen=True)
class Location:
    """One value shown per final state: ``F.list``, ``cpu0.result``, ``cpu1.mlock``."""

    label: str
    key: str | None
    """The flat-state key it reads, or None for a thread's result."""
    cpu: int | None = None

    def raw(self, outcome: Outcome) -> object:
        if self.key is None:
            return outcome.results.get(self.cpu or 0) or "none"
        return outcome.flat.get(self.key)

    def value(self, outcome: Outcome) -> str:
        if self.key is None:
            return outcome.results.get(self.cpu or 0) or "none"
        return _text(outcome.flat.get(self.key))


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list, DrainWorkLog)):
        return "[" + ",".join(_text(v) for v in value) + "]"
    return str(value)


def locations_of(check: Check) -> list[Location]:
    """The values a check reads, as locations."""
    if isinstance(check, ThreadResult):
        return [Location(f"cpu{check.cpu}.result", None, check.cpu)]
    if isinstance(check, ExpectField):
        return [Location(f"{f}.{check.field}", f"folio.{f}.{check.field}") for f in check.folios]
    if isinstance(check, ExpectFlags):
        return [Location(f"{f}.flags", f"folio.{f}.flags") for f in check.folios]
    if isinstance(check, ExpectBatch):
        return [Location(f"cpu{check.cpu}.{check.batch}", f"cpu{check.cpu}.{check.batch}")]
    if isinstance(check, ExpectStat):
        return [Location(f"stats.{check.name}", f"stats.{check.name}")]
    return []


def projection(exprs: list[Expr], extra: tuple[Location, ...]) -> tuple[Location, ...]:
    """What final states are told apart by: every location the expressions
    read, then ``extra`` (the ``locations`` line), each once, in order."""
    seen: dict[str, Location] = {}
    for expr in exprs:
        for check in atoms(expr):
            for loc in locations_of(check):
                seen.setdefault(loc.label, loc)
    for loc in extra:
        seen.setdefault(loc.label, loc)
    return tuple(seen.values())


def names_stats(exprs: list[Expr], extra: tuple[Location, ...]) -> bool:
    """Whether counters must be part of a state's identity."""
    return any(loc.key and loc.key.startswith("stats.") for loc in projection(exprs, extra))


def names_results(exprs: list[Expr], extra: tuple[Location, ...]) -> bool:
    """Whether the threads' results must be part of a state's identity."""
    return any(loc.key is None for loc in projection(exprs, extra))


def folios_named(expr: Expr) -> set[str]:
    """The folios an expression reads (the visibility proviso of ``always``)."""
    names: set[str] = set()
    for check in atoms(expr):
        names.update(getattr(check, "folios", ()))
        for item in getattr(check, "items", ()):
            names.add(item.folio)
    return names


WHOLE_FOLIO = ("refcount", "list", "pos", "mlock_count", "pins", "flags", "freed")
"""What ``--all-states`` shows of each folio."""


def whole_state(program) -> tuple[Location, ...]:
    """Every folio's fields that matter and every CPU's non-empty batches:
    ``--all-states`` tells final states apart by all of it."""
    from ..mm.state import BATCHES

    out = [Location(f"{name}.{field}", f"folio.{name}.{field}")
           for name in program.initial.folios for field in WHOLE_FOLIO]
    out += [Location(f"cpu{cpu}.{batch}", f"cpu{cpu}.{batch}")
            for cpu in range(program.ncpus) for batch in BATCHES]
    out += [Location(f"cpu{t.cpu}.result", None, t.cpu) for t in program.threads]
    return tuple(out)
