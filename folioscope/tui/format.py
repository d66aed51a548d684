"""Small Rich ``Text`` builders shared by the widgets: values with what the
current step changed highlighted, flags in a compact form, results."""

from __future__ import annotations

from collections import Counter

from rich.text import Text

from ..views.escape import escape
from ..views.text import plain_value

NARROW_BELOW = 100
"""Below this many columns the screen is narrow: no borders, holders on one
line, the source swapped in with ``s``."""

CHANGED = "bold yellow"
"""A value the current step changed."""
GAINED = "bold green"
"""Something the current step added (a flag, a batch entry, a holder)."""
LOST = "red strike"
"""Something the current step took away, shown struck through after a ``−``."""
GONE = "−"
"""Prefix of what the step took away (visible where strike-through is not)."""
EMPTY = "dim"

FLAG_SHORT = {
    "lru": "lru", "active": "act", "referenced": "ref", "unevictable": "unev",
    "mlocked": "mlk", "swapbacked": "sb", "reclaim": "rcl", "dirty": "dty",
    "writeback": "wb",
}
"""Compact flag names for the folio table (the help screen has the legend)."""


printable = escape
"""A string from a file with its control characters written out (``\\x1b``,
``\\n``): nothing a scenario or a saved trace holds can move the cursor,
recolour or retitle the terminal, or break a line (``views.escape``)."""


def plain(value: object) -> str:
    """A flat-state value as users write it, escaped for the screen."""
    return printable(plain_value(value))


def value_cell(new: object, old: object, changed: bool, arrow: bool = True) -> Text:
    """``new``, or ``old→new`` highlighted when the step changed it."""
    if not changed:
        return Text(plain(new), style=EMPTY if new in (0, "none") else "")
    if arrow and old is not None:
        return Text.assemble((plain(old), "dim"), ("→", "dim"), (plain(new), CHANGED))
    return Text(plain(new), style=CHANGED)


def flags_cell(new: tuple, old: tuple | None) -> Text:
    """Set flags, short names; gained ones green, lost ones struck red."""
    old = tuple(old) if old is not None else tuple(new)
    text = Text()
    for flag in new:
        if text:
            text.append(" ")
        text.append(FLAG_SHORT.get(flag, flag), style=GAINED if flag not in old else "")
    for flag in old:
        if flag not in new:
            if text:
                text.append(" ")
            text.append(GONE + FLAG_SHORT.get(flag, flag), style=LOST)
    return text or Text("-", style=EMPTY)


def sequence(new: tuple, old: tuple | None, empty: str = "·") -> Text:
    """Entries of a batch or list; arrivals green, departures struck red."""
    new, old = tuple(new or ()), tuple(old if old is not None else new or ())
    fresh = Counter(new) - Counter(old)
    gone = Counter(old) - Counter(new)
    text = Text()
    for entry in new:
        if text:
            text.append(" ")
        if fresh[entry] > 0:
            fresh[entry] -= 1
            text.append(entry, style=GAINED)
        else:
            text.append(entry)
    for entry in old:
        if gone[entry] > 0:
            gone[entry] -= 1
            if text:
                text.append(" ")
            text.append(GONE + entry, style=LOST)
    return text or Text(empty, style=EMPTY)


def result_style(result: str) -> str:
    """Green for ok, cyan for a split's stop, yellow for a refusal, red for
    the failures."""
    if result == "ok":
        return "green"
    if result == "waiting":
        return "bold cyan"
    if result in ("refused", "EBUSY"):
        return "bold yellow"
    return "bold red"
