title "David: a later deactivate undone by an earlier activate, whatever the drain order"
# David Hildenbrand, 2025-08-28 (56819052-d3f5-4209-824d-5cfbf49ff6e9@redhat.com):
# "someone performs OPX and later someone OPY on a folio, but the way the lru
# caches are flushed we might end up processing OPX after OPY".  Here OPX is an
# activation parked on cpu1, OPY a deactivate_file on cpu0 after it; someone's
# lru_add_drain_all() on cpu2 queues work on both CPUs, and local drains may
# come at any moment.  Where both requests are queued (v5.18, v6.17 and later),
# cpu0's work can run first: the older activation is applied last and the
# folio ends on the active list although it was deactivated later.  Where
# 33dfe9204f29 clears PG_lru at add (v6.11 until the revert), OPY is refused
# instead: it is lost, never reordered.
kernel v6.17
cpus 3

folio F file                    # clean, unmapped, in the page cache, on inactive_file
cpu1 activate F                 # OPX (the prologue: it happens before OPY)

cpu0 { deactivate_file F }      # OPY, later
cpu2 { drain all }              # someone's lru_add_drain_all(): work on cpu0 and cpu1
may drain cpu0 cpu1             # local drains at any moment (other tasks, a full batch)

exists F.list == active_file and cpu0.result == ok
locations F.pos F.refcount
expect verdict == Sometimes @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
expect verdict == Never @ v6.11 v6.14 will-v1 hugh-suggestion   # OPY is refused there: lost
