"""The kernel functions the lab traces with ftrace's function tracer.

Functions of mm/swap.c, mm/mlock.c, mm/gup.c and mm/migrate.c (and the
vmscan.c isolation pair they call) under the names of v6.1 to v6.18; a name
a kernel lacks, or has inlined, is refused by set_ftrace_filter and skipped.
"""

from __future__ import annotations

import re

SWAP = ("folio_add_lru", "folio_add_lru_vma", "folio_batch_move_lru", "lru_add", "lru_add_fn",
        "folio_activate", "folio_mark_accessed", "mark_page_accessed", "folio_deactivate",
        "deactivate_file_folio", "folio_mark_lazyfree", "folio_rotate_reclaimable", "lru_add_drain",
        "lru_add_drain_cpu", "lru_add_drain_all", "__lru_add_drain_all", "lru_add_drain_per_cpu",
        "lru_cache_disable", "lru_add_and_bh_lrus_drain", "__lru_cache_activate_folio",
        "lru_activate", "folio_activate_fn", "lru_deactivate_fn", "lru_deactivate_file_fn",
        "lru_lazyfree_fn", "lru_move_tail_fn", "lru_move_tail", "lru_deactivate", "lru_lazyfree",
        "lru_deactivate_file", "__folio_batch_add_and_move", "folio_batch_add_and_move",
        "lru_cache_add_inactive_or_unevictable", "release_pages", "folios_put_refs", "__folio_put")
MLOCK = ("mlock_folio", "mlock_new_folio", "munlock_folio", "mlock_folio_batch",
         "mlock_drain_local", "mlock_drain_remote", "need_mlock_drain", "__mlock_folio",
         "__mlock_new_folio", "__munlock_folio", "mlock_fixup", "mlock_vma_pages_range",
         "apply_vma_lock_flags", "do_mlock", "mlock_pte_range", "mlock_pagevec",
         "mlock_page_drain_local", "mlock_page", "mlock_new_page", "munlock_page", "__mlock_page",
         "__munlock_page")
GUP = ("__gup_longterm_locked", "check_and_migrate_movable_pages", "check_and_migrate_movable_folios",
       "collect_longterm_unpinnable_folios", "collect_longterm_unpinnable_pages",
       "migrate_longterm_unpinnable_folios", "migrate_longterm_unpinnable_pages",
       "pin_user_pages_fast", "internal_get_user_pages_fast", "gup_fast_fallback",
       "__get_user_pages", "__get_user_pages_locked", "follow_page_mask", "follow_page_pte",
       "try_grab_folio", "try_grab_page", "try_grab_folio_fast", "unpin_user_page",
       "unpin_user_pages", "gup_put_folio", "get_user_pages_remote")
MIGRATE = ("migrate_pages", "migrate_pages_batch", "migrate_pages_sync", "migrate_folio_unmap",
           "migrate_folio_move", "migrate_folio", "__folio_migrate_mapping", "folio_migrate_mapping",
           "move_to_new_folio", "unmap_and_move", "__unmap_and_move", "migrate_page_move_mapping",
           "putback_movable_pages", "do_pages_move", "kernel_move_pages", "add_folio_for_migration",
           "add_page_for_migration", "alloc_migration_target", "remove_migration_ptes",
           "folio_migrate_flags", "folio_isolate_lru", "folio_putback_lru", "isolate_lru_page",
           "putback_lru_page")
FUNCTIONS: tuple[str, ...] = SWAP + MLOCK + GUP + MIGRATE

_LINE = re.compile(r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+\[(?P<cpu>\d+)\].*?:\s+(?P<func>[\w.]+)(?:\s+<-(?P<parent>[\w.]+))?")


def parse_line(line: str) -> tuple[int, str, str, str] | None:
    """``agent-1 [001] ..... 12.3: lru_add_drain <-mlock_fixup`` ->
    (1, "lru_add_drain", "mlock_fixup", "agent")."""
    m = _LINE.match(line)
    if not m:
        return None
    parent = (m["parent"] or "").split(".")[0]
    return int(m["cpu"]), m["func"].split(".")[0], parent, m["comm"].strip()


def sequence(lines: list[str]) -> list[str]:
    """The functions in call order, ``cpuN func ← caller`` (kworkers
    marked), a block of up to four calls repeated in a row shown once with
    its count (the scratch faults that fill a batch)."""
    calls: list[str] = []
    for line in lines:
        parsed = parse_line(line)
        if parsed:
            cpu, func, parent, comm = parsed
            worker = f" [{comm}]" if comm.startswith("kworker") else ""
            calls.append(f"cpu{cpu} {func}" + (f" ← {parent}" if parent else "") + worker)
    return fold_repeats(calls)


def fold_repeats(calls: list[str], longest: int = 4) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(calls):
        for size in range(1, longest + 1):
            block = calls[i:i + size]
            times = 1
            while calls[i + times * size:i + (times + 1) * size] == block:
                times += 1
            if times > 1:
                out.extend(block[:-1] + [f"{block[-1]}   (these {size} ×{times})" if size > 1
                                         else f"{block[0]}   ×{times}"])
                i += size * times
                break
        else:
            out.append(calls[i])
            i += 1
    return out
