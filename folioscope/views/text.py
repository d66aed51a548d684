"""The text trace: deterministic, plain, readable in a mail.

Per step: its number, file:line, the call, the result, what the kernel did,
and only what changed.  Then the final state and the expectations.
"""

from __future__ import annotations

from ..mm.state import DrainWorkLog
from ..mm.variants import find_variant
from ..replay.trace import Change, ExpectOutcome, FlatState, Step, Trace, holders_text

INDENT = "    "


def render(trace: Trace) -> str:
    """The whole trace as text, ending with a newline."""
    lines = _header(trace)
    lines += _initial(trace)
    for step in trace.steps[1:]:
        lines += [""] + _step(trace, step)
    lines += [""] + final_state(trace.final_state(), trace.cpus)
    lines += [""] + expectations(trace)
    return "\n".join(lines) + "\n"


def _header(trace: Trace) -> list[str]:
    variant = find_variant(trace.variant)
    letter = f" ({variant.letter})" if variant else ""
    lines = [f"# {trace.title}"] if trace.title else []
    lines.append(f"# {trace.path} under {trace.variant}{letter}, {trace.cpus} CPUs, "
                 f"{trace.last} step{'' if trace.last == 1 else 's'}")
    if trace.note:
        lines.append(f"# {trace.note}")
    return lines


def _initial(trace: Trace) -> list[str]:
    state = trace.state_at(0)
    lines = ["", "step 0  initial state"]
    for name in state["folios"]:
        lines.append(INDENT + folio_line(state, name))
    lines += [INDENT + _expect_line(o) for o in trace.steps[0].expects]
    return lines


def _step(trace: Trace, step: Step) -> list[str]:
    where = f"{_basename(trace.path)}:{step.line}"
    lines = [f"step {step.index}  {where}  {step.text} → {step.result}"]
    if step.detail:
        lines.append(INDENT + f"{step.result}: {step.detail}")
    lines += [INDENT + e.line() for e in step.events]
    changed = change_lines(step.changes)
    if changed:
        lines.append(INDENT + "changed:")
        lines += [INDENT * 2 + c for c in changed]
    lines += [INDENT + _expect_line(o) for o in step.expects]
    return lines


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def change_lines(changes: tuple[Change, ...]) -> list[str]:
    """What a step changed, grouped per folio, then batches, then counters.
    A folio that appears is shown whole; one that is freed, in a word."""
    folios: dict[str, list[str]] = {}
    born: dict[str, dict[str, object]] = {}
    others: list[str] = []
    for c in changes:
        parts = c.key.split(".")
        if parts[0] == "folio":
            name, field = parts[1], parts[2]
            if c.old is None:
                born.setdefault(name, {})[c.key] = c.new
            elif field == "freed" and c.new:
                folios[name] = [f"freed (refcount {_old_refcount(changes, name)} → 0)"]
            elif not (folios.get(name, [""])[0].startswith("freed")):
                text = _folio_change(field, c)
                if text:
                    folios.setdefault(name, []).append(text)
        elif parts[0].startswith("cpu"):
            others.append(f"{c.key} {_seq(c.old)} → {_seq(c.new)}")
        elif parts[0] in ("stats", "lru_disable_count"):
            others.append(f"{c.key} {_value(c.old)} → {_value(c.new)}")
    lines = [f"{name}: " + ", ".join(items) for name, items in folios.items()]
    lines += [f"new folio {folio_line(fields, name)}" for name, fields in born.items()]
    return lines + others


def _old_refcount(changes: tuple[Change, ...], name: str) -> object:
    key = f"folio.{name}.refcount"
    return next((c.old for c in changes if c.key == key), "?")


def _folio_change(field: str, c: Change) -> str | None:
    if field == "flags":
        old, new = set(c.old or ()), set(c.new or ())
        gained = [f"+{f}" for f in (c.new or ()) if f not in old]
        lost = [f"-{f}" for f in (c.old or ()) if f not in new]
        return "flags " + " ".join(gained + lost)
    if field == "holders":
        return "held by " + holders_text(c.new or ())
    if field in ("order", "kind"):
        return None
    return f"{field} {_value(c.old)} → {_value(c.new)}"


def _seq(entries: tuple | None) -> str:
    return "[" + ", ".join(entries or ()) + "]"


def _value(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, DrainWorkLog):
        value = tuple(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def folio_line(state: FlatState, name: str) -> str:
    """One folio, compactly: refcount with its holders, list, flags."""
    p = f"folio.{name}."
    if state[p + "freed"]:
        return f"{name}  freed"
    fields = [f"refcount {state[p + 'refcount']} ({holders_text(state[p + 'holders'])})"]
    fields.append(f"list {state[p + 'list']}" + (f"/{state[p + 'pos']}" if state[p + "pos"] != "none" else ""))
    if state[p + "list"] == "unevictable":
        fields.append(f"mlock_count {state[p + 'mlock_count']}")
    fields += _pin_fields(state, p)
    if state[p + "isolated"] != "none":
        fields.append(f"isolated by {state[p + 'isolated']}")
    fields.append("flags " + (" ".join(state[p + "flags"]) or "-"))
    order = f" order {state[p + 'order']}" if state[p + "order"] else ""
    maps = state.get(p + "vma_maps", "all")
    shape = f", vma_maps={maps}" if maps != "all" else ""
    return f"{name} ({state[p + 'kind']}{order}, {state[p + 'zone']}{shape})  " + "  ".join(fields)


def _pin_fields(state: FlatState, p: str) -> list[str]:
    """FOLL_PIN pins, with the kernel's _pincount for a large folio; a small
    folio that folio_maybe_dma_pinned() takes for pinned without a pin (1024
    references) says so.  Traces saved before ``pins`` existed counted the
    pins in ``pincount``."""
    pins = state.get(p + "pins", state[p + "pincount"])
    if pins:
        pincount = state[p + "pincount"]
        return [f"pins {pins}" + (f" (pincount {pincount})" if pincount else "")]
    if state.get(p + "dma_pinned"):
        return ["dma_pinned (refcount >= 1024)"]
    return []


def final_state(state: FlatState, cpus: int) -> list[str]:
    """The state after the last step: folios, non-empty batches, counters."""
    lines = ["final state"]
    lines += [INDENT + folio_line(state, name) for name in state["folios"]]
    for cpu in range(cpus):
        pending = [f"{k.split('.', 1)[1]} {_seq(v)}" for k, v in state.items()
                   if k.startswith(f"cpu{cpu}.") and v]
        lines.append(INDENT + f"cpu{cpu}: " + ("; ".join(pending) if pending else "batches empty"))
    stats = [f"{k.split('.', 1)[1]} {_value(v)}" for k, v in state.items() if k.startswith("stats.")]
    lines.append(INDENT + "stats: " + ", ".join(stats))
    return lines


def expectations(trace: Trace) -> list[str]:
    """Every evaluated expectation, then the verdict line."""
    outcomes = [o for _, o in trace.expectations()]
    lines = ["expectations"]
    lines += [INDENT + _expect_line(o, with_line=True) for o in outcomes]
    failed = sum(1 for o in outcomes if not o.ok)
    lines.append(f"verdict: {len(outcomes)} expectations, {len(outcomes) - failed} held, "
                 f"{failed} failed")
    return lines


def _expect_line(o: ExpectOutcome, with_line: bool = False) -> str:
    where = f"line {o.line}: " if with_line else ""
    if o.ok:
        return f"ok    {where}{o.text}"
    return f"FAIL  {where}{o.text}  (expected {o.expected}, actual {o.actual})"


def failure_report(trace: Trace) -> str:
    """For stderr when expectations fail: file:line, the expectation, both sides."""
    lines = []
    for o in trace.failed:
        lines.append(f"{trace.path}:{o.line}: expectation failed under {trace.variant}: {o.text}")
        lines.append(f"    expected: {o.expected}")
        lines.append(f"    actual:   {o.actual}")
    return "\n".join(lines) + ("\n" if lines else "")
