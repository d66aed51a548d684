"""The model and the kernel side by side, and the histogram of outcomes.

A real kernel has kworkers and timers that drain batches, so each scenario
runs N times and every observable gets a histogram, as klitmus7 prints one.
A key is a disagreement only when the model's value never occurs, or when
the kernel's majority differs from it and the scenario ``expect``s that key
at that step; otherwise a minority outcome is noise, shown but not failed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..dsl.ast import Expect, ExpectBatch, ExpectField, ExpectFlags, ExpectResult, Repeat, Scenario

AGREE, NOISE, DISAGREE = "agree", "noise", "DISAGREE"
MARK = {AGREE: " ", NOISE: "~", DISAGREE: "✗"}


@dataclass(frozen=True)
class KeyVerdict:
    """One observable at one step: the model's value and the kernel's histogram."""

    key: str
    model: object
    kernel: Counter
    verdict: str


@dataclass
class StepReport:
    index: int
    line: int
    text: str
    route: str
    keys: list[KeyVerdict] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    model_events: tuple[str, ...] = ()

    @property
    def disagreements(self) -> list[KeyVerdict]:
        return [k for k in self.keys if k.verdict == DISAGREE]


def expect_keys(scenario: Scenario) -> dict[int, set[str]]:
    """For each ``expect`` line, the flat-state keys it checks."""
    out: dict[int, set[str]] = {}

    def walk(body):
        for stmt in body:
            if isinstance(stmt, Repeat):
                walk(stmt.body)
            elif isinstance(stmt, Expect):
                out[stmt.pos.line] = _keys_of(stmt.check)
    walk(scenario.body)
    return out


def _keys_of(check) -> set[str]:
    if isinstance(check, ExpectResult):
        return {"result"}
    if isinstance(check, ExpectField):
        return {f"folio.{f}.{check.field}" for f in check.folios}
    if isinstance(check, ExpectFlags):
        return {f"folio.{f}.flags" for f in check.folios}
    if isinstance(check, ExpectBatch):
        return {f"cpu{check.cpu}.{check.batch}"}
    return set()


def judge(model: object, kernel: Counter, must: bool) -> str:
    """The klitmus7 rule: never seen -> disagreement; seen but not the
    majority -> noise, unless the scenario expects this key here."""
    if model not in kernel:
        return DISAGREE
    top = max(kernel.values())
    if kernel[model] == top:
        return AGREE
    return DISAGREE if must else NOISE


def show(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if value is None:
        return "(absent)"
    return str(value)


def histogram_text(counter: Counter) -> str:
    return "  ".join(f"{show(v)} ×{n}" for v, n in counter.most_common())


def render_step(step: StepReport, runs: int, width: int = 24, ftrace: bool = False) -> str:
    head = f"step {step.index}  line {step.line}  {step.text}"
    lines = [head, f"    route: {step.route}"]
    for text in step.folded:
        lines.append(f"    (with {text}: one system call, not observable apart)")
    lines.append(f"    {'':1} {'observable':<{width}} {'model':<22} kernel ({runs} run{'s' * (runs != 1)})")
    for k in step.keys:
        lines.append(f"    {MARK[k.verdict]} {k.key:<{width}} {show(k.model):<22} {histogram_text(k.kernel)}")
    if ftrace:
        lines.extend(_functions(step))
    return "\n".join(lines)


def _functions(step: StepReport) -> list[str]:
    model = [e.strip() for e in step.model_events]
    kernel = step.functions
    out = [f"    {'functions: model events':<58}| kernel, ftrace (first run)"]
    for i in range(max(len(model), len(kernel))):
        left = model[i] if i < len(model) else ""
        right = kernel[i] if i < len(kernel) else ""
        out.append(f"      {left[:52]:<52} | {right}")
    return out


def final_histogram(run_outcomes: list[tuple[str, ...]]) -> str:
    """klitmus7's closing histogram: how many runs ended in each outcome."""
    lines = [f"Histogram ({len(run_outcomes)} run{'s' * (len(run_outcomes) != 1)})"]
    for outcome, n in Counter(run_outcomes).most_common():
        lines.append(f"{n:>5} : " + "; ".join(outcome))
    return "\n".join(lines)
