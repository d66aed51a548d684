"""Witnesses: the interleaving that reached an outcome, written as an
ordinary sequential scenario that ``folioscope trace`` and ``play`` run.

The file is the scenario's sequential part (header, folios, prologue) under
the variant checked, then one statement per step (``split``, ``work`` and
``resume`` where an operation was interleaved), then ``expect`` lines that
pin the outcome: ``folioscope trace W.fs`` exits 0 exactly when the replay
reproduces it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..mm.folio import FLAG_ORDER
from .condition import Location
from .program import Program
from .search import Final, SearchResult
from .steps import Done, Move


@dataclass(frozen=True)
class Scheduled:
    """One step of a witness: the statement and where it came from."""

    kind: str
    """``thread``, ``work`` or ``env`` (the JSON schedule's kinds)."""
    cpu: int
    text: str
    line: int
    comment: str
    ends_call_of: int | None = None
    """The thread whose call this step ended (for ``expect result``)."""
    result: str = ""


def path_to(program: Program, search: SearchResult, fp: int) -> list[tuple[Move, Done]]:
    """The moves from the initial state to the node ``fp``, each with what
    it did: replayed from the start (the search keeps only the moves)."""
    from .search import Explorer

    explorer = Explorer(program, por=False)
    node = explorer._root()
    out = []
    for move in search.path(fp):
        node, done = explorer.apply(node, move)
        out.append((move, done))
    return out


def schedule(program: Program, search: SearchResult, fp: int) -> list[Scheduled]:
    """The witness's steps as sequential statements."""
    out = []
    pcs = [0] * len(program.threads)
    for move, done in path_to(program, search, fp):
        out.append(_statement(program, move, done, pcs))
    return out


def _statement(program: Program, move: Move, done: Done, pcs: list[int]) -> Scheduled:
    cpu = move.cpu
    stopped = done.stopped is not None
    if move.kind == "start":
        call = program.threads[move.index].calls[pcs[move.index]]
        pcs[move.index] += 1
        words = [f"cpu{cpu}", "drain all" if call.op == "drain_all" else call.op,
                 *done.folios, *call.flags]
        if call.batch:
            words.append(call.batch)
        if stopped:
            words.append("split")
        where = f"{_name(program)}:{call.line} " if call.line else ""
        return Scheduled("thread", cpu, " ".join(words), call.line,
                         f"{where}cpu{cpu} call {pcs[move.index]}",
                         None if stopped else move.index, done.result)
    if move.kind == "resume":
        return Scheduled("thread", cpu, f"cpu{cpu} resume", 0, f"cpu{cpu} goes on",
                         None if stopped else move.index, done.result)
    if move.kind == "work":
        return Scheduled("work", cpu, f"cpu{cpu} work", 0,
                         "lru_add_drain_per_cpu(): the work item lru_add_drain_all() queued")
    action = program.env[move.index]
    if move.kind == "drain":
        return Scheduled("env", cpu, f"cpu{cpu} drain", action.line, "may drain (environment)")
    if move.kind == "flush":
        return Scheduled("env", cpu, f"cpu{cpu} flush {action.batch}", action.line,
                         "may flush (environment: the batch fills up)")
    if move.kind == "drain_all":
        return Scheduled("env", cpu, f"cpu{cpu} drain all" + (" split" if stopped else ""),
                         action.line, "may drain all (another task's lru_add_drain_all())")
    return Scheduled("env", cpu, f"cpu{cpu} resume", action.line,
                     "another task's lru_add_drain_all() returns")


def _name(program: Program) -> str:
    return program.path.rsplit("/", 1)[-1] or program.name


def witness_file_name(program: Program, variant: str, index: int) -> str:
    return f"{program.name}.{variant}.w{index}.fs"


def witness_text(program: Program, variant: str, final: Final, search: SearchResult,
                 locations: tuple[Location, ...], index: int) -> str:
    """The whole witness file."""
    outcome = "; ".join(f"{label}={value}" for label, value in final.values) or "a final state"
    steps = schedule(program, search, final.node_fp)
    thread_of_cpu = {i: t.cpu for i, t in enumerate(program.threads)}
    pinned_results = {loc.cpu for loc in locations if loc.key is None}
    lines = [f"# Witness {index} of {_name(program)} under {variant}: {outcome}",
             f"# {len(steps)} steps found by `folioscope check`; "
             "`folioscope trace` on this file exits 0 when it reproduces the outcome", ""]
    lines += _sequential_part(program, variant)
    while lines and not lines[-1]:
        lines.pop()
    lines.append("")
    lines.append(f"# the interleaving ({len(steps)} steps)")
    width = max((len(s.text) for s in steps), default=0) + 2
    for s in steps:
        lines.append(f"{s.text.ljust(width)}# {s.comment}")
        if s.ends_call_of is not None and thread_of_cpu[s.ends_call_of] in pinned_results \
                and _last_end(steps, s):
            lines.append(f"expect result == {s.result}".ljust(width)
                         + f"# cpu{s.cpu}.result={s.result}")
    lines += _pins(final, locations)
    return "\n".join(lines) + "\n"


def _last_end(steps: list[Scheduled], step: Scheduled) -> bool:
    """Whether ``step`` ends its thread's last call in the witness."""
    later = steps[steps.index(step) + 1:]
    return not any(s.ends_call_of == step.ends_call_of for s in later)


def _sequential_part(program: Program, variant: str) -> list[str]:
    lines: list[str] = []
    for line in program.source_lines:
        if not line and lines and not lines[-1]:
            continue                  # where a thread block was
        if line.lstrip().startswith("kernel ") or line.strip() == "kernel":
            lines.append(f"kernel {variant}")
        else:
            lines.append(line)
    if not any(line.startswith("kernel ") for line in lines):
        lines.insert(0, f"kernel {variant}")
    return lines


def _pins(final: Final, locations: tuple[Location, ...]) -> list[str]:
    """``expect`` lines for every value of the outcome but the threads'
    results (pinned where each thread's last call ended)."""
    lines: list[str] = []
    for loc, raw in zip(locations, final.raw):
        if loc.key is not None:
            lines += _pin(loc.key, raw)
    return lines


def _pin(key: str, raw: object) -> list[str]:
    parts = key.split(".")
    if parts[0] == "folio" and parts[-1] == "flags":
        have = list(raw or ())  # type: ignore[call-overload]
        lacking = [f for f in FLAG_ORDER if f not in have]
        return ([f"expect {parts[1]} has {' '.join(have)}"] if have else []) + \
               ([f"expect {parts[1]} lacks {' '.join(lacking)}"] if lacking else [])
    if raw is None:
        return []
    if parts[0] == "folio":
        value = str(raw).lower() if isinstance(raw, bool) else raw
        return [f"expect {parts[1]}.{parts[2]} == {value}"]
    if parts[0].startswith("cpu"):
        return [f"expect {key} == [{', '.join(raw)}]"]  # type: ignore[call-overload]
    if parts[0] == "stats":
        if isinstance(raw, int):
            return [f"expect {key} == {raw}"]
        calls = ", ".join("[" + ", ".join(f"cpu{c}" for c in call) + "]" for call in raw)  # type: ignore[union-attr]
        return [f"expect {key} == [{calls}]"]
    return []
