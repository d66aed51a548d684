title "David's OPX/OPY, drained in program order: activate, then deactivate"
# David Hildenbrand, 2025-08-28 (56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com):
# with a folio allowed in several LRU batches at once, "someone performs OPX
# and later someone OPY on a folio, but the way the lru caches are flushed we
# might end up processing OPX after OPY". Here the CPUs drain in program
# order, so the outcome is the intended one; b4-order-inversion-reversed.fs
# drains them the other way round. v6.11's PG_lru clearing refuses OPY
# instead (one batch entry at most), so OPY is simply lost.
kernel v6.17
cpus 2

folio F file                         # clean, unmapped, page cache, inactive_file, refcount 1
cpu1 activate F                      # OPX
cpu0 deactivate_file F               # OPY
expect result == ok @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect result == refused @ v6.11 v6.14 will-v1 hugh-suggestion
expect F.refcount == 3 @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect F.refcount == 2 @ v6.11 v6.14 will-v1 hugh-suggestion

cpu1 drain                           # OPX first: active_file
expect F.list == active_file
cpu0 drain                           # then OPY: the inactive tail, as the program asked
expect F.list == inactive_file @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect F.pos == tail @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect F.list == active_file @ v6.11 v6.14 will-v1 hugh-suggestion
expect F.refcount == 1
