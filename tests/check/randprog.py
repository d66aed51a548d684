"""Random concurrent programs for the explorer's tests and benchmark."""

from __future__ import annotations

import random

from folioscope.check.program import Call, EnvAction, Program, Thread
from folioscope.mm import Machine
from folioscope.mm.variants import get_variant

LOCAL_OPS = ["activate", "deactivate", "deactivate_file", "lazyfree", "rotate", "mark_accessed",
             "mlock", "munlock", "isolate", "putback", "get", "put", "drain", "flush_lru_add",
             "flush_mlock", "map_locked", "unmap_locked", "sys_mlock", "sys_munlock", "pin",
             "unpin", "add_lru"]
GLOBAL = ["drain_all", "gup_longterm"]

KINDS = [("anon", {}), ("file", {}), ("shmem", {"zone": "movable"}), ("anon", {"zone": "movable"}),
         ("file", {"mapped": 1}), ("shmem", {"locked": 1})]


def call(op: str, folio: str) -> Call:
    if op == "flush_lru_add":
        return Call("flush", batch="lru_add")
    if op == "flush_mlock":
        return Call("flush", batch="mlock")
    if op in ("map_locked", "unmap_locked"):
        return Call(op.split("_")[0], (folio,), ("locked",))
    if op in ("drain", "drain_all"):
        return Call(op)
    return Call(op, (folio,))


def program(rng: random.Random, variant: str, ncpus: int = 3, nops: int = 4, nfolios: int = 4,
            global_ops: bool = True, env: bool = True) -> Program:
    m = Machine(variant, ncpus)
    names = [f"F{i}" for i in range(nfolios)]
    for name in names:
        kind, attrs = rng.choice(KINDS)
        m.declare(name, kind, **attrs)
    ops = LOCAL_OPS + (GLOBAL if global_ops else [])
    threads = []
    for cpu in range(ncpus):
        calls = tuple(call(rng.choice(ops), rng.choice(names)) for _ in range(rng.randint(1, nops)))
        threads.append(Thread(cpu, calls))
    actions = ()
    if env:
        actions = tuple(EnvAction("drain", cpu) for cpu in range(ncpus) if rng.random() < 0.4)
    return Program("random", get_variant(variant), m.state, tuple(threads), actions)


def shared_3x4(variant: str = "v6.17", private: bool = False) -> Program:
    """The benchmark's 3 CPUs x 4 operations, on shared (or private) folios."""
    m = Machine(variant, 3)
    for name in ("A", "B", "C"):
        m.declare(name, "file")
    per_cpu = [["activate", "deactivate_file", "rotate", "mark_accessed"],
               ["mark_accessed", "activate", "lazyfree", "deactivate"],
               ["rotate", "mark_accessed", "activate", "deactivate_file"]]
    threads = []
    for cpu, ops in enumerate(per_cpu):
        folios = ["ABC"[cpu]] * 4 if private else ["A", "B", "C", "A"][cpu:] + ["A", "B", "C"][:cpu]
        threads.append(Thread(cpu, tuple(Call(op, (folios[k % len(folios)],))
                                         for k, op in enumerate(ops))))
    return Program("3x4", get_variant(variant), m.state, tuple(threads),
                   tuple(EnvAction("drain", cpu) for cpu in range(3)))
