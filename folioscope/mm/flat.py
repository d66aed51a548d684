"""The model state as a flat mapping of dotted keys (docs/trace-format.md),
for traces, diffs, expectations and views.

``Flattener`` keeps the previous flat state and, after each step, looks
only at what the step touched (the ``MM`` says which folios, CPUs, lists
and counters), so recording a step costs what the step did, however many
folios and CPUs the scenario has.
"""

from __future__ import annotations

from typing import Iterable

from .context import MM
from .folio import Folio
from .refs import own_holders
from .state import BATCHES, State, Stats

FlatChange = tuple[str, object, object]
"""(key, old, new); None stands for an absent key."""

Labels = list[tuple[str, int]]
"""Batch holders of one folio on one CPU: [(``cpu1 mlock (lru)``, entries)]."""


def flatten(state: State) -> dict[str, object]:
    """The whole state as ``{key: immutable value}``."""
    return Flattener().full(state)


class Flattener:
    """Turns successive states of one machine into flat states and changes."""

    def __init__(self) -> None:
        self.flat: dict[str, object] = {}
        self._cpu_keys: dict[int, tuple] = {}
        self._cpu_refs: dict[int, dict[str, Labels]] = {}
        self._order: tuple[str, ...] = ()
        self._position: dict[str, int] = {}
        self._changes: list[FlatChange] = []

    def full(self, state: State) -> dict[str, object]:
        """Start afresh from ``state``; returns a copy of its flat form."""
        self.__init__()  # type: ignore[misc]
        self.update(state)
        return dict(self.flat)

    def update(self, state: State, mm: MM | None = None) -> list[FlatChange]:
        """Bring the flat state up to ``state``, looking only at what ``mm``'s
        step touched (everything when None); returns what changed."""
        self._changes = []
        if mm is not None and mm.touched_nothing:
            return self._changes
        cpus = range(len(state.cpus)) if mm is None else mm.touched_cpus
        changed_cpus, moved = self._refresh_cpus(state, cpus)
        names = set(state.folios if mm is None else mm.touched_folios)
        if names:
            self._refresh_order(state, names)
        for name in self._in_display_order(names | moved):
            if name in names:
                self._put_folio(state.folios[name])
            else:
                self._put(f"folio.{name}.holders", self._holders(state.folios[name]))
        for cpu in changed_cpus:
            self._put_batches(cpu, state.cpus[cpu].batches)
        for list_name in (state.lists if mm is None else mm.touched_lists):
            self._put(f"list.{list_name}", state.lists[list_name].members())
        if mm is None or mm.touched_stats:
            for slot, value in zip(Stats.__slots__, state.stats.key()):
                self._put(f"stats.{slot}", value)
        if mm is None or mm.touched_scalars:
            self._put("lru_disable_count", state.lru_disable_count)
            self._put("work.queued", state.queued_work or None)
            self._put("work.mutex", state.drain_mutex)
        return self._changes

    def _put(self, key: str, value: object) -> None:
        old = self.flat.get(key)
        if old != value:
            self._changes.append((key, old, value))
            if value is None:
                del self.flat[key]
            else:
                self.flat[key] = value

    # --- batches and who they hold --------------------------------------------

    def _refresh_cpus(self, state: State, cpus: Iterable[int]) -> tuple[list[int], set[str]]:
        """Re-read the given CPUs' batches; returns the CPUs whose batches
        changed and the folios whose batch entries changed."""
        changed, moved = [], set()
        for cpu in cpus:
            key = state.cpus[cpu].key()
            if self._cpu_keys.get(cpu) == key:
                continue
            self._cpu_keys[cpu] = key
            old, new = self._cpu_refs.get(cpu, {}), _labels(cpu, state.cpus[cpu].batches)
            self._cpu_refs[cpu] = new
            moved |= {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}
            changed.append(cpu)
        return changed, moved

    def _put_batches(self, cpu: int, batches: dict[str, tuple]) -> None:
        for batch in BATCHES:
            entries = batches[batch]
            if batch == "mlock":
                entries = tuple(f"{name}:{tag}" for name, tag in entries)
            self._put(f"cpu{cpu}.{batch}", entries)

    def _holders(self, folio: Folio) -> tuple:
        refs: Labels = []
        for cpu in sorted(self._cpu_refs):
            refs += self._cpu_refs[cpu].get(folio.name, [])
        return tuple(own_holders(folio) + refs)

    # --- folios -------------------------------------------------------------

    def _refresh_order(self, state: State, names: Iterable[str]) -> None:
        if all(name in self._position for name in names) and \
                len(self._position) == len(state.folios):
            return
        self._order = state.display_order()
        self._position = {name: i for i, name in enumerate(self._order)}
        self._put("folios", self._order)

    def _in_display_order(self, names: set[str]) -> list[str]:
        return sorted(names, key=self._position.__getitem__)

    def _put_folio(self, f: Folio) -> None:
        p = f"folio.{f.name}."
        put = self._put
        put(p + "refcount", f.refcount)
        put(p + "mapcount", f.mapcount)
        put(p + "pincount", f.pincount)
        put(p + "pins", f.pins)
        put(p + "dma_pinned", f.maybe_dma_pinned())
        put(p + "mlock_count", f.mlock_count if f.list == "unevictable" else 0)
        put(p + "list", f.list or "none")
        put(p + "pos", f.pos or "none")
        put(p + "order", f.order)
        put(p + "zone", f.zone)
        put(p + "kind", f.kind)
        put(p + "vma_maps", f.vma_maps)
        put(p + "freed", f.freed)
        put(p + "isolated", f.isolated_by or "none")
        put(p + "flags", f.flags())
        put(p + "holders", self._holders(f))


def _labels(cpu: int, batches: dict[str, tuple]) -> dict[str, Labels]:
    """Folio name -> [(``cpuN batch``, entries)] for one CPU, in batch order."""
    refs: dict[str, dict[str, int]] = {}
    for batch in BATCHES:
        for entry in batches[batch]:
            if batch == "mlock":
                name, tag = entry
                label = f"cpu{cpu} mlock ({tag})"
            else:
                name, label = entry, f"cpu{cpu} {batch}"
            slot = refs.setdefault(name, {})
            slot[label] = slot.get(label, 0) + 1
    return {name: list(slot.items()) for name, slot in refs.items()}
