"""A wheel built from this checkout installs in a fresh venv and runs
`folioscope trace` on a bundled scenario, the grammar found inside it."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow     # builds and installs the wheel

REPO = Path(__file__).resolve().parents[1]


def _run(*cmd: str, cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_wheel_installs_and_traces(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(REPO))
    wheel = next(dist.glob("folioscope-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    _run(python, "-m", "pip", "install", "--quiet", str(wheel))
    work = tmp_path / "elsewhere"
    work.mkdir()
    scenario = _run(python, "-c", "from folioscope.resources import default_scenario; "
                    "print(default_scenario())", cwd=work).strip()
    assert "site-packages" in scenario and Path(scenario).exists()
    out = _run(str(env_dir / "bin" / "folioscope"), "trace", scenario, "--kernel", "v6.11",
               cwd=work)
    assert "cpu0 gup_longterm F → ENOMEM" in out
    grammar = _run(python, "-c", "import folioscope.dsl.parser as p, inspect; "
                   "print(p.grammar_path())", cwd=work).strip()
    assert "site-packages" in grammar
