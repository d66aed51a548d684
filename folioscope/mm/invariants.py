"""Invariants of the model (the holders of docs/model.md §1 add up to the
refcount, PG_lru agrees with the lists, ...), checked after every step
under test.  A violation is a bug in folioscope, not in the scenario."""

from __future__ import annotations

from .refs import holders
from .state import LRU_BATCHES, State
from .variants import Variant

MOVE_BATCHES = LRU_BATCHES[1:]


def check_invariants(state: State, variant: Variant) -> list[str]:
    """Every broken invariant, described; empty when all hold."""
    problems: list[str] = []
    held = holders(state)
    entries = _batch_entries(state)
    for name, folio in state.folios.items():
        total = sum(n for _, n in held[name])
        if folio.refcount != total:
            problems.append(f"{name}: refcount {folio.refcount} != holders {total} {held[name]}")
        if folio.refcount < 0 or folio.pins < 0 or folio.mapcount < 0:
            problems.append(f"{name}: a negative count")
        if folio.freed:
            if folio.refcount or entries.get(name) or folio.list:
                problems.append(f"{name}: freed but still referenced or listed")
            continue
        problems += _lru_problems(name, folio, variant, entries.get(name, []))
        if folio.large and entries.get(name) and not variant.large_folios_cached:
            problems.append(f"{name}: a large folio left in a batch {entries[name]}")
    problems += _list_problems(state)
    return problems


def _batch_entries(state: State) -> dict[str, list[str]]:
    """Folio name -> the batches (``cpuN batch``) holding an entry of it."""
    found: dict[str, list[str]] = {}
    for cpu in state.cpus:
        for batch, items in cpu.batches.items():
            for item in items:
                if batch == "mlock":
                    name, label = item[0], f"cpu{cpu.cpu} mlock:{item[1]}"
                else:
                    name, label = item, f"cpu{cpu.cpu} {batch}"
                found.setdefault(name, []).append(label)
    return found


def _queued_wrongly(folio, where: list[str]) -> bool:
    """A caller queued the folio to be linked on a list while it is linked,
    isolated by someone, or queued so already: the kernel only notices when
    the batch is processed (a BUG), and until then the folio breaks the
    invariants below."""
    inserts = sum(1 for w in where if w.endswith((" lru_add", " mlock:new")))
    return bool(inserts) and (inserts > 1 or folio.list is not None
                              or folio.isolated_by is not None)


def _lru_problems(name: str, folio, variant: Variant, where: list[str]) -> list[str]:
    problems = []
    moves = [w for w in where if w.split()[1] in MOVE_BATCHES]
    if folio.lru and folio.list is None:
        problems.append(f"{name}: PG_lru set but on no list")
    if folio.isolated_by and (folio.lru or folio.list):
        problems.append(f"{name}: isolated but on a list or PG_lru set")
    if folio.list and not folio.lru:
        # only 33dfe9204f29 parks a folio on its list with PG_lru clear
        if not (variant.clear_lru_at_add and moves):
            problems.append(f"{name}: on {folio.list} with PG_lru clear, not parked in a move batch")
    if (folio.list == "unevictable") != (folio.unevictable and folio.list is not None):
        problems.append(f"{name}: list {folio.list} disagrees with PG_unevictable")
    if folio.unevictable and folio.lru and folio.list != "unevictable":
        problems.append(f"{name}: unevictable and on the LRU but on {folio.list}")
    # David's invariant (b only); a folio queued twice for insertion (a
    # caller's bug the kernel cannot see until the flush BUGs) breaks it.
    if variant.clear_lru_at_add and not folio.lru and not folio.isolated_by \
            and not _queued_wrongly(folio, where):
        in_lru_add = any(w.endswith(" lru_add") for w in where)
        if len(moves) > 1 or (moves and in_lru_add):
            problems.append(f"{name}: PG_lru clear yet in several LRU batches {where}")
    return problems


def _list_problems(state: State) -> list[str]:
    problems = []
    for list_name, members in state.lists.items():
        for name in members:
            if state.folios[name].list != list_name:
                problems.append(f"{name} is in {list_name} but says {state.folios[name].list}")
    return problems
