title "Will Deacon's pin failure: a stale mlock batch entry defeats FOLL_LONGTERM"
# Will Deacon, August 2025 (20250815101858.24352-1-will@kernel.org): pKVM on a
# 6.15 Pixel 6 could not pin guest memory; pin_user_pages(FOLL_LONGTERM)
# failed with -ENOMEM. The folio was a memfd (shmem) folio in ZONE_MOVABLE,
# mlocked at user fault time on another CPU (CPU 7 in his traces), which left
# an (F, LRU) entry in that CPU's mlock batch. Migration needs the refcount to
# be exactly what it expects, and that entry holds one more reference.
# collect_longterm_unpinnable_folios() only drained when PG_lru was clear, and
# it was set. Fixed by Hugh Dickins's v6.17 hotfixes (refcount trigger);
# Will's own v1 (!lru || mlocked) fixed it too; Hugh's first suggestion
# (mlocked && !unevictable) did not: this folio was already unevictable.
kernel v6.11
cpus 2

folio F shmem new zone=movable   # in the page cache, on no LRU yet: refcount 1
cpu1 add_lru F                   # readahead's folio_add_lru: queued on cpu1
cpu1 map F locked                # user fault into a VM_LOCKED vma: mlock_folio queues (F, LRU)
cpu1 flush lru_add               # lru_add() finds F mlocked: unevictable list, mlock_count 0
expect F.refcount == 3           # page cache + map + cpu1's mlock entry
expect F has lru unevictable mlocked
expect cpu1.mlock == [F:lru]

cpu0 gup_longterm F              # the pin, on another CPU (CPU 3 in Will's traces)
expect result == ENOMEM @ v5.18 v6.9 v6.11 v6.14 hugh-suggestion
expect result == ok @ will-v1 v6.17 v6.18 hugh-portmanteau
# where it fails: the cpu1 entry is still there, and putback left F in cpu0's lru_add
expect F.refcount == 4 @ v5.18 v6.9 v6.11 v6.14 hugh-suggestion
expect cpu0.lru_add == [F] @ v5.18 v6.9 v6.11 v6.14 hugh-suggestion
expect F lacks lru @ v5.18 v6.9 v6.11 v6.14 hugh-suggestion
# where it is fixed: F was migrated to F', outside ZONE_MOVABLE, pinned and mlocked
expect F.freed == true @ will-v1 v6.17 v6.18 hugh-portmanteau
expect F'.zone == normal @ will-v1 v6.17 v6.18 hugh-portmanteau
expect F'.list == unevictable @ will-v1 v6.17 v6.18 hugh-portmanteau
expect F'.mlock_count == 1 @ will-v1 v6.17 v6.18 hugh-portmanteau
expect F'.pins == 1 @ will-v1 v6.17 v6.18 hugh-portmanteau
expect stats.drain_all_work == [[cpu1]] @ will-v1 v6.17 v6.18 hugh-portmanteau
expect stats.drain_all_calls == 0 @ v5.18 v6.9 v6.11 v6.14 hugh-suggestion
