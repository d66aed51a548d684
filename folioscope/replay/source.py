"""Where a replayed trace comes from: a scenario file (which can be re-run
under another variant and reloaded after editing) or a saved JSON trace."""

from __future__ import annotations

from dataclasses import dataclass
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


def read_trace_text(path: str) -> str:
    """The text of a saved trace, at most MAX_TRACE_BYTES, a BOM allowed."""
    from ..views.trace_schema import MAX_TRACE_BYTES, TraceFormatError

    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TRACE_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as err:
        raise TraceFormatError(f"cannot read it: {err.strerror or err}") from None
    if len(data) > MAX_TRACE_BYTES:
        raise TraceFormatError(f"too large for a trace (at most {MAX_TRACE_BYTES >> 20:,} MiB)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TraceFormatError(f"not UTF-8 text: byte 0x{data[err.start]:02x} at offset "
                               f"{err.start:,}") from None


@dataclass
class SavedTraceSource:
    """A JSON trace written by ``folioscope trace --format json``."""

    path: str
    trace: Trace

    recomputable = False

    @classmethod
    def open(cls, path: str) -> "SavedTraceSource":
        """Read and check a JSON trace: TraceFormatError (one line) if it is
        not one or cannot be read; FileNotFoundError if there is no such file."""
        from ..views.json_trace import load

        return cls(path, load(read_trace_text(path)))

    def build(self, variant: str | None = None) -> Trace:
        if variant and variant != self.trace.variant:
            raise CannotRecompute(f"{self.path} is a saved trace under {self.trace.variant}; "
                                  "open the scenario itself to switch variants")
        return self.trace
