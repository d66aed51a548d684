"""End to end: boot the smallest Debian cloud kernel under QEMU and hold the
model against it on B2, one LRU-batch scenario and mlock(2)'s populate pass.

Marked `lab` (excluded from the default run; `.ci/run` runs it with
`-m lab`).  It fetches the kernel once into the cache directory.
"""

import shutil
from pathlib import Path

import pytest

from folioscope.cli import main

REPO = Path(__file__).resolve().parents[2]
KERNEL = "6.1.192"
"""The smallest cloud image (about 27 MB), and the interesting one: old-style
15-entry batches with the v6.17 GUP fixes backported (a composed variant)."""

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def tools():
    missing = [t for t in ("qemu-system-x86_64", "gcc", "apt-get", "dpkg-deb") if not shutil.which(t)]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (.ci/run installs them)")


@pytest.mark.parametrize("scenario", ["b2-will-deacon-pin-failure.fs", "lab/l5-drain-all.fs",
                                      "lab/l6-mlock-populate.fs"])
def test_kernel_and_model_agree(tools, scenario, capsys):
    code = main(["lab", str(REPO / "scenarios" / scenario), "--debian", KERNEL, "--runs", "3"])
    out = capsys.readouterr().out
    assert "→ v5.18+gup_drain_trigger=refcount_2level" in out   # matched from the changelog
    assert "the model and the kernel agree" in out, out
    assert code == 0
