title "Hugh's incompatibility: mlock and munlock missed while PG_lru is cleared by a batch"
# Hugh Dickins, 2025-08-28 (8376d8a3-cc36-ae70-0fa8-427e9ca17b9b@google.com):
# "a fundamental incompatibility" between mlock batching (2fbb0c10d1e8, v5.18)
# and clearing PG_lru before batching (33dfe9204f29, v6.11). __mlock_folio()
# does nothing for a folio off the LRU, and __munlock_folio() then clears
# PG_mlocked whatever the mlock_count: "munlocking too soon or too late".
# Here F waits in cpu0's lru_activate batch with PG_lru clear while two vmas
# are mlocked and one is munlocked: on v6.11 it ends evictable and not
# mlocked although vma A is still VM_LOCKED. v6.17 reverted 33dfe9204f29.
kernel v6.11
cpus 4

folio F anon mapped=2                # mapped in vma A and vma B, on inactive_anon
cpu0 activate F                      # v6.11 clears PG_lru here
expect F lacks lru @ v6.11 v6.14 will-v1 hugh-suggestion
cpu1 sys_mlock F                     # mlock(vma A): __mlock_folio finds PG_lru clear on v6.11
expect F has mlocked
expect F.list == inactive_anon @ v6.11 v6.14 will-v1 hugh-suggestion
expect F.list == unevictable @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
cpu2 sys_mlock F                     # mlock(vma B)
expect F.mlock_count == 2 @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
cpu3 sys_munlock F                   # munlock(vma B): vma A is still locked
expect F lacks mlocked @ v6.11 v6.14 will-v1 hugh-suggestion
expect F has mlocked unevictable @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect F.mlock_count == 1 @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
cpu0 drain                           # the parked activation finally runs
expect F.list == active_anon @ v6.11 v6.14 will-v1 hugh-suggestion
expect F lacks mlocked unevictable @ v6.11 v6.14 will-v1 hugh-suggestion
expect F.list == unevictable @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect F.refcount == 2
