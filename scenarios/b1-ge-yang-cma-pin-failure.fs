title "Ge Yang's CMA pin failure: an lru_activate entry defeats migration"
# Ge Yang, 2024 (33dfe9204f29 "mm/gup: clear the LRU flag of a page before
# adding to LRU batch"): pinning a CMA folio failed because another CPU's
# lru_activate batch held a reference to it. Before v6.11 a folio waiting in
# a move batch kept PG_lru, so collect_longterm_unpinnable_folios() saw
# nothing to drain, isolated it, and migration found one reference too many.
# v6.11 cleared PG_lru at add time, so the pin drained first; v6.17 reverted
# that and drains on a refcount mismatch instead.
kernel v6.9
cpus 2

folio F anon zone=cma referenced     # mapped once, on inactive_anon, refcount 1
cpu1 mark_accessed F                 # referenced already: folio_activate queues on cpu1
expect cpu1.lru_activate == [F]
expect F.refcount == 2
expect F has lru @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect F lacks lru @ v6.11 v6.14 will-v1 hugh-suggestion

cpu0 gup_longterm F
expect result == ENOMEM @ v5.18 v6.9
expect result == ok @ v6.11 v6.14 will-v1 hugh-suggestion v6.17 v6.18 hugh-portmanteau
# where it fails: held by its map, cpu0's lru_add (putback) and cpu1's lru_activate
expect F.refcount == 3 @ v5.18 v6.9
expect F lacks lru @ v5.18 v6.9
expect F'.zone == normal @ v6.11 v6.14 will-v1 hugh-suggestion v6.17 v6.18 hugh-portmanteau

cpu1 drain                           # flush test-and-clears PG_lru: clear, so F is skipped
expect F.list == none @ v5.18 v6.9
cpu0 drain                           # lru_add puts F back on its list
expect F.list == inactive_anon @ v5.18 v6.9
expect F.refcount == 1 @ v5.18 v6.9
