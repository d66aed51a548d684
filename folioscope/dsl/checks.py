"""Checks that need more than one statement: folios declared once and before
use, CPUs that exist, and the size of a run once ``repeat`` is expanded.

The parser calls a ``Checker`` as it walks the file in source order, so the
first error in the file is the one reported.  Statement-local checks (unknown
words, values, attribute conflicts) live in the parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from folioscope.dsl.ast import Expect, Op, Pos, Repeat, Thread
from folioscope.dsl.errors import ScenarioError
from folioscope.dsl.vocabulary import (
    DEFAULT_CPUS,
    MAX_FOLIOS,
    MAX_STEPS,
    OPS,
    RESERVED_NAMES,
    did_you_mean,
)

Fail = Callable[..., ScenarioError]
"""``fail(pos, message, hint=None, expected=None) -> ScenarioError``."""

_CPU_WORD = re.compile(r"cpu[0-9]+")


class Checker:
    """Whole-scenario state while the parser walks the file."""

    def __init__(self, fail: Fail) -> None:
        self.fail = fail
        """Builds a positioned ScenarioError for this file."""
        self.declared: dict[str, Pos] = {}
        """Folio names declared so far, with the declaration's position."""
        self.declared_later: dict[str, Pos] = {}
        """Every name a declaration of the file starts with (range ends too),
        filled in before the walk, for hints."""
        self.cpus = DEFAULT_CPUS
        """CPUs online as far as the file has said."""
        self.cpus_pos: Pos | None = None
        """Where ``cpus N`` was given, if it was."""
        self.operations_began = False
        """True once an operation has been seen: ``cpus`` can no longer change."""
        self.settled = False
        """True when the file has no ``cpus`` line: the default stands from the start."""
        self._pending_cpus: list[tuple[int, Pos]] = []
        self.steps = 0
        """Steps of the top-level statements so far (repeats expanded)."""

    # --- folios ---------------------------------------------------------------

    def check_new_name(self, name: str, pos: Pos) -> None:
        """A name being declared: not reserved, not primed, not a CPU."""
        if name.endswith("'"):
            base = name.rstrip("'")
            raise self.fail(pos, f"cannot declare the primed name '{name}'",
                            hint=f"'{name}' is the folio that migrating {base} creates; declare {base}")
        if _CPU_WORD.fullmatch(name):
            raise self.fail(pos, f"'{name}' names a CPU, not a folio", hint="choose another folio name, such as F1")
        if name in RESERVED_NAMES:
            raise self.fail(pos, f"'{name}' is a reserved word and cannot name a folio",
                            hint="choose another folio name, such as F1")

    def declare(self, name: str, pos: Pos) -> None:
        """Record a declared folio; a second declaration is an error."""
        first = self.declared.get(name)
        if first is not None:
            raise self.fail(pos, f"folio '{name}' is declared twice",
                            hint=(f"it was first declared at line {first.line}" if first.line != pos.line
                                  else f"it was first declared at column {first.column} of this line"))
        if len(self.declared) >= MAX_FOLIOS:
            raise self.fail(pos, f"more than {MAX_FOLIOS:,} folios declared",
                            expected=f"at most {MAX_FOLIOS:,} folios in a file",
                            hint="a scenario rarely needs more than a few hundred: "
                                 "the model keeps every folio in every state")
        self.declared[name] = pos

    def use_folio(self, name: str, pos: Pos, within: str | None = None) -> None:
        """A folio used by an operation or an expectation: it (or, for
        ``F'``, its base ``F``) must be declared already."""
        base = name.rstrip("'")
        if base in self.declared:
            return
        where = f" (in {within})" if within else ""
        if _CPU_WORD.fullmatch(name):
            raise self.fail(pos, f"'{name}' is a CPU, not a folio{where}",
                            expected="a folio name such as F1")
        later = self.declared_later.get(base)
        hint = did_you_mean(base, self.declared)
        if later is not None and (later.line, later.column) > (pos.line, pos.column):
            hint = f"{base} is declared at line {later.line}, after this use; move the declaration up"
        if base != name:
            message = (f"folio '{name}' is not declared{where}: '{name}' is migrated from {base}, "
                       f"and {base} is not declared")
        else:
            message = f"folio '{name}' is not declared{where}"
        if hint is None:
            hint = (f"declare it before its first use, e.g. 'folio {base} anon'" if self.declared == {}
                    else f"declare it before its first use, e.g. 'folio {base} anon'; declared so far: "
                    + _few(self.declared))
        raise self.fail(pos, message, hint=hint)

    # --- CPUs -----------------------------------------------------------------

    def use_cpu(self, n: int, pos: Pos) -> None:
        """``cpuN`` used anywhere.  Until ``cpus`` is settled (an operation has
        run or ``cpus N`` was given) the check waits, so that ``cpus 4`` may
        follow an ``expect cpu3...`` written above it."""
        if self.operations_began or self.cpus_pos is not None or self.settled:
            self._check_cpu(n, pos)
        else:
            self._pending_cpus.append((n, pos))

    def set_cpus(self, n: int, pos: Pos) -> None:
        """``cpus N``: every CPU used above it must fit."""
        for m, used in self._pending_cpus:
            if m >= n:
                raise self.fail(pos, f"'cpus {n}' leaves out cpu{m}, used at line {used.line}",
                                hint=f"with cpus {n} the CPUs are {_cpu_span(n)}; write 'cpus {m + 1}' or more")
        self._pending_cpus.clear()
        self.cpus = n
        self.cpus_pos = pos

    def settle_cpus(self) -> None:
        """The file has no ``cpus`` line: check each CPU where it is used."""
        self.settled = True
        self._flush_cpus()

    def begin_operations(self) -> None:
        """The first operation: the number of CPUs is settled now."""
        if not self.operations_began:
            self.operations_began = True
            self._flush_cpus()

    def finish(self) -> None:
        """End of file: check what is still waiting."""
        self._flush_cpus()

    def _flush_cpus(self) -> None:
        pending, self._pending_cpus = self._pending_cpus, []
        for n, pos in pending:
            self._check_cpu(n, pos)

    def _check_cpu(self, n: int, pos: Pos) -> None:
        if n < self.cpus:
            return
        if self.cpus_pos is None:
            hint = (f"there are {self.cpus} CPUs unless the header says otherwise; "
                    f"add 'cpus {n + 1}' before the first operation")
        else:
            hint = (f"'cpus {self.cpus}' at line {self.cpus_pos.line} sets the number of CPUs; "
                    f"raise it to {n + 1} or more")
        raise self.fail(pos, f"cpu{n} does not exist: the CPUs are {_cpu_span(self.cpus)}", hint=hint)

    # --- size -----------------------------------------------------------------

    def add_steps(self, stmt, pos: Pos) -> None:
        """Count a top-level statement's steps; too many is an error."""
        self.steps += count_steps(stmt)
        if self.steps > MAX_STEPS:
            raise self.fail(pos, f"repeat over the limit: the file runs {self.steps:,} steps once repeats are "
                                 f"expanded, more than the {MAX_STEPS:,} allowed",
                            hint="a step is one operation on one folio, or one expect; lower a repeat count")


def count_steps(stmt) -> int:
    """Steps a statement runs: one per folio for single-folio operations, one
    for other operations and for each expectation; repeats multiply; a
    thread runs its body once."""
    if isinstance(stmt, Op):
        spec = OPS.get(stmt.name)
        if spec is not None and spec.folios == "one":
            return max(1, len(stmt.folios))
        return 1
    if isinstance(stmt, Expect):
        return 1
    if isinstance(stmt, Repeat):
        return stmt.count * sum(count_steps(s) for s in stmt.body)
    if isinstance(stmt, Thread):
        return sum(count_steps(s) for s in stmt.body)
    return 0


def check_repeat_steps(repeat: Repeat, fail: Fail, pos: Pos) -> int:
    """The steps of one repeat; over the limit is an error at ``pos`` (its count)."""
    steps = count_steps(repeat)
    if steps > MAX_STEPS:
        raise fail(pos, f"repeat over the limit: {repeat.count:,} times this block is {steps:,} steps, "
                        f"more than the {MAX_STEPS:,} allowed",
                   hint="a step is one operation on one folio, or one expect; lower the count")
    return steps


def _cpu_span(n: int) -> str:
    return "cpu0" if n == 1 else f"cpu0..cpu{n - 1}"


def _few(names, limit: int = 6) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (", …" if len(names) > limit else "")


__all__ = ["Checker", "check_repeat_steps", "count_steps"]
