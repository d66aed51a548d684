"""Where the user jumped from and to, with a cursor: ``b`` goes back to
before a jump and ``f`` forwards again, as a browser or rr's reverse
execution does (the shape of Frogmouth's ``History``).  Plain stepping is
not a jump: going back returns to where the jump started."""

from __future__ import annotations

MAX_JUMPS = 200
"""Entries kept; the oldest go first."""


class JumpHistory:
    """Step numbers visited by jumps, and the cursor among them."""

    def __init__(self) -> None:
        self._steps: list[int] = []
        self._cursor = -1

    def jumped(self, origin: int, target: int) -> None:
        """Record a jump from ``origin`` to ``target`` (forward entries are dropped)."""
        del self._steps[self._cursor + 1:]
        if not self._steps or self._steps[-1] != origin:
            self._steps.append(origin)
        if self._steps[-1] != target:
            self._steps.append(target)
        del self._steps[:-MAX_JUMPS]
        self._cursor = len(self._steps) - 1

    def can_go_back(self, current: int) -> bool:
        """Whether :meth:`back` has somewhere to go."""
        return self._cursor > 0 or (self._cursor == 0 and self._steps[0] != current)

    def can_go_forward(self) -> bool:
        """Whether :meth:`forward` has somewhere to go."""
        return self._cursor < len(self._steps) - 1

    def back(self, current: int) -> int | None:
        """Where the last jump started (stepping since a jump does not count,
        as scrolling a page does not in a browser)."""
        if not self.can_go_back(current):
            return None
        if self._cursor > 0:
            self._cursor -= 1
        return self._steps[self._cursor]

    def forward(self) -> int | None:
        """The step the next jump led to."""
        if not self.can_go_forward():
            return None
        self._cursor += 1
        return self._steps[self._cursor]

    def clamp(self, last: int) -> None:
        """Keep the steps within a trace of ``last`` steps (after a reload)."""
        self._steps = [min(step, last) for step in self._steps]

    @property
    def steps(self) -> tuple[int, ...]:
        """The visited steps, oldest first (for tests and the help line)."""
        return tuple(self._steps)

    @property
    def cursor(self) -> int:
        """Index of the current entry in :attr:`steps`."""
        return self._cursor
