"""What the screen shows at one step, and the searches that move the cursor.

No Textual here: a :class:`Frame` is the state after one step plus what that
step changed; a :class:`TraceIndex` answers "where does F change next?" and
"where is the next failure?" with a bisect over indexes built once per trace.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..replay.trace import CALM_RESULTS, Change, FlatState, Step, Trace, as_tuple


@dataclass(frozen=True, eq=False)
class Frame:
    """The state after step ``index`` and the changes that step made."""

    trace: Trace
    """The trace being replayed."""
    index: int
    """The step shown (0 is the declared initial state)."""
    state: FlatState
    """The flat state after that step (``trace.state_at(index)``)."""
    changed: dict[str, Change]
    """The step's changes by key."""

    @classmethod
    def at(cls, trace: Trace, index: int) -> "Frame":
        """The frame of step ``index`` (clamped to the trace)."""
        index = max(0, min(index, trace.last))
        step = trace.steps[index]
        return cls(trace, index, trace.state_at(index), {c.key: c for c in step.changes})

    @property
    def step(self) -> Step:
        """The step shown."""
        return self.trace.steps[self.index]

    @property
    def last(self) -> int:
        """The index of the trace's last step."""
        return self.trace.last

    @property
    def folios(self) -> tuple[str, ...]:
        """Folio names, in declaration order."""
        return self.items("folios")

    def folio(self, name: str, field_name: str, default: object = None) -> object:
        """``folio.NAME.FIELD`` of the state."""
        return self.state.get(f"folio.{name}.{field_name}", default)

    def old(self, key: str) -> object:
        """The value ``key`` had before this step."""
        change = self.changed.get(key)
        return change.old if change else self.state.get(key)

    def items(self, key: str) -> tuple:
        """``key``'s tuple (flags, holders, a batch's or a list's entries); () if absent."""
        return as_tuple(self.state.get(key, ()), key)

    def old_items(self, key: str) -> tuple | None:
        """``key``'s tuple before this step; None if it had none."""
        old = self.old(key)
        return None if old is None else as_tuple(old, key)

    def keys(self, prefix: str) -> list[str]:
        """State keys starting with ``prefix``, in state order."""
        return [k for k in self.state if k.startswith(prefix)]


def is_attention(step: Step) -> bool:
    """A result other than ``ok`` (or a split's ``waiting``) or an expectation that failed."""
    return (step.index > 0 and step.result not in CALM_RESULTS) or any(not o.ok for o in step.expects)


class TraceIndex:
    """Searches over one trace; each index is built on first use and extended,
    not rebuilt, as a trace that is still building grows (:meth:`grow`)."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._by_folio: dict[str, list[int]] = {}
        self._attention: list[int] = []
        self._by_line: dict[int, list[int]] = {}
        self._failed_lines: set[int] = set()
        self._upto: dict[str, int] = {}  # index name -> steps scanned

    def grow(self, trace: Trace) -> None:
        """``trace`` is this index's trace with more steps built."""
        self.trace = trace

    def _new_steps(self, name: str) -> list[Step]:
        start = self._upto.get(name, 0)
        self._upto[name] = len(self.trace.steps)
        return self.trace.steps[start:]

    def folio_changes(self, name: str) -> list[int]:
        """Steps that changed any ``folio.NAME.*`` key, ascending."""
        for step in self._new_steps("folio"):
            seen = set()
            for c in step.changes:
                if c.key.startswith("folio."):
                    seen.add(c.key[6:].rsplit(".", 1)[0])
            for folio in seen:
                self._by_folio.setdefault(folio, []).append(step.index)
        return self._by_folio.get(name, [])

    def attention(self) -> list[int]:
        """Steps with a non-ok result or a failed expectation, ascending."""
        self._attention += [s.index for s in self._new_steps("attention") if is_attention(s)]
        return self._attention

    def at_line(self, line: int) -> list[int]:
        """Steps executed from source line ``line``, ascending."""
        for step in self._new_steps("line"):
            if step.index:
                self._by_line.setdefault(step.line, []).append(step.index)
        return self._by_line.get(line, [])

    def failed_lines(self) -> set[int]:
        """Source lines of expectations that failed anywhere in the run so far."""
        for step in self._new_steps("failed"):
            self._failed_lines.update(o.line for o in step.expects if not o.ok)
        return self._failed_lines


def after(indexes: list[int], current: int) -> int | None:
    """The first of ``indexes`` greater than ``current``."""
    pos = bisect.bisect_right(indexes, current)
    return indexes[pos] if pos < len(indexes) else None


def before(indexes: list[int], current: int) -> int | None:
    """The last of ``indexes`` smaller than ``current``."""
    pos = bisect.bisect_left(indexes, current)
    return indexes[pos - 1] if pos > 0 else None
