"""What every kernel function in the model is handed: the state, the
variant's switches, and the log of events in kernel terms."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from .folio import Folio
from .state import State
from .variants import Variant


class KernelBug(Exception):
    """The kernel would hit a BUG()/VM_BUG_ON() here; the operation is undone."""


class MM:
    """The model of one machine: ``state`` under ``variant``, logging to ``events``."""

    __slots__ = ("state", "variant", "events", "depth")

    def __init__(self, state: State, variant: Variant) -> None:
        self.state = state
        self.variant = variant
        self.events: list[str] = []
        self.depth = 0

    def log(self, text: str) -> None:
        """Record one thing the kernel did (or did not do, and why)."""
        self.events.append("  " * self.depth + text)

    @contextmanager
    def call(self, text: str) -> Iterator[None]:
        """Log ``text`` and indent what the call does under it."""
        self.log(text)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def bug(self, message: str) -> KernelBug:
        """A KernelBug to raise, logged where it fires."""
        self.log(f"BUG: {message}")
        return KernelBug(message)

    def folio(self, name: str) -> Folio:
        """The live folio called ``name``."""
        folio = self.state.folios[name]
        if folio.freed:
            raise self.bug(f"{name} is used after it was freed")
        return folio

    @property
    def ncpus(self) -> int:
        return len(self.state.cpus)
