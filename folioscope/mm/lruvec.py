"""LRU list linkage: include/linux/mm_inline.h (classic LRU, no MGLRU).

Since v5.18 lruvec_add/del_folio() skip the list operations for the
unevictable list (its lru.prev holds the mlock_count), so that list keeps no
order: ``pos`` is ``None`` there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from .folio import Folio

if TYPE_CHECKING:
    from .context import MM


class LruList:
    """One LRU list: linking at the head or the tail and unlinking in O(1).

    Members carry a sequence number, falling at the head and rising at the
    tail, so the order is kept without a linked list; it is read (sorted)
    only when a view asks for it."""

    __slots__ = ("_seq", "_head", "_tail", "_order")

    def __init__(self) -> None:
        self._seq: dict[str, int] = {}
        self._head = 0
        self._tail = 0
        self._order: tuple[str, ...] | None = ()

    def copy(self) -> "LruList":
        new = LruList.__new__(LruList)
        new._seq = dict(self._seq)
        new._head, new._tail, new._order = self._head, self._tail, self._order
        return new

    def add_head(self, name: str) -> None:
        self._head -= 1
        self._seq[name] = self._head
        self._order = None

    def add_tail(self, name: str) -> None:
        self._seq[name] = self._tail
        self._tail += 1
        self._order = None

    def remove(self, name: str) -> None:
        del self._seq[name]
        self._order = None

    def members(self) -> tuple[str, ...]:
        """The members, head first."""
        if self._order is None:
            self._order = tuple(sorted(self._seq, key=self._seq.__getitem__))
        return self._order

    def __iter__(self) -> Iterator[str]:
        return iter(self.members())

    def __len__(self) -> int:
        return len(self._seq)

    def __contains__(self, name: object) -> bool:
        return name in self._seq


def lruvec_add_folio(mm: "MM", folio: Folio) -> None:
    """lruvec_add_folio(): link at the head of the list its flags choose."""
    _link(mm, folio, tail=False)


def lruvec_add_folio_tail(mm: "MM", folio: Folio) -> None:
    """lruvec_add_folio_tail(): link at the tail (reclaimed first)."""
    _link(mm, folio, tail=True)


def lruvec_del_folio(mm: "MM", folio: Folio) -> None:
    """lruvec_del_folio(): unlink; the flags (active, unevictable) stay."""
    assert folio.list is not None
    mm.lru_list(folio.list).remove(folio.name)
    folio.list = None
    folio.pos = None


def _link(mm: "MM", folio: Folio, tail: bool) -> None:
    name = folio.lru_list_name()
    members = mm.lru_list(name)
    if name == "unevictable":
        members.add_tail(folio.name)
        folio.pos = None
    else:
        folio.mlock_count = 0      # lru.prev is a list pointer again: no count there
        if tail:
            members.add_tail(folio.name)
        else:
            members.add_head(folio.name)
        folio.pos = "tail" if tail else "head"
    folio.list = name


def lruvec_move_folio(mm: "MM", folio: Folio, tail: bool = False) -> None:
    """lruvec_del_folio() then lruvec_add_folio[_tail](), after a flag change."""
    if folio.list is not None:
        lruvec_del_folio(mm, folio)
    _link(mm, folio, tail)


def check_unlinked(mm: "MM", caller: str, folio: Folio) -> None:
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
