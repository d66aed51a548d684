"""Where a replayed trace comes from: a scenario file (which can be re-run
under another variant and reloaded after editing) or a saved JSON trace;
and a :class:`TraceBuild`, a trace that the replayer shows while it builds."""

from __future__ import annotations

from dataclasses import dataclass
from time import monotonic
from typing import Iterator

from .trace import Trace


HEAD_START = 0.3
"""Seconds a build runs before the replayer shows it: most scenarios are
whole by then, so an error in them is reported before the UI starts."""


class CannotRecompute(Exception):
    """A saved trace cannot be re-run under another variant or reloaded."""


class TraceBuild:
    """A trace being built a slice at a time.

    ``trace`` is usable at once (step 0 at least); :meth:`advance` runs the
    model for a while; :meth:`view` is a copy of what is built so far that
    later steps do not touch, so one thread can build while another shows.
    """

    def __init__(self, runner: Iterator[Trace] | None, trace: Trace, planned: int) -> None:
        self._runner = runner
        self.trace = trace
        """The trace being built (the runner appends to it)."""
        self.planned = planned
        """The steps the whole run will have (step 0 not counted)."""

    @classmethod
    def start(cls, runner: Iterator[Trace], planned: int) -> "TraceBuild":
        """Run up to the first operation (raises what the declarations raise)."""
        return cls(runner, next(runner), planned)

    @classmethod
    def finished(cls, trace: Trace) -> "TraceBuild":
        """A trace that is already whole."""
        return cls(None, trace, trace.last)

    @property
    def done(self) -> bool:
        """Whether every step is built."""
        return self._runner is None

    def advance(self, seconds: float) -> bool:
        """Build for about ``seconds``; True once done."""
        runner = self._runner
        if runner is None:
            return True
        until = monotonic() + seconds
        for _ in runner:
            if monotonic() >= until:  # every step: one step may be a long gup
                return False
        self._runner = None
        return True

    def view(self) -> Trace:
        """The trace as built so far (the trace itself once done)."""
        return self.trace if self.done else self.trace.copy()


@dataclass
class ScenarioSource:
    """A ``.fs`` file: every build parses it afresh and runs the model."""

    path: str
    variant: str | None = None
    """The ``--kernel`` override, if any."""

    recomputable = True

    def start(self, variant: str | None = None, head_start: float = HEAD_START) -> TraceBuild:
        """Parse, declare and run for ``head_start`` seconds (ScenarioError if
        the file is wrong now); the rest runs as the build advances."""
        from ..dsl import parse_file
        from .interpreter import planned_steps, run_stepwise

        scenario = parse_file(self.path)
        build = TraceBuild.start(run_stepwise(scenario, variant or self.variant),
                                 planned_steps(scenario))
        build.advance(head_start)  # a small file is whole, and its errors raised, by now
        return build

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

    def start(self, variant: str | None = None) -> TraceBuild:
        """The saved trace, whole."""
        return TraceBuild.finished(self.build(variant))

    def build(self, variant: str | None = None) -> Trace:
        if variant and variant != self.trace.variant:
            raise CannotRecompute(f"{self.path} is a saved trace under {self.trace.variant}; "
                                  "open the scenario itself to switch variants")
        return self.trace


def start_build(source: object, variant: str | None = None) -> TraceBuild:
    """``source.start(variant)``, or a finished build of ``source.build`` for
    a source that builds only whole traces."""
    start = getattr(source, "start", None)
    if callable(start):
        return start(variant)
    return TraceBuild.finished(source.build(variant))  # type: ignore[attr-defined]
