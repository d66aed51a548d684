"""Per-CPU batches: one row per batch in kernel order, one column per CPU.
Batches empty on every CPU (and untouched by this step) are folded into one
dim line."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.reactive import var

from ..mm.variants import find_variant
from .format import CHANGED, sequence
from .frames import Frame
from .panel import Panel


class CpuBatches(Panel):
    """``cpuN.BATCH`` for every CPU; entries that arrived this step are green,
    those that left are struck through."""

    frame: var[Frame | None] = var(None)
    """The step on screen."""

    _key: tuple | None = None

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is not None:
            keys = frame.keys("cpu") + ["lru_disable_count"]
            key = (frame.trace.variant, tuple((k, frame.state.get(k), frame.changed.get(k)) for k in keys))
            if key == self._key:
                return  # nothing this widget shows changed: no repaint
            self._key = key
            disabled = frame.state.get("lru_disable_count", 0)
            self.border_title = "per-CPU batches"
            self.border_subtitle = f"lru_cache_disabled ×{disabled}" if disabled else ""
            self.show(batches_renderable(frame))


def batch_names(frame: Frame) -> list[str]:
    """Batch names in the trace's order (from ``cpu0.*``)."""
    return [k.split(".", 1)[1] for k in frame.keys("cpu0.")]


def batches_renderable(frame: Frame) -> Group | Text:
    """The batches table and the folded line of empty batches."""
    cpus = frame.trace.cpus
    variant = find_variant(frame.trace.variant)
    size = variant.batch_size if variant else None
    table = Table.grid(padding=(0, 2))
    table.add_column(style="cyan", no_wrap=True)
    for _ in range(cpus):
        table.add_column()
    table.add_row("", *[Text(f"cpu{cpu}", style="bold") for cpu in range(cpus)])
    folded: list[str] = []
    rows = 0
    for batch in batch_names(frame):
        keys = [f"cpu{cpu}.{batch}" for cpu in range(cpus)]
        if not any(frame.state.get(k) for k in keys) and not any(k in frame.changed for k in keys):
            folded.append(batch)
            continue
        cells = []
        for key in keys:
            entries = frame.state.get(key, ())
            cell = sequence(entries, frame.old(key))
            if size and len(entries) > 3:
                cell.append(f" {len(entries)}/{size}", style="dim")
            cells.append(cell)
        label = Text(batch, style=CHANGED if any(k in frame.changed for k in keys) else "cyan")
        table.add_row(label, *cells)
        rows += 1
    empty = Text("empty: " + " ".join(folded), style="dim") if folded else Text("")
    if not rows:
        return Text("all batches empty" if folded else "", style="dim")
    return Group(table, empty) if folded else table
