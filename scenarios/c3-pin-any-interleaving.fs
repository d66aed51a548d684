title "Will: does pin_user_pages(FOLL_LONGTERM) fail whatever cpu1 does meanwhile?"
# Will Deacon, 2025-08-15 (20250815101858.24352-1-will@kernel.org): a stale
# (F, LRU) entry in another CPU's mlock batch holds a reference, so the
# migration a longterm pin needs fails with -ENOMEM.  v6.17's hotfixes drain
# every CPU when the refcount is off (98c6d259319e), which removes the stale
# entry, but a *concurrent* VM_LOCKED fault of the same page, after the drain
# and before the migration, queues a new entry: the pin still fails.  Without
# the cpu1 thread, v6.17 always pins (see the verdicts in the comments below).
kernel v6.17
cpus 2

folio F shmem new zone=movable  # a memfd page in ZONE_MOVABLE
cpu1 add_lru F                  # the prologue is b2-will-deacon-pin-failure.fs's set-up:
cpu1 map F locked               #   a stale (F, LRU) entry in cpu1's mlock batch
cpu1 flush lru_add

cpu0 { gup_longterm F }         # its lru_add_drain_all() waits for cpu1's work item
cpu1 { map F locked }           # another VM_LOCKED fault of the same page, at any moment
may drain cpu1

exists cpu0.result != ok        # ENOMEM, LIVELOCK or BUG
expect verdict == Sometimes     # every variant; on v6.17 only through the concurrent fault
# Delete the cpu1 thread and the verdict becomes Sometimes on v5.18 v6.9 v6.11
# v6.14 hugh-suggestion (the stale entry alone) and Never on will-v1 v6.17
# v6.18 hugh-portmanteau (their trigger drains cpu1).
