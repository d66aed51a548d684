title "A movable folio that is not on any LRU: GUP retries for ever, or pins it in place"
# A driver's page in ZONE_MOVABLE that was never put on an LRU cannot be
# isolated, so it can never be migrated. __gup_longterm_locked() retries while
# check_and_migrate returns -EAGAIN (v5.18: while it returns 0): for ever.
# 1aaf8c122918 "mm: gup: fix infinite loop within __get_longterm_locked"
# (about v6.14) returned success when nothing could be isolated, which pins
# the folio where it is, in ZONE_MOVABLE; 517f496e1e61 (v6.16-rc) reverted it
# (Hyesoo Yu's reports). The model stops after 8 attempts and says LIVELOCK.
kernel v6.14
cpus 2

folio F anon zone=movable nolru      # mapped, never on an LRU: cannot be isolated
cpu0 gup_longterm F
expect result == ok @ v6.14                 # pinned in ZONE_MOVABLE
expect F.pins == 1 @ v6.14
expect F.zone == movable
expect result == LIVELOCK @ v5.18 v6.9 v6.11 will-v1 hugh-suggestion v6.17 v6.18 hugh-portmanteau
expect F.pins == 0 @ v5.18 v6.9 v6.11 will-v1 hugh-suggestion v6.17 v6.18 hugh-portmanteau
expect stats.gup_attempts == 8 @ v5.18 v6.9 v6.11 will-v1 hugh-suggestion v6.17 v6.18 hugh-portmanteau
# each attempt drains again: PG_lru is clear (v5.18..v6.15), the refcount is off (v6.17+)
expect stats.drain_all_calls == 8 @ v5.18 v6.9 v6.11 will-v1 hugh-suggestion v6.17 v6.18 hugh-portmanteau
expect stats.local_drains == 8 @ v6.17 hugh-suggestion hugh-portmanteau
expect stats.local_drains == 16 @ v6.18
expect stats.drain_all_calls == 1 @ v6.14
