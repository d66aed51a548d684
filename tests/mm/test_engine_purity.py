"""The engine as a function: step() leaves its input alone; clone, key,
hash and equality agree; a state restored from a snapshot continues
exactly as the original did."""

from __future__ import annotations

import pytest

from folioscope.mm import Machine, get_variant, step
from folioscope.mm.flat import flatten
from mmtest import ALL, do, machine, run

SCRIPT = [
    "cpu1 mark_accessed F", "cpu1 mark_accessed F", "cpu0 add_lru N", "cpu1 map S locked",
    "cpu1 flush lru_add", "cpu0 activate G", "cpu2 deactivate_file G", "cpu0 isolate G",
    "cpu0 gup_longterm F", "cpu0 gup_longterm S touch", "cpu2 lru_cache_disable",
    "cpu1 rotate G", "cpu2 lru_cache_enable", "cpu0 putback G", "cpu1 pin G",
    "cpu0 sys_mlock N", "cpu2 drain all", "cpu0 unpin G", "cpu0 munlock N", "cpu0 drain",
    "cpu0 add_lru G",                  # BUG: PG_lru set by now
]


def _declared(variant: str) -> Machine:
    m = machine(variant, 3)
    m.declare("F", "anon", zone="movable", referenced=True)
    m.declare("G", "file", mapped=1)
    m.declare("S", "shmem", zone="movable")
    m.declare("N", "anon", new=True)
    return m


def _args(text: str):
    words = text.split()
    cpu, op, rest = int(words[0][3:]), words[1], words[2:]
    if op == "drain" and rest == ["all"]:
        return dict(op="drain_all", cpu=cpu)
    if op == "flush":
        return dict(op="flush", cpu=cpu, batch=rest[0])
    return dict(op=op, cpu=cpu, folios=tuple(w for w in rest if w not in ("locked", "touch", "write")),
                flags=tuple(w for w in rest if w in ("locked", "touch", "write")))


def _shares_mutable(a, b) -> list[str]:
    """Mutable objects two states share (a clone must share none; batches
    are tuples, which nobody can change)."""
    shared = []
    if a.folios is b.folios:
        shared.append("folios dict")
    for name in set(a.folios) & set(b.folios):
        if a.folios[name] is b.folios[name]:
            shared.append(f"folio {name}")
    for ca, cb in zip(a.cpus, b.cpus, strict=True):
        if ca is cb or ca.batches is cb.batches:
            shared.append(f"cpu{ca.cpu}")
    for k in a.lists:
        if a.lists[k] is b.lists[k]:
            shared.append(f"list {k}")
    if a.stats is b.stats:
        shared.append("stats")
    if a.successor is b.successor:
        shared.append("successor")
    return shared


@pytest.mark.parametrize("variant", ALL)
def test_step_is_pure_and_agrees_with_apply(variant):
    m = _declared(variant)
    v = get_variant(variant)
    state = m.snapshot()
    earlier = []
    for text in SCRIPT:
        frozen = state.key()
        copy = state.clone()
        new, outcome = step(state, v, **_args(text))
        assert state.key() == frozen and state == copy, f"step({text}) changed its input"
        assert new is not state
        earlier.append((state, frozen, text))
        expected = do(m, text)
        assert (outcome.result, outcome.detail, outcome.events) == \
            (expected.result, expected.detail, expected.events), text
        assert new == m.state, text
        state = new
    assert expected.result == "BUG"                        # the script's last statement
    # copy-on-write: stepping a state's descendants never changed the state
    for old, key, text in earlier:
        assert old.key() == key, f"the state before {text} changed later"


@pytest.mark.parametrize("variant", ALL)
def test_clone_key_hash_equality(variant):
    m = _declared(variant)
    seen = {}
    for text in SCRIPT:
        do(m, text)
        a = m.state
        b = a.clone()
        assert a == b and a.key() == b.key() and hash(a) == hash(b)
        assert not _shares_mutable(a, b)
        seen.setdefault(b, text)
        # mutating the clone leaves the original alone
        before = a.key()
        for folio in b.folios.values():
            folio.refcount += 1
        b.cpus[0].batches["lru_add"] += ("F",)
        b.lists["unevictable"].add_tail("X")
        b.stats.drain_all_calls += 1
        b.successor["X"] = "Y"
        assert a.key() == before and a != b
    assert len({m.state, m.state.clone(), m.snapshot()}) == 1


@pytest.mark.parametrize("variant", ALL)
def test_equality_sees_every_part(variant):
    m = _declared(variant)
    run(m, "cpu0 activate G")
    base = m.snapshot()
    changes = [
        lambda s: setattr(s.folios["G"], "referenced", True),
        lambda s: setattr(s.folios["G"], "pos", "tail"),
        lambda s: s.cpus[2].batches.update(mlock=s.cpus[2].batches["mlock"] + (("G", "lru"),)),
        lambda s: s.lists["inactive_file"].add_tail("X"),
        lambda s: s.lists["inactive_file"].remove("G"),
        lambda s: setattr(s.stats, "local_drains", 5),
        lambda s: setattr(s, "lru_disable_count", 1),
        lambda s: s.successor.update(F="F'"),
    ]
    for change in changes:
        other = base.clone()
        change(other)
        assert other != base and other.key() != base.key()


@pytest.mark.parametrize("variant", ALL)
def test_restore_from_snapshot_continues_identically(variant):
    m = _declared(variant)
    half = len(SCRIPT) // 2
    for text in SCRIPT[:half]:
        do(m, text)
    snap = m.snapshot()
    snap_key = snap.key()
    first = [(o.result, o.detail, o.events) for o in (do(m, t) for t in SCRIPT[half:])]
    end = m.snapshot()
    m.restore(snap)
    assert m.state == snap and m.state is not snap
    second = [(o.result, o.detail, o.events) for o in (do(m, t) for t in SCRIPT[half:])]
    assert first == second
    assert m.state == end
    assert snap.key() == snap_key                          # the snapshot stays untouched
    # the same from a fresh machine
    fresh = Machine(variant, 3, check=True)
    fresh.restore(snap)
    third = [(o.result, o.detail, o.events) for o in (do(fresh, t) for t in SCRIPT[half:])]
    assert third == first and fresh.state == end


@pytest.mark.parametrize("variant", ALL)
def test_flat_holders_sum_to_refcount(variant):
    m = _declared(variant)
    for text in SCRIPT:
        do(m, text)
        flat = flatten(m.state)
        for name in flat["folios"]:
            total = sum(n for _, n in flat[f"folio.{name}.holders"])
            assert total == flat[f"folio.{name}.refcount"], (text, name)
