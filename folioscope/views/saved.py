"""A saved JSON trace (``folioscope trace --format json``) as a source the
replayer opens: read within a size bound, checked, never re-run."""

from __future__ import annotations

from dataclasses import dataclass

from ..replay.source import CannotRecompute, TraceBuild
from ..replay.trace import Trace
from .json_trace import load
from .trace_schema import MAX_TRACE_BYTES, TraceFormatError


def read_trace_text(path: str) -> str:
    """The text of a saved trace, at most MAX_TRACE_BYTES, a BOM allowed."""
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
        return cls(path, load(read_trace_text(path)))

    def start(self, variant: str | None = None) -> TraceBuild:
        """The saved trace, whole."""
        return TraceBuild.finished(self.build(variant))

    def build(self, variant: str | None = None) -> Trace:
        if variant and variant != self.trace.variant:
            raise CannotRecompute(f"{self.path} is a saved trace under {self.trace.variant}; "
                                  "open the scenario itself to switch variants")
        return self.trace
