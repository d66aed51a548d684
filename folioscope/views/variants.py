"""``folioscope variants``: the variants, their switches and commits, and
which variant models each kernel release.  Text only; the data is in
``mm/variants.py`` and ``mm/releases.py``."""

from __future__ import annotations

from ..mm.releases import BACKPORTS, DISTRIBUTION_WARNING, STABLE_CHECKED, mainline_rows, release_name, stable_spans
from ..mm.variants import CHANGES, DEFAULT_VARIANT, SWITCHES, VARIANTS, Switch

COMPOSE_NOTE = ("Compose a variant from a named one: --kernel 'v6.17+gup_drain_trigger=lru_or_mlocked', "
                "or in a scenario: kernel v6.17 + gup_drain_trigger=lru_or_mlocked "
                "(switches and values: folioscope variants --switches).")

RELEASE_NOTE = ("Kernel releases: a variant is defined by commits, not by a version number. Stable "
                "kernels carry backports (the v6.17 GUP fixes reached 6.16.9, 6.12.49-6.12.50, 6.6.109 "
                f"and 6.1.155), so {DISTRIBUTION_WARNING}: look for the commits above in its "
                "git log -- mm/gup.c mm/swap.c mm/mlock.c mm/migrate.c. "
                "folioscope variants --releases lists which variant models each release.")


def render_variants() -> str:
    """Each named variant, its summary and defining commits; then every commit."""
    width = max(len(name) for name in VARIANTS)
    lines = []
    for name, v in VARIANTS.items():
        default = "  (default)" if name == DEFAULT_VARIANT else ""
        lines.append(f"{name.ljust(width)}  {v.letter.ljust(3)} {v.summary}{default}")
        lines.append(f"{''.ljust(width)}      commits: {v.commits}")
    lines += ["", "Commits and proposals (mainline release, in mm tree, or never merged):"]
    width = max(len(ref) for ref in CHANGES)
    for ref, change in CHANGES.items():
        where = change.where.ljust(12)
        lines.append(f"  {ref.ljust(width)}  {where}  {change.subject}")
        if change.note:
            lines.append(f"  {''.ljust(width)}  {''.ljust(12)}  ({change.note})")
    lines += ["", COMPOSE_NOTE, "", RELEASE_NOTE]
    return "\n".join(lines) + "\n"


def render_switches() -> str:
    """Each switch: what it decides, who reads it, its commits, its values
    and which variant has which."""
    blocks = [_switch_block(spec) for spec in SWITCHES.values()]
    return "\n\n".join(blocks) + "\n\n" + COMPOSE_NOTE + "\n"


def _switch_block(spec: Switch) -> str:
    lines = [f"{spec.name}  ({spec.kind}: {spec.allowed()})", f"  {spec.doc}"]
    lines += [f"  read by: {reader}" for reader in spec.reads]
    lines += [f"  {'commit:  ' if CHANGES[ref].merged else 'proposal:'} {CHANGES[ref].cite()}"
              for ref in spec.commits]
    holders: dict[str, list[str]] = {}
    for name, v in VARIANTS.items():
        holders.setdefault(spec.show(getattr(v, spec.name)), []).append(name)
    meanings = dict(spec.values)
    shown = list(meanings) if meanings else sorted(holders, key=int)
    width = max(len(value) for value in shown)
    names_width = max(len(" ".join(holders.get(value, ["-"]))) for value in shown)
    lines.append("  values:")
    for value in shown:
        who = " ".join(holders.get(value, ["-"]))
        meaning = meanings.get(value, "")
        lines.append(f"    {value.ljust(width)}  {who.ljust(names_width)}  {meaning}".rstrip())
    return "\n".join(lines)


def render_releases() -> str:
    """Which variant models each mainline release and each checked stable line."""
    lines = ["Mainline releases (their switches follow from the commits' releases):"]
    groups: list[list[str]] = []
    for release, variant in mainline_rows():
        if groups and groups[-1][1] == variant:
            groups[-1][2] = release
        else:
            groups.append([release, variant, release])
    width = max(len(_span(first, last)) for first, _, last in groups)
    lines += [f"  {_span(first, last).ljust(width)}  {variant}" for first, variant, last in groups]
    lines += ["", "Stable lines (backports found in the stable review series):"]
    for line in sorted(STABLE_CHECKED):
        for span in stable_spans(line):
            carried = f"  (carries {', '.join(span.refs)})" if span.refs else ""
            lines.append(f"  {span.text().ljust(20)}  {span.variant}{carried}")
    reviews = sorted({(b.line, b.sublevel, b.review) for b in BACKPORTS})
    lines += ["", "Stable review series the backports were read from:"]
    lines += [f"  {release_name(line, sub)}: {review}" for line, sub, review in reviews]
    lines += ["", "Other stable lines: backports not checked; their mainline release is the best guess.",
              "", RELEASE_NOTE]
    return "\n".join(lines) + "\n"


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first} - {last}"
