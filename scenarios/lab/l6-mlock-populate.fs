title "mlock(2) touches what it locks; mlock2(MLOCK_ONFAULT) does not"
# Lab: after mlock_fixup(), do_mlock() calls __mm_populate():
# populate_vma_page_range() walks the range with FOLL_TOUCH, so
# follow_page_pte() calls folio_mark_accessed() and A gains PG_referenced.
# mlock2(MLOCK_ONFAULT) sets VM_LOCKONFAULT and the walk returns at once:
# B is mlocked just the same but not referenced.
# Expected: agree on every kernel (the pass is older than the mlock batch).
kernel v6.17
cpus 2

folio A anon zone=movable        # faulted and drained during setup: inactive_anon
folio B anon zone=movable
cpu0 sys_mlock A                 # mlock(2)
expect A has mlocked unevictable referenced
cpu1 sys_mlock B onfault         # mlock2(MLOCK_ONFAULT)
expect B has mlocked unevictable
expect B lacks referenced
