"""Keeping the place across a reload: the same source line (followed through
the edit), not the same step number, which means another statement once
lines are added above."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..replay.trace import Trace
from .frames import TraceIndex


GONE = -1
"""``Place.find``: the place's line is not in the edited file."""


@dataclass(frozen=True)
class Place:
    """A step as the user sees it: the source line it runs and which run of
    that line it is (a line in a ``repeat`` runs many times)."""

    source: str
    """The scenario text the step belongs to."""
    line: int
    """Its line (0: the initial state)."""
    occurrence: int
    """0 for the first step that runs ``line``, 1 for the second..."""

    @classmethod
    def of(cls, trace: Trace, index: TraceIndex, step: int) -> "Place":
        """The place of ``step`` in ``trace``."""
        if step <= 0:
            return cls(trace.source, 0, 0)
        line = trace.steps[step].line
        runs = index.at_line(line)
        return cls(trace.source, line, max(0, _position(runs, step)))

    def find(self, trace: Trace, index: TraceIndex) -> int | None:
        """The step at this place in ``trace`` (another build of the file,
        maybe edited); None if it is not built yet, GONE if the edit
        removed or changed the line."""
        if self.line == 0:
            return 0
        line = follow_line(self.source, trace.source, self.line)
        if line is None:
            return GONE
        runs = index.at_line(line)
        if not runs:
            return None
        return runs[min(self.occurrence, len(runs) - 1)] if self.occurrence < len(runs) else None


def follow_line(old: str, new: str, line: int) -> int | None:
    """The line of ``new`` that is ``old``'s line ``line`` after an edit
    (None if that line was changed or removed)."""
    if old == new:
        return line
    before, after = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        if a < line <= a + size:
            return b + line - a
    return None


def _position(runs: list[int], step: int) -> int:
    import bisect

    return bisect.bisect_left(runs, step)
