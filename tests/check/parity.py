"""What `folioscope check` prints for a Program, for comparing backends:
random conditions, locations and thread expects on randprog's programs,
and the text, JSON and witness files a search gives."""

from __future__ import annotations

import dataclasses
import random

from folioscope.check.condition import All, Any, Atom, Condition, Location, Neg, ThreadResult
from folioscope.check.program import Program
from folioscope.check.report import CheckReport, VariantReport, _witnesses
from folioscope.check.verdict import judge
from folioscope.dsl.ast import Expect, ExpectField, ExpectFlags, ExpectResult, ExpectStat, Pos
from folioscope.views import check_json, check_text

LISTS = ("inactive_file", "active_file", "inactive_anon", "active_anon", "unevictable")
RESULTS = ("ok", "BUG", "ENOMEM", "EBUSY")


def _atom(rng: random.Random, program: Program) -> Atom:
    folio = rng.choice(sorted(program.initial.folios))
    roll = rng.random()
    if roll < 0.3:
        return Atom(ExpectField((folio,), "list", rng.choice(("==", "!=")), rng.choice(LISTS)))
    if roll < 0.5:
        return Atom(ExpectFlags((folio,), rng.random() < 0.5,
                                (rng.choice(("lru", "active", "mlocked", "referenced")),)))
    if roll < 0.65:
        return Atom(ExpectField((folio,), "refcount", rng.choice((">=", "==")), rng.randint(0, 3)))
    if roll < 0.75:
        return Atom(ExpectStat("local_drains", ">=", rng.randint(0, 2)))
    thread = rng.choice(program.threads)
    return Atom(ThreadResult(thread.cpu, rng.choice(("==", "!=")), rng.choice(RESULTS)))


def _expr(rng: random.Random, program: Program, depth: int = 0):
    roll = rng.random()
    if depth > 1 or roll < 0.5:
        return _atom(rng, program)
    if roll < 0.7:
        return All((_expr(rng, program, depth + 1), _expr(rng, program, depth + 1)))
    if roll < 0.9:
        return Any((_expr(rng, program, depth + 1), _expr(rng, program, depth + 1)))
    return Neg(_expr(rng, program, depth + 1))


def conditioned(rng: random.Random, program: Program) -> Program:
    """``program`` with a random condition (or none), filter, locations and
    thread expects."""
    kind = rng.choice(("exists", "exists", "forall", "never", "always", None))
    cond = None if kind is None else Condition(kind, _expr(rng, program), f"random {kind}")
    filt = _expr(rng, program) if kind in ("exists", "forall") and rng.random() < 0.2 else None
    locations = ()
    if rng.random() < 0.4:
        folio = rng.choice(sorted(program.initial.folios))
        locations = (Location(f"{folio}.pos", f"folio.{folio}.pos"),)
    threads = program.threads
    if rng.random() < 0.3:
        i = rng.randrange(len(threads))
        calls = list(threads[i].calls)
        j = rng.randrange(len(calls))
        check = (ExpectResult("==", "ok") if rng.random() < 0.5
                 else ExpectField((rng.choice(sorted(program.initial.folios)),), "list", "==",
                                  rng.choice(LISTS)))
        expect = Expect(check, (), Pos(10 + j, 1, 10 + j, 9), "expect (random)")
        calls[j] = dataclasses.replace(calls[j], expects=(expect,))
        threads = threads[:i] + (dataclasses.replace(threads[i], calls=tuple(calls)),) + threads[i + 1:]
    return dataclasses.replace(program, condition=cond, filter=filt, locations=locations,
                               threads=threads)


def report(program: Program, explorer, por: bool = True) -> CheckReport:
    """The report ``check()`` makes for one variant, from ``explorer``."""
    search = explorer.run()
    verdict = judge(program, search, program.variant.name)
    variant = VariantReport(program.variant.name, verdict, program, por=por)
    variant.witnesses = _witnesses(program, explorer, verdict)
    return CheckReport(program.name, f"{program.name}.fs", "0" * 32, program, [variant])


def outputs(rep: CheckReport) -> tuple[str, str, list[tuple[str, str]]]:
    """Text (without times), JSON (without times) and witness files."""
    files = [(w.file_name, w.text) for v in rep.variants for w in v.witnesses]
    return check_text.render(rep, False), check_json.dump(rep, False), files
