"""From a scenario to a trace: the interpreter, expectations, and the trace
with its checkpoints."""

from __future__ import annotations

from .interpreter import run_scenario, variant_for
from .trace import Change, ExpectOutcome, Step, Trace


def load_trace(path: str, variant: str | None = None, check: bool = False) -> Trace:
    """Parse the scenario at ``path`` and run it (ScenarioError on bad input)."""
    from ..dsl import parse_file

    return run_scenario(parse_file(path), variant, check)


__all__ = ["Change", "ExpectOutcome", "Step", "Trace", "load_trace", "run_scenario", "variant_for"]
