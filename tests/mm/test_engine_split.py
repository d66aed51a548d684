"""Split operations: lru_add_drain_all() stops in flush_work() (and in
mutex_lock()), __gup_longterm_locked() at its yield points; the halves run
back to back are exactly the whole operation.

mm/swap.c@v6.18 __lru_add_drain_all(): mutex_lock(&lock); for each online
CPU with cpu_needs_drain(): queue_work_on(cpu, mm_percpu_wq, work); then
flush_work() on each; mutex_unlock().  The work item
(lru_add_drain_per_cpu -> lru_add_and_bh_lrus_drain) drains whatever is
batched when it runs.
"""

from __future__ import annotations

import pytest

from folioscope.mm import Machine
from folioscope.mm.machine import NotSuspended, WouldBlock
from mmtest import ALL, D, batch, do, f, held, machine, run


def _two_pending(variant: str) -> Machine:
    m = machine(variant, 3)
    m.declare("F", "file")
    m.declare("G", "anon")
    run(m, "cpu1 mlock F", "cpu2 mlock G")
    return m


@pytest.mark.parametrize("variant", ALL)
def test_drain_all_split_queues_work_and_waits(variant):
    m = _two_pending(variant)
    out = m.start("drain_all", 0)
    assert out.result == "waiting" and out.suspended.work == (1, 2)
    assert m.state.queued_work == (1, 2) and m.state.drain_mutex == 0
    assert batch(m, 1, "mlock") == [("F", "lru")]            # nothing ran yet
    with pytest.raises(WouldBlock, match="cpu1, cpu2"):
        m.resume(0)
    m.work(2)
    assert batch(m, 2, "mlock") == [] and m.state.queued_work == (1,)
    run(m, "cpu1 mlock G")                                  # cpu1 batches more meanwhile
    m.work(1)                                               # and its work item drains that too
    assert batch(m, 1, "mlock") == [] and f(m, "G").mlock_count == 2
    assert m.resume(0).result == "ok"
    assert m.state.drain_mutex is None and not m.suspended
    assert m.state.stats.drain_all_work == ((1, 2),)


@pytest.mark.parametrize("variant", ALL)
def test_halves_back_to_back_are_the_whole_operation(variant):
    whole, halves = _two_pending(variant), _two_pending(variant)
    expected = do(whole, "cpu0 drain all")
    first = halves.start("drain_all", 0)
    events = list(first.events)
    for cpu in first.suspended.work:
        events += halves.work(cpu).events
    events += halves.resume(0).events
    assert halves.state == whole.state
    assert [e.text for e in events] == [e.text for e in expected.events]


@pytest.mark.parametrize("variant", ALL)
def test_second_caller_waits_for_the_mutex(variant):
    m = _two_pending(variant)
    m.start("drain_all", 0)
    with pytest.raises(WouldBlock, match="mutex"):
        m.apply("drain_all", 1)
    out = m.start("drain_all", 1)
    assert out.result == "waiting" and out.suspended.waits == "mutex"
    with pytest.raises(WouldBlock, match="mutex"):
        m.resume(1)
    m.work(1), m.work(2), m.resume(0)
    assert m.resume(1).result == "ok"                       # nothing left to drain
    assert m.state.stats.drain_all_work == ((1, 2), ())


def test_work_and_resume_need_something_to_run():
    m = _two_pending("v6.18")
    with pytest.raises(NotSuspended):
        m.work(1)
    with pytest.raises(NotSuspended):
        m.resume(0)


def test_v6_18_drains_the_caller_before_the_mutex():
    """"lru_add_drain_all() do local lru_add_drain() first" (v6.18): the
    local drain runs even when the caller then sleeps on the mutex."""
    m = _two_pending("v6.18")
    m.start("drain_all", 1)                     # holds the mutex, work on cpu2 only
    assert m.state.queued_work == (2,)
    out = m.start("drain_all", 2)               # cpu2 drains itself, then sleeps
    assert out.suspended.waits == "mutex" and batch(m, 2, "mlock") == []


def _will(variant: str) -> Machine:
    """b2-will-deacon-pin-failure.fs's set-up: a stale (F, LRU) entry on cpu1."""
    m = machine(variant)
    m.declare("F", "shmem", new=True, zone="movable")
    run(m, "cpu1 add_lru F", "cpu1 map F locked", "cpu1 flush lru_add")
    return m


@pytest.mark.parametrize("variant", D)
def test_a_fault_between_isolation_and_migration_defeats_the_pin(variant):
    """check.md's v6.17 witness: the pin drains cpu1 (Y1), isolates F, and a
    concurrent VM_LOCKED fault queues a new (F, LRU) entry before migration
    (Y2): one reference too many, -ENOMEM."""
    m = _will(variant)
    out = m.start("gup_longterm", 0, ("F",))
    assert out.suspended.waits == "work" and out.suspended.work == (1,)
    m.work(1)
    out = m.resume(0)
    assert out.result == "waiting" and out.suspended.waits == "yield"
    assert f(m, "F").isolated_by == "gup"
    run(m, "cpu1 map F locked")
    assert held(m, "F")["cpu1 mlock (lru)"] == 1
    assert m.resume(0).result == "ENOMEM"
    assert not m.suspended and m.state.drain_mutex is None


@pytest.mark.parametrize("variant", D)
def test_without_the_fault_the_split_pin_succeeds(variant):
    m = _will(variant)
    out = m.start("gup_longterm", 0, ("F",))
    while out.result == "waiting":
        for cpu in out.suspended.work:
            m.work(cpu)
        out = m.resume(0)
    assert out.result == "ok" and f(m, "F'").pins == 1


@pytest.mark.parametrize("variant", ALL)
def test_a_split_pin_run_to_its_end_is_the_whole_pin(variant):
    whole, halves = _will(variant), _will(variant)
    expected = do(whole, "cpu0 gup_longterm F")
    out = halves.start("gup_longterm", 0, ("F",))
    texts = [e.text for e in out.events]
    while out.result == "waiting":
        for cpu in out.suspended.work:
            texts += [e.text for e in halves.work(cpu).events]
        out = halves.resume(0)
        texts += [e.text for e in out.events]
    assert out.result == expected.result
    assert halves.state == whole.state
    assert texts == [e.text for e in expected.events]


def test_a_bug_in_a_resumed_operation_abandons_it_and_frees_the_mutex():
    m = machine("v6.17")
    m.declare("F", "anon", zone="movable")
    run(m, "cpu1 mlock F")
    out = m.start("drain_all", 0)
    assert out.suspended is not None
    m.work(1)
    assert m.resume(0).result == "ok"
    # a putback of a folio nobody isolated is a BUG and changes nothing
    before = m.snapshot()
    assert do(m, "cpu0 putback F").result == "BUG" and m.state == before
