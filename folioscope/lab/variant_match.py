"""Which variant a real kernel is: its version, then the commits its
changelog says were backported.

A kernel's version does not name its variant: Debian's 6.1.192 carries the
v6.17 GUP fixes from stable 6.1.155.  So the switches start from the mainline
commits up to the kernel's version, then each commit the changelog lists
(by subject, as Debian's changelog quotes stable's) is applied, oldest first.
The result is a named variant if one has exactly those switches, else a
composed one: the closest named variant plus the switches that differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from ..mm.variants import V5_18, VARIANTS, Variant


@dataclass(frozen=True)
class Commit:
    """An upstream commit that changes switches."""

    id: str
    subject: str
    switches: dict
    mainline: tuple[int, int]   # the first release that has it


COMMITS: tuple[Commit, ...] = (
    Commit("67e139b02d99", "mm/gup.c: refactor check_and_migrate_movable_pages()",
           {"gup_retry_style": "collected_count"}, (6, 1)),
    Commit("(v6.3)", "migrate_pages_sync / migrate_pages_batch (the v6.3 migration rework)",
           {"migrate_passes": "async3_sync7"}, (6, 3)),
    Commit("(v6.7)", "mm: migrate: record the mlocked page status to remove unnecessary lru drain",
           {"migrate_drain_after_move": "if_mlocked"}, (6, 7)),
    Commit("(v6.5)", "mm: mlock: update mlock_pte_range to handle large folio (Yin Fengwei's series)",
           {"munlock_large_at_unmap": True}, (6, 5)),
    Commit("9cecde80aae0", "mm: increase folio batch size", {"batch_size": 31}, (6, 9)),
    Commit("33dfe9204f29", "mm/gup: clear the LRU flag of a page before adding to LRU batch",
           {"clear_lru_at_add": True, "flush_tests_clear_lru": False}, (6, 11)),
    Commit("1aaf8c122918", "mm: gup: fix infinite loop within __get_longterm_locked",
           {"gup_retry_style": "list_empty_means_success"}, (6, 14)),
    Commit("517f496e1e61", 'mm/gup: revert "mm: gup: fix infinite loop within __get_longterm_locked"',
           {"gup_retry_style": "collected_count"}, (6, 16)),
    Commit("98c6d259319e", "mm/gup: check ref_count instead of lru before migration",
           {"gup_drain_trigger": "refcount_all"}, (6, 17)),
    Commit("a09a8a1fbb37", "mm/gup: local lru_add_drain() to avoid lru_add_drain_all()",
           {"gup_drain_trigger": "refcount_2level"}, (6, 17)),
    Commit("afb99e9f5004", 'mm: Revert "mm/gup: clear the LRU flag of a page before adding to LRU batch"',
           {"clear_lru_at_add": False, "flush_tests_clear_lru": True,
            "deactivate_file_requires_lru": True}, (6, 17)),
    Commit("2da6de30e60d", "mm: folio_may_be_lru_cached() unless folio_test_large()",
           {"gup_skip_large_for_drain": True}, (6, 17)),
    Commit("(v6.18)", "mm: lru_add_drain_all() do local lru_add_drain() first",
           {"drain_all_local_first": True}, (6, 18)),
)
"""Mainline order.  The v5.18 base already has mlock batching (2fbb0c10d1e8);
the releases of 67e139b02d99 (v6.1), the migration rework (v6.3) and
PAGE_WAS_MLOCKED (v6.7) are kernel-model.md's; "(vX)" marks a commit whose
mainline id is unverified."""

SWITCHES = tuple(f.name for f in fields(Variant) if f.name not in ("name", "letter", "commits", "summary"))


def normalise(subject: str) -> str:
    """Case, quotes, a trailing ``(Closes: …)`` and spacing do not matter."""
    s = re.sub(r"\s*\((closes|cve)[^)]*\)\s*$", "", subject.strip(), flags=re.I)
    s = s.replace("'", '"').lower()
    return re.sub(r"\s+", " ", s)


BY_SUBJECT = {normalise(c.subject): c for c in COMMITS}


def parse_version(text: str) -> tuple[int, int, int]:
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        raise ValueError(f"not a kernel version: {text!r}")
    return int(m[1]), int(m[2]), int(m[3] or 0)


def backported(entries: list[str]) -> list[Commit]:
    """The commits of COMMITS that changelog ``entries`` list, in mainline
    order (the order their switches compose in: a revert after its commit)."""
    listed = {normalise(e) for e in entries}
    return [c for c in COMMITS if normalise(c.subject) in listed]


@dataclass(frozen=True)
class Match:
    """The variant a kernel matches: ``base`` plus ``switches`` (empty for a
    named variant), and the sentence that says why."""

    base: str
    switches: dict
    sentence: str

    @property
    def name(self) -> str:
        return "+".join([self.base, *(f"{k}={_show(v)}" for k, v in self.switches.items())])

    def variant(self) -> Variant:
        """The switches as a Variant the engine can run."""
        return replace(VARIANTS[self.base], name=self.name, **self.switches)


def _show(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _switches(v: Variant) -> dict:
    return {s: getattr(v, s) for s in SWITCHES}


def closest(switches: dict) -> tuple[str, dict]:
    """The named variant differing from ``switches`` in the fewest switches."""
    best = None
    for name, v in VARIANTS.items():
        diff = {k: val for k, val in switches.items() if getattr(v, k) != val}
        if best is None or len(diff) < len(best[1]):
            best = (name, diff)
    return best


def match(version: str, entries: list[str]) -> Match:
    """The variant of upstream ``version`` whose changelog lists ``entries``."""
    ver = parse_version(version)
    switches = _switches(V5_18)
    mainline = [c for c in COMMITS if c.mainline <= ver[:2]]
    for c in mainline:
        switches.update(c.switches)
    extra = [c for c in backported(entries) if c.mainline > ver[:2]]
    for c in extra:
        switches.update(c.switches)
    base, diff = closest(switches)
    m = Match(base, diff, "")
    return replace(m, sentence=_sentence(version, ver, mainline, extra, m, bool(entries)))


def _sentence(version, ver, mainline, extra, m: Match, had_log: bool) -> str:
    family = closest({**_switches(V5_18), **{k: v for c in mainline for k, v in c.switches.items()}})[0]
    head = f"{version}: mainline {ver[0]}.{ver[1]} is {family}"
    if extra:
        head += " plus backported " + " ".join(dict.fromkeys(c.id for c in extra))
    elif had_log:
        head += "; its changelog lists none of the GUP/LRU-batch commits the variants differ by"
    else:
        head += "; no changelog found, so by version alone"
    return f"{head} → {m.name}"
