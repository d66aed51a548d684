"""Where a replayed trace comes from: a scenario file (which can be re-run
under another variant and reloaded after editing) or a saved JSON trace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .trace import Trace


class CannotRecompute(Exception):
    """A saved trace cannot be re-run under another variant or reloaded."""


@dataclass
class ScenarioSource:
    """A ``.fs`` file: every build parses it afresh and runs the model."""

    path: str
    variant: str | None = None
    """The ``--kernel`` override, if any."""

    recomputable = True

    def build(self, variant: str | None = None) -> Trace:
        """Parse and run; raises ScenarioError if the file is wrong now."""
        from . import load_trace

        return load_trace(self.path, variant or self.variant)


@dataclass
class SavedTraceSource:
    """A JSON trace written by ``folioscope trace --format json``."""

    path: str
    trace: Trace

    recomputable = False

    @classmethod
    def open(cls, path: str) -> "SavedTraceSource":
        """Read a JSON trace (TraceFormatError if it is not one; OSError)."""
        from ..views.json_trace import load

        return cls(path, load(Path(path).read_text(encoding="utf-8")))

    def build(self, variant: str | None = None) -> Trace:
        if variant and variant != self.trace.variant:
            raise CannotRecompute(f"{self.path} is a saved trace under {self.trace.variant}; "
                                  "open the scenario itself to switch variants")
        return self.trace
