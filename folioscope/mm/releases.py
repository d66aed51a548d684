"""Which variant models a kernel release, mainline or stable.

A kernel behaves as the commits it carries make it, not as its version
number says: the stable trees carry backports (the v6.17 GUP fixes reached
6.16.9, 6.12.49/6.12.50, 6.6.109 and 6.1.155), and distribution kernels
carry their own.  A release's switches are computed from ``CHANGES`` (each
commit's mainline release) and ``BACKPORTS`` (the stable release that first
carries it), then matched with the closest upstream variant, composed with
whatever differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .spelling import did_you_mean
from .variants import CHANGES, UPSTREAM, V5_18, VARIANTS, SwitchValue, Variant, compose

MAINLINE: tuple[tuple[int, int], ...] = (
    (5, 18), (5, 19), (6, 0), (6, 1), (6, 2), (6, 3), (6, 4), (6, 5), (6, 6), (6, 7), (6, 8),
    (6, 9), (6, 10), (6, 11), (6, 12), (6, 13), (6, 14), (6, 15), (6, 16), (6, 17), (6, 18),
)
"""The mainline releases the model covers, oldest first."""


@dataclass(frozen=True)
class Backport:
    """A mainline commit that a stable line first carries at ``line``.``sublevel``."""

    line: tuple[int, int]
    sublevel: int
    ref: str
    review: str
    """The Message-ID of the stable review series that carried it."""


BACKPORTS: tuple[Backport, ...] = (
    Backport((6, 1), 129, "1aaf8c122918", "20250219082652.891560343@linuxfoundation.org"),
    Backport((6, 1), 155, "517f496e1e61", "20250930143820.537407601@linuxfoundation.org"),
    Backport((6, 1), 155, "98c6d259319e", "20250930143820.537407601@linuxfoundation.org"),
    Backport((6, 1), 155, "a09a8a1fbb37", "20250930143820.537407601@linuxfoundation.org"),
    Backport((6, 1), 155, "2da6de30e60d", "20250930143820.537407601@linuxfoundation.org"),
    Backport((6, 6), 15, "eebb3dabbb5c", "20240129170014.969142961@linuxfoundation.org"),
    Backport((6, 6), 79, "1aaf8c122918", "20250219082550.014812078@linuxfoundation.org"),
    Backport((6, 6), 109, "517f496e1e61", "20250930143821.118938523@linuxfoundation.org"),
    Backport((6, 6), 109, "98c6d259319e", "20250930143821.118938523@linuxfoundation.org"),
    Backport((6, 6), 109, "a09a8a1fbb37", "20250930143821.118938523@linuxfoundation.org"),
    Backport((6, 6), 109, "2da6de30e60d", "20250930143821.118938523@linuxfoundation.org"),
    Backport((6, 12), 14, "1aaf8c122918", "20250213142436.408121546@linuxfoundation.org"),
    Backport((6, 12), 36, "517f496e1e61", "20250703143955.956569535@linuxfoundation.org"),
    Backport((6, 12), 49, "98c6d259319e", "20250922192408.913556629@linuxfoundation.org"),
    Backport((6, 12), 49, "8d79ed36bfc8", "20250922192408.913556629@linuxfoundation.org"),
    Backport((6, 12), 50, "a09a8a1fbb37", "20250930143821.852512002@linuxfoundation.org"),
    Backport((6, 12), 50, "afb99e9f5004", "20250930143821.852512002@linuxfoundation.org"),
    Backport((6, 12), 50, "2da6de30e60d", "20250930143821.852512002@linuxfoundation.org"),
    Backport((6, 13), 3, "1aaf8c122918", "20250213142440.609878115@linuxfoundation.org"),
    Backport((6, 15), 5, "517f496e1e61", "20250703144004.276210867@linuxfoundation.org"),
    Backport((6, 16), 9, "98c6d259319e", "20250922192412.885919229@linuxfoundation.org"),
    Backport((6, 16), 9, "a09a8a1fbb37", "20250922192412.885919229@linuxfoundation.org"),
    Backport((6, 16), 9, "afb99e9f5004", "20250922192412.885919229@linuxfoundation.org"),
    Backport((6, 16), 9, "8d79ed36bfc8", "20250922192412.885919229@linuxfoundation.org"),
    Backport((6, 16), 9, "2da6de30e60d", "20250922192412.885919229@linuxfoundation.org"),
)
"""Stable backports of the commits in ``CHANGES``, from the stable review
series (``[PATCH 6.12 000/089] 6.12.50-rc1 review`` and its patches)."""

STABLE_CHECKED: frozenset[tuple[int, int]] = frozenset({(6, 1), (6, 6), (6, 12), (6, 13), (6, 15), (6, 16)})
"""Stable lines whose backports of these commits were looked up; for the
others only the mainline release is known."""

DISTRIBUTION_WARNING = "a distribution kernel is matched by the commits it carries, not by its version"


def release_name(line: tuple[int, int], sublevel: int | None = None) -> str:
    name = f"{line[0]}.{line[1]}"
    return name if sublevel is None else f"{name}.{sublevel}"


def _released(ref: str, line: tuple[int, int]) -> bool:
    release = CHANGES[ref].release
    if not release:
        return False
    major, minor = release.lstrip("v").split(".")
    return (int(major), int(minor)) <= line


def release_switches(line: tuple[int, int], sublevel: int = 0) -> dict[str, SwitchValue]:
    """The switches of mainline ``line`` plus its stable backports up to ``sublevel``."""
    switches = V5_18.switches()
    carried = {b.ref for b in BACKPORTS if b.line == line and b.sublevel <= sublevel}
    for ref, change in CHANGES.items():  # mainline order
        if _released(ref, line) or ref in carried:
            switches.update(change.sets)
    return switches


def model_for(switches: dict[str, SwitchValue]) -> Variant:
    """The upstream variant closest to ``switches`` (fewest differences, the
    later one on a tie), composed with the differences."""
    def distance(item: tuple[int, str]) -> tuple[int, int]:
        index, name = item
        variant = VARIANTS[name]
        return sum(getattr(variant, k) != v for k, v in switches.items()), -index

    _, best = min(enumerate(UPSTREAM), key=distance)
    return compose(VARIANTS[best], switches)


@dataclass(frozen=True)
class Span:
    """Stable releases ``first``..``last`` (None: and later) of one line, one model."""

    line: tuple[int, int]
    first: int
    last: int | None
    variant: str
    refs: tuple[str, ...]
    """The backports that start this span."""

    def text(self) -> str:
        first = release_name(self.line, self.first)
        if self.last is None:
            return f"{first} and later"
        return first if self.last == self.first else f"{first}-{release_name(self.line, self.last)}"


def stable_spans(line: tuple[int, int]) -> list[Span]:
    """The stable releases of ``line`` grouped by the variant that models them."""
    starts = sorted({0} | {b.sublevel for b in BACKPORTS if b.line == line})
    spans: list[Span] = []
    for i, first in enumerate(starts):
        last = starts[i + 1] - 1 if i + 1 < len(starts) else None
        name = model_for(release_switches(line, first)).name
        refs = tuple(b.ref for b in BACKPORTS if b.line == line and b.sublevel == first)
        if spans and spans[-1].variant == name:
            spans[-1] = Span(line, spans[-1].first, last, name, spans[-1].refs + refs)
        else:
            spans.append(Span(line, first, last, name, refs))
    return spans


_RELEASE = re.compile(r"(?i)(?:v|linux-)?(\d+)\.(\d+)(?:\.(\d+|y|x))?(-rc\d+)?")


def release_hint(text: str) -> str | None:
    """If ``text`` is a kernel release (``6.12``, ``v6.12.40``, ``6.12.y``,
    ``v6.17-rc3``) and not a variant's name, which variant models it, in
    one line; else None."""
    m = _RELEASE.fullmatch(text.strip())
    if m is None or text.strip().lower() in VARIANTS:     # V6.11: a misspelt name, not a release
        return None
    line = (int(m.group(1)), int(m.group(2)))
    sub, rc = m.group(3), m.group(4)
    see = f"{DISTRIBUTION_WARNING}: see 'folioscope variants --releases'"
    if line < MAINLINE[0]:
        return ("folioscope models v5.18 and later: the per-CPU mlock batch arrived with "
                f"2fbb0c10d1e8 in v5.18; {see}")
    if line > MAINLINE[-1]:
        close = did_you_mean(text.strip(), VARIANTS)
        return (f"folioscope models releases up to v{release_name(MAINLINE[-1])}"
                + (f" ({close})" if close else "") + f"; {see}")
    if rc:
        return _rc_hint(line, see)
    if sub is not None and sub.isdigit():
        return _stable_hint(line, int(sub), see)
    return _line_hint(line, see)


def _rc_hint(line: tuple[int, int], see: str) -> str:
    own = [ref for ref, c in CHANGES.items() if c.release == f"v{release_name(line)}" and c.sets]
    name = f"v{release_name(line)}"
    if not own or line == MAINLINE[0]:
        return f"a release candidate of {name} behaves as {name} does; {see}"
    before = model_for(release_switches(MAINLINE[MAINLINE.index(line) - 1])).name
    return (f"a release candidate of {name} behaves as {before} plus whichever of {name}'s "
            f"commits it already has ({', '.join(own)}); {see}")


def _stable_hint(line: tuple[int, int], sublevel: int, see: str) -> str:
    span = next(s for s in reversed(stable_spans(line)) if s.first <= sublevel)
    unknown = "" if line in STABLE_CHECKED else " (backports to this stable line were not checked)"
    return f"{release_name(line, sublevel)} behaves as {span.variant} ({span.text()}){unknown}; {see}"


def _line_hint(line: tuple[int, int], see: str) -> str:
    spans = stable_spans(line)
    mainline = spans[0].variant
    if len(spans) == 1:
        unknown = "" if line in STABLE_CHECKED else ", unless its stable releases carry later fixes"
        return f"v{release_name(line)} behaves as {mainline}{unknown}; {see}"
    later = ", ".join(f"{s.variant} from {release_name(line, s.first)}" if s.last is None
                      else f"{s.variant} in {s.text()}" for s in spans[1:])
    return f"v{release_name(line)} behaves as {mainline}; {release_name(line)}.y stable: {later}; {see}"


def mainline_rows() -> list[tuple[str, str]]:
    """(release, the variant that models it) for every mainline release."""
    return [(f"v{release_name(line)}", model_for(release_switches(line)).name) for line in MAINLINE]
