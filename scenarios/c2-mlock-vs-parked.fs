title "Hugh: mlock/munlock while the folio is parked with PG_lru clear"
# Hugh Dickins, 2025-08-28 (8376d8a3-cc36-ae70-0fa8-427e9ca17b9b@google.com):
# once folio_test_clear_lru() can fail because a batch holds the folio with
# PG_lru clear (33dfe9204f29, v6.11), __mlock_folio() does nothing and
# __munlock_folio() clears PG_mlocked whatever the mlock_count: mlock and
# munlock "err on either side, munlocking too soon or too late".
# b3-hugh-mlock-missed.fs replays one bad order; this asks about all of them.
kernel v6.11
cpus 3

folio F anon mapped=2           # mapped by vma A and vma B, on inactive_anon

cpu0 { activate F }             # v6.11 clears PG_lru while F waits in cpu0's lru_activate
cpu1 { sys_mlock F }            # mlock(vma A): locked until the end
cpu2 {
  sys_mlock F                   # mlock(vma B) ...
  sys_munlock F                 # ... munlock(vma B)
}
may drain cpu0                  # the parked activation runs at some point

# vma A is VM_LOCKED in every execution: F must end mlocked, on the unevictable list
exists F lacks mlocked or F.list != unevictable
locations F.mlock_count F.list
expect verdict == Sometimes @ v6.11 v6.14 will-v1 hugh-suggestion
expect verdict == Never @ v5.18 v6.9 v6.17 v6.18 hugh-portmanteau
