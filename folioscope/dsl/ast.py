"""The scenario AST: plain dataclasses, each node with its source position.

The parser (``folioscope.dsl.parser``) builds these from the Lark tree; the
interpreter (``folioscope.replay.interpreter``) walks them.  Ranges such as
``F1..F31`` are already expanded into names here; the position of the range
is kept on the node that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pos:
    """Where a node starts and ends in the source (1-based lines and columns)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class FolioDecl:
    """``folio F1..F3 anon order=2 zone=movable mapped=4 new``.

    ``attrs`` holds the attributes as written, normalised: integers for
    ``order``/``mapped``/``locked``, a string for ``zone``, ``True`` for the
    bare words (``new``, ``nolru``, ``unmlocked``, ``active``, ``inactive``,
    ``referenced``, ``dirty``, ``writeback``, ``swapcache``, ``private``).
    """

    names: tuple[str, ...]
    kind: str  # 'anon' | 'file' | 'shmem'
    attrs: dict
    pos: Pos


@dataclass(frozen=True)
class Op:
    """One operation statement, ``cpuN OP ARGS``.

    ``name`` is the DSL operation (``add_lru``, ``mlock``, ``gup_longterm``,
    ``drain``, ``drain_all``, ``flush``, ...).  ``folios`` are the folio
    arguments in order (ranges expanded).  ``flags`` holds bare words after
    the folios (``locked`` for map/unmap, ``touch``/``write`` for
    gup_longterm).  ``batch`` is set for ``flush BATCH``.
    ``text`` is the statement as written, for traces.
    """

    cpu: int
    name: str
    folios: tuple[str, ...]
    flags: tuple[str, ...]
    batch: str | None
    pos: Pos
    text: str


@dataclass(frozen=True)
class Repeat:
    """``repeat N { ... }``."""

    count: int
    body: tuple[Statement, ...]
    pos: Pos


# --- expectations -----------------------------------------------------------

@dataclass(frozen=True)
class BatchItem:
    """An element of an expected batch: ``F1`` or ``F1:lru`` (mlock batch tags)."""

    folio: str
    tag: str | None  # None | 'lru' | 'new' | 'munlock'


@dataclass(frozen=True)
class ExpectField:
    """``expect F1..F3.refcount >= 2``; value is int, str (list name, zone,
    pos, ``true``/``false``)."""

    folios: tuple[str, ...]
    field: str
    op: str
    value: int | str


@dataclass(frozen=True)
class ExpectFlags:
    """``expect F1 has lru mlocked`` / ``expect F1 lacks active``."""

    folios: tuple[str, ...]
    present: bool
    flags: tuple[str, ...]


@dataclass(frozen=True)
class ExpectBatch:
    """``expect cpu0.mlock == [F1:lru, F2]`` (op is ``==`` or ``!=``)."""

    cpu: int
    batch: str
    op: str
    items: tuple[BatchItem, ...]


@dataclass(frozen=True)
class ExpectResult:
    """``expect result == ENOMEM``."""

    op: str
    value: str


@dataclass(frozen=True)
class ExpectStat:
    """``expect stats.drain_all_calls == 1``; for ``drain_all_work`` the value
    is a tuple of tuples of CPU numbers."""

    name: str
    op: str
    value: int | tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Expect:
    """An ``expect`` statement; ``variants`` empty means every variant."""

    check: ExpectField | ExpectFlags | ExpectBatch | ExpectResult | ExpectStat
    variants: tuple[str, ...]
    pos: Pos
    text: str


Statement = Op | Repeat | Expect


@dataclass
class Scenario:
    """A parsed, checked scenario file."""

    path: str
    source: str
    """The text as parsed: a leading BOM removed, every CRLF and lone CR made
    a LF, so that line N of every ``Pos`` is ``source.split("\\n")[N - 1]``."""
    title: str | None = None
    kernel: str | None = None
    cpus: int = 2
    decls: list[FolioDecl] = field(default_factory=list)
    body: list[Statement] = field(default_factory=list)
