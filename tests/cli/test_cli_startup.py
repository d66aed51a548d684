"""What each command loads (issue 8 item 9): `variants` and `--version` load
neither the parser nor the engine; nothing but `play` loads Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("lark", "rich", "textual", "folioscope.dsl.parser", "folioscope.mm.machine",
         "folioscope.replay")


def _loaded(args: list[str]) -> set[str]:
    code = ("import sys\nfrom folioscope.cli import main\n"
            "try:\n    main(%r)\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sys.modules))\n" % (args,))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split()[-1000:]) if proc.stdout else set()


@pytest.mark.parametrize("args", [["variants"], ["--version"], ["--help"]])
def test_light_commands_load_no_parser_and_no_engine(args) -> None:
    loaded = set(_loaded(args))
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
