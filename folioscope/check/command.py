"""``folioscope check``: arguments, the size guard and progress; the CLI
renders the report (``views.check_text``, ``views.check_json``).

Exit status: 0 every expected verdict held (or none was given) and the
search completed; 1 a verdict differed, or a BUG outcome the condition does
not ask about, a deadlock, an invariant violation or a failed thread
``expect`` was found; 2 bad input; 3 the search stopped at a bound.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rich.status import Status

    from .report import CheckReport

DESCRIPTION = """\
Explore every interleaving of a concurrent scenario's threads (cpuN { … }),
their lru_add_drain_all() work items and the environment's `may` steps, and
say whether the condition (exists / forall / never / always) holds: herd7's
verdict block per variant, and witnesses that `folioscope trace` and `play`
replay."""


def add_parser(sub) -> None:
    check = sub.add_parser("check", help="explore every interleaving of a concurrent scenario",
                           description=DESCRIPTION,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("file", metavar="FILE", help="a concurrent scenario (.fs)")
    check.add_argument("--kernel", metavar="V|all|A,B",
                       help="the variant(s): one, a comma-separated list, or all")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("-o", "--output", metavar="DIR", help="write one witness file per outcome here")
    check.add_argument("--force", action="store_true", help="let -o overwrite existing witnesses")
    check.add_argument("--max-states", type=int, default=2_000_000, metavar="N")
    check.add_argument("--max-depth", type=int, metavar="D")
    check.add_argument("--time-limit", type=float, metavar="S")
    check.add_argument("--first", action="store_true",
                       help="stop at the first witness (enough to say Sometimes)")
    check.add_argument("--no-por", action="store_true", help="explore without partial-order reduction")
    check.add_argument("--all-states", action="store_true",
                       help="tell final states apart by everything, not only what the condition names")
    check.add_argument("--invariants", action="store_true",
                       help="check the model's own invariants on every reachable state")
    check.add_argument("--workers", type=_workers, metavar="N|auto",
                       help="explore with N processes on this machine, `auto` one per core "
                            "(same output for any N); with --ray, the number of Ray workers")
    check.add_argument("--ray", metavar="ADDRESS|auto",
                       help="explore on a Ray cluster: `auto` (the running one, else a local "
                            "one) or host:port; needs `pip install 'folioscope[ray]'`")
    check.add_argument("--no-time", action="store_true",
                       help="leave out the Time lines (output identical from run to run)")
    check.add_argument("--progress", choices=("auto", "plain", "none"), default="auto")


def run(args: argparse.Namespace, usage_error, check_variant) -> CheckReport:
    """Explore the scenario of ``args`` and write its witnesses (``-o``)."""
    from ..dsl import parse_file
    from ..dsl.errors import ScenarioError
    from .parallel import ParallelError
    from .report import Options, check, write_witnesses
    from .search import Bounds

    if args.ray:
        from .ray_backend import require

        try:
            require()
        except ParallelError as err:
            raise usage_error(str(err)) from None
    scenario = parse_file(args.file)
    if not getattr(scenario, "threads", None):
        raise ScenarioError("`folioscope check` needs a concurrent scenario: it has no thread",
                            path=scenario.path,
                            hint="write the operations to interleave as thread blocks, e.g. "
                                 "`cpu0 { activate F }` and `cpu1 { drain all }`")
    variants = _variants(args.kernel, scenario, check_variant, usage_error)
    bounds = Bounds(args.max_states, args.max_depth, args.time_limit, args.first)
    _size_guard(scenario, bounds)
    options = Options(not args.no_por, bounds, args.invariants, args.all_states,
                      workers=args.workers, ray=args.ray)
    progress = _progress(args.progress)
    try:
        report = check(scenario, variants, options, progress=progress)
    except ParallelError as err:
        raise usage_error(str(err)) from None
    finally:
        if progress is not None:
            progress.close()
    if args.output:
        try:
            write_witnesses(report, args.output, args.force)
        except FileExistsError as err:
            raise usage_error(f"{err} exists; not overwriting it (use --force)") from None
        except OSError as err:
            raise usage_error(f"cannot write witnesses to {args.output}: {err.strerror}") from None
    return report


def _workers(text: str) -> int:
    """``--workers``: a positive number, or ``auto`` (this machine's cores)."""
    if text == "auto":
        from .parallel import available_cores

        return available_cores()
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1, 2, …) or `auto`, "
                                         f"got {text!r}")
    return n


def _variants(spec: str | None, scenario, check_variant, usage_error) -> list[str]:
    from ..mm.variants import VARIANT_NAMES
    from ..replay import variant_for

    if spec is None:
        return [variant_for(scenario)]
    if spec == "all":
        return list(VARIANT_NAMES)
    names = [check_variant(n.strip()) for n in spec.split(",") if n.strip()]
    if not names:
        raise usage_error("--kernel needs at least one variant")
    return names


def _size_guard(scenario, bounds) -> None:
    """Warn before a search that cannot finish: the interleavings of the
    threads' calls alone, with each call's stops."""
    lengths = [_calls(t.body) for t in scenario.threads]
    total = sum(lengths)
    schedules = math.factorial(total) // math.prod(math.factorial(n) for n in lengths)
    if schedules > 50 * bounds.max_states:
        print(f"folioscope check: {len(lengths)} CPUs × {total} calls: up to ~10^"
              f"{len(str(schedules)) - 1} schedules; distinct states are far fewer, but the "
              f"search stops at {bounds.max_states:,} (--max-states)", file=sys.stderr)


def _calls(body) -> int:
    n = 0
    for stmt in body:
        if hasattr(stmt, "count"):
            n += stmt.count * _calls(stmt.body)
        elif hasattr(stmt, "name"):
            n += max(1, len(stmt.folios)) if stmt.name not in ("gup_longterm", "sys_mlock",
                                                               "sys_munlock") else 1
    return n


class _Progress:
    """A rich progress line on a TTY after one second, TLC's plain line every
    60 s otherwise."""

    def __init__(self, plain: bool) -> None:
        self.plain = plain
        self.started = time.monotonic()
        self.last = self.started
        self.live: Status | None = None

    def __call__(self, variant, out, queue, depth, elapsed) -> None:
        now = time.monotonic()
        if self.plain:
            if now - self.last >= 60:
                self.last = now
                print(f"Progress({depth}) {variant}: {out.states:,} states, {queue:,} left on queue",
                      file=sys.stderr, flush=True)
            return
        if now - self.started < 1:
            return
        rate = out.states / max(elapsed, 1e-9)
        line = (f"exploring {variant}: {out.states:,} states · {rate:,.0f} st/s · queue "
                f"{queue:,} · depth {depth} · finals {len(out.finals)} · {elapsed:,.0f} s")
        if self.live is None:
            from rich.console import Console
            from rich.status import Status

            self.live = Status(line, console=Console(stderr=True))
            self.live.start()
        else:
            self.live.update(line)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()


def _progress(mode: str) -> _Progress | None:
    if mode == "none":
        return None
    if mode == "plain" or not sys.stderr.isatty():
        return _Progress(plain=True)
    return _Progress(plain=False)
