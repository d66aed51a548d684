title "MADV_COLD and MADV_FREE through the per-CPU batches"
# Lab: madvise(MADV_COLD) on cpu1 queues active A for deactivation, and
# madvise(MADV_FREE) on cpu0 queues B for lazyfree; each stays parked until
# its CPU drains. Both madvise calls lru_add_drain() their own CPU first.
# Flushing lru_lazyfree clears PG_swapbacked: B moves to the inactive file list.
# Expected: agree on 6.1.192, 6.12.43, 6.16.3, 6.17.8, 6.18.5.
kernel v6.17
cpus 2

folio A anon active zone=movable
folio B anon zone=movable
cpu1 deactivate A
expect cpu1.lru_deactivate == [A]
expect A has active
cpu0 lazyfree B
expect cpu0.lru_lazyfree == [B]
expect B has swapbacked
cpu0 drain
expect B.list == inactive_file
expect B lacks swapbacked
expect A.list == active_anon
cpu1 drain
expect A.list == inactive_anon
expect A lacks active referenced
expect A.refcount == 1
