"""The model state as a flat mapping of dotted keys (docs/trace-format.md),
for traces, diffs, expectations and views."""

from __future__ import annotations

from .refs import holders
from .state import BATCHES, State


def flatten(state: State) -> dict[str, object]:
    """The whole state as ``{key: immutable value}``."""
    flat: dict[str, object] = {"folios": tuple(state.folios)}
    held = holders(state)
    for name, f in state.folios.items():
        p = f"folio.{name}."
        flat[p + "refcount"] = f.refcount
        flat[p + "mapcount"] = f.mapcount
        flat[p + "pincount"] = f.pincount
        flat[p + "mlock_count"] = f.mlock_count if f.list == "unevictable" else 0
        flat[p + "list"] = f.list or "none"
        flat[p + "pos"] = f.pos or "none"
        flat[p + "order"] = f.order
        flat[p + "zone"] = f.zone
        flat[p + "kind"] = f.kind
        flat[p + "freed"] = f.freed
        flat[p + "isolated"] = f.isolated_by or "none"
        flat[p + "flags"] = f.flags()
        flat[p + "holders"] = tuple(held[name])
    for cpu in state.cpus:
        for batch in BATCHES:
            entries = cpu.batches[batch]
            if batch == "mlock":
                entries = [f"{name}:{tag}" for name, tag in entries]
            flat[f"cpu{cpu.cpu}.{batch}"] = tuple(entries)
    for list_name, members in state.lists.items():
        flat[f"list.{list_name}"] = tuple(members)
    s = state.stats
    flat["stats.drain_all_calls"] = s.drain_all_calls
    flat["stats.drain_all_cpus"] = s.drain_all_cpus
    flat["stats.drain_all_work"] = s.drain_all_work
    flat["stats.local_drains"] = s.local_drains
    flat["stats.gup_attempts"] = s.gup_attempts
    flat["lru_disable_count"] = state.lru_disable_count
    return flat
