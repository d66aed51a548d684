"""The model state as a flat mapping of dotted keys (docs/trace-format.md),
for traces, diffs, expectations and views.

``Flattener`` keeps the previous flat state and recomputes only the folios,
batches and lists whose canonical keys changed, so recording a trace costs
little more than running the model.
"""

from __future__ import annotations

from .folio import Folio
from .refs import batch_refs, own_holders
from .state import BATCHES, State, Stats

FlatChange = tuple[str, object, object]
"""(key, old, new); None stands for an absent key."""


def flatten(state: State) -> dict[str, object]:
    """The whole state as ``{key: immutable value}``."""
    return Flattener().full(state)


class Flattener:
    """Turns successive states of one machine into flat states and changes."""

    def __init__(self) -> None:
        self.flat: dict[str, object] = {}
        self._folio_keys: dict[str, tuple] = {}
        self._cpu_keys: list[tuple] = []
        self._batch_refs: dict[str, list[tuple[str, int]]] = {}
        self._stats_key: tuple | None = None

    def full(self, state: State) -> dict[str, object]:
        """Start afresh from ``state``; returns a copy of its flat form."""
        self.__init__()
        self.update(state)
        return dict(self.flat)

    def update(self, state: State) -> list[FlatChange]:
        """Bring the flat state up to ``state``; returns what changed, in key order."""
        changes: list[FlatChange] = []
        flat = self.flat

        def put(key: str, value: object) -> None:
            old = flat.get(key)
            if old != value:
                changes.append((key, old, value))
                flat[key] = value

        moved = self._refresh_batch_refs(state)
        put("folios", tuple(state.folios))
        for name, folio in state.folios.items():
            key = folio.key()
            if self._folio_keys.get(name) != key:
                self._folio_keys[name] = key
                _put_folio(put, folio, self._batch_refs.get(name, []))
            elif moved and name in moved:
                put(f"folio.{name}.holders", _holders(folio, self._batch_refs.get(name, [])))
        if moved is not None:
            for cpu in state.cpus:
                for batch in BATCHES:
                    entries = cpu.batches[batch]
                    if batch == "mlock":
                        entries = [f"{name}:{tag}" for name, tag in entries]
                    put(f"cpu{cpu.cpu}.{batch}", tuple(entries))
        for list_name, members in state.lists.items():
            put(f"list.{list_name}", tuple(members))
        stats_key = state.stats.key()
        if stats_key != self._stats_key:
            self._stats_key = stats_key
            for name, value in zip(Stats.__slots__, stats_key):
                put(f"stats.{name}", value)
        put("lru_disable_count", state.lru_disable_count)
        return changes

    def _refresh_batch_refs(self, state: State) -> set[str] | None:
        """Recount batch entries per folio if any batch changed; returns the
        folios whose entries changed (None: no batch changed)."""
        keys = [cpu.key() for cpu in state.cpus]
        if keys == self._cpu_keys:
            return None
        self._cpu_keys = keys
        old, new = self._batch_refs, batch_refs(state)
        self._batch_refs = new
        return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def _put_folio(put, f: Folio, refs: list[tuple[str, int]]) -> None:
    p = f"folio.{f.name}."
    put(p + "refcount", f.refcount)
    put(p + "mapcount", f.mapcount)
    put(p + "pincount", f.pincount)
    put(p + "mlock_count", f.mlock_count if f.list == "unevictable" else 0)
    put(p + "list", f.list or "none")
    put(p + "pos", f.pos or "none")
    put(p + "order", f.order)
    put(p + "zone", f.zone)
    put(p + "kind", f.kind)
    put(p + "freed", f.freed)
    put(p + "isolated", f.isolated_by or "none")
    put(p + "flags", f.flags())
    put(p + "holders", _holders(f, refs))


def _holders(f: Folio, refs: list[tuple[str, int]]) -> tuple:
    return tuple(own_holders(f) + refs)
