"""The small modal screens: go to step, switch variant, help."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..mm.variants import find_variant
from .format import FLAG_SHORT, printable


class GotoScreen(ModalScreen[int | None]):
    """Ask for a step number; dismisses with it (clamped by the app) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: int, last: int) -> None:
        super().__init__()
        self.current = current
        """The step on screen when the dialog opened."""
        self.last = last
        """The last step of the trace."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"Go to step (0–{self.last}; now {self.current})"))
            yield Input(placeholder="step number, or 'end'", id="goto-input")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip().lower()
        if value in ("end", "$", "last"):
            self.dismiss(self.last)
            return
        try:
            self.dismiss(int(value))
        except ValueError:
            self.notify(f"not a step number: {printable(event.value)}", severity="warning",
                        markup=False)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CpuScreen(ModalScreen[str | None]):
    """Ask which CPUs the batches panel shows even when they hold nothing."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, pinned: frozenset[int], cpus: int) -> None:
        super().__init__()
        self.pinned = pinned
        """The CPUs pinned now."""
        self.cpus = cpus
        """How many CPUs the trace has."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"CPUs to show even when empty (cpu0–cpu{self.cpus - 1}); "
                             "the others are shown when they hold entries"))
            yield Input(value=cpu_ranges(self.pinned), placeholder="e.g. 0-3, 8 (empty: none)",
                        id="cpus-input")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def cpu_ranges(cpus: frozenset[int]) -> str:
    """``0-3, 8``."""
    parts, ordered = [], sorted(cpus)
    start = prev = None
    for cpu in ordered + [None]:
        if start is not None and cpu == prev + 1:
            prev = cpu
            continue
        if start is not None:
            parts.append(f"{start}-{prev}" if prev != start else str(start))
        start = prev = cpu
    return ", ".join(parts)


class VariantScreen(ModalScreen[str | None]):
    """Pick a kernel variant; dismisses with its name or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, names: tuple[str, ...], current: str) -> None:
        super().__init__()
        self.names = names
        """The variants offered, in ``VARIANT_NAMES`` order."""
        self.current = current
        """The variant of the trace on screen."""

    def compose(self) -> ComposeResult:
        options = []
        width = max(len(name) for name in self.names) + 2
        for name in self.names:
            variant = find_variant(name)
            label = Text.assemble((f"{printable(name):<{width}}", "bold"),
                                  (printable(variant.summary) if variant else "", "dim"))
            if name == self.current:
                label.append("  (now)", style="green")
            options.append(Option(label, id=name))
        with Vertical(id="dialog"):
            now = "" if self.current in self.names else f" (now {printable(self.current)})"
            yield Label(Text(f"Re-run the scenario under kernel variant{now}:"))
            yield OptionList(*options, id="variants")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.names:
            options.highlighted = self.names.index(self.current)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """The keys (from the app's bindings) and the legend of the folio table."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys
        """(keys as displayed, what they do)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(help_text(self.keys))

    def action_close(self) -> None:
        self.dismiss(None)


def help_text(keys: list[tuple[str, str]]) -> Table:
    """Keys, then the legend of the folio table's flags and highlights."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.add_row(Text("folioscope play", style="bold"), Text("(esc closes)", style="dim"))
    table.add_row("", "")
    for key, description in keys:
        table.add_row(key, description)
    table.add_row("", "")
    table.add_row(Text("flags", style="bold"), " ".join(f"{short}={flag}" for flag, short in FLAG_SHORT.items()))
    table.add_row(Text("colours", style="bold"), Text.assemble(
        ("changed in this step", "bold yellow"), "  ", ("added", "bold green"), "  ",
        ("−removed", "red strike"), "  ", ("old→new", "")))
    table.add_row(Text("source", style="bold"), "▶ the current step's line; ✗ an expectation that "
                  "fails in this run; click a line to go to its next step")
    return table
