"""Build the guest agent: static C, compiled once per source and compiler.

The binary is cached under the lab's cache directory, keyed by a hash of
the source and of ``gcc --version``, so a change to either rebuilds it.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from .errors import LabMissing

SOURCE = Path(__file__).with_name("guest") / "agent.c"
INSTALL = "apt-get install -y gcc libc6-dev"


def agent_key(source: bytes, compiler: str) -> str:
    return hashlib.sha256(source + b"\0" + compiler.encode()).hexdigest()[:16]


def build_agent(cache: Path) -> bytes:
    """The static agent binary (built into ``cache/agent`` on first use)."""
    gcc = shutil.which("gcc")
    if not gcc:
        raise LabMissing("gcc is not installed (the guest agent is C, compiled statically)", INSTALL)
    version = subprocess.run([gcc, "--version"], capture_output=True, text=True).stdout
    source = SOURCE.read_bytes()
    out = cache / "agent" / f"agent-{agent_key(source, version)}"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        proc = subprocess.run([gcc, "-static", "-O2", "-Wall", "-o", str(tmp), str(SOURCE)],
                              capture_output=True, text=True)
        if proc.returncode:
            raise LabMissing(f"building the guest agent failed:\n{proc.stderr.strip()}\n"
                             "(static linking needs libc6-dev's libc.a)", INSTALL)
        tmp.rename(out)
    return out.read_bytes()
