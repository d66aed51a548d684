"""A concurrent scenario as the explorer runs it: the state after the
prologue, each thread's calls, the environment's steps, and the condition.

Built from the AST by ``compile_program`` (check/compile.py); the random
programs of the tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..mm.machine import PAGE_TABLE_OPS  # noqa: F401  (the explorer's names follow it)
from ..mm.state import State
from ..mm.variants import Variant

GLOBAL_OPS = frozenset({"drain_all", "gup_longterm", "lru_cache_disable", "lru_cache_enable"})
"""Operations that may touch every CPU's batches or every folio (work items,
migration, lru_disable_count): never reordered by partial-order reduction."""


@dataclass(frozen=True)
class Call:
    """One operation of a thread, ranges and ``repeat`` already unrolled."""

    op: str
    folios: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    batch: str | None = None
    line: int = 0
    text: str = ""
    """The call as a sequential statement without its CPU: ``map F locked``."""
    expects: tuple = ()
    """``expect`` statements of the thread checked once this call ended."""


@dataclass(frozen=True)
class Thread:
    """``cpuN { … }``: the calls one CPU makes, in order."""

    cpu: int
    calls: tuple[Call, ...]
    line: int = 0


@dataclass(frozen=True)
class EnvAction:
    """An environment step that may happen at any moment (``may …``)."""

    kind: str
    """``drain`` (lru_add_drain on ``cpu``), ``flush`` (batch ``batch`` of
    ``cpu`` fills up) or ``drain_all`` (some task's lru_add_drain_all() from
    ``cpu``, a CPU without a thread)."""
    cpu: int
    batch: str | None = None
    line: int = 0


@dataclass
class Program:
    """Everything the explorer needs, independent of the source text."""

    name: str
    """The test's name (the file's stem)."""
    variant: Variant
    initial: State
    """The state after the declarations and the prologue."""
    threads: tuple[Thread, ...]
    env: tuple[EnvAction, ...] = ()
    condition: object = None
    """A ``Condition`` (kind, expr, text) or None: only the final states."""
    filter: object = None
    """A boolean expression: final states failing it are not counted."""
    locations: tuple = ()
    """Extra items to show per final state (herd's ``locations``)."""
    source_lines: tuple[str, ...] = ()
    """The sequential part of the file (header, folios, prologue), for witnesses."""
    path: str = ""
    expected_verdicts: tuple = ()
    """``expect verdict == …`` statements: (op, verdict, variants, line, text)."""
    initial_results: dict = field(default_factory=dict)

    @property
    def ncpus(self) -> int:
        return len(self.initial.cpus)
