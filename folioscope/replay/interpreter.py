"""The interpreter: walks a scenario's AST, drives the kernel model, and
records a trace (one step per operation, expectations attached)."""

from __future__ import annotations

from typing import Callable, Iterator

from ..dsl.ast import Expect, ExpectResult, Op, Repeat, Scenario, Statement
from ..dsl.errors import ScenarioError
from ..mm import DEFAULT_VARIANT, DeclarationError, Machine, Outcome
from ..mm.flat import Flattener
from ..mm.machine import MULTI_FOLIO_OPS, NotSuspended, WouldBlock, follow_migrations
from .expect import applies, evaluate
from .trace import Change, Step, Trace


def variant_for(scenario: Scenario, override: str | None = None) -> str:
    """``--kernel`` wins over the file's ``kernel``; v6.18 by default."""
    return override or scenario.kernel or DEFAULT_VARIANT


PROGRESS_EVERY = 1024
"""Steps between two calls of ``run_scenario``'s ``progress``."""


def run_scenario(scenario: Scenario, variant: str | None = None, check: bool = False,
                 progress: Callable[[int], None] | None = None) -> Trace:
    """Execute ``scenario`` under ``variant`` and return its trace.
    ``check`` asserts the model's invariants after every step (tests);
    ``progress(steps)`` is told the steps run so far every PROGRESS_EVERY.
    A concurrent scenario's threads run after the prologue, one after the
    other in CPU order: one interleaving of many."""
    return run_sequential(scenario, variant, check, threads=True, progress=progress)[1]


ONE_INTERLEAVING = ("one interleaving of many: the threads ran one after the other in CPU "
                    "order; `folioscope check` explores them all")


def run_sequential(scenario: Scenario, variant: object = None, check: bool = False,
                   threads: bool = False, progress: Callable[[int], None] | None = None,
                   ) -> tuple[Machine, Trace]:
    """Run the scenario's sequential part (and, with ``threads``, its
    threads in CPU order); returns the machine as it ends, and the trace."""
    for machine, trace in _stepwise(scenario, variant, check, threads, progress):
        pass
    return machine, trace


def run_stepwise(scenario: Scenario, variant: str | None = None) -> Iterator[Trace]:
    """``run_scenario`` an operation at a time, for the replayer to show the
    first steps while the rest builds: yields the trace being built once the
    declarations are made, before each operation (the steps so far complete
    with their expectations), and at the end.  Declaration errors are raised
    by the first ``next``."""
    return (trace for _, trace in _stepwise(scenario, variant, threads=True))


def _stepwise(scenario: Scenario, variant: object = None, check: bool = False,
              threads: bool = False, progress: Callable[[int], None] | None = None,
              ) -> Iterator[tuple[Machine, Trace]]:
    machine = Machine(variant_for(scenario, variant), scenario.cpus, check=check)  # type: ignore[arg-type]
    name = machine.variant.name
    _declare(machine, scenario)
    trace = Trace(scenario.path, scenario.source, scenario.title, name, scenario.cpus)
    flattener = Flattener()
    trace.start(flattener.full(machine.state), _initial_step(scenario))
    last_result: str | None = None
    seen: dict = {}   # a loop repeats its events: keep one copy of each
    plans: dict[int, list] = {}   # and its calls: plan each statement once
    body = list(scenario.body)
    thread_blocks = sorted(getattr(scenario, "threads", ()), key=lambda t: t.cpu)
    if threads and thread_blocks:
        trace.note = ONE_INTERLEAVING
        for thread in thread_blocks:
            body += list(thread.body)
        in_threads = {id(op) for thread in thread_blocks for op in _ops(thread.body)}
    else:
        in_threads = set()
    for stmt in _statements(body):
        if isinstance(stmt, Expect):
            if not _for_check(stmt):
                _expect(trace, stmt, name, flattener.flat, last_result)
            continue
        plan = plans.get(id(stmt))
        if plan is None:
            plan = plans[id(stmt)] = _plan(stmt)
        for folios, args, text in plan:
            yield machine, trace
            if id(stmt) in in_threads:      # a thread's names follow migrations, as in check
                moved = follow_migrations(machine.state, stmt.name, folios)
                if moved != folios:
                    folios, args, text = _plan_call(stmt, moved)
            outcome = _run_op(machine, stmt, folios, scenario)
            changes = tuple([Change(*c) for c in flattener.update(machine.state, machine.last)])
            trace.append(Step(
                len(trace.steps), stmt.pos.line, stmt.pos.column, stmt.cpu, stmt.name, args, text,
                outcome.result, outcome.detail,
                tuple([seen.setdefault(e, e) for e in outcome.events]), changes))
            last_result = outcome.result
            if progress is not None and len(trace) % PROGRESS_EVERY == 0:
                progress(len(trace) - 1)
    yield machine, trace


def _for_check(expect: Expect) -> bool:
    """``expect verdict == …`` is judged by ``folioscope check``, not by a replay."""
    return type(expect.check).__name__ == "ExpectVerdict"


def _run_op(machine: Machine, op: Op, folios: tuple[str, ...], scenario: Scenario) -> Outcome:
    """One call: to its end, or (``split``, ``work``, ``resume``) one step of
    a split operation; a split operation that cannot go on is the
    scenario's error, not the kernel's."""
    try:
        if op.name == "work":
            return machine.work(op.cpu)
        if op.name == "resume":
            return machine.resume(op.cpu)
        if getattr(op, "split", False):
            return machine.start(op.name, op.cpu, folios, op.flags, op.batch)
        return machine.apply(op.name, op.cpu, folios, op.flags, op.batch)
    except WouldBlock as err:
        raise ScenarioError.at(op.pos, scenario.path, scenario.source, f"{err}",
                               hint=_unblock_hint(machine)) from None
    except NotSuspended as err:
        raise ScenarioError.at(op.pos, scenario.path, scenario.source, str(err),
                               hint="`split` an operation first: `cpuN drain all split`, "
                               "`cpuN gup_longterm F split`") from None


def _unblock_hint(machine: Machine) -> str:
    """What to write first so that the blocked step can run."""
    queued = machine.state.queued_work
    if queued:
        return "add " + ", ".join(f"`cpu{c} work`" for c in queued) + " before"
    holder = machine.state.drain_mutex
    if holder is not None:
        return f"add `cpu{holder} resume` before: it holds lru_add_drain_all()'s mutex"
    return "resume the split operation first"


def _expect(trace: Trace, stmt: Expect, variant: str, flat: dict, last_result: str | None) -> None:
    """Check an expectation that applies to ``variant``; count one that does not."""
    if not applies(stmt, variant):
        trace.skip(stmt.pos.line, stmt.text, stmt.variants)
        return
    trace.add_expects([evaluate(stmt, flat, last_result)])
    if isinstance(stmt.check, ExpectResult):
        trace.checked_results.add(trace.last)


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


def _plan(op: Op) -> list[tuple[tuple[str, ...], tuple[str, ...], str]]:
    """A statement's calls: (folios, the step's args, its text)."""
    return [_plan_call(op, folios) for folios in _calls(op)]


def _plan_call(op: Op, folios: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    extra = op.flags + ((op.batch,) if op.batch else ())
    return folios, folios + extra, statement_text(op, folios)


def _ops(body) -> Iterator[Op]:
    """The operation statements of a block, ``repeat`` bodies once."""
    for stmt in body:
        if isinstance(stmt, Repeat):
            yield from _ops(stmt.body)
        elif isinstance(stmt, Op):
            yield stmt


def planned_steps(scenario: Scenario) -> int:
    """The steps ``run_scenario`` will record, counted before running it."""
    return count_calls(scenario.body) + sum(count_calls(t.body) for t in getattr(scenario, "threads", ()))


def count_calls(body: list[Statement] | tuple[Statement, ...]) -> int:
    """The steps ``body`` will run (its repeats unrolled), without running it."""
    total = 0
    for stmt in body:
        if isinstance(stmt, Repeat):
            total += stmt.count * count_calls(stmt.body)
        elif isinstance(stmt, Op):
            total += len(_calls(stmt))
    return total


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
    if getattr(op, "split", False):
        words.append("split")
    return " ".join(words)
