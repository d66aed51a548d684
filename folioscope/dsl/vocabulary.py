"""The words of the scenario language.

The grammar (``grammar/folioscope.lark``) only knows the keywords that start a
statement; every other word (operations, attributes, fields, flags, batch
names, values) is a NAME that the parser checks against the tables here.  That
is what lets an error say ``unknown operation 'mlok'`` and suggest ``mlock``.
The interpreter may read these tables too (``OPS`` for argument shapes,
``BATCHES``, ``FLAGS``...), but it must not import anything else from
``folioscope.dsl`` except the AST and errors.

Words that name something of the model (batches, mlock tags, LRU lists, page
flags, variants) are the model's own: they are imported from
``folioscope.mm``, which owns them, never written out again here.
"""

from __future__ import annotations

from dataclasses import dataclass

from folioscope.mm.folio import FLAG_ORDER, LRU_LISTS
from folioscope.mm.folio import PMD_ORDER as PMD_ORDER
from folioscope.mm.folio import VMA_MAPS as _VMA_MAPS
from folioscope.mm.machine import SPLITTABLE_OPS
from folioscope.mm.spelling import did_you_mean as did_you_mean  # re-exported: the DSL's hints
from folioscope.mm.spelling import suggest as suggest
from folioscope.mm.state import BATCHES as BATCHES  # re-exported: the words of the DSL
from folioscope.mm.state import MLOCK_TAGS as MLOCK_TAGS
from folioscope.mm.variants import VARIANT_NAMES

# --- limits -------------------------------------------------------------------

MIN_CPUS = 1
"""Fewest CPUs ``cpus N`` accepts."""
MAX_CPUS = 64
"""Most CPUs ``cpus N`` accepts."""
DEFAULT_CPUS = 2
"""CPUs online when the file has no ``cpus`` line."""
MAX_ORDER = 9
"""Largest ``order=N`` (a 2 MiB folio with 4 KiB pages)."""
MAX_MAPPINGS = 1024
"""Largest ``mapped=N`` / ``locked=N``."""
MAX_REPEAT = 1_000_000
"""Largest ``repeat N``."""
MAX_STEPS = 1_000_000
"""Most steps (operations on one folio, and expectations) a file may run once
every ``repeat`` is expanded.  A trace keeps about 1.4 KB a step (benchmarks/
replay.py): a million steps is about 1.4 GB and a couple of minutes to build."""
MAX_RANGE = 10_000
"""Most folios one range ``F1..FN`` may name."""
MAX_FOLIOS = 100_000
"""Most folios a file may declare in all: each is in every state the model
keeps (a few hundred bytes), and 128 KiB of ranges could otherwise name
some sixty million."""
MAX_REPEAT_DEPTH = 16
"""Deepest nesting of ``repeat`` blocks."""
MAX_NUMBER = 2**31 - 1
"""Largest number an expectation may compare with."""
MAX_SOURCE_BYTES = 128 * 1024
"""Largest scenario file (128 KiB, some 10,000 statements: Lark parses them in
about a second), so that no input keeps the parser busy for long.  Long runs
are written with ``repeat`` and ranges."""
PRESCAN_BYTES = 16 * 1024
"""Files larger than this are first scanned for characters that are never
valid (outside comments and strings), so that garbage far down a big file is
reported at once instead of after parsing everything above it."""

# --- header -------------------------------------------------------------------

VARIANTS = VARIANT_NAMES
"""Kernel variants, as written after ``kernel`` and ``@``."""

CONDITION_WORDS = ("exists", "forall", "never", "always")
"""The kinds of condition of a concurrent scenario."""
STATEMENT_WORDS = ("folio", "expect", "repeat", "drain", "title", "kernel", "cpus",
                   "may", *CONDITION_WORDS, "filter", "locations")
"""Keywords that start a statement (besides ``cpuN``)."""
TOP_LEVEL_WORDS = tuple(w for w in STATEMENT_WORDS if w not in ("expect", "repeat", "drain"))
"""Keywords of statements that cannot be inside a thread block."""
BOOLEAN_WORDS = ("and", "or", "not")
"""The connectives of conditions (also written ``/\\``, ``\\/``, ``~``)."""
RESERVED_NAMES = frozenset(STATEMENT_WORDS) | {"stats", "result", "verdict", "all", "has", "lacks",
                                               "locked", "touch", "write", "split", "partial",
                                               "onfault", *BOOLEAN_WORDS}
"""Words that cannot name a folio (nor can ``cpuN``): keywords, the subjects
``stats``, ``result`` and ``verdict``, ``has``/``lacks``, the connectives and
the operation flags."""

# --- folios -------------------------------------------------------------------

KINDS = ("anon", "file", "shmem")
"""Folio kinds; the first word after the folio name."""
ZONES = ("normal", "movable", "cma")
"""Values of ``zone=`` and of the ``zone`` field."""
VMA_MAPS = _VMA_MAPS
"""Values of ``vma_maps=`` and of the ``vma_maps`` field: how each vma maps
the folio (docs/language.md, "What the vma maps")."""


@dataclass(frozen=True)
class AttrSpec:
    """One attribute of a ``folio`` declaration."""

    name: str
    """The word users write."""
    value: str | None
    """``None`` for a bare word, ``"int"`` for ``name=N``, ``"zone"`` for ``zone=Z``,
    ``"vma_maps"`` for ``vma_maps=WORD``."""
    doc: str
    """One line for docs and hints."""
    low: int = 0
    """Smallest value (``int`` attributes)."""
    high: int = 0
    """Largest value (``int`` attributes)."""


FOLIO_ATTRS: dict[str, AttrSpec] = {a.name: a for a in (
    AttrSpec("order", "int", "large folio of 2^N pages when N > 0", 0, MAX_ORDER),
    AttrSpec("zone", "zone", "normal, movable or cma (movable and cma are not longterm-pinnable)"),
    AttrSpec("mapped", "int", "N mappings in ordinary vmas", 0, MAX_MAPPINGS),
    AttrSpec("locked", "int", "N mappings in VM_LOCKED vmas", 0, MAX_MAPPINGS),
    AttrSpec("unmlocked", None, "with locked=N: PG_mlocked clear, on the list inactive/active says"),
    AttrSpec("inactive", None, "starts on the inactive list (the default)"),
    AttrSpec("active", None, "starts on the active list"),
    AttrSpec("new", None, "freshly allocated: on no LRU list, PG_lru clear"),
    AttrSpec("nolru", None, "never put on an LRU (a driver's page); implies new"),
    AttrSpec("referenced", None, "PG_referenced set"),
    AttrSpec("dirty", None, "PG_dirty set"),
    AttrSpec("writeback", None, "PG_writeback set"),
    AttrSpec("swapcache", None, "in the swap cache (anon only): one more reference"),
    AttrSpec("private", None, "PG_private: one more reference"),
    AttrSpec("vma_maps", "vma_maps", "how each vma maps a large folio: all (the default), part, "
                                     "two_runs or pmd (order=9)"),
)}
"""Attributes of ``folio``, by name."""

# --- operations ---------------------------------------------------------------


@dataclass(frozen=True)
class OpSpec:
    """The argument shape of one operation."""

    name: str
    """The word users write after ``cpuN``."""
    folios: str
    """``"none"``, ``"one"`` (one folio or one range: a step per folio) or
    ``"many"`` (one or more folios and ranges, all in one call)."""
    kernel: str
    """The kernel function it models, for docs."""
    flags: tuple[str, ...] = ()
    """Bare words allowed after the folios."""
    batch: bool = False
    """Takes a batch name (``flush``)."""


OPS: dict[str, OpSpec] = {o.name: o for o in (
    OpSpec("add_lru", "one", "folio_add_lru"),
    OpSpec("mark_accessed", "one", "folio_mark_accessed"),
    OpSpec("activate", "one", "folio_activate"),
    OpSpec("deactivate", "one", "folio_deactivate"),
    OpSpec("deactivate_file", "one", "deactivate_file_folio"),
    OpSpec("lazyfree", "one", "folio_mark_lazyfree"),
    OpSpec("rotate", "one", "folio_rotate_reclaimable"),
    OpSpec("mlock", "one", "mlock_folio"),
    OpSpec("mlock_new", "one", "mlock_new_folio"),
    OpSpec("munlock", "one", "munlock_folio"),
    OpSpec("sys_mlock", "many", "the mlock() syscall, then its populate pass (FOLL_TOUCH); with "
           "onfault, mlock2(MLOCK_ONFAULT), which has none; with partial, over part of each large folio",
           ("partial", "onfault")),
    OpSpec("sys_munlock", "many", "the munlock() syscall; with partial, over part of each large folio",
           ("partial",)),
    OpSpec("map", "one", "add a mapping (rmap); with locked, into a VM_LOCKED vma", ("locked",)),
    OpSpec("unmap", "one", "remove a mapping; with locked, from a VM_LOCKED vma", ("locked",)),
    OpSpec("get", "one", "folio_get"),
    OpSpec("put", "one", "folio_put"),
    OpSpec("isolate", "one", "folio_isolate_lru"),
    OpSpec("putback", "one", "folio_putback_lru"),
    OpSpec("gup_longterm", "many", "pin_user_pages(FOLL_LONGTERM)", ("touch", "write")),
    OpSpec("pin", "one", "a FOLL_PIN pin without FOLL_LONGTERM"),
    OpSpec("unpin", "one", "unpin_user_page"),
    OpSpec("drain", "none", "lru_add_drain; with all, lru_add_drain_all", ("all",)),
    OpSpec("flush", "none", "process one batch now", batch=True),
    OpSpec("lru_cache_disable", "none", "lru_cache_disable"),
    OpSpec("lru_cache_enable", "none", "lru_cache_enable"),
    OpSpec("work", "none", "lru_add_drain_per_cpu(): the drain work item queued on that CPU (witnesses)"),
    OpSpec("resume", "none", "the rest of that CPU's split operation (witnesses)"),
)}
"""Operations by the word users write.  ``cpuN drain all`` becomes the AST
operation ``drain_all``."""

WITNESS_OPS = ("work", "resume")
"""Operations of sequential witnesses only: a queued work item, the rest of a
split operation.  Not inside thread blocks, where ``folioscope check`` runs
them itself."""

OP_NAMES: tuple[str, ...] = tuple(OPS) + ("drain_all",)
"""Every ``Op.name`` the parser produces."""

SPLITTABLE = SPLITTABLE_OPS
"""The ``Op.name`` of operations that ``split`` may stop where they wait:
those that call lru_add_drain_all() (``drain_all``, ``lru_cache_disable``,
``gup_longterm``); the model's own list (``mm.machine``)."""

SPLITTABLE_WORDS = "drain all, lru_cache_disable, gup_longterm and sys_mlock"
"""How messages name them."""

OPS_EXPECTED = "an operation such as add_lru, mlock, gup_longterm, drain"
"""How errors describe the word after ``cpuN``."""

# --- batches ------------------------------------------------------------------

# BATCHES (``mm.state``): the per-CPU batches, for ``cpuN flush BATCH`` and
# ``expect cpuN.BATCH == [...]``.  MLOCK_TAGS (``mm.state``): the tags of
# mlock batch entries, ``[F1:lru, F2:new, F3:munlock]``.

# --- expectations -------------------------------------------------------------

LIST_NAMES = LRU_LISTS + ("none",)
"""Values of the ``list`` field: the model's LRU lists, or none."""
POSITIONS = ("head", "tail", "none")
"""Values of the ``pos`` field."""
BOOLEANS = ("true", "false")
"""Values of the ``freed`` and ``dma_pinned`` fields."""

FOLIO_FIELDS: dict[str, tuple[str, ...] | None] = {
    "refcount": None,
    "mapcount": None,
    "pincount": None,
    "pins": None,
    "dma_pinned": BOOLEANS,
    "vma_maps": VMA_MAPS,
    "mlock_count": None,
    "list": LIST_NAMES,
    "pos": POSITIONS,
    "order": None,
    "zone": ZONES,
    "freed": BOOLEANS,
}
"""Fields of ``expect F.FIELD``: ``None`` for a number, else the allowed words."""

FLAGS = FLAG_ORDER + ("isolated",)
"""Flags of ``expect F has ...`` / ``expect F lacks ...``: the model's page
flags, and ``isolated`` (taken off its LRU list by an isolation)."""

STATS: dict[str, str] = {
    "drain_all_calls": "int",
    "drain_all_cpus": "int",
    "drain_all_work": "work",
    "local_drains": "int",
    "gup_attempts": "int",
}
"""Statistics of ``expect stats.NAME``: ``int`` or ``work`` (a list per call of CPU lists)."""

RESULTS = ("ok", "refused", "EBUSY", "ENOMEM", "LIVELOCK", "BUG")
"""Values of ``expect result == R`` and ``cpuN.result == R``."""

VERDICTS = ("Never", "Sometimes", "Always")
"""Values of ``expect verdict == V``: herd7's observations."""

# --- environment ----------------------------------------------------------------

MAY_EXPECTED = "'drain', 'drain all' or 'flush BATCH', then CPUs such as cpu1"
"""How errors describe what follows ``may``."""

EQUALITY = ("==", "!=")
"""Comparisons for everything that is not a number."""


def one_of(words, conj: str = "or") -> str:
    """``a, b or c``."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conj} " + words[-1]
