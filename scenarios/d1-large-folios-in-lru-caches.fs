title "David Hildenbrand's LSF/MM idea: large folios in the per-CPU LRU caches meet the v6.17 pin"
# David Hildenbrand, 2025-08-28, in the seed thread
# (56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com): "There were discussions
# at LSF/MM about also putting (some) large folios onto the LRU caches. In
# that context, GUP could take multiple references on the same folio, and a
# simple folio_expected_ref_count() + 1 would no longer do the trick."
# Every kernel so far flushes a large folio's batch at once (2da6de30e60d
# names the test folio_may_be_lru_cached(): !folio_test_large()), and v6.17's
# GUP does not drain for one. large_folios_cached=true lets large folios wait
# in the batches like small ones; GUP's trigger asks folio_may_be_lru_cached()
# too, so it now considers them (docs/model.md §2, kernel-findings.md §B3).
#
# L waits twice: in cpu0's lru_deactivate and in cpu1's mlock batch. Under
# v6.17 + large_folios_cached=true the pin finds refcount 7 (map, two entries,
# four pinned pages) against folio_expected_ref_count() + 1 = 2: it drains
# cpu0, then every CPU, and L migrates. With the PG_lru trigger of v5.18 to
# v6.16 (v6.9 + large_folios_cached=true) L keeps PG_lru while it waits, the
# pin refuses to drain, and migration finds the two entries: -ENOMEM, Will
# Deacon's failure for large folios. Then M, a large folio nothing caches:
# its four pins alone mismatch "+ 1", so every pin of it drains every CPU
# (N's unrelated entry on cpu1 is flushed), the always-drain of small folios
# (b6) come to large ones; comparing with the pins GUP holds
# (gup_expected_refs=plus_pins, the later "mm/gup: fix always draining LRU
# caches in collect_longterm_unpinnable_folios()") drains only for L.
kernel v6.17 + large_folios_cached=true
cpus 2

folio L anon order=2 zone=movable active   # mapped, on active_anon
folio M anon order=2 zone=movable          # mapped, on inactive_anon, cached nowhere
folio N anon new                           # an unrelated small folio...
cpu0 deactivate L                          # MADV_COLD: lru_deactivate on cpu0
cpu1 mlock L                               # a VM_LOCKED fault's mlock_folio() on cpu1
expect cpu0.lru_deactivate == [L] @ v6.17+large_folios_cached=true v6.9+large_folios_cached=true
expect cpu1.mlock == [L:lru] @ v6.17+large_folios_cached=true v6.9+large_folios_cached=true
expect L.refcount == 3 @ v6.17+large_folios_cached=true v6.9+large_folios_cached=true
expect cpu0.lru_deactivate == [] @ v5.18 v6.11 v6.14 will-v1 hugh-suggestion v6.18 hugh-portmanteau
expect L.refcount == 1 @ v5.18 v6.11 v6.14 will-v1 hugh-suggestion v6.18 hugh-portmanteau

cpu0 gup_longterm L
expect result == ok @ v6.17+large_folios_cached=true v5.18 v6.11 v6.14 will-v1 hugh-suggestion v6.18 hugh-portmanteau
expect L.freed == true @ v6.17+large_folios_cached=true v5.18 v6.11 v6.14 will-v1 hugh-suggestion v6.18 hugh-portmanteau
expect L'.pins == 4 @ v6.17+large_folios_cached=true v5.18 v6.11 v6.14 will-v1 hugh-suggestion v6.18 hugh-portmanteau
expect L'.pincount == 4 @ v6.17+large_folios_cached=true v5.18 v6.11 v6.14 will-v1 hugh-suggestion v6.18 hugh-portmanteau
expect stats.drain_all_work == [[cpu1]] @ v6.17+large_folios_cached=true
expect stats.local_drains == 1 @ v6.17+large_folios_cached=true
# the PG_lru trigger refuses to drain: both entries are still there, -ENOMEM
expect result == ENOMEM @ v6.9+large_folios_cached=true
expect stats.drain_all_calls == 0 @ v6.9+large_folios_cached=true
expect cpu1.mlock == [L:lru] @ v6.9+large_folios_cached=true
# v6.17 and v6.18 themselves: nothing was cached, nothing drained
expect stats.drain_all_calls == 0 @ v6.18

cpu1 add_lru N                             # ...waiting in cpu1's lru_add
cpu0 gup_longterm M
expect result == ok
expect M'.pins == 4
expect cpu1.lru_add == [] @ v6.17+large_folios_cached=true
expect stats.drain_all_work == [[cpu1], [cpu1]] @ v6.17+large_folios_cached=true
expect cpu1.lru_add == [N] @ v6.17+large_folios_cached=true+gup_expected_refs=plus_pins v6.18
expect stats.drain_all_work == [[cpu1]] @ v6.17+large_folios_cached=true+gup_expected_refs=plus_pins
expect stats.drain_all_calls == 0 @ v6.18
