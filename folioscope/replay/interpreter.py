"""The interpreter: walks a scenario's AST, drives the kernel model, and
records a trace (one step per operation, expectations attached)."""

from __future__ import annotations

from typing import Iterator

from ..dsl.ast import Expect, Op, Repeat, Scenario, Statement
from ..dsl.errors import ScenarioError
from ..mm import DEFAULT_VARIANT, DeclarationError, Machine
from ..mm.flat import Flattener
from ..mm.machine import MULTI_FOLIO_OPS
from .expect import applies, evaluate
from .trace import Change, Step, Trace


def variant_for(scenario: Scenario, override: str | None = None) -> str:
    """``--kernel`` wins over the file's ``kernel``; v6.18 by default."""
    return override or scenario.kernel or DEFAULT_VARIANT


def run_scenario(scenario: Scenario, variant: str | None = None, check: bool = False) -> Trace:
    """Execute ``scenario`` under ``variant`` and return its trace.
    ``check`` asserts the model's invariants after every step (tests)."""
    name = variant_for(scenario, variant)
    machine = Machine(name, scenario.cpus, check=check)
    _declare(machine, scenario)
    trace = Trace(scenario.path, scenario.source, scenario.title, name, scenario.cpus)
    flattener = Flattener()
    trace.start(flattener.full(machine.state), _initial_step(scenario))
    last_result: str | None = None
    seen: dict = {}   # a loop repeats its events: keep one copy of each
    for stmt in _statements(scenario.body):
        if isinstance(stmt, Expect):
            if applies(stmt, name):
                trace.add_expects([evaluate(stmt, flattener.flat, last_result)])
            continue
        for folios in _calls(stmt):
            outcome = machine.apply(stmt.name, stmt.cpu, folios, stmt.flags, stmt.batch)
            changes = tuple(Change(*c) for c in flattener.update(machine.state, machine.last))
            trace.append(Step(
                index=len(trace), line=stmt.pos.line, column=stmt.pos.column, cpu=stmt.cpu,
                op=stmt.name, args=folios + stmt.flags + ((stmt.batch,) if stmt.batch else ()),
                text=statement_text(stmt, folios), result=outcome.result, detail=outcome.detail,
                events=tuple(seen.setdefault(e, e) for e in outcome.events), changes=changes))
            last_result = outcome.result
    return trace


def _declare(machine: Machine, scenario: Scenario) -> None:
    for decl in scenario.decls:
        for name in decl.names:
            try:
                machine.declare(name, decl.kind, **decl.attrs)
            except DeclarationError as err:
                raise ScenarioError.at(decl.pos, scenario.path, scenario.source, str(err)) from None


def _initial_step(scenario: Scenario) -> Step:
    line = scenario.decls[0].pos.line if scenario.decls else 1
    return Step(index=0, line=line, column=1, cpu=None, op="declare", args=(),
                text="initial state", result="ok", detail="", events=(), changes=())


def _statements(body: list[Statement] | tuple[Statement, ...]) -> Iterator[Op | Expect]:
    """The statements in execution order, ``repeat`` blocks unrolled lazily."""
    for stmt in body:
        if isinstance(stmt, Repeat):
            for _ in range(stmt.count):
                yield from _statements(stmt.body)
        else:
            yield stmt


def _calls(op: Op) -> list[tuple[str, ...]]:
    """One call per folio for single-folio operations given a range."""
    if op.name in MULTI_FOLIO_OPS or len(op.folios) <= 1:
        return [op.folios]
    return [(name,) for name in op.folios]


def statement_text(op: Op, folios: tuple[str, ...]) -> str:
    """The canonical form of one call: ``cpu1 gup_longterm F1 G touch``."""
    name = "drain all" if op.name == "drain_all" else op.name
    words = [f"cpu{op.cpu}", name, *folios, *op.flags]
    if op.batch:
        words.append(op.batch)
    return " ".join(words)
