"""The text trace: deterministic, plain, readable in a mail.

Per step: its number, file:line, the call, the result, what the kernel did,
and only what changed.  Then the final state and the expectations.

Output that scales with the scenario, not with its repeats or its CPUs:
equal consecutive events print once with ``×N``; a run of identical steps
that changed nothing prints once (``steps 6–4094 … ×4089``); a batch change
is the entries that came and went (``+F``, ``-F``); CPUs with nothing
pending share one line.  Values are written as an ``expect`` would write
them (``[[cpu1]]``), and every line is escaped (``views.escape``): nothing a
scenario holds can reach the terminal raw.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence, TypeVar

from ..mm.state import DrainWorkLog
from ..mm.variants import find_variant
from ..replay.trace import Change, ExpectOutcome, FlatState, Skipped, Step, Trace, as_tuple, flat_tuple, holders_text
from .escape import escape

INDENT = "    "


def render(trace: Trace) -> str:
    """The whole trace as text, ending with a newline."""
    lines = _header(trace)
    lines += _initial(trace)
    for group in step_runs(trace.steps[1:]):
        lines += [""] + _step(trace, group[0], len(group))
    lines += [""] + final_state(trace.final_state(), trace.cpus)
    lines += [""] + expectations(trace)
    return "".join(escape(line) + "\n" for line in lines)


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
    for name in _or_empty(state["folios"]):
        lines.append(INDENT + folio_line(state, name))
    lines += [INDENT + _expect_line(o) for o in trace.steps[0].expects]
    return lines


# --- steps ----------------------------------------------------------------------


def step_runs(steps: Sequence[Step]) -> list[list[Step]]:
    """Consecutive steps grouped when they are the same call, did the same
    thing and changed nothing (a ``repeat`` that has reached a fixed point)."""
    runs: list[list[Step]] = []
    for step in steps:
        if runs and _same_step(runs[-1][-1], step):
            runs[-1].append(step)
        else:
            runs.append([step])
    return runs


def _same_step(a: Step, b: Step) -> bool:
    return (not a.changes and not b.changes and a.line == b.line and a.text == b.text
            and a.result == b.result and a.detail == b.detail and a.events == b.events
            and a.expects == b.expects)


def _step(trace: Trace, step: Step, times: int = 1) -> list[str]:
    where = f"{basename(trace.path)}:{step.line}"
    if times == 1:
        lines = [f"step {step.index}  {where}  {step.text} → {step.result}"]
    else:
        last = step.index + times - 1
        lines = [f"steps {step.index}–{last}  {where}  {step.text} → {step.result}  ×{times}"]
    if step.detail and not _told_by_events(step):
        lines.append(INDENT + f"{step.result}: {step.detail}")
    lines += [INDENT + event.line() + times_text(n) for event, n in runs(step.events)]
    changed = change_lines(step.changes)
    if changed:
        lines.append(INDENT + "changed:")
        lines += [INDENT * 2 + c for c in changed]
    lines += [INDENT + _expect_line(o) for o in step.expects]
    return lines


def _told_by_events(step: Step) -> bool:
    """A BUG's assertion is usually an event already: say it once."""
    said = f"{step.result}: {step.detail}"
    return any(e.text == said for e in step.events)


T = TypeVar("T")


def runs(items: Iterable[T]) -> list[tuple[T, int]]:
    """Equal consecutive items once, with how many there were (events are
    records: equal records are the same event)."""
    out: list[tuple[T, int]] = []
    for item in items:
        if out and out[-1][0] == item:
            out[-1] = (item, out[-1][1] + 1)
        else:
            out.append((item, 1))
    return out


def times_text(n: int) -> str:
    return f" ×{n}" if n > 1 else ""


def collapsed(lines: Iterable[str]) -> list[str]:
    """Equal consecutive lines once, with ``×N`` when there were N."""
    return [line + times_text(n) for line, n in runs(lines)]


def basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


# --- changes --------------------------------------------------------------------


def change_lines(changes: tuple[Change, ...]) -> list[str]:
    """What a step changed, grouped per folio, then batches, then counters.
    A folio that appears is shown whole; one that is freed, in a word.  A
    batch change is the entries that came and went (``+F -G``), and
    ``drain_all_work`` the calls added (``+[cpu1]``)."""
    folios: dict[str, list[str]] = {}
    born: dict[str, dict[str, object]] = {}
    others: list[str] = []
    refcounts: dict[str, object] | None = None   # old refcounts, looked up once
    for c in changes:
        parts = c.key.split(".")
        if parts[0] == "folio":
            name, field = parts[1], parts[2]
            if c.old is None:
                born.setdefault(name, {})[c.key] = c.new
            elif field == "freed" and c.new:
                if refcounts is None:
                    refcounts = _old_refcounts(changes)
                folios[name] = [f"freed (refcount {refcounts.get(name, '?')} → 0)"]
            elif not (folios.get(name, [""])[0].startswith("freed")):
                text = _folio_change(field, c)
                if text:
                    folios.setdefault(name, []).append(text)
        else:
            others += _other_change(c)
    lines = [f"{name}: " + ", ".join(items) for name, items in folios.items()]
    lines += [f"new folio {folio_line(fields, name)}" for name, fields in born.items()]
    return lines + others


def _other_change(c: Change) -> list[str]:
    """A batch, counter or lru_disable_count change."""
    if c.key.startswith("cpu"):
        return [f"{c.key} {entries_change(_or_empty(c.old), _or_empty(c.new))}"]
    if c.key == "stats.drain_all_work":
        return [f"{c.key} {_calls_change(_work(c.old), _work(c.new))}"]
    if c.key.startswith("stats.") or c.key == "lru_disable_count":
        return [f"{c.key} {value_text(c.key, c.old)} → {value_text(c.key, c.new)}"]
    return []


def _old_refcounts(changes: tuple[Change, ...]) -> dict[str, object]:
    """Each folio's refcount before the step, for those it changed."""
    return {c.key.split(".")[1]: c.old for c in changes
            if c.key.startswith("folio.") and c.key.endswith(".refcount")}


def _folio_change(field: str, c: Change) -> str | None:
    if field == "flags":
        was, now = _or_empty(c.old), _or_empty(c.new)
        was_set, now_set = set(was), set(now)
        gained = [f"+{f}" for f in now if f not in was_set]
        lost = [f"-{f}" for f in was if f not in now_set]
        return "flags " + " ".join(gained + lost)
    if field == "holders":
        return "held by " + holders_text(tuple(_or_empty(c.new)))
    if field in ("order", "kind"):
        return None
    return f"{field} {plain_value(c.old)} → {plain_value(c.new)}"


def entries_change(old: Sequence[str], new: Sequence[str]) -> str:
    """A batch change as the kernel makes them: entries flushed (``-F``) and
    entries queued at the end (``+G``).  The longest head of ``new`` that
    was already queued, in order, is what stayed."""
    kept = _kept_head(old, new)
    gone = Counter(old) - Counter(new[:kept])
    removed = []
    for entry in old:
        if gone[entry]:
            gone[entry] -= 1
            removed.append(f"-{entry}")
    return " ".join(collapsed(removed + [f"+{entry}" for entry in new[kept:]]))


def _kept_head(old: Sequence[str], new: Sequence[str]) -> int:
    """How many entries at the head of ``new`` are a subsequence of ``old``."""
    i = 0
    for entry in old:
        if i < len(new) and new[i] == entry:
            i += 1
    return i


def _or_empty(value: object) -> tuple:
    """A tuple of the flat state (folios, a batch's entries, flags, holders); () for none."""
    return () if value is None else as_tuple(value, "a sequence of the flat state")


def _work(value: object) -> DrainWorkLog | tuple:
    """``stats.drain_all_work``: the log (or, read from an old saved trace, a
    tuple of calls); () for none."""
    return value if isinstance(value, DrainWorkLog) else _or_empty(value)


def _calls_change(old: DrainWorkLog | tuple, new: DrainWorkLog | tuple) -> str:
    """``+[cpu1]``: the lru_add_drain_all() calls this step made."""
    if isinstance(new, DrainWorkLog) and isinstance(old, DrainWorkLog):
        added = new.since(old)
    else:
        added = tuple(new)[len(old):]
    return " ".join(f"+{cpu_list(call)}" for call in added) or "[]"


# --- values, as an expect writes them -------------------------------------------


def cpu_list(cpus: Iterable[int]) -> str:
    """``[cpu1, cpu3]``."""
    return "[" + ", ".join(f"cpu{c}" for c in cpus) + "]"


def value_text(key: str, value: object) -> str:
    """A flat-state value as a scenario would write it after ``expect KEY ==``."""
    if value is None:
        return "-"
    if key == "stats.drain_all_work":
        return "[" + ", ".join(cpu_list(call) for call in _work(value)) + "]"
    if key.endswith(".holders"):
        return holders_text(as_tuple(value, key))
    if key.endswith(".flags"):
        return " ".join(as_tuple(value, key)) or "-"
    return plain_value(value)


def plain_value(value: object) -> str:
    """A flat-state value as users write it: ``[F, G]``, ``true``, ``-``."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, DrainWorkLog):
        value = tuple(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(plain_value(v) for v in value) + "]"
    return str(value)


# --- state ----------------------------------------------------------------------


def folio_line(state: FlatState, name: str) -> str:
    """One folio, compactly: refcount with its holders, list, flags."""
    p = f"folio.{name}."
    if state[p + "freed"]:
        return f"{name}  freed"
    fields = [f"refcount {state[p + 'refcount']} ({holders_text(flat_tuple(state, p + 'holders'))})"]
    fields.append(f"list {state[p + 'list']}" + (f"/{state[p + 'pos']}" if state[p + "pos"] != "none" else ""))
    if state[p + "list"] == "unevictable":
        fields.append(f"mlock_count {state[p + 'mlock_count']}")
    fields += _pin_fields(state, p)
    if state[p + "isolated"] != "none":
        fields.append(f"isolated by {state[p + 'isolated']}")
    fields.append("flags " + value_text(p + "flags", state[p + "flags"]))
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
    """The state after the last step: folios, CPUs with pending entries (the
    others on one line), counters."""
    lines = ["final state"]
    lines += [INDENT + folio_line(state, name) for name in flat_tuple(state, "folios")]
    idle = []
    by_cpu = _pending_by_cpu(state)
    for cpu in range(cpus):
        pending = by_cpu.get(f"cpu{cpu}", [])
        if pending:
            lines.append(INDENT + f"cpu{cpu}: " + "; ".join(pending))
        else:
            idle.append(cpu)
    if idle:
        lines.append(INDENT + f"{cpu_ranges(idle)}: batches empty")
    stats = [f"{k.split('.', 1)[1]} {value_text(k, v)}" for k, v in state.items() if k.startswith("stats.")]
    lines.append(INDENT + "stats: " + ", ".join(stats))
    return lines


def _pending_by_cpu(state: FlatState) -> dict[str, list[str]]:
    """Each CPU's non-empty batches, ``batch [entries]``, in one pass."""
    pending: dict[str, list[str]] = {}
    for key, value in state.items():
        if key.startswith("cpu") and value:
            cpu, batch = key.split(".", 1)
            pending.setdefault(cpu, []).append(f"{batch} {plain_value(value)}")
    return pending


def cpu_ranges(cpus: Sequence[int]) -> str:
    """``cpu0, cpu2–cpu63``: runs of three or more as a range."""
    parts: list[str] = []
    for first, last in cpu_runs(cpus):
        if last - first >= 2:
            parts.append(f"cpu{first}–cpu{last}")
        else:
            parts += [f"cpu{c}" for c in range(first, last + 1)]
    return ", ".join(parts)


def cpu_runs(cpus: Sequence[int]) -> list[tuple[int, int]]:
    """The runs of consecutive numbers in ``cpus`` (sorted), first and last."""
    runs: list[tuple[int, int]] = []
    start = 0
    while start < len(cpus):
        end = start
        while end + 1 < len(cpus) and cpus[end + 1] == cpus[end] + 1:
            end += 1
        runs.append((cpus[start], cpus[end]))
        start = end + 1
    return runs


# --- expectations and the verdict -----------------------------------------------


def expectations(trace: Trace) -> list[str]:
    """Every expectation (checked, or skipped for other variants) in line
    order, repeats once with ``×N``; BUGs nobody expected; the verdict."""
    outcomes = [o for _, o in trace.expectations()]
    rows: list[tuple[int, str]] = [(o.line, _expect_line(o, with_line=True)) for o in outcomes]
    rows += [(s.line, _skip_line(s)) for s in trace.skipped.values()]
    rows.sort(key=lambda row: row[0])
    lines = ["expectations"]
    lines += [INDENT + line for line in collapsed(text for _, text in rows)]
    lines += [INDENT + bug_line(step) for step in trace.unexpected_bugs]
    lines.append("verdict: " + verdict_text(trace))
    return lines


def _skip_line(s: Skipped) -> str:
    times = f" ×{s.times}" if s.times > 1 else ""
    return f"skip  line {s.line}: {s.text}{times}"


def bug_line(step: Step) -> str:
    return f"BUG   line {step.line}: {step.text} → BUG: {step.detail}  (no expect result == BUG follows)"


def verdict_text(trace: Trace) -> str:
    """``8 expectations, 8 held, 0 failed; 6 skipped: for other variants``."""
    outcomes = [o for _, o in trace.expectations()]
    failed = sum(1 for o in outcomes if not o.ok)
    text = f"{len(outcomes)} expectations, {len(outcomes) - failed} held, {failed} failed"
    skipped = skipped_text(trace.skipped.values())
    if skipped:
        text += f"; {skipped}"
    bugs = len(trace.unexpected_bugs)
    if bugs:
        text += f"; {bugs} BUG{'s' if bugs > 1 else ''} not expected"
    return text


def skipped_text(skipped: Iterable[Skipped]) -> str:
    """``1 skipped: for v6.11 only`` (or ``for other variants`` when they differ)."""
    skipped = list(skipped)
    if not skipped:
        return ""
    count = sum(s.times for s in skipped)
    scopes = {s.variants for s in skipped}
    whom = f"for {' '.join(scopes.pop())} only" if len(scopes) == 1 else "for other variants"
    return f"{count} skipped: {whom}"


def _expect_line(o: ExpectOutcome, with_line: bool = False) -> str:
    where = f"line {o.line}: " if with_line else ""
    if o.ok:
        return f"ok    {where}{o.text}"
    return f"FAIL  {where}{o.text}  (expected {o.expected}, actual {o.actual})"


def failed(trace: Trace) -> bool:
    """Whether the run fails: an expectation did not hold, or a BUG nobody expected."""
    return bool(trace.failed or trace.unexpected_bugs)


def failure_report(trace: Trace) -> str:
    """For stderr when the run fails: file:line, what failed, both sides;
    and a warning when nothing was checked under this variant."""
    lines = []
    for o in trace.failed:
        lines.append(f"{trace.path}:{o.line}: expectation failed under {trace.variant}: {o.text}")
        lines.append(f"    expected: {o.expected}")
        lines.append(f"    actual:   {o.actual}")
    for step in trace.unexpected_bugs:
        lines.append(f"{trace.path}:{step.line}: {step.text} would BUG under {trace.variant}: "
                     f"{step.detail}")
        lines.append("    (follow it with `expect result == BUG` if the scenario means it)")
    lines += nothing_checked(trace)
    return "".join(escape(line) + "\n" for line in lines)


def nothing_checked(trace: Trace) -> list[str]:
    """The warning for a scenario whose every expectation is for other variants."""
    if trace.skipped and not any(True for _ in trace.expectations()):
        return [f"{trace.path}: warning: no expectation applies to {trace.variant} "
                f"({skipped_text(trace.skipped.values())}): this run checks nothing"]
    return []
