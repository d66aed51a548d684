title "v6.17's refcount trigger always drains for a small folio"
# Hugh Dickins's 98c6d259319e/a09a8a1fbb37 (v6.17) drain when the refcount is
# not folio_expected_ref_count() + 1. collect_longterm_unpinnable_folios()
# runs with the pins held, and a small folio's pin adds 1024, so the test
# always fails: every FOLL_LONGTERM pin of a movable small folio drains the
# local batches and then every CPU with anything pending, however unrelated
# (docs/model.md §2, gup_drain_trigger; David Hildenbrand in
# 56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com: "any raised reference will
# make us now flush all remote LRU caches"). Later mm-tree patches compare
# with expected + pin refs ("mm/gup: fix always draining LRU caches in
# collect_longterm_unpinnable_folios()"): try it with
# --kernel 'v6.17+gup_expected_refs=plus_pins': every drain expected of v6.17
# below is then reported as gone.
kernel v6.17
cpus 2

folio F anon zone=movable            # mapped, on inactive_anon, nothing queued anywhere
folio N anon new                     # an unrelated new folio...
cpu1 add_lru N                       # ...waiting in cpu1's lru_add
cpu0 gup_longterm F
expect result == ok
expect F.freed == true
expect F'.pins == 1
expect F'.pincount == 0                      # a small folio has no _pincount: its pin is 1024 in the refcount
expect F'.dma_pinned == true                 # folio_maybe_dma_pinned(): refcount >= 1024
# v6.17 and later: a local drain (nothing on cpu0), then lru_add_drain_all()
expect stats.drain_all_work == [[cpu1]] @ v6.17 v6.18 hugh-portmanteau
expect cpu1.lru_add == [] @ v6.17 v6.18 hugh-portmanteau
expect N.list == inactive_anon @ v6.17 v6.18 hugh-portmanteau
expect stats.local_drains == 1 @ v6.17
expect stats.local_drains == 2 @ v6.18          # plus lru_add_drain_all's local-first drain
# Hugh's head-of-collect drain runs at every collect: the pin of F' drains again
expect stats.local_drains == 2 @ hugh-portmanteau hugh-suggestion
# before: PG_lru was set, so no drain at all
expect stats.drain_all_calls == 0 @ v5.18 v6.9 v6.11 v6.14 will-v1 hugh-suggestion
expect stats.local_drains == 0 @ v5.18 v6.9 v6.11 v6.14 will-v1
expect cpu1.lru_add == [N] @ v5.18 v6.9 v6.11 v6.14 will-v1 hugh-suggestion
