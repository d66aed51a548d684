"""Boot a kernel under QEMU (TCG) with the lab's initramfs and collect what
the agent printed on the second serial port.

KVM is not used: /dev/kvm on this kind of machine is paravirtual and cannot
run a stock guest.  TCG runs two vCPUs on host threads (thread=multi);
6.18 oopses at boot under multi-threaded TCG (an int3 during code patching),
so it gets thread=single.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import LabFailed, LabMissing

QEMU = "qemu-system-x86_64"
INSTALL = "apt-get install -y qemu-system-x86"
CMDLINE = ("console=ttyS0 movablecore=384M nokaslr transparent_hugepage=never "
           "panic=-1 oops=panic rdinit=/init")
"""movablecore: user pages land in ZONE_MOVABLE, as the scenarios' folios do;
nokaslr: kallsyms and struct page addresses are the unrandomised ones;
transparent_hugepage=never: khugepaged would drain every CPU on each scan."""


@dataclass(frozen=True)
class Boot:
    output: str        # the agent's serial port
    console: str       # the kernel's console
    seconds: float


def tcg_threads(version: tuple[int, int, int] | None) -> str:
    return "single" if version and version[:2] >= (6, 18) else "multi"


def command(kernel: Path, initrd: Path, agent_out: Path, console: Path, cpus: int,
            threads: str) -> list[str]:
    return [QEMU, "-accel", f"tcg,thread={threads}", "-smp", str(cpus), "-m", "1G",
            "-nodefaults", "-display", "none", "-no-reboot",
            "-kernel", str(kernel), "-initrd", str(initrd), "-append", CMDLINE,
            "-serial", f"file:{console}", "-serial", f"file:{agent_out}"]


def require(kernel: Path) -> None:
    """LabMissing unless the kernel image and QEMU are there: the image first,
    since the user named it."""
    if not kernel.exists():
        raise LabMissing(f"no kernel image at {kernel}", "pass --kernel-image PATH or --debian VERSION")
    if not shutil.which(QEMU):
        raise LabMissing(f"{QEMU} is not installed", INSTALL)


def boot(kernel: Path, initramfs: bytes, cpus: int, version=None, timeout: float = 600,
         workdir: Path | None = None) -> Boot:
    """Run the guest to its power-off; LabFailed if it never finishes."""
    require(kernel)
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)   # the initramfs lives in the cache, not /tmp
    with tempfile.TemporaryDirectory(prefix="lab-", dir=workdir) as tmp:
        tmpdir = Path(tmp)
        initrd, out, con = tmpdir / "initrd", tmpdir / "agent.out", tmpdir / "console.log"
        initrd.write_bytes(initramfs)
        start = time.monotonic()
        try:
            subprocess.run(command(kernel, initrd, out, con, max(cpus, 2), tcg_threads(version)),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise LabFailed(f"the guest did not power off within {timeout:.0f} s; its console ends:\n"
                            + _tail(con)) from None
        seconds = time.monotonic() - start
        return Boot(_read(out), _read(con), seconds)


def _read(path: Path) -> str:
    return path.read_text("utf-8", "replace") if path.exists() else ""


def _tail(path: Path, n: int = 15) -> str:
    return "\n".join(_read(path).splitlines()[-n:])
