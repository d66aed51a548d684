"""Folio references: folio_get()/folio_put(), freeing, and who holds what
(docs/model.md §1, the holders table)."""

from __future__ import annotations

from .context import MM
from .folio import Folio
from .lruvec import lruvec_del_folio
from .state import BATCHES, State


def folio_get(folio: Folio) -> None:
    """folio_get()."""
    folio.refcount += 1


def folio_put(mm: MM, folio: Folio, n: int = 1) -> None:
    """folio_put() / folio_put_refs(): the last reference frees the folio."""
    if folio.refcount < n:
        raise mm.bug(f"folio_put({folio.name}): refcount {folio.refcount} would go negative "
                     "(VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow))")
    folio.refcount -= n
    if folio.refcount == 0:
        __folio_put(mm, folio)


def __folio_put(mm: MM, folio: Folio) -> None:
    """__folio_put(): page_cache_release() takes it off its LRU list, then it is freed."""
    if folio.list is not None:
        lruvec_del_folio(mm, folio)
    folio.lru = False
    folio.active = folio.unevictable = folio.mlocked = False
    folio.mlock_count = 0
    folio.freed = True
    mm.log("{func}({folio}): last reference gone, folio freed", "__folio_put", folio.name)


def holders(state: State) -> dict[str, list[tuple[str, int]]]:
    """For every folio, who holds its references: ``[(holder, count), ...]``.

    The batch entries are found by scanning every CPU's batches, so this is
    for views and invariant checks, not for the engine's hot path.
    """
    refs = batch_refs(state)
    return {name: own_holders(f) + refs.get(name, []) for name, f in state.folios.items()}


def folio_holders(state: State, folio: Folio) -> list[tuple[str, int]]:
    """Who holds one folio's references (scans every batch once)."""
    return own_holders(folio) + batch_refs(state, folio.name).get(folio.name, [])


def batch_refs(state: State, only: str | None = None) -> dict[str, list[tuple[str, int]]]:
    """Folio name -> [(``cpuN batch``, entries)], in CPU and batch order."""
    refs: dict[str, dict[str, int]] = {}
    for cpu in state.cpus:
        for batch in BATCHES:
            for entry in cpu.batches[batch]:
                if batch == "mlock":
                    name, tag = entry
                    label = f"cpu{cpu.cpu} mlock ({tag})"
                else:
                    name, label = entry, f"cpu{cpu.cpu} {batch}"
                if only is not None and name != only:
                    continue
                slot = refs.setdefault(name, {})
                slot[label] = slot.get(label, 0) + 1
    return {name: list(slot.items()) for name, slot in refs.items()}


def own_holders(folio: Folio) -> list[tuple[str, int]]:
    """The references a folio's own fields account for."""
    if folio.freed:
        return []
    cache = "swap cache" if folio.anon else "page cache"
    parts = [
        (cache, folio.cache_refs),
        ("private", int(folio.private)),
        ("map", folio.plain_maps),
        ("map (VM_LOCKED)", folio.locked_maps),
        (f"isolated ({folio.isolated_by})", 1 if folio.isolated_by else 0),
        ("pin", folio.pin_refs),
        ("get", folio.gets),
        ("migration target", folio.alloc_ref),
    ]
    return [(label, n) for label, n in parts if n]
