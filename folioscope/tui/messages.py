"""Messages the replayer's widgets post to the app (Toolong style: one module
of dataclass messages)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class FolioSelected(Message):
    """The user put the folio cursor on a folio (click or keys)."""

    name: str
    """The folio's name."""


@dataclass
class LineClicked(Message):
    """The user clicked a line of the scenario source."""

    line: int
    """The 1-based source line."""
