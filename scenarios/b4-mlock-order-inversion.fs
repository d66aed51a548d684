title "Order inversion in the mlock batch: munlocked too soon, in every variant"
# The mlock batches were never converted to one-entry-per-folio: Hugh Dickins,
# 2025-08-28 (3194a67b-194c-151d-a961-08c0d0f24d9b@google.com): "if you count
# the mlock/munlock batches in as 'LRU caches', then that has been so all
# along". vma A (locked) is unmapped on cpu0, then vma B is faulted in
# VM_LOCKED on cpu1. If cpu0's munlock entry is processed first, the count
# drops to 0, PG_mlocked is cleared and F goes back to an evictable list;
# cpu1's mlock entry then finds F evictable and does nothing. F ends not
# mlocked although vma B is VM_LOCKED. Draining cpu1 first gives the right
# answer. Reclaim would notice later (it re-mlocks folios in VM_LOCKED vmas).
kernel v6.18
cpus 2

folio F anon locked=1                # mlocked via vma A: unevictable, mlock_count 1
folio G anon locked=1                # the same story, drained in the other order

cpu0 unmap F locked                  # vma A goes: munlock_folio queues (F, munlock)
cpu1 map F locked                    # vma B faults in: mlock_folio queues (F, LRU)
expect cpu0.mlock == [F:munlock]
expect cpu1.mlock == [F:lru]
expect F.refcount == 3               # vma B's map + two batch entries
cpu0 drain                           # the munlock first
cpu1 drain                           # then the mlock: too late
expect F lacks mlocked unevictable   # munlocked too soon...
expect F.list == inactive_anon
expect F.mapcount == 1               # ...though vma B maps it VM_LOCKED
expect F.refcount == 1

cpu0 unmap G locked
cpu1 map G locked
cpu1 drain                           # the mlock first: mlock_count 2
expect G.mlock_count == 2
cpu0 drain                           # then the munlock: back to 1, still mlocked
expect G has mlocked unevictable
expect G.mlock_count == 1
expect G.list == unevictable
