"""Routes from the scenario language to real system calls.

Each DSL operation the lab can run has a route: the system call the guest
agent makes, on the CPU the scenario names, and the kernel path that call
takes to the function the DSL operation models.  An operation, declaration
or attribute without a route is refused with its line and the reason (exit
2): the lab never approximates.  docs/lab.md prints this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..dsl.ast import FolioDecl, Op, Repeat, Scenario


@dataclass(frozen=True)
class Route:
    """How one DSL operation runs on a real kernel."""

    op: str
    syscall: str
    path: str
    note: str = ""


ROUTES: tuple[Route, ...] = (
    Route("folio F anon", "mmap(MAP_PRIVATE|MAP_ANONYMOUS), one page per folio",
          "the folio exists from its first write fault (do_anonymous_page)"),
    Route("folio F shmem", "memfd_create + ftruncate + mmap(MAP_SHARED), one memfd per folio",
          "shmem_fault -> shmem_get_folio_gfp allocates the folio in the page cache"),
    Route("zone=movable", "the guest boots with movablecore=384M",
          "GFP_HIGHUSER_MOVABLE user pages come from ZONE_MOVABLE"),
    Route("cpuN add_lru A (anon new)", "write fault on cpuN",
          "do_anonymous_page -> folio_add_new_anon_rmap, folio_add_lru_vma -> folio_add_lru"),
    Route("cpuN add_lru F; cpuN map F [locked] (shmem new)",
          "one read fault on cpuN, into a vma made VM_LOCKED by mlock2(MLOCK_ONFAULT) for `locked`",
          "shmem_fault -> shmem_alloc_and_add_folio -> folio_add_lru; finish_fault -> "
          "set_pte_range -> folio_add_file_rmap_ptes -> mlock_vma_folio -> mlock_folio",
          "the two steps are one fault: the state between them is not observable"),
    Route("cpuN mark_accessed F", "pread(/proc/self/mem) of the folio's address on cpuN",
          "mem_rw -> access_remote_vm -> get_user_pages_remote(FOLL_TOUCH) -> follow_page_pte "
          "-> folio_mark_accessed"),
    Route("cpuN deactivate F", "madvise(MADV_COLD) on cpuN",
          "madvise_cold: lru_add_drain(), then madvise_cold_or_pageout_pte_range -> folio_deactivate",
          "the model runs `cpuN drain` first; PG_referenced and the pte's young bit are cleared"),
    Route("cpuN lazyfree A (anon)", "madvise(MADV_FREE) on cpuN",
          "madvise_free_single_vma: lru_add_drain(), then madvise_free_pte_range -> folio_mark_lazyfree",
          "the model runs `cpuN drain` first; PG_dirty and the pte's dirty bit are cleared"),
    Route("cpuN sys_mlock F [G ...]", "mlock(2) of the folios' pages (contiguous) on cpuN",
          "do_mlock -> mlock_fixup -> mlock_vma_pages_range -> mlock_folio; lru_add_drain(); "
          "__mm_populate -> populate_vma_page_range(FOLL_TOUCH) -> follow_page_pte -> "
          "folio_mark_accessed; lru_add_drain()"),
    Route("cpuN sys_mlock F [G ...] onfault", "mlock2(MLOCK_ONFAULT) of the folios' pages (contiguous) on cpuN",
          "do_mlock -> mlock_fixup -> mlock_vma_pages_range -> mlock_folio; lru_add_drain()",
          "VM_LOCKONFAULT: populate_vma_page_range() returns at once"),
    Route("cpuN sys_munlock F [G ...]", "munlock(2) on cpuN",
          "mlock_fixup -> mlock_vma_pages_range -> munlock_folio; lru_add_drain()"),
    Route("cpuN gup_longterm F [G ...]", "io_uring_register(IORING_REGISTER_BUFFERS) on cpuN",
          "io_sqe_buffer_register -> io_pin_pages -> pin_user_pages_fast(FOLL_WRITE|FOLL_LONGTERM) "
          "-> __gup_longterm_locked (the slow path adds FOLL_TOUCH); before about v6.10 "
          "pin_user_pages(FOLL_WRITE|FOLL_LONGTERM), without FOLL_TOUCH",
          "from v6.10 the model runs it as `gup_longterm F touch write`, which is what the kernel does"),
    Route("cpuN unpin F", "io_uring_register(IORING_UNREGISTER_BUFFERS)",
          "io_sqe_buffers_unregister -> io_buffer_unmap -> unpin_user_page",
          "only for a folio that a one-folio gup_longterm pinned"),
    Route("cpuN drain", "mlock(2) then munlock(2) of a scratch page on cpuN",
          "mlock_vma_pages_range ends in lru_add_drain() (lru_add_drain_cpu + mlock_drain_local)"),
    Route("drain all", "move_pages(2) of a scratch page to node 0",
          "do_pages_move -> lru_cache_disable -> __lru_add_drain_all(force_all_cpus) -> "
          "lru_add_drain_per_cpu on every CPU",
          "drains every CPU, also those with empty batches: stats.drain_all_work is not observed"),
    Route("cpuN flush lru_add", "write-fault fresh scratch anonymous pages on cpuN until the batch is full",
          "folio_add_lru: folio_batch_add returns 0 -> folio_batch_move_lru(lru_add)"),
    Route("cpuN flush mlock", "write-fault scratch pages into a VM_LOCKED vma on cpuN until the batch is full",
          "folio_add_lru_vma -> mlock_new_folio: folio_batch_add returns 0 -> mlock_folio_batch"),
)

NO_ROUTE: dict[str, str] = {
    "activate": "no system call calls folio_activate() directly; write two `mark_accessed`",
    "deactivate_file": "deactivate_file_folio() runs from invalidate_mapping_pages() on file "
                       "folios, and the guest has no filesystem with a page cache on an LRU",
    "rotate": "folio_rotate_reclaimable() runs when writeback ends, which the guest cannot trigger",
    "mlock": "mlock_folio() is reached by a fault into a VM_LOCKED vma: write `map F locked`",
    "mlock_new": "mlock_new_folio() is reached by an anonymous fault in a VM_LOCKED vma, "
                 "which the lab does not route",
    "munlock": "munlock_folio() is reached by munlock(2): write `sys_munlock F`",
    "unmap": "munmap(2) marks a young pte's folio accessed (zap_present_ptes), which the "
             "model's unmap does not: the lab has no faithful route",
    "get": "folio_get() is a kernel-internal reference; no system call holds one",
    "put": "folio_put() drops a kernel-internal reference; no system call holds one",
    "isolate": "folio_isolate_lru() alone has no system call (migration and reclaim isolate and "
               "put back in one call)",
    "putback": "folio_putback_lru() alone has no system call",
    "pin": "io_uring, the lab's pinning route, always pins FOLL_LONGTERM",
    "lru_cache_disable": "lru_cache_disable() is only held inside a system call (move_pages)",
    "lru_cache_enable": "lru_cache_enable() is only held inside a system call (move_pages)",
}

ROUTE_OF_AGENT_OP = {
    "fault_r": "read fault (shmem_fault; folio_add_lru; mlock_vma_folio in a VM_LOCKED vma)",
    "fault_w": "write fault (do_anonymous_page -> folio_add_lru_vma)",
    "procmem": "pread(/proc/self/mem): get_user_pages_remote(FOLL_TOUCH) -> folio_mark_accessed",
    "cold": "madvise(MADV_COLD) -> folio_deactivate",
    "free": "madvise(MADV_FREE) -> folio_mark_lazyfree",
    "mlock": "mlock(2) -> mlock_fixup -> mlock_folio ...; lru_add_drain; __mm_populate(FOLL_TOUCH)",
    "mlock_onfault": "mlock2(MLOCK_ONFAULT) -> mlock_fixup -> mlock_folio ...; lru_add_drain",
    "munlock": "munlock(2) -> munlock_folio ...; lru_add_drain",
    "pin": "io_uring IORING_REGISTER_BUFFERS -> pin_user_pages_fast(FOLL_LONGTERM|FOLL_WRITE)",
    "unpin": "io_uring IORING_UNREGISTER_BUFFERS -> unpin_user_page",
    "drain": "mlock+munlock of a scratch page -> lru_add_drain",
    "drain_all": "move_pages(2) -> lru_cache_disable -> __lru_add_drain_all(force)",
    "fill_lru_add": "scratch anonymous faults until folio_batch_add() returns 0",
    "fill_mlock": "scratch faults in a VM_LOCKED vma until the mlock batch flushes",
}

MAX_CPUS = 8
"""CPUs the guest boots (the agent's MAXCPU; TCG slows down with each)."""
MAX_STEPS = 2000
"""Observed steps per run: each prints every folio and batch on a serial port."""

FLUSH_ROUTES = {"lru_add": "fill_lru_add", "mlock": "fill_mlock"}
ATTRS_OK = {"new", "zone", "mapped", "locked", "active", "referenced"}


class NoRoute(Exception):
    """A scenario line the lab cannot run on a real kernel."""

    def __init__(self, line: int, why: str):
        super().__init__(f"line {line}: {why}")
        self.line = line
        self.why = why


@dataclass(frozen=True)
class AgentOp:
    """One line of the guest program: ``OP CPU A B``."""

    op: str
    cpu: int
    a: int = 0
    b: int = 1

    def text(self) -> str:
        return f"{self.op} {self.cpu} {self.a} {self.b}"


@dataclass
class Plan:
    """What the guest does for one scenario."""

    folios: list[tuple[str, str]] = field(default_factory=list)   # (name, kind)
    setup: list[AgentOp] = field(default_factory=list)
    steps: dict[int, AgentOp] = field(default_factory=dict)        # model step index -> op
    folded: dict[int, int] = field(default_factory=dict)           # model step -> step observed with it
    notes: list[str] = field(default_factory=list)

    def index(self, name: str) -> int:
        return [n for n, _ in self.folios].index(name)


def _decl_of(scenario: Scenario) -> dict[str, FolioDecl]:
    return {name: d for d in scenario.decls for name in d.names}


def _check_decl(decl: FolioDecl) -> None:
    line = decl.pos.line
    if decl.kind == "file":
        raise NoRoute(line, "a `file` folio needs a filesystem whose page cache is on an LRU; "
                            "the guest has only its initramfs (use `shmem`)")
    if decl.attrs.get("zone", "normal") != "movable":
        raise NoRoute(line, "user pages land in ZONE_MOVABLE (the guest boots with movablecore=384M) "
                            "and the lab cannot place one in ZONE_NORMAL or CMA: declare zone=movable")
    for attr in decl.attrs:
        if attr not in ATTRS_OK:
            raise NoRoute(line, f"the attribute `{attr}` has no route "
                                f"(the lab builds folios with: {', '.join(sorted(ATTRS_OK))})")
    new = decl.attrs.get("new", False)
    mapped, locked = decl.attrs.get("mapped"), decl.attrs.get("locked", 0)
    if locked > 1 or (mapped or 0) > 1:
        raise NoRoute(line, "the lab maps each folio once (mapped=0|1, locked=0|1)")
    if new and (locked or (mapped and decl.kind == "shmem")):
        raise NoRoute(line, "a `new` folio is mapped by the fault that creates it: "
                            "write `cpuN add_lru F` then `cpuN map F`")
    if not new and decl.kind == "shmem" and not (mapped or locked):
        raise NoRoute(line, "the lab finds a folio through its mapping: give a shmem folio "
                            "mapped=1 or locked=1, or make it `new` and fault it in")
    if not new and locked and decl.kind == "anon":
        raise NoRoute(line, "an mlocked anonymous folio at declaration has no route")


def _setup_existing(plan: Plan, i: int, decl: FolioDecl) -> None:
    """Build a declared (not `new`) folio during setup, on cpu0: fault it in,
    drain it onto its LRU, then make it referenced or active if declared so."""
    if decl.attrs.get("locked"):
        plan.setup.append(AgentOp("mlock_onfault", 0, i, 1))
    plan.setup.append(AgentOp("fault_w" if decl.kind == "anon" else "fault_r", 0, i))
    plan.setup.append(AgentOp("drain", 0))
    if decl.attrs.get("active") or decl.attrs.get("referenced"):
        plan.setup.append(AgentOp("procmem", 0, i))
    if decl.attrs.get("active"):
        plan.setup.append(AgentOp("procmem", 0, i))
        plan.setup.append(AgentOp("drain", 0))


def _contiguous(plan: Plan, names: tuple[str, ...], line: int) -> tuple[int, int]:
    idx = [plan.index(n) for n in names]
    if idx != list(range(idx[0], idx[0] + len(idx))):
        raise NoRoute(line, "one system call covers one address range: name the folios in "
                            "declaration order, without gaps")
    return idx[0], len(idx)


def _base(name: str) -> str:
    return name.rstrip("'")


def plan_scenario(scenario: Scenario, steps) -> Plan:
    """The guest program for ``scenario``; ``steps`` are the model trace's
    steps (repeats and ranges already expanded).  Raises NoRoute."""
    plan = Plan()
    if scenario.cpus > MAX_CPUS:
        line = next((i for i, text in enumerate(scenario.source.splitlines(), 1)
                     if text.strip().startswith("cpus")), 1)
        raise NoRoute(line, f"the lab boots at most {MAX_CPUS} CPUs (the scenario has cpus {scenario.cpus})")
    decls = _decl_of(scenario)
    for decl in scenario.decls:
        _check_decl(decl)
        plan.folios.extend((n, decl.kind) for n in decl.names)
    created = {n for n, d in decls.items() if not d.attrs.get("new")}
    locked_vma = {n for n, d in decls.items() if d.attrs.get("locked")}
    ops = [s for s in steps if s.index > 0]
    for step in ops:
        if step.op == "map" and "locked" in step.args:
            locked_vma.add(step.args[0])
    for name in sorted(locked_vma - created, key=plan.index):
        plan.setup.append(AgentOp("mlock_onfault", 0, plan.index(name), 1))
    for i, (name, _) in enumerate(plan.folios):
        if name in created:
            _setup_existing(plan, i, decls[name])
    plan.setup.append(AgentOp("drain_all", 0))
    skip = set()
    for k, step in enumerate(ops):
        if step.index in skip:
            continue
        nxt = ops[k + 1] if k + 1 < len(ops) else None
        agent, folded = _route(plan, decls, created, step, nxt)
        covered = nxt if folded else None
        plan.steps[(covered or step).index] = agent
        if covered is not None:
            plan.folded[step.index] = covered.index
            skip.add(covered.index)
    if len(plan.steps) > MAX_STEPS:
        raise NoRoute(steps[-1].line, f"{len(plan.steps)} steps: the lab observes at most {MAX_STEPS} "
                                      "per run (shorten the repeat)")
    return plan


def _route(plan: Plan, decls, created: set[str], step, nxt) -> tuple[AgentOp, bool]:
    """The agent op for one model step; True when it also covers ``nxt``."""
    folios = _routed_folios(decls, step)
    if step.op in FAULTS_AND_DRAINS:
        return _route_fault_or_drain(plan, decls, created, step, nxt, folios)
    for name in folios:
        if name not in created:
            raise NoRoute(step.line, f"{name} does not exist in the kernel yet: fault it in first "
                                     f"(`cpuN add_lru {name}`)")
    return _route_syscall(plan, decls, step, folios), False


FAULTS_AND_DRAINS = ("add_lru", "map", "flush", "drain", "drain_all")
"""The operations routed before their folios exist in the kernel (a fault
creates them) or that name no folio."""


def _routed_folios(decls, step) -> tuple[str, ...]:
    """The folios a step names, each addressable by the lab."""
    folios = tuple(a for a in step.args if _base(a) in decls)
    if step.op in NO_ROUTE:
        raise NoRoute(step.line, f"`{step.op}` has no system-call route: {NO_ROUTE[step.op]}")
    if any(f != _base(f) for f in folios):
        raise NoRoute(step.line, "the lab addresses a folio by its mapping: name it unprimed "
                                 "(the mapping follows the folio through migration)")
    return folios


def _route_fault_or_drain(plan: Plan, decls, created: set[str], step, nxt,
                          folios: tuple[str, ...]) -> tuple[AgentOp, bool]:
    op, cpu, line = step.op, step.cpu, step.line
    first = plan.index(folios[0]) if folios else 0
    if op == "add_lru":
        name = folios[0]
        if name in created:
            raise NoRoute(line, f"{name} is already on an LRU or was added once: the lab adds a "
                                "folio to the LRU only when a fault creates it")
        created.add(name)
        if decls[name].kind == "anon":
            return AgentOp("fault_w", cpu, first), False
        if nxt is not None and nxt.op == "map" and nxt.cpu == cpu and nxt.args[0] == name:
            return AgentOp("fault_r", cpu, first), True
        raise NoRoute(line, "a shmem folio enters the LRU when a fault allocates it: follow "
                            f"`cpu{cpu} add_lru {name}` with `cpu{cpu} map {name} [locked]`")
    if op == "map":
        raise NoRoute(line, "`map` has a route only right after the `add_lru` of a new shmem "
                            "folio on the same CPU (one fault does both)")
    if op == "flush":
        batch = step.args[-1]
        if batch not in FLUSH_ROUTES:
            raise NoRoute(line, f"`flush {batch}` has no route: only lru_add and mlock batches "
                                "can be filled from user space until they flush")
        return AgentOp(FLUSH_ROUTES[batch], cpu), False
    if op == "drain":
        if nxt is not None and nxt.op in MADVISE_DRAINS and (nxt.line, nxt.column) == (line, step.column):
            agent, _ = _route(plan, decls, created, nxt, None)
            return agent, True
        return AgentOp("drain", cpu), False
    return AgentOp("drain_all", cpu), False


def _route_syscall(plan: Plan, decls, step, folios: tuple[str, ...]) -> AgentOp:
    """The agent op for a step on folios that exist in the kernel."""
    op, cpu, line = step.op, step.cpu, step.line
    first = plan.index(folios[0]) if folios else 0
    if op == "mark_accessed":
        return AgentOp("procmem", cpu, first)
    if op == "deactivate":
        return AgentOp("cold", cpu, first)
    if op == "lazyfree":
        if decls[folios[0]].kind != "anon":
            raise NoRoute(line, "MADV_FREE works on private anonymous memory only")
        return AgentOp("free", cpu, first)
    if op in ("sys_mlock", "sys_munlock"):
        start, count = _contiguous(plan, folios, line)
        if op == "sys_munlock":
            return AgentOp("munlock", cpu, start, count)
        return AgentOp("mlock_onfault" if "onfault" in step.args else "mlock", cpu, start, count)
    if op == "gup_longterm":
        start, count = _contiguous(plan, folios, line)
        return AgentOp("pin", cpu, start, count)
    if op == "unpin":
        return AgentOp("unpin", cpu, first)
    raise NoRoute(line, f"`{op}` has no system-call route")


def program_text(plan: Plan, runs: int, cpus: int, ftrace_funcs: tuple[str, ...] = ()) -> str:
    """The guest program (/lab/program) the agent reads."""
    lines = [f"cpus {cpus}", f"runs {runs}", f"ftrace {1 if ftrace_funcs else 0}"]
    lines += [f"folio {'a' if kind == 'anon' else 's'}" for _, kind in plan.folios]
    lines += [f"ftrace_func {f}" for f in ftrace_funcs]
    lines += [f"setup {op.text()}" for op in plan.setup]
    lines.append("observe0")
    lines += [f"step {k} {op.text()}" for k, op in sorted(plan.steps.items())]
    return "\n".join(lines) + "\n"


MADVISE_DRAINS = ("deactivate", "lazyfree")
"""madvise_cold() and madvise_free_single_vma() call lru_add_drain() before
they walk the range: the model runs a `drain` on that CPU first."""


PIN_TOUCHES_FROM = (6, 10)
"""io_pin_pages() calls pin_user_pages_fast() from about v6.10 ("io_uring:
unify io_pin_pages()"), whose slow path adds FOLL_TOUCH: the pinned folio is
marked accessed and, with FOLL_WRITE, dirty.  Before, io_uring called
pin_user_pages() under mmap_read_lock, without FOLL_TOUCH.  Observed: 6.1.192
leaves PG_referenced and PG_dirty clear; 6.12.43, 6.16.3, 6.17.8 set both."""


def pin_touches(version: tuple[int, ...] | None) -> bool:
    return version is None or tuple(version[:2]) >= PIN_TOUCHES_FROM


def as_routed(scenario: Scenario, gup_touch: bool = True) -> Scenario:
    """The scenario the model must run to do what the routes do: a
    gup_longterm through io_uring is FOLL_TOUCH | FOLL_WRITE (``gup_touch``,
    see PIN_TOUCHES_FROM), and MADV_COLD
    and MADV_FREE drain the local CPU first (the inserted drain shares the
    operation's line and column, so the plan folds it into that step)."""
    def fix(stmt) -> list:
        if isinstance(stmt, Op) and stmt.name == "gup_longterm" and gup_touch:
            extra = tuple(f for f in ("touch", "write") if f not in stmt.flags)
            return [replace(stmt, flags=stmt.flags + extra)]
        if isinstance(stmt, Op) and stmt.name in MADVISE_DRAINS:
            drain = Op(stmt.cpu, "drain", (), (), None, stmt.pos, f"cpu{stmt.cpu} drain")
            return [drain, stmt]
        if isinstance(stmt, Repeat):
            return [replace(stmt, body=tuple(x for s in stmt.body for x in fix(s)))]
        return [stmt]
    return replace(scenario, body=[x for s in scenario.body for x in fix(s)])
