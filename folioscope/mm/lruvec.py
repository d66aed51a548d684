"""LRU list linkage: include/linux/mm_inline.h (classic LRU, no MGLRU).

The lists hold names, head first.  Since v5.18 lruvec_add/del_folio() skip
the list operations for the unevictable list (its lru.prev holds the
mlock_count), so that list keeps no order: ``pos`` is ``None`` there.
"""

from __future__ import annotations

from .context import MM
from .folio import Folio
from .state import State


def lruvec_add_folio(state: State, folio: Folio) -> None:
    """lruvec_add_folio(): link at the head of the list its flags choose."""
    _link(state, folio, tail=False)


def lruvec_add_folio_tail(state: State, folio: Folio) -> None:
    """lruvec_add_folio_tail(): link at the tail (reclaimed first)."""
    _link(state, folio, tail=True)


def lruvec_del_folio(state: State, folio: Folio) -> None:
    """lruvec_del_folio(): unlink; the flags (active, unevictable) stay."""
    state.lists[folio.list].remove(folio.name)
    folio.list = None
    folio.pos = None


def _link(state: State, folio: Folio, tail: bool) -> None:
    name = folio.lru_list_name()
    members = state.lists[name]
    if name != "unevictable":
        folio.mlock_count = 0      # lru.prev is a list pointer again: no count there
    if name == "unevictable":
        members.append(folio.name)
        folio.pos = None
    elif tail:
        members.append(folio.name)
        folio.pos = "tail"
    else:
        members.insert(0, folio.name)
        folio.pos = "head"
    folio.list = name


def lruvec_move_folio(state: State, folio: Folio, tail: bool = False) -> None:
    """lruvec_del_folio() then lruvec_add_folio[_tail](), after a flag change."""
    if folio.list is not None:
        lruvec_del_folio(state, folio)
    _link(state, folio, tail)


def check_unlinked(mm: MM, caller: str, folio: Folio) -> None:
    """What must hold before ``caller`` links a folio: VM_BUG_ON_FOLIO(lru),
    and (CONFIG_DEBUG_LIST) no list_add of a folio already on a list,
    whether an LRU list or an isolator's private one."""
    f = folio.name
    if folio.lru:
        raise mm.bug(f"{caller}({f}): VM_BUG_ON_FOLIO(folio_test_lru(folio))")
    if folio.list is not None:
        raise mm.bug(f"{caller}({f}): already linked on {folio.list} (list_add corruption)")
    if folio.isolated_by:
        raise mm.bug(f"{caller}({f}): isolated by {folio.isolated_by}, whose list it is on "
                     "(list_add corruption)")
