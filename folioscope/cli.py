"""The command line: argument parsing and exit codes only.

Exit status: 0 the scenario ran and every expectation held; 1 an
expectation failed, or an operation would BUG() and no ``expect result``
said the scenario meant it (``compare``: under any variant); 2 the input or
the command line is wrong.
Only ``play`` imports Textual.
"""

from __future__ import annotations

import sys

from . import __version__

TYPE_CHECKING = False               # not typing's: importing typing costs ~10 ms at startup
if TYPE_CHECKING:
    import argparse
    from typing import TypeGuard

    from .dsl.errors import ScenarioError

EXAMPLES = """\
examples:
  folioscope play                                   Will Deacon's pin failure, step by step
  folioscope play scenarios/b3-hugh-mlock-missed.fs --kernel v6.11
  folioscope trace scenarios/b2-will-deacon-pin-failure.fs --kernel v6.11
  folioscope trace my.fs --format json -o my.json   save a trace for `play --trace`
  folioscope trace my.fs --summary                  a verdict block to paste in a mail
  folioscope compare scenarios/b2-will-deacon-pin-failure.fs
  folioscope compare my.fs --format json            the same, for a script
  folioscope variants --switches                    the switches, their values, who reads them
  folioscope trace my.fs --kernel 'v6.17+gup_drain_trigger=lru_or_mlocked'

exit status: 0 ok, 1 an expectation failed or a BUG nobody expected, 2 bad input or usage
"""


class UsageError(Exception):
    """A command-line mistake: printed as `folioscope: error: …`, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="folioscope",
        description="See what Linux mm does with per-CPU folio batches, mlock batches "
                    "and FOLL_LONGTERM pins: run a scenario on a model of the kernel.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"folioscope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    trace = sub.add_parser("trace", help="print the golden trace of a scenario",
                           description="Run a scenario and print what the kernel did, step by step.")
    trace.add_argument("file", metavar="FILE", help="a scenario (.fs)")
    trace.add_argument("--kernel", metavar="V", help="the variant to model (overrides the file's `kernel`)")
    trace.add_argument("--format", choices=("text", "json", "mail"), default="text",
                       help="text (the default), json (for `play --trace`), mail (as --summary)")
    trace.add_argument("--summary", dest="format", action="store_const", const="mail",
                       help="a verdict block to paste in a mail: at most 80 columns, about 25 lines")
    _output_arguments(trace)

    compare = sub.add_parser("compare", help="run a scenario under every variant, one table",
                             description="Run a scenario under several variants and show where they differ.")
    compare.add_argument("file", metavar="FILE", help="a scenario (.fs)")
    compare.add_argument("--kernel", metavar="A,B,…", help="only these variants (comma-separated)")
    compare.add_argument("--format", choices=("text", "json"), default="text",
                         help="text fits the terminal (COLUMNS, else 80); json has every value whole")
    _output_arguments(compare)

    variants = sub.add_parser("variants", help="list the kernel variants",
                              description="List the kernel variants with their defining commits.")
    shown = variants.add_mutually_exclusive_group()
    shown.add_argument("--switches", action="store_true",
                       help="each switch: its values, which variant has which, the kernel function reading it")
    shown.add_argument("--releases", action="store_true",
                       help="which variant models each mainline release and stable line")

    play = sub.add_parser("play", help="replay a scenario in the terminal UI",
                          description="Step through a scenario (default: Will Deacon's pin failure).")
    play.add_argument("file", metavar="FILE", nargs="?", help="a scenario (.fs); default: the bundled B2")
    play.add_argument("--kernel", metavar="V", help="the variant to model")
    play.add_argument("--trace", metavar="JSON", help="open a saved JSON trace instead of a scenario")
    play.add_argument("--step", type=int, default=0, metavar="K", help="open at step K")
    _add_lab(sub)
    from .check.command import add_parser as add_check  # argparse only: no engine import

    add_check(sub)
    return parser


def _output_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("-o", "--output", metavar="PATH",
                         help="write the output here instead of stdout (whole or not at all)")
    command.add_argument("--force", action="store_true", help="let -o overwrite an existing file")
    command.add_argument("--follow-symlinks", action="store_true",
                         help="let -o write through a symbolic link to its target")


def _add_lab(sub) -> None:
    lab = sub.add_parser(
        "lab", help="run a scenario on a real kernel under QEMU, beside the model",
        description="Boot a real Linux kernel under QEMU, run the scenario's operations as system "
                    "calls on the CPUs it names, and print the model and the kernel side by side. "
                    "Exit 0 agree, 1 disagree, 2 a scenario the lab cannot run, 3 QEMU or the "
                    "kernel missing.")
    lab.add_argument("file", metavar="FILE", help="a scenario (.fs)")
    where = lab.add_mutually_exclusive_group(required=True)
    where.add_argument("--debian", metavar="VERSION",
                       help="a Debian cloud kernel by exact upstream version (6.16.3), fetched and cached")
    where.add_argument("--kernel-image", metavar="PATH", help="a bzImage to boot")
    lab.add_argument("--variant", metavar="V",
                     help="the variant to model (default: matched from the kernel's changelog)")
    lab.add_argument("--runs", type=int, default=5, metavar="N", help="runs in one boot (default 5)")
    lab.add_argument("--ftrace", action="store_true",
                     help="record the kernel's mm functions in each step, beside the model's events")
    lab.add_argument("--cache-dir", metavar="DIR", help="default $XDG_CACHE_HOME/folioscope")
    lab.add_argument("--timeout", type=float, default=600, metavar="S", help="seconds per boot")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--version"]:           # answered before argparse is even built: startup
        print(f"folioscope {__version__}")
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except UsageError as err:
        _say(f"folioscope: error: {err}")
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        _say("folioscope: interrupted")
        return 130
    except Exception as err:
        if not _is_scenario_error(err):
            raise
        _say(err.render())
        return 2


def _is_scenario_error(err: Exception) -> TypeGuard[ScenarioError]:
    """A ScenarioError, without importing the parser to find out (a command
    that raised one has imported it)."""
    errors = sys.modules.get("folioscope.dsl.errors")
    return errors is not None and isinstance(err, errors.ScenarioError)


def _say(message: str) -> None:
    """A message for stderr: a path or a source line in it is the user's, escaped."""
    from .views.escape import escape_lines

    print(escape_lines(message), file=sys.stderr)


def _check_variant(name: str | None) -> str | None:
    """The canonical name of a named or composed variant (UsageError if none)."""
    from .mm.variants import VariantError, canonical_name

    if name is None:
        return None
    try:
        return canonical_name(name)
    except VariantError as err:
        raise UsageError(str(err)) from None


def cmd_trace(args: argparse.Namespace) -> int:
    from .replay import run_scenario, variant_for
    from .views import text

    scenario = _scenario(args.file)
    variant = variant_for(scenario, _check_variant(args.kernel))
    with _progress(scenario, 1, f"trace {variant}") as bar:
        trace = run_scenario(scenario, variant, progress=bar)
    _emit(args, _render_trace(trace, args.format))
    if text.failed(trace):
        sys.stderr.write(text.failure_report(trace))
        return 1
    for warning in text.nothing_checked(trace):
        _say(warning)
    return 0


def _render_trace(trace, form: str) -> str:
    if form == "json":
        from .views import json_trace

        return json_trace.dump(trace)
    if form == "mail":
        from .views import summary

        return summary.render(trace)
    from .views import text

    return text.render(trace)


def cmd_compare(args: argparse.Namespace) -> int:
    from .mm.variants import VARIANT_NAMES
    from .replay import run_scenario
    from .views import compare

    names: tuple[str, ...] = VARIANT_NAMES
    if args.kernel:
        names = tuple(str(_check_variant(n.strip())) for n in args.kernel.split(",") if n.strip())
        if not names:
            raise UsageError("--kernel needs at least one variant")
    scenario = _scenario(args.file)
    runs: list[compare.Run] = []
    with _progress(scenario, len(names), f"compare {names[0]}") as bar:
        for i, name in enumerate(names):
            trace = run_scenario(scenario, name, progress=bar)
            runs.append(compare.Run.of(trace, keep_calls=not runs))
            del trace                       # one trace in memory at a time
            if i + 1 < len(names):
                bar.next_run(len(runs[-1].results), f"compare {names[i + 1]}")
    if args.format == "json":
        _emit(args, compare.to_json(runs))
    else:
        import shutil

        _emit(args, compare.render(runs, shutil.get_terminal_size((80, 24)).columns))
    sys.stderr.write("".join(run.report for run in runs))
    return 0 if all(run.ok for run in runs) else 1


def _scenario(path: str):
    """The parsed scenario at ``path``; a saved JSON trace is pointed to ``play``."""
    from .dsl import parse_file

    if _looks_like_json(path):
        raise UsageError(_json_given(path))
    return parse_file(path)


def _json_given(path: str) -> str:
    return f"{path} is a saved JSON trace, not a scenario: open it with `folioscope play --trace {path}`"


def _looks_like_json(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return False                        # the parser says what is wrong with it
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


def _progress(scenario, runs: int, label: str):
    """Say what a long run will cost before starting it, refuse one that
    cannot fit in memory; a progress bar (stderr, a terminal, after ~1 s)."""
    from .replay.interpreter import planned_steps
    from .views import progress

    steps = planned_steps(scenario)
    cost = progress.Estimate(steps, runs)
    memory = progress.available_memory()
    if memory is not None and cost.least_bytes > memory:
        raise UsageError(f"{scenario.path} runs {steps:,} steps, which need at least "
                         f"{progress.size(cost.least_bytes)}, more than the {progress.size(memory)} "
                         "available: it cannot finish; lower a repeat count")
    if cost.seconds > progress.WARN_AFTER:
        _say(f"folioscope: {scenario.path} runs {cost.describe()} (Ctrl-C stops it)")
    return progress.ProgressBar(steps * runs, label)


def _emit(args: argparse.Namespace, out: str) -> None:
    """stdout, or ``-o PATH`` written whole or not at all (outfile.py)."""
    if args.output is None:
        sys.stdout.write(out)
        return
    from .outfile import OutputRefused, write_atomic

    try:
        write_atomic(args.output, out, force=args.force, follow_symlinks=args.follow_symlinks,
                     inputs=(args.file,))
    except OutputRefused as err:
        raise UsageError(str(err)) from None


def cmd_variants(args: argparse.Namespace) -> int:
    from .views import variants

    render = (variants.render_switches if args.switches
              else variants.render_releases if args.releases else variants.render_variants)
    sys.stdout.write(render())
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    from .replay.source import ScenarioSource
    from .resources import default_scenario

    if args.trace:
        if args.file or args.kernel:
            raise UsageError("--trace opens a saved trace: give no FILE and no --kernel")
        source = _open_saved(args.trace)
    else:
        path = args.file or str(default_scenario())
        if _looks_like_json(path):
            raise UsageError(_json_given(path))
        source = ScenarioSource(path, _check_variant(args.kernel))
    build = source.start()  # parsed and declared: bad input fails here; the run goes on in the UI
    from .tui.app import run  # Textual only now, once the input is known good

    return run(source, build, start_step=max(0, args.step))


def _open_saved(path: str):
    from .views.json_trace import TraceFormatError
    from .views.saved import SavedTraceSource

    try:
        return SavedTraceSource.open(path)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: cannot read it: {err}") from None
    except TraceFormatError as err:
        raise UsageError(f"{path}: {err}") from None


def cmd_lab(args: argparse.Namespace) -> int:
    from pathlib import Path

    from . import lab  # QEMU, apt and the guest agent only for this command

    if args.runs < 1:
        raise UsageError("--runs needs at least 1")
    opts = lab.LabOptions(args.file, args.debian, args.kernel_image, args.variant, args.runs,
                          args.ftrace, Path(args.cache_dir) if args.cache_dir else None, args.timeout)
    try:
        return lab.run_lab(opts)
    except lab.NoRoute as err:
        print(f"{args.file}:{err.line}: the lab cannot run this line: {err.why}", file=sys.stderr)
        return 2
    except lab.LabMissing as err:
        print(err.render(), file=sys.stderr)
        return 3
    except lab.LabFailed as err:
        print(f"folioscope lab: {err}", file=sys.stderr)
        return 3
    except ValueError as err:
        raise UsageError(str(err)) from None


def cmd_check(args: argparse.Namespace) -> int:
    from .check import command
    from .views import check_json, check_text

    report = command.run(args, UsageError, _check_variant)
    show_time = not args.no_time
    sys.stdout.write(check_json.dump(report, show_time) if args.format == "json"
                     else check_text.render(report, show_time))
    return report.exit_status


COMMANDS = {"check": cmd_check, "lab": cmd_lab, "trace": cmd_trace, "compare": cmd_compare,
            "variants": cmd_variants, "play": cmd_play}
