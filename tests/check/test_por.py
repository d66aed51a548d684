"""Partial-order reduction never changes the set of final states: random
2-3 CPU programs over shared folios, with and without global operations
(drain all, gup_longterm) and environment drains, under three variants."""

from __future__ import annotations

import random

import pytest

from folioscope.check.search import Explorer
from randprog import program, shared_3x4

VARIANTS = ("v5.18", "v6.11", "v6.17")
SEEDS = range(100)


def _finals(result) -> set[int]:
    return {f.node_fp for f in result.finals.values()}


@pytest.mark.parametrize("variant", VARIANTS)
def test_por_keeps_every_final_state(variant):
    ratios = []
    for seed in SEEDS:
        rng = random.Random(seed * 7919 + len(variant))
        p = program(rng, variant, ncpus=rng.choice([2, 3]), nops=rng.choice([2, 3, 4]),
                    global_ops=rng.random() < 0.4)
        full, reduced = Explorer(p, por=False).run(), Explorer(p, por=True).run()
        assert _finals(reduced) == _finals(full), f"seed {seed}"
        assert [q.kind for q in reduced.problems] == [q.kind for q in full.problems] or \
            bool(reduced.problems) == bool(full.problems), f"seed {seed}"
        assert reduced.states <= full.states
        ratios.append(reduced.states / full.states)
    assert sum(ratios) / len(ratios) < 0.9      # it does reduce


def test_private_folios_reduce_to_almost_one_interleaving():
    p = shared_3x4(private=True)
    full, reduced = Explorer(p, por=False).run(), Explorer(p, por=True).run()
    assert _finals(full) == _finals(reduced)
    assert reduced.states * 5 < full.states
