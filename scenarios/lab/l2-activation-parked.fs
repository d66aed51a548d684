title "An activation parked on cpu1 while cpu0 pins the folio"
# Lab: two reads through /proc/self/mem on cpu1 (FOLL_TOUCH: folio_mark_accessed
# twice) park A in cpu1's lru_activate batch; an io_uring pin on cpu0 then has
# to drain cpu1 before it can migrate A out of ZONE_MOVABLE.
# v6.11 (33dfe9204f29) clears PG_lru when A enters the batch; v5.18-style and
# v6.17+ batches keep it until the flush.
# (6.1.192 carries the v6.17 refcount trigger: ok there too.)
# Expected: agree on 6.1.192, 6.12.43, 6.16.3, 6.17.8, 6.18.5.
kernel v6.17
cpus 2

folio A anon zone=movable        # faulted and drained during setup: inactive_anon, refcount 1
cpu1 mark_accessed A             # PG_referenced
expect A has referenced
cpu1 mark_accessed A             # referenced, inactive, on an LRU: folio_activate queues it on cpu1
expect cpu1.lru_activate == [A]
expect A.refcount == 2
expect A lacks referenced active
expect A lacks lru @ v6.11 v6.14
expect A has lru @ v5.18 v6.9 v6.17 v6.18

cpu0 gup_longterm A              # v6.11: !lru, v6.17: refcount -> lru_add_drain_all, then migrate
expect result == ok @ v6.11 v6.14 v6.17 v6.18
expect A.freed == true @ v6.11 v6.14 v6.17 v6.18
expect A'.zone == normal @ v6.11 v6.14 v6.17 v6.18
expect A'.pins == 1 @ v6.11 v6.14 v6.17 v6.18
expect cpu1.lru_activate == [] @ v6.11 v6.14 v6.17 v6.18
# v5.18..v6.10 drained only when PG_lru was clear: the parked entry defeats the pin
expect result == ENOMEM @ v5.18 v6.9
