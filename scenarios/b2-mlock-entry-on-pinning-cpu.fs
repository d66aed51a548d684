title "Will Deacon's case with the mlock entry on the pinning CPU: migration succeeds"
# The same folio as b2-will-deacon-pin-failure.fs, but faulted in and mlocked
# on the CPU that later pins it. try_to_migrate_one() drains the local mlock
# batch when it unmaps from a VM_LOCKED vma, so the stale (F, LRU) entry is
# processed before migration checks the refcount, and even v5.18 and v6.11
# migrate F. Only an entry on another CPU defeats the pin: that is why Will
# saw the failure only sometimes.
kernel v6.11
cpus 2

folio F shmem new zone=movable
cpu0 add_lru F
cpu0 map F locked                # mlock_folio queues (F, LRU) on cpu0 this time
cpu0 flush lru_add
expect cpu0.mlock == [F:lru]
cpu0 gup_longterm F
expect result == ok
expect F.freed == true
expect F'.list == unevictable
expect F'.mlock_count == 1
expect cpu0.mlock == []
