"""Running the command line as a user does: a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
B2 = str(SCENARIOS / "b2-will-deacon-pin-failure.fs")


def run_cli(*args: str, cwd: Path | str = REPO, env: dict[str, str] | None = None,
            prelude: str = "", **kwargs) -> subprocess.CompletedProcess:
    """``folioscope ARGS`` in a fresh interpreter.  ``prelude`` is Python run
    before ``main`` (to inject a fault: a full disk, a slow machine)."""
    full_env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    full_env.update(env or {})
    code = (f"{prelude}\nimport sys\nfrom folioscope.cli import main\n"
            f"sys.exit(main({list(args)!r}))\n")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=full_env, **kwargs)


def scenario(tmp_path: Path, body: str, name: str = "s.fs") -> str:
    """A scenario file in ``tmp_path``; its path."""
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)
