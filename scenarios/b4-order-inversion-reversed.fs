title "David's OPX/OPY, drained out of order: the older activate undoes the deactivate"
# David Hildenbrand, 2025-08-28 (56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com):
# the same two operations as b4-order-inversion-program-order.fs, but cpu0
# drains before cpu1 (a local drain, or lru_add_drain_all's work items in
# another order). The deactivation (OPY) is processed first, and the older
# activation (OPX) then undoes it. v6.11..v6.17-rc kept one entry per folio
# and refused OPY; Hugh's v6.17 revert brought the inversion back, judging
# these batches "best effort".
kernel v6.17
cpus 2

folio F file                         # clean, unmapped, page cache, inactive_file, refcount 1
cpu1 activate F                      # OPX
cpu0 deactivate_file F               # OPY
expect result == ok @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect result == refused @ v6.11 v6.14 will-v1 hugh-suggestion

cpu0 drain                           # OPY first: inactive_file tail
expect F.list == inactive_file
expect F.pos == tail @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
cpu1 drain                           # then OPX: active_file, OPY undone
expect F.list == active_file
expect F.refcount == 1
