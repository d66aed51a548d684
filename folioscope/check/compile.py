"""From a concurrent scenario's AST to the explorer's ``Program``: run the
prologue sequentially, unroll each thread, turn ``may`` lines into
environment steps and the condition into check.condition expressions."""

from __future__ import annotations

from ..dsl import ast
from ..dsl.errors import ScenarioError
from ..mm.machine import MULTI_FOLIO_OPS
from ..mm.variants import Variant
from ..replay.interpreter import run_sequential
from . import condition as cond
from .program import Call, EnvAction, Program, Thread
from .verdict import ExpectedVerdict


def compile_program(scenario: ast.Scenario, variant: Variant | str) -> Program:
    """The program ``folioscope check`` explores for ``scenario`` under ``variant``."""
    machine, trace = run_sequential(scenario, variant)
    if trace.failed:
        first = trace.failed[0]
        raise ScenarioError(f"the prologue fails an expectation under {trace.variant}: "
                            f"{first.text} (expected {first.expected}, actual {first.actual})",
                            path=scenario.path, line=first.line)
    threads = tuple(_thread(t) for t in scenario.threads)
    name = scenario.path.rsplit("/", 1)[-1].removesuffix(".fs") or "scenario"
    program = Program(
        name=name, variant=machine.variant, initial=machine.snapshot(), threads=threads,
        env=tuple(a for may in scenario.env for a in _env(scenario, may)),
        condition=_condition(scenario.condition),
        filter=_expr(scenario.filter.expr) if scenario.filter is not None else None,
        locations=_locations(scenario.locations),
        source_lines=sequential_lines(scenario), path=scenario.path,
        expected_verdicts=tuple(_verdicts(scenario)))
    return program


# --- threads ------------------------------------------------------------------


def _thread(thread: ast.Thread) -> Thread:
    calls: list[Call] = []
    pending: list[ast.Expect] = []
    for stmt in _unrolled(thread.body):
        if isinstance(stmt, ast.Expect):
            if calls:
                last = calls[-1]
                calls[-1] = Call(last.op, last.folios, last.flags, last.batch, last.line,
                                 last.text, last.expects + (stmt,))
            else:
                pending.append(stmt)
            continue
        for folios in _split_range(stmt):
            calls.append(Call(stmt.name, folios, stmt.flags, stmt.batch, stmt.pos.line,
                              stmt.text))
    return Thread(thread.cpu, tuple(calls), thread.pos.line)


def _unrolled(body):
    for stmt in body:
        if isinstance(stmt, ast.Repeat):
            for _ in range(stmt.count):
                yield from _unrolled(stmt.body)
        else:
            yield stmt


def _split_range(op: ast.Op) -> list[tuple[str, ...]]:
    if op.name in MULTI_FOLIO_OPS or len(op.folios) <= 1:
        return [op.folios]
    return [(name,) for name in op.folios]


# --- the environment ------------------------------------------------------------


def _env(scenario: ast.Scenario, may: ast.May) -> list[EnvAction]:
    cpus = may.cpus or tuple(range(scenario.cpus))
    if may.kind == "drain":
        return [EnvAction("drain", cpu, None, may.pos.line) for cpu in cpus]
    if may.kind == "flush":
        return [EnvAction("flush", cpu, may.batch, may.pos.line) for cpu in cpus]
    return [EnvAction("drain_all", _drain_all_cpu(scenario, may), None, may.pos.line)]


def _drain_all_cpu(scenario: ast.Scenario, may: ast.May) -> int:
    """The CPU another task's lru_add_drain_all() runs on: the one named, or
    the highest CPU without a thread."""
    busy = {t.cpu for t in scenario.threads}
    if may.cpus:
        cpu = may.cpus[0]
        if cpu in busy:
            raise ScenarioError.at(may.pos, scenario.path, scenario.source,
                                   f"cpu{cpu} runs a thread: another task's lru_add_drain_all() "
                                   "needs a CPU of its own",
                                   hint="name a CPU without a thread, or add one with `cpus N`")
        return cpu
    free = [c for c in range(scenario.cpus) if c not in busy]
    if not free:
        raise ScenarioError.at(may.pos, scenario.path, scenario.source,
                               "`may drain all` needs a CPU without a thread to run on",
                               hint=f"add one: `cpus {scenario.cpus + 1}`")
    return free[-1]


# --- the condition ------------------------------------------------------------


def _condition(node) -> cond.Condition | None:
    if node is None:
        return None
    return cond.Condition(node.kind, _expr(node.expr), node.text, node.pos.line)


def _expr(node):
    if isinstance(node, ast.And):
        return cond.All(tuple(_expr(i) for i in node.items))
    if isinstance(node, ast.Or):
        return cond.Any(tuple(_expr(i) for i in node.items))
    if isinstance(node, ast.Not):
        return cond.Neg(_expr(node.item))
    check = node.check
    if isinstance(check, ast.ExpectThreadResult):
        return cond.Atom(cond.ThreadResult(check.cpu, check.op, check.value))
    return cond.Atom(check)


def _locations(node) -> tuple[cond.Location, ...]:
    if node is None:
        return ()
    out: list[cond.Location] = []
    for item in node.items:
        out += _location(item)
    return tuple(out)


def _location(item: ast.Location) -> list[cond.Location]:
    """One item of ``locations`` (dsl.ast.Location), as the values it shows."""
    if item.kind == "field":
        return [cond.Location(f"{f}.{item.name}", f"folio.{f}.{item.name}") for f in item.folios]
    if item.kind == "flags":
        return [cond.Location(f"{f}.flags", f"folio.{f}.flags") for f in item.folios]
    if item.kind == "batch":
        return [cond.Location(f"cpu{item.cpu}.{item.name}", f"cpu{item.cpu}.{item.name}")]
    if item.kind == "result":
        return [cond.Location(f"cpu{item.cpu}.result", None, item.cpu)]
    return [cond.Location(f"stats.{item.name}", f"stats.{item.name}")]


def _verdicts(scenario: ast.Scenario):
    for stmt in _unrolled(scenario.body):
        if isinstance(stmt, ast.Expect) and isinstance(stmt.check, ast.ExpectVerdict):
            yield ExpectedVerdict(stmt.check.op, stmt.check.value, stmt.variants,
                                  stmt.pos.line, stmt.text)


# --- the sequential part, for witnesses ---------------------------------------


def sequential_lines(scenario: ast.Scenario) -> tuple[str, ...]:
    """The file without its threads, environment, condition and verdicts:
    what a witness starts with."""
    lines = scenario.source.split("\n")
    drop: set[int] = set()
    spans = [t.pos for t in scenario.threads] + [m.pos for m in scenario.env]
    for node in (scenario.condition, scenario.filter, scenario.locations):
        if node is not None:
            spans.append(node.pos)
    spans += [s.pos for s in scenario.body
              if isinstance(s, ast.Expect) and isinstance(s.check, ast.ExpectVerdict)]
    for pos in spans:
        drop.update(range(pos.line, pos.end_line + 1))
    kept = [line.rstrip() for n, line in enumerate(lines, 1) if n not in drop]
    while kept and not kept[-1]:
        kept.pop()
    return tuple(kept)
