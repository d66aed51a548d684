"""From a search to a herd-style verdict: the distinct final states, how
many satisfy the condition, Never / Sometimes / Always, and whether that is
what the scenario's ``expect verdict`` said."""

from __future__ import annotations

from dataclasses import dataclass, field

from .condition import Condition, ThreadResult, atoms
from .program import Program
from .search import Final, SearchResult


@dataclass(frozen=True)
class ExpectedVerdict:
    """``expect verdict == Sometimes @ v6.11 …``."""

    op: str
    verdict: str
    variants: tuple[str, ...]
    line: int
    text: str


@dataclass
class Verdict:
    """The answer for one variant."""

    variant: str
    observation: str
    """Never, Sometimes or Always (herd's Observation); ``-`` without a condition."""
    positive: int
    negative: int
    ok: bool
    """herd's Ok/No: the condition, read with its quantifier, holds."""
    finals: list[Final]
    search: SearchResult
    expected: ExpectedVerdict | None = None
    expected_ok: bool = True
    bug_finals: list[Final] = field(default_factory=list)
    """Final states with a BUG result the condition does not ask about."""

    @property
    def failed(self) -> bool:
        """Exit status 1: a verdict other than expected, an unexpected BUG,
        a deadlock, an invariant violation, a failed thread expect."""
        return not self.expected_ok or bool(self.bug_finals) or bool(self.search.problems)


def judge(program: Program, search: SearchResult, variant: str) -> Verdict:
    """The verdict of ``search`` for ``program``'s condition."""
    finals = sorted(search.finals.values(), key=lambda f: f.values)
    cond = program.condition
    kind = getattr(cond, "kind", None)
    if kind == "always":
        pos, neg = search.invariant_positive, search.invariant_negative
    else:
        pos = sum(1 for f in finals if f.satisfies)
        neg = len(finals) - pos
    observation = "-" if cond is None else _observation(pos, neg)
    ok = {"exists": pos > 0, "forall": neg == 0, "never": pos == 0,
          "always": neg == 0}.get(kind or "", True)
    verdict = Verdict(variant, observation, pos, neg, ok, finals, search)
    verdict.expected = expected_for(program, variant)
    if verdict.expected is not None:
        same = verdict.expected.verdict == observation
        verdict.expected_ok = same if verdict.expected.op == "==" else not same
    if not _asks_about_bugs(cond):
        verdict.bug_finals = [f for f in finals if f.bug]
    return verdict


def _observation(pos: int, neg: int) -> str:
    if pos == 0:
        return "Never"
    return "Always" if neg == 0 else "Sometimes"


def expected_for(program: Program, variant: str) -> ExpectedVerdict | None:
    """The ``expect verdict`` that applies under ``variant`` (the last one
    naming it, or one without ``@``)."""
    from ..mm.variants import base_name

    found = None
    for expected in program.expected_verdicts:
        if not expected.variants or variant in expected.variants \
                or base_name(variant) in expected.variants:
            found = expected
    return found


def _asks_about_bugs(cond: Condition | None) -> bool:
    if cond is None:
        return False
    return any(isinstance(c, ThreadResult) and c.value == "BUG" for c in atoms(cond.expr))
