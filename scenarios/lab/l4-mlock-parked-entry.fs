title "mlock(2) on cpu0 while the folio is still parked in cpu1's lru_add"
# Lab: a read fault on cpu1 creates memfd folio F (folio_add_lru: parked in
# cpu1's lru_add, PG_lru clear) and maps it. mlock(2) on cpu0 marks it
# mlocked and queues it in cpu0's mlock batch; mlock's closing lru_add_drain()
# on cpu0 finds PG_lru clear and leaves it. When cpu1's lru_add flushes,
# lru_add() sees PG_mlocked and puts F on the unevictable list with
# mlock_count 0 although one VM_LOCKED vma maps it (Hugh's "mlock missed").
# Expected: agree on 6.1.192, 6.12.43, 6.16.3, 6.17.8, 6.18.5.
kernel v6.17
cpus 2

folio F shmem new zone=movable
cpu1 add_lru F
cpu1 map F
expect cpu1.lru_add == [F]
expect F lacks lru
cpu0 sys_mlock F onfault          # mlock2(MLOCK_ONFAULT): no populate pass
expect F has mlocked
expect cpu0.mlock == []
expect cpu1.lru_add == [F]
cpu1 flush lru_add
expect F.list == unevictable
expect F.mlock_count == 0
