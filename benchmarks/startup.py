"""How long folioscope takes to start.  Prints figures; asserts nothing.

    python benchmarks/startup.py [--runs 15] [--module]

Times, as wall-clock medians of ``--runs`` fresh processes each (the
commands interleaved, so that a busy machine slows them alike):

- ``python -c pass``                     bare Python
- ``python -c 'import lark, rich'``      the libraries a trace needs
- ``folioscope --version``
- ``folioscope variants``
- ``folioscope trace B2``                a small scenario (text to /dev/null)

and prints each as a ratio to both baselines, measured in the same run.
folioscope runs as users run it: the ``folioscope`` console script next to
the interpreter running this script (``python -m folioscope`` if there is
none, or with ``--module``, which also pays for runpy: use it to compare
with a checkout that is not installed, run from that checkout).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
B2 = REPO / "scenarios" / "b2-will-deacon-pin-failure.fs"

PY = sys.executable
SCRIPT = Path(PY).parent / "folioscope"


def commands(module: bool) -> dict[str, list[str]]:
    folioscope = [str(SCRIPT)] if SCRIPT.exists() and not module else [PY, "-m", "folioscope"]
    return {
        "python -c pass": [PY, "-c", "pass"],
        "python -c 'import lark, rich'": [PY, "-c", "import lark, rich"],
        "folioscope --version": folioscope + ["--version"],
        "folioscope variants": folioscope + ["variants"],
        "folioscope trace b2 (small)": folioscope + ["trace", str(B2)],
    }


def _once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(runs: int, module: bool = False) -> dict[str, float]:
    """Median seconds per command; one warm-up round first (disk cache, .pyc,
    the parser cache)."""
    todo = commands(module)
    times: dict[str, list[float]] = {name: [] for name in todo}
    for argv in todo.values():
        _once(argv)
    for _ in range(runs):
        for name, argv in todo.items():
            times[name].append(_once(argv))
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--module", action="store_true", help="run folioscope as python -m folioscope")
    args = parser.parse_args()
    medians = measure(args.runs, args.module)
    bare = medians["python -c pass"]
    libs = medians["python -c 'import lark, rich'"]
    how = "python -m folioscope" if args.module or not SCRIPT.exists() else str(SCRIPT)
    print(f"startup, median of {args.runs} runs (Python {sys.version.split()[0]}; "
          f"folioscope as {how}, from {REPO})")
    print(f"  {'command':34} {'ms':>7}  {'× bare':>7}  {'× lark+rich':>11}")
    for name, seconds in medians.items():
        print(f"  {name:34} {seconds * 1000:7.1f}  {seconds / bare:7.2f}  {seconds / libs:11.2f}")


if __name__ == "__main__":
    main()
