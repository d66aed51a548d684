"""Startup and parser cost of the scenario language.  Prints figures; asserts nothing.

    python benchmarks/parser.py [--runs 15]

Figures, each the median CPU time of ``--runs`` fresh processes (so the OS
caches are warm, but nothing of Python's):
* the baseline ``python -c 'import lark, rich'`` and bare ``python -c pass``;
* ``import folioscope.dsl.errors`` (what every command imports: no Lark),
  ``folioscope --version``, ``folioscope variants``;
* ``folioscope trace`` of a small scenario (the bundled B2), and its ratio to
  the baseline (issue 8 item 9 asks for at most 1.5), with the parser loaded
  from its cache and compiled from the grammar (no usable cache);
* in one process: the parser built from the grammar (``Lark(...)``) against
  the parser loaded from its cache (``folioscope.dsl.parser.lark_parser``),
  and parsing B2 once the parser exists.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
B2 = ROOT / "scenarios" / "b2-will-deacon-pin-failure.fs"


# Python's own compiled modules are written and used, as on a user's machine
# (some environments set PYTHONDONTWRITEBYTECODE, which makes every start
# compile folioscope from source).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
NO_CACHE = {**ENV, "FOLIOSCOPE_CACHE_DIR": "/dev/null/no-cache"}


def median_run(args: list[str], runs: int, env: dict[str, str] = ENV) -> float:
    """The median CPU time (user + system) of ``runs`` processes: on a shared
    machine, wall time mostly measures the neighbours."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def in_process(runs: int) -> dict[str, float]:
    from lark import Lark

    from folioscope.dsl import parse_text, parser

    options = getattr(parser, "LARK_OPTIONS", None) or {  # older trees: the same options, written out
        "parser": "lalr", "lexer": "contextual", "propagate_positions": True, "maybe_placeholders": False}
    grammar = parser.grammar_path().read_text(encoding="utf-8")
    lark_parser = parser.lark_parser
    built = []
    for _ in range(max(3, runs // 3)):
        start = time.perf_counter()
        Lark(grammar, **options)
        built.append(time.perf_counter() - start)
    loaded = []
    for _ in range(runs):
        lark_parser.cache_clear()
        start = time.perf_counter()
        lark_parser()
        loaded.append(time.perf_counter() - start)
    text = B2.read_text(encoding="utf-8")
    parsed = []
    for _ in range(runs):
        start = time.perf_counter()
        parse_text(text, str(B2))
        parsed.append(time.perf_counter() - start)
    return {"built": statistics.median(built), "loaded": statistics.median(loaded),
            "parse": statistics.median(parsed)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    py = sys.executable
    median_run([py, "-m", "folioscope", "trace", str(B2)], 2)  # warm the parser cache and the OS
    rows = [
        ("python -c pass", [py, "-c", "pass"]),
        ("python -c 'import lark, rich'  (baseline)", [py, "-c", "import lark, rich"]),
        ("import folioscope.dsl.errors", [py, "-c", "import folioscope.dsl.errors"]),
        ("import folioscope.dsl.parser", [py, "-c", "import folioscope.dsl.parser"]),
        ("folioscope --version", [py, "-m", "folioscope", "--version"]),
        ("folioscope variants", [py, "-m", "folioscope", "variants"]),
        ("folioscope trace b2 (small scenario)", [py, "-m", "folioscope", "trace", str(B2)]),
    ]
    figures = {label: median_run(args, runs) for label, args in rows}
    figures["folioscope trace b2, parser compiled (no cache)"] = median_run(rows[-1][1], runs, NO_CACHE)
    baseline = figures["python -c 'import lark, rich'  (baseline)"]
    print(f"startup, CPU time (user + system), median of {runs} processes:")
    for label, seconds in figures.items():
        print(f"  {label:<45} {seconds * 1000:7.1f} ms   {seconds / baseline:5.2f}x baseline")
    inner = in_process(runs)
    print("in one process, medians of wall time:")
    print(f"  build the LALR parser from the grammar       {inner['built'] * 1000:7.1f} ms")
    print(f"  lark_parser() (from its cache)               {inner['loaded'] * 1000:7.1f} ms"
          f"   {inner['built'] / inner['loaded']:5.1f}x faster")
    print(f"  parse_text(b2)                               {inner['parse'] * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
