"""``did you mean`` hints: the one implementation every layer uses (the
engine's variant and switch names, the DSL's words)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(word: str, vocabulary: Iterable[str], n: int = 1) -> list[str]:
    """The closest words of ``vocabulary`` to ``word`` (case-insensitive:
    ``V6.11`` finds ``v6.11``), best first."""
    if not word or len(word) > 40:
        return []
    words = [w for w in dict.fromkeys(vocabulary) if w != word]
    exact = [w for w in words if w.lower() == word.lower()]
    if exact:
        return exact[:n]
    lowered: dict[str, str] = {}
    for w in words:
        lowered.setdefault(w.lower(), w)
    found = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    return [lowered[f] for f in found]


def did_you_mean(word: str, vocabulary: Iterable[str]) -> str | None:
    """``did you mean 'X'?`` for the closest word, or None."""
    found = suggest(word, vocabulary)
    return f"did you mean '{found[0]}'?" if found else None
