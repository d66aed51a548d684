"""A trace: what happened at each step of a scenario, and the state after it.

The state is kept *flat*: a dict from a dotted key to an immutable value
(see ``docs/trace-format.md``)::

    folio.F1.refcount      -> 3
    folio.F1.flags         -> ('lru', 'mlocked', 'unevictable')
    folio.F1.holders       -> (('page cache', 1), ('map (VM_LOCKED)', 1), ('cpu1 mlock (lru)', 1))
    cpu1.mlock             -> ('F1:lru',)
    list.unevictable       -> ('F1',)
    stats.drain_all_calls  -> 0

Each step stores only its changes (key, old, new).  A full copy of the state
is kept each time as many changes as the state has keys have gone by, so the
copies cost no more memory than the changes themselves, and ``state_at(k)``
walks at most about that many changes, forwards or backwards, never
re-running the model.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable, Iterator

from ..mm.events import Event

CHECKPOINT_CHANGES = 256
"""A checkpoint is taken once this many changes (or as many as the state
has keys, if more) have been recorded since the last one."""

FlatState = dict[str, object]

CALM_RESULTS = frozenset({"ok", "waiting"})
"""Results that are not a problem: ``waiting`` is where a ``split``
statement asked its operation to stop."""


def flat_tuple(state: FlatState, key: str) -> tuple:
    """``state[key]`` where the flat state holds a tuple: a folio's flags and
    holders, a batch's or a list's entries."""
    return as_tuple(state[key], key)


def as_tuple(value: object, key: str) -> tuple:
    """``value`` of ``key``, which the flat state holds as a tuple."""
    if not isinstance(value, tuple):
        raise TypeError(f"{key} is {value!r}, not a tuple")
    return value


@dataclass(frozen=True)
class Change:
    """One key of the flat state that a step changed (None: absent)."""

    key: str
    old: object
    new: object


@dataclass(frozen=True)
class ExpectOutcome:
    """An ``expect`` evaluated after a step."""

    line: int
    text: str
    ok: bool
    expected: str
    actual: str


@dataclass(frozen=True)
class Skipped:
    """An ``expect`` scoped to other variants (``@ v6.11``), not checked in this run."""

    line: int
    text: str
    variants: tuple[str, ...]
    """The variants it is for."""
    times: int = 1
    """How often the run passed it (a ``repeat`` passes it once a round)."""


@dataclass(slots=True)
class Step:
    """One executed operation (step 0 is the declared initial state)."""

    index: int
    line: int
    column: int
    cpu: int | None
    op: str
    args: tuple[str, ...]
    text: str
    result: str
    detail: str
    events: tuple[Event, ...]
    changes: tuple[Change, ...]
    expects: list[ExpectOutcome] = field(default_factory=list)


@dataclass
class Trace:
    """All steps of one run of a scenario under one variant."""

    path: str
    source: str
    title: str | None
    variant: str
    cpus: int
    steps: list[Step] = field(default_factory=list)
    note: str = ""
    """Said in the header: e.g. that a concurrent file shows one interleaving."""
    _checkpoints: dict[int, FlatState] = field(default_factory=dict, repr=False)
    _checkpoint_index: list[int] = field(default_factory=list, repr=False)
    _final: FlatState = field(default_factory=dict, repr=False)
    _changed: list[int] = field(default_factory=list, repr=False)
    """The steps that changed something, in order (the others need no walking)."""
    _since_checkpoint: int = field(default=0, repr=False)
    skipped: dict[tuple[int, str], Skipped] = field(default_factory=dict)
    """Expectations for other variants, by (line, text)."""
    checked_results: set[int] = field(default_factory=set)
    """Steps whose result an ``expect result`` checked: a BUG there was expected."""

    # --- building ---------------------------------------------------------

    def start(self, initial: FlatState, step0: Step) -> None:
        """Record the declared state as step 0."""
        self.steps = [step0]
        self._final = dict(initial)
        self._checkpoints = {0: dict(initial)}
        self._checkpoint_index = [0]
        self._changed = []
        self._since_checkpoint = 0

    def append(self, step: Step) -> None:
        """Record a step whose changes lead from the last state to the next."""
        self.steps.append(step)
        if not step.changes:
            return
        apply_changes(self._final, step.changes)
        self._changed.append(step.index)
        self._since_checkpoint += len(step.changes)
        # a full copy once as many changes as the state has keys went by:
        # copies cost no more than the changes, and a seek walks fewer
        if self._since_checkpoint >= max(len(self._final), CHECKPOINT_CHANGES):
            self._checkpoints[step.index] = dict(self._final)
            self._checkpoint_index.append(step.index)
            self._since_checkpoint = 0

    def add_expects(self, outcomes: Iterable[ExpectOutcome]) -> None:
        """Attach evaluated expectations to the most recent step (in place:
        a step may carry thousands, and each must cost the same)."""
        self.steps[-1].expects.extend(outcomes)

    def skip(self, line: int, text: str, variants: tuple[str, ...]) -> None:
        """Count an expectation this run passed without checking (other variants)."""
        key = (line, text)
        prior = self.skipped.get(key)
        self.skipped[key] = replace(prior, times=prior.times + 1) if prior \
            else Skipped(line, text, variants)

    def copy(self) -> "Trace":
        """The trace as built so far, unaffected by later appends (the
        replayer shows it while the rest builds): the steps are shared, the
        containers that building grows are copied."""
        grown: dict[str, Any] = {f.name: type(value)(value) for f in fields(self)
                 if isinstance(value := getattr(self, f.name), (list, dict, set))}
        return replace(self, **grown)

    # --- reading ----------------------------------------------------------

    def __len__(self) -> int:
        """Number of steps, step 0 included."""
        return len(self.steps)

    @property
    def last(self) -> int:
        """Index of the last step."""
        return len(self.steps) - 1

    def final_state(self) -> FlatState:
        """The state after the last step (a copy)."""
        return dict(self._final)

    def state_at(self, index: int) -> FlatState:
        """The state after step ``index``: the nearest checkpoint, then the
        changes of the steps that changed something, forwards or backwards."""
        if not 0 <= index <= self.last:
            raise IndexError(f"step {index} not in 0..{self.last}")
        if index == self.last:
            return dict(self._final)
        pos = bisect.bisect_right(self._checkpoint_index, index) - 1
        below = self._checkpoint_index[pos]
        above = self._checkpoint_index[pos + 1] if pos + 1 < len(self._checkpoint_index) else None
        changed = self._changed
        lo = bisect.bisect_right(changed, below)
        mid = bisect.bisect_right(changed, index)
        if above is not None:
            hi = bisect.bisect_right(changed, above)
            if hi - mid < mid - lo:
                state = dict(self._checkpoints[above])
                for k in reversed(changed[mid:hi]):
                    revert_changes(state, self.steps[k].changes)
                return state
        state = dict(self._checkpoints[below])
        for k in changed[lo:mid]:
            apply_changes(state, self.steps[k].changes)
        return state

    def expectations(self) -> Iterator[tuple[Step, ExpectOutcome]]:
        """Every evaluated expectation with the step it follows."""
        for step in self.steps:
            for outcome in step.expects:
                yield step, outcome

    @property
    def failed(self) -> list[ExpectOutcome]:
        """Expectations that did not hold."""
        return [o for _, o in self.expectations() if not o.ok]


    @property
    def unexpected_bugs(self) -> list[Step]:
        """Steps that would BUG() with no ``expect result`` after them to say
        the scenario meant it."""
        return [s for s in self.steps if s.result == "BUG" and s.index not in self.checked_results]


def holders_text(holders: tuple) -> str:
    """``page cache 1, map 1, cpu1 mlock (lru) 1`` from a ``folio.F.holders`` value."""
    return ", ".join(f"{label} {n}" for label, n in holders) or "nobody"


def apply_changes(state: FlatState, changes: Iterable[Change]) -> None:
    """Move ``state`` one step forwards."""
    for c in changes:
        if c.new is None:
            state.pop(c.key, None)
        else:
            state[c.key] = c.new


def revert_changes(state: FlatState, changes: Iterable[Change]) -> None:
    """Move ``state`` one step backwards."""
    for c in changes:
        if c.old is None:
            state.pop(c.key, None)
        else:
            state[c.key] = c.old
