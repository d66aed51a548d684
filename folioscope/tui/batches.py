"""Per-CPU batches, for 1 CPU or 64.

A summary line always says which CPUs exist and how many hold entries.  Then
the CPUs that hold entries (or that the step changed, or that the user pinned
with ``c``), each headed with its entry count: as columns (one row per batch,
in kernel order) when they fit the width, else one line per CPU.  Up to
``ALL_COLUMNS`` CPUs every CPU gets a column, empty or not.  Batches empty on
every CPU shown are folded into one dim line.  The panel scrolls (``<``
``>``, the mouse) when a tall machine does not fit.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.reactive import var

from ..mm.variants import find_variant
from .format import CHANGED, sequence
from .frames import Frame
from .panel import Panel

ALL_COLUMNS = 8
"""Machines this small show every CPU, as today's kernels' test boxes."""


class BatchesBox(VerticalScroll):
    """The scrolling frame around :class:`CpuBatches` (it carries the border)."""

    can_focus = False


class CpuBatches(Panel):
    """``cpuN.BATCH`` for the CPUs that matter; entries that arrived this step
    are green, those that left are struck through."""

    frame: var[Frame | None] = var(None)
    """The step on screen."""
    pinned_cpus: var[frozenset[int]] = var(frozenset())
    """CPUs shown even when empty."""

    _key: tuple | None = None

    def watch_frame(self) -> None:
        self._refresh_view()

    def watch_pinned_cpus(self) -> None:
        self._refresh_view()

    def _refresh_view(self) -> None:
        frame = self.frame
        if frame is None:
            return
        keys = frame.keys("cpu") + ["lru_disable_count"]
        key = (frame.trace.variant, self.pinned_cpus,
               tuple((k, frame.state.get(k), frame.changed.get(k)) for k in keys))
        if key == self._key:
            return  # nothing this widget shows changed: no repaint
        self._key = key
        disabled = frame.state.get("lru_disable_count", 0)
        box = self.parent if isinstance(self.parent, BatchesBox) else self
        box.border_title = "per-CPU batches"
        box.border_subtitle = f"lru_cache_disabled ×{disabled}" if disabled else ""
        self.show(batches_renderable(frame, self.pinned_cpus))


def batch_names(frame: Frame) -> list[str]:
    """Batch names in the trace's order (from ``cpu0.*``)."""
    return [k.split(".", 1)[1] for k in frame.keys("cpu0.")]


def cpu_entries(frame: Frame, cpu: int, batches: list[str]) -> int:
    """How many entries ``cpu``'s batches hold."""
    return sum(len(frame.state.get(f"cpu{cpu}.{b}", ()) or ()) for b in batches)


def cpu_touched(frame: Frame, cpu: int, batches: list[str]) -> bool:
    """Whether the step changed one of ``cpu``'s batches."""
    return any(f"cpu{cpu}.{b}" in frame.changed for b in batches)


def batches_renderable(frame: Frame, pinned: frozenset[int] = frozenset()) -> "BatchesView":
    """What the panel shows; the layout is chosen at render time, by width."""
    return BatchesView(frame, pinned)


class BatchesView:
    """A Rich renderable: the summary, then columns or one line per CPU."""

    def __init__(self, frame: Frame, pinned: frozenset[int]) -> None:
        self.frame = frame
        self.batches = batch_names(frame)
        cpus = frame.trace.cpus
        self.counts = [cpu_entries(frame, cpu, self.batches) for cpu in range(cpus)]
        if cpus <= ALL_COLUMNS:
            self.shown = list(range(cpus))
        else:
            self.shown = [cpu for cpu in range(cpus) if self.counts[cpu] or cpu in pinned
                          or cpu_touched(frame, cpu, self.batches)]
        variant = find_variant(frame.trace.variant)
        self.size = variant.batch_size if variant else None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        parts: list = []
        cpus = len(self.counts)
        if cpus > ALL_COLUMNS or not any(self.counts):
            parts.append(summary_line(self.frame, self.counts))
        if self.shown and (any(self.counts) or self._busy_batches()):
            label = max([len(b) for b in self._busy_batches()] + [4])
            needed = label + sum(max(4, self._header(cpu).cell_len) + 2 for cpu in self.shown)
            parts.append(self._columns() if needed <= options.max_width else self._rows())
        folded = self._folded()
        if folded and self.shown:
            parts.append(Text("empty: " + " ".join(folded), style="dim"))
        yield Group(*parts)

    def _header(self, cpu: int) -> Text:
        count = self.counts[cpu]
        style = CHANGED if cpu_touched(self.frame, cpu, self.batches) else "bold"
        return Text(f"cpu{cpu}" + (f" ({count})" if count else ""), style=style)

    def _cell(self, cpu: int, batch: str) -> Text:
        key = f"cpu{cpu}.{batch}"
        entries = self.frame.state.get(key, ()) or ()
        cell = sequence(entries, self.frame.old(key))
        if self.size and len(entries) > 3:
            cell.append(f" {len(entries)}/{self.size}", style="dim")
        return cell

    def _busy_batches(self) -> list[str]:
        frame = self.frame
        return [b for b in self.batches
                if any(frame.state.get(f"cpu{c}.{b}") or f"cpu{c}.{b}" in frame.changed
                       for c in self.shown)]

    def _folded(self) -> list[str]:
        busy = set(self._busy_batches())
        return [b for b in self.batches if b not in busy]

    def _columns(self) -> Table:
        """One row per batch, one column per CPU shown."""
        table = Table.grid(padding=(0, 2))
        table.add_column(style="cyan", no_wrap=True)
        for _ in self.shown:
            table.add_column(min_width=4)
        table.add_row("", *[self._header(cpu) for cpu in self.shown])
        for batch in self._busy_batches():
            keys = [f"cpu{cpu}.{batch}" for cpu in self.shown]
            label = Text(batch, style=CHANGED if any(k in self.frame.changed for k in keys) else "cyan")
            table.add_row(label, *[self._cell(cpu, batch) for cpu in self.shown])
        return table

    def _rows(self) -> Table:
        """One line per CPU shown: its batches that hold something."""
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True)
        table.add_column()
        for cpu in self.shown:
            line = Text()
            for batch in self.batches:
                key = f"cpu{cpu}.{batch}"
                if self.frame.state.get(key) or key in self.frame.changed:
                    if line:
                        line.append("  ")
                    line.append(batch, style=CHANGED if key in self.frame.changed else "cyan")
                    line.append(" ")
                    line.append_text(self._cell(cpu, batch))
            table.add_row(self._header(cpu), line or Text("·", style="dim"))
        return table


def summary_line(frame: Frame, counts: list[int]) -> Text:
    """``64 CPUs (cpu0–cpu63): 2 hold 29 entries, 62 empty``."""
    cpus = len(counts)
    span = "cpu0" if cpus == 1 else f"cpu0–cpu{cpus - 1}"
    busy = sum(1 for c in counts if c)
    text = Text(f"{cpus} CPU{'s' if cpus > 1 else ''} ({span}): ", style="dim")
    if not busy:
        text.append("every batch empty", style="dim")
    else:
        total = sum(counts)
        text.append(f"{busy} hold{'s' if busy == 1 else ''} {total:,} entr{'y' if total == 1 else 'ies'}")
        if cpus - busy:
            text.append(f", {cpus - busy} empty", style="dim")
    return text


def parse_cpus(text: str, cpus: int) -> frozenset[int]:
    """``0-3, 8`` (or ``cpu0-cpu3``) as a set of CPU numbers below ``cpus``;
    ValueError naming what is wrong."""
    chosen: set[int] = set()
    for part in text.replace(",", " ").split():
        low, dash, high = part.lower().replace("cpu", "").replace("–", "-").partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"not a CPU or a range of CPUs: {part}")
        first, last = int(low), int(high or low)
        if first > last or last >= cpus:
            raise ValueError(f"{part}: the CPUs are cpu0 to cpu{cpus - 1}")
        chosen.update(range(first, last + 1))
    return frozenset(chosen)
