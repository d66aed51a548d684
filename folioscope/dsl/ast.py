"""The scenario AST: frozen dataclasses, each statement with its source position.

The parser (``folioscope.dsl.parser``) builds these from the Lark tree; the
interpreter (``folioscope.replay.interpreter``) and the ``check`` explorer walk
them.  Ranges such as ``F1..F31`` are already expanded into names here; the
position of the range is kept on the node that uses it.

A **sequential** scenario is ``Scenario.body``: operations, ``repeat`` blocks
and expectations, run in order.  A **concurrent** one (``Scenario.concurrent``)
has thread blocks as well::

    Scenario
      decls       [FolioDecl]                    folio F file
      body        [Op | Repeat | Expect]         the prologue: top-level statements, run first, once
                                                 (and the expect verdict lines, which it does not run)
      threads     [Thread(cpu, body, pos)]       cpu0 { deactivate_file F }, ascending CPUs
      env         [May(kind, batch, cpus)]       may drain cpu0 cpu1
      condition   Condition(kind, expr) | None   exists F.list == active_file and cpu0.result == ok
      filter      Filter(expr) | None            filter F has lru
      locations   Locations(items) | None        locations F.pos F.refcount
      verdicts    [Expect(ExpectVerdict)]        expect verdict == Sometimes @ v6.17 (those of body)

An expression (``Condition.expr``, ``Filter.expr``) is a tree of ``Or``,
``And``, ``Not`` and ``Atom``; an ``Atom`` holds one check, an ``Expect*``
class of an ``expect`` statement or ``ExpectThreadResult`` (``cpu0.result ==
ok``).  Every ``Op`` inside a thread carries the thread's CPU.

The witness statements of a sequential file are ordinary ``Op`` nodes:
``cpu0 gup_longterm F split`` has ``split=True``; ``cpu1 work`` and ``cpu0
resume`` are ``Op`` named ``work`` and ``resume``, with no folios.
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
    """One operation statement: ``cpuN OP ARGS``, or ``OP ARGS`` in cpuN's thread.

    ``name`` is the DSL operation (``add_lru``, ``mlock``, ``gup_longterm``,
    ``drain``, ``drain_all``, ``flush``, ..., and the witness steps ``work``
    and ``resume``).  ``folios`` are the folio arguments in order (ranges
    expanded).  ``flags`` holds bare words after the folios (``locked`` for
    map/unmap, ``touch``/``write`` for gup_longterm).  ``batch`` is set for
    ``flush BATCH``.  ``text`` is the statement as written, for traces
    (``activate F`` in a thread, without its CPU).  ``split`` is set by a
    final ``split`` word: run the operation only up to where it first waits
    (only operations that call lru_add_drain_all() can be split:
    ``vocabulary.SPLITTABLE``).
    """

    cpu: int
    name: str
    folios: tuple[str, ...]
    flags: tuple[str, ...]
    batch: str | None
    pos: Pos
    text: str
    split: bool = False


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
class ExpectThreadResult:
    """``cpu0.result != ok`` in a condition: the result of the last operation
    of cpu0's thread (op is ``==`` or ``!=``; value one of ``vocabulary.RESULTS``).
    Only in conditions and filters (and, as a ``Location`` of kind ``result``, in locations)."""

    cpu: int
    op: str
    value: str


@dataclass(frozen=True)
class ExpectVerdict:
    """``expect verdict == Sometimes``: what ``folioscope check`` must find
    for the condition (value ``Never``, ``Sometimes`` or ``Always``; op ``==``
    or ``!=``).  Only at the top level of a concurrent scenario with a
    condition: in ``Scenario.body``, in file order, where a sequential run
    skips it (``Scenario.verdicts`` lists them)."""

    op: str
    value: str


Check = ExpectField | ExpectFlags | ExpectBatch | ExpectResult | ExpectStat | ExpectThreadResult | ExpectVerdict
"""What one ``expect`` statement or one condition atom tests."""


@dataclass(frozen=True)
class Expect:
    """An ``expect`` statement; ``variants`` empty means every variant."""

    check: Check
    variants: tuple[str, ...]
    pos: Pos
    text: str


Statement = Op | Repeat | Expect


# --- concurrent scenarios ----------------------------------------------------

@dataclass(frozen=True)
class Thread:
    """``cpu0 { activate F; drain }``: the operations cpu0 runs, in order,
    interleaved with the other threads' by ``folioscope check``.  ``body``
    holds ``Op`` (each with ``cpu`` = this thread's), ``Repeat`` (of the same)
    and ``Expect`` (checked on every path at that point)."""

    cpu: int
    body: tuple[Op | Repeat | Expect, ...]
    pos: Pos


@dataclass(frozen=True)
class May:
    """An environment line: a step that may happen at any moment.

    ``kind`` is ``drain`` (``may drain cpu0 cpu1``: another task's
    lru_add_drain() on one of ``cpus``), ``flush`` (``may flush mlock cpu1``:
    batch ``batch`` of one of ``cpus`` fills up with unrelated folios and is
    flushed) or ``drain_all`` (``may drain all [cpuN]``: another task's
    lru_add_drain_all(), called on that CPU, which runs no thread).
    ``cpus`` are the CPUs written, in ascending order, each once; ``()`` when
    none is written: for ``drain`` and ``flush`` every CPU, for ``drain_all``
    a CPU without a thread (the parser has checked that one exists).
    """

    kind: str  # 'drain' | 'drain_all' | 'flush'
    batch: str | None
    cpus: tuple[int, ...]
    pos: Pos
    text: str


@dataclass(frozen=True)
class Atom:
    """One test of a condition: ``check`` is an ``Expect*`` check or an
    ``ExpectThreadResult``; ``text`` as written (``F.list == active_file``)."""

    check: Check
    pos: Pos
    text: str


@dataclass(frozen=True)
class Not:
    """``not X`` / ``~X``."""

    item: BoolExpr


@dataclass(frozen=True)
class And:
    """``X and Y and …`` / ``X /\\ Y``: two or more items."""

    items: tuple[BoolExpr, ...]


@dataclass(frozen=True)
class Or:
    """``X or Y or …`` / ``X \\/ Y``: two or more items."""

    items: tuple[BoolExpr, ...]


BoolExpr = Atom | Not | And | Or
"""A condition: ``not`` binds tightest, then ``and``, then ``or``; parentheses group."""


@dataclass(frozen=True)
class Condition:
    """``exists X`` (some final state satisfies X), ``forall X`` (every one
    does), ``never X`` (none does: ``not exists X``) or ``always X`` (X holds
    in every reachable state, not only final ones).  ``text`` is X as
    written; ``pos`` spans the whole line."""

    kind: str  # 'exists' | 'forall' | 'never' | 'always'
    expr: BoolExpr
    pos: Pos
    text: str


@dataclass(frozen=True)
class Filter:
    """``filter X``: final states failing X are dropped before the condition
    counts.  ``text`` is X as written; ``pos`` spans the whole line."""

    expr: BoolExpr
    pos: Pos
    text: str


@dataclass(frozen=True)
class Location:
    """One item of ``locations``: a value printed for each final state.

    ``kind`` is ``field`` (``F.refcount``: ``folios`` and ``name`` the field),
    ``flags`` (``F``: the set flags of ``folios``), ``batch`` (``cpu1.mlock``:
    ``cpu`` and ``name`` the batch), ``result`` (``cpu0.result``: ``cpu``) or
    ``stat`` (``stats.local_drains``: ``name``).
    """

    kind: str  # 'field' | 'flags' | 'batch' | 'result' | 'stat'
    folios: tuple[str, ...]
    cpu: int | None
    name: str | None
    text: str


@dataclass(frozen=True)
class Locations:
    """``locations F.pos F.refcount cpu0.result``, in the order written."""

    items: tuple[Location, ...]
    pos: Pos


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
    """The top-level statements in order: the whole run of a sequential
    scenario, the prologue of a concurrent one."""
    threads: list[Thread] = field(default_factory=list)
    """Thread blocks, by ascending CPU (at most one per CPU)."""
    env: list[May] = field(default_factory=list)
    """``may`` lines, in file order."""
    condition: Condition | None = None
    filter: Filter | None = None
    locations: Locations | None = None

    @property
    def verdicts(self) -> list[Expect]:
        """The ``expect verdict`` lines (``ExpectVerdict`` checks) of the body, in file order."""
        return [s for s in self.body if isinstance(s, Expect) and isinstance(s.check, ExpectVerdict)]

    @property
    def concurrent(self) -> bool:
        """Whether the file has thread blocks (``folioscope check`` explores them)."""
        return bool(self.threads)
