"""Which variant a real kernel is: its mainline release, then the commits
its changelog says were backported.

A kernel's version does not name its variant: Debian's 6.1.192 carries the
v6.17 GUP fixes from stable 6.1.155.  So the switches start from the mainline
release (``folioscope.mm.releases.release_switches``), then each commit of
``folioscope.mm.variants.CHANGES`` that the image's changelog lists (by
subject, as Debian quotes stable's changelog) is applied, in mainline order;
``releases.model_for`` names the result: an upstream variant, or the closest
one composed with whatever differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..mm.releases import MAINLINE, model_for, release_switches
from ..mm.variants import CHANGES, Variant


def normalise(subject: str) -> str:
    """Case, quote style, a trailing ``(Closes: …)`` and spacing do not matter."""
    s = re.sub(r"\s*\((closes|cve)[^)]*\)\s*:?\s*$", "", subject.strip(), flags=re.I)
    s = s.replace("'", '"').lower()
    return re.sub(r"\s+", " ", s)


def parse_version(text: str) -> tuple[int, int, int]:
    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        raise ValueError(f"not a kernel version: {text!r}")
    return int(m[1]), int(m[2]), int(m[3] or 0)


def _line(version: tuple[int, int, int]) -> tuple[int, int]:
    """The mainline release the model covers that ``version`` builds on
    (later kernels are taken as the newest covered, v6.18)."""
    line = version[:2]
    return min(max(line, MAINLINE[0]), MAINLINE[-1])


def _in_mainline(ref: str, line: tuple[int, int]) -> bool:
    release = CHANGES[ref].release
    return bool(release) and parse_version(release)[:2] <= line


def backported(entries: list[str], line: tuple[int, int]) -> list[str]:
    """The commits of CHANGES that changelog ``entries`` list and mainline
    ``line`` lacks, in mainline order (a revert applies after its commit)."""
    listed = {normalise(e) for e in entries}
    return [ref for ref, c in CHANGES.items()
            if c.sets and c.release and normalise(c.subject) in listed and not _in_mainline(ref, line)]


@dataclass(frozen=True)
class Match:
    """The variant a kernel matches, and the sentence that says why."""

    variant: Variant
    sentence: str

    @property
    def name(self) -> str:
        return self.variant.name


def match(version: str, entries: list[str]) -> Match:
    """The variant of upstream ``version`` whose changelog lists ``entries``."""
    ver = parse_version(version)
    line = _line(ver)
    switches = release_switches(line)
    mainline = model_for(switches).name
    extra = backported(entries, line)
    for ref in extra:
        switches.update(CHANGES[ref].sets)
    variant = model_for(switches)
    head = f"{version}: mainline {ver[0]}.{ver[1]} is {mainline}"
    if line != ver[:2]:
        head += f" (as v{line[0]}.{line[1]}, the newest release the model covers)"
    if extra:
        head += " plus backported " + " ".join(extra)
    elif entries:
        head += "; its changelog lists none of the GUP/LRU-batch commits the variants differ by"
    else:
        head += "; no changelog found, so by version alone"
    return Match(variant, f"{head} → {variant.name}")
