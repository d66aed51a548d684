"""The LRU lists, head first, and the drain/GUP counters."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import var

from .format import CHANGED, plain, sequence
from .frames import Frame
from .panel import Panel

STAT_LABELS = {
    "stats.drain_all_calls": "drain_all calls",
    "stats.drain_all_cpus": "cpus",
    "stats.drain_all_work": "work",
    "stats.local_drains": "local drains",
    "stats.gup_attempts": "gup attempts",
}


class LruLists(Panel):
    """``list.*`` (empty, untouched lists folded) and ``stats.*``."""

    frame: var[Frame | None] = var(None)
    """The step on screen."""

    _key: tuple | None = None

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is not None:
            keys = frame.keys("list.") + frame.keys("stats.")
            key = tuple((k, frame.state.get(k), frame.changed.get(k)) for k in keys)
            if key == self._key:
                return  # nothing this widget shows changed: no repaint
            self._key = key
            self.border_title = "LRU lists"
            self.show(lists_renderable(frame))


def lists_renderable(frame: Frame) -> Group:
    """Non-empty (or changed) lists, the folded empty ones, the counters."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column()
    folded = []
    for key in frame.keys("list."):
        entries = frame.items(key)
        if not entries and key not in frame.changed:
            folded.append(key.split(".", 1)[1])
            continue
        name = key.split(".", 1)[1]
        table.add_row(Text(name, style=CHANGED if key in frame.changed else "cyan"),
                      sequence(entries, frame.old_items(key)))
    parts: list = [table] if table.rows else []
    if folded:
        parts.append(Text("empty: " + " ".join(folded), style="dim"))
    parts.append(stats_text(frame))
    return Group(*parts)


def stats_text(frame: Frame) -> Text:
    """``drain_all calls 0 · cpus 0 · local drains 0 · gup attempts 1``."""
    text = Text()
    for key, label in STAT_LABELS.items():
        if key not in frame.state:
            continue
        value = frame.state[key]
        if key == "stats.drain_all_work" and not value and key not in frame.changed:
            continue
        if text:
            text.append(" · ", style="dim")
        text.append(f"{label} ", style="dim")
        text.append(plain(value), style=CHANGED if key in frame.changed else "")
    return text
