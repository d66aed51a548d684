"""Sample scenarios shared by the DSL tests (the repository's scenarios/ are
used too when present)."""

from __future__ import annotations

from pathlib import Path

WILL = """\
title "Will Deacon's pin failure"
kernel v6.11
cpus 2

folio F shmem new zone=movable   # in the page cache, on no LRU yet: refcount 1
cpu1 add_lru F                   # queued in cpu1's lru_add batch: refcount 2
cpu1 map F locked                # fault into a VM_LOCKED vma
cpu1 flush lru_add               # lru_add() finds F mlocked
expect F.refcount == 3
expect F has lru unevictable mlocked
expect cpu1.mlock == [F:lru]
cpu0 gup_longterm F
expect result == ENOMEM @ v6.11 v6.14
expect F'.list == unevictable @ v6.17 v6.18
expect stats.drain_all_work == [[cpu1]] @ v6.17 v6.18
"""

EVERYTHING = """\
title "every form \\"quoted\\" \\\\ once"   # a comment
kernel hugh-suggestion
cpus 4
folio F1 anon
folio F2 file zone=movable
folio S shmem new locked=1
folio L1 anon order=2 mapped=4
folio F3..F31 anon new
folio U anon locked=2 unmlocked active referenced dirty writeback swapcache
folio P file private
folio D file nolru
folio F anon
cpu0 add_lru F3..F5; cpu0 mark_accessed F1; cpu0 activate F1
cpu0 deactivate F1; cpu0 deactivate_file F2; cpu0 lazyfree F1; cpu0 rotate F2
cpu1 mlock S; cpu1 mlock_new S; cpu1 munlock S
cpu2 sys_mlock F1 L1; cpu2 sys_munlock F1 F3..F4
cpu3 map S locked; cpu3 unmap S locked; cpu3 map F1; cpu3 unmap F1
cpu0 get F1; cpu0 put F1; cpu0 isolate F2; cpu0 putback F2
cpu1 gup_longterm F1 F2..F3 L1 touch write
cpu1 pin L1; cpu1 unpin L1
cpu2 drain; cpu2 drain all; drain all; drain cpu3
cpu0 flush lru_add; cpu0 flush lru_move_tail; cpu0 flush lru_deactivate_file
cpu0 flush lru_deactivate; cpu0 flush lru_lazyfree; cpu0 flush lru_activate; cpu0 flush mlock
cpu0 lru_cache_disable; cpu0 lru_cache_enable
repeat 3 {
  cpu0 add_lru F6
  repeat 2 { cpu1 drain; expect result == ok }
}
expect F1.refcount == 3
expect F1.mapcount != 0
expect F1.pincount < 1
expect F1.mlock_count <= 1
expect F1.order > 0
expect F1.order >= 0
expect F1.list == unevictable
expect F1.pos == head
expect F1.zone == cma
expect F1.freed == false
expect F1 has lru mlocked
expect F1 lacks active unevictable
expect cpu0.mlock == [F1]
expect cpu0.mlock == [F1:lru, F2:munlock, S:new]
expect cpu1.lru_add == [F3..F15]
expect cpu1.lru_add == []
expect result == ENOMEM
expect stats.drain_all_calls == 1
expect stats.drain_all_cpus >= 2
expect stats.local_drains == 0
expect stats.gup_attempts == 8
expect stats.drain_all_work == [[cpu1], [cpu0, cpu3]]
expect F1.refcount == 2 @ v6.17 v6.18
expect F3..F15.refcount == 2
expect F3..F31 lacks lru
expect F'.list == unevictable
expect F1''.refcount == 1
"""

CONCURRENT = """\
title "David: a later deactivate undone by an earlier activate, whatever the drain order"
kernel v6.17
cpus 3
folio F file                    # clean, unmapped, page cache, inactive_file
folio G anon mapped=2
cpu1 activate F                 # the prologue
cpu0 { deactivate_file F }      # OPY, later
cpu2 {
  drain all
  repeat 2 { mark_accessed G; flush lru_activate }
  expect G.refcount >= 2
}
cpu1 { sys_mlock G; sys_munlock G; drain }
may drain cpu0 cpu1
may drain all cpu2
may flush mlock
exists F.list == active_file and cpu0.result == ok or not (G has mlocked /\\ ~G lacks lru \\/ cpu1.mlock == [G:lru])
filter stats.drain_all_calls >= 1
locations F.pos F.refcount G cpu1.mlock cpu2.result stats.local_drains
expect verdict == Sometimes @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect verdict != Always
"""

WITNESS = """\
folio F shmem new zone=movable
cpu1 add_lru F; cpu1 map F locked; cpu1 flush lru_add
cpu0 gup_longterm F touch split
cpu1 map F locked
cpu1 work
cpu0 resume
expect result == ENOMEM @ v6.11
cpu0 drain all split; cpu1 work; cpu0 resume
cpu1 lru_cache_disable split; cpu0 work; cpu1 resume; cpu1 lru_cache_enable
"""

SMALL = [
    "folio F1 anon\ncpu0 add_lru F1\nexpect F1.refcount == 2\n",
    "folio F anon locked=1; cpu0 unmap F locked; cpu1 map F locked; cpu0 drain; expect F lacks mlocked",
    "cpus 3\nfolio A..B anon\n",  # an error: ranges need numbers
    "folio F1..F4 file\nrepeat 10 { cpu0 add_lru F1..F4; cpu0 drain }\nexpect cpu0.lru_add == []\n",
]


def repo_scenarios() -> list[str]:
    """The texts of scenarios/*.fs, if the repository has them."""
    root = Path(__file__).resolve().parents[2] / "scenarios"
    return [p.read_text(encoding="utf-8") for p in sorted(root.glob("*.fs"))]


def all_samples() -> list[str]:
    return [WILL, EVERYTHING, CONCURRENT, WITNESS, *SMALL, *repo_scenarios()]
