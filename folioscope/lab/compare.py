"""Hold the model's trace against the kernel's runs, step by step."""

from __future__ import annotations

from collections import Counter

from .ftrace import sequence
from .observe import model_state
from .report import AGREE, StepReport, judge
from .routes import ROUTE_OF_AGENT_OP, Plan

FOLIO_FIELDS = ("refcount", "flags", "list", "zone", "freed", "mlock_count")


def _keys(model_flat: dict, kernel_runs: list[dict]) -> list[str]:
    keys: list[str] = []
    for state in kernel_runs:
        keys.extend(k for k in state if k not in keys and k != "result")
    for name in model_flat.get("folios", ()):
        if name.endswith("'"):
            keys.extend(k for f in FOLIO_FIELDS[:5]
                        if (k := f"folio.{name}.{f}") not in keys)
    return keys


def _shown(kv, changed: set[str], index: int) -> bool:
    """Step 0 shows the folios and the batches not empty; later steps what
    the model changed and every key that does not agree."""
    if kv.verdict != AGREE or kv.key in changed:
        return True
    return index == 0 and (not kv.key.startswith("cpu") or kv.model != ())


def step_report(trace, plan: Plan, index: int, kernel_runs: list[dict], must: set[str],
                functions: list[list[str]]) -> StepReport:
    """One step: the result and every observable the model changed here or
    the kernel disagrees on."""
    step = trace.steps[index]
    model_flat = trace.state_at(index)
    agent_op = plan.steps.get(index)
    route = ROUTE_OF_AGENT_OP.get(agent_op.op, agent_op.op) if agent_op else "setup"
    report = StepReport(index, step.line, step.text, route, model_events=step.events)
    report.folded = [trace.steps[k].text for k, j in plan.folded.items() if j == index]
    changed = {c.key for c in step.changes}
    for k in plan.folded:
        if plan.folded[k] == index:
            changed |= {c.key for c in trace.steps[k].changes}
    if index:
        report.keys.append(_verdict("result", step.result,
                                    Counter(s.get("result") for s in kernel_runs), must))
    keys = _keys(model_flat, kernel_runs)
    model = model_state(model_flat, keys)
    for key in keys:
        kv = _verdict(key, model.get(key), Counter(s.get(key) for s in kernel_runs), must)
        if key.endswith(".mlock_count") and model_flat.get(key.replace("mlock_count", "list")) != "unevictable":
            continue  # meaningful only on the unevictable list, on both sides
        if _shown(kv, changed, index):
            report.keys.append(kv)
    for run in functions[:1]:
        report.functions = sequence(run)
    return report


def _verdict(key, model, kernel: Counter, must: set[str]):
    from .report import KeyVerdict

    return KeyVerdict(key, model, kernel, judge(model, kernel, key in must))
