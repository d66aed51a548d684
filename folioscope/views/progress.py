"""Long runs: an estimate before starting, a progress bar while running.

Before a run the command line knows how many steps it will take (the
``repeat`` counts unrolled, ``replay.interpreter.count_calls``), so it can
say what that costs before spending it: a warning when it is long, a
refusal when the trace cannot fit in memory.  While it runs, a bar on
stderr, only when stderr is a terminal and only once the run has lasted
``SHOW_AFTER`` seconds (rich is imported then, not before: short runs pay
nothing).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

STEP_SECONDS = 60e-6
"""Time to run and record one busy step, rounded up from benchmarks/replay.py
(about 40-60 µs on a 2-core machine with a few folios; more with many).
A step with nothing to do (a drain of empty batches) takes some 7 µs, so
this bounds the time from above."""
STEP_BYTES = 1400
"""Memory a recorded busy step keeps (benchmarks/replay.py: ~1.4 KB)."""
STEP_BYTES_MIN = 300
"""Memory even a step that changed nothing keeps (benchmarks/limits.py, a
million cheap drains: ~315 bytes a step): a run is refused only when this
much cannot fit, never on the busy-step bound."""
WARN_AFTER = 10.0
"""Seconds of estimated run time above which the user is told before it starts."""
SHOW_AFTER = 1.0
"""Seconds a run lasts before its progress bar appears."""


@dataclass(frozen=True)
class Estimate:
    """What a run of ``steps`` steps, ``runs`` times (compare), will cost."""

    steps: int
    runs: int = 1

    @property
    def seconds(self) -> float:
        return self.steps * self.runs * STEP_SECONDS

    @property
    def bytes(self) -> int:
        """Peak memory if every step is busy: one trace at a time is kept whole."""
        return self.steps * STEP_BYTES

    @property
    def least_bytes(self) -> int:
        """Memory the run needs even if no step does anything."""
        return self.steps * STEP_BYTES_MIN

    def describe(self) -> str:
        """``1,000,000 steps: up to about 1 min and 1.4 GB``."""
        runs = f" under {self.runs} variants" if self.runs > 1 else ""
        return (f"{self.steps:,} steps{runs}: up to about {duration(self.seconds)} and "
                f"{size(self.bytes)} of memory")


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB") else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo (None where there is none)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """``progress(done)`` callbacks for one or several runs (compare), drawn
    on ``stream`` once ``SHOW_AFTER`` has passed, if it is a terminal."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = total > 0 and is_terminal(self.stream)
        self._start = time.monotonic()
        self._offset = 0
        self._bar: Any = None          # a rich Progress, once shown
        self._task: Any = None

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self._start < SHOW_AFTER:
                return
            self._show()
        self._bar.update(self._task, completed=self._offset + done)

    def next_run(self, steps_done: int, label: str) -> None:
        """The previous run finished after ``steps_done`` steps; ``label`` is next."""
        self._offset += steps_done
        self.label = label
        if self._bar is not None:
            self._bar.update(self._task, completed=self._offset, description=label)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(file=self.stream, force_terminal=True)
        self._bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                             TextColumn("steps"), TimeElapsedColumn(), TimeRemainingColumn(),
                             console=console, transient=True)
        self._task = self._bar.add_task(self.label, total=self.total)
        self._bar.start()
