title "drain all: folios parked on both CPUs reach the LRU"
# Lab: write faults park A in cpu0's lru_add and B in cpu1's; two reads of A
# through /proc/self/mem on cpu1 find it in no local batch
# (__lru_cache_activate_folio looks only at this CPU's lru_add), so A is not
# activated. move_pages(2) drains every CPU (lru_cache_disable).
# Expected: agree on 6.1.192, 6.12.43, 6.16.3, 6.17.8, 6.18.5.
kernel v6.17
cpus 2

folio A anon new zone=movable
folio B anon new zone=movable
cpu0 add_lru A
cpu1 add_lru B
expect cpu0.lru_add == [A]
expect cpu1.lru_add == [B]
cpu1 mark_accessed A
expect A has referenced
cpu1 mark_accessed A
expect A lacks referenced active
drain all
expect cpu0.lru_add == []
expect cpu1.lru_add == []
expect A.list == inactive_anon
expect B.list == inactive_anon
expect A has lru
expect A.refcount == 1
