"""Debian cloud kernels: fetched with a private apt configuration, cached.

``apt-get`` runs with its state, cache and sources list all under the lab's
cache directory (``-o Dir::State=...``), so the system's apt configuration
is read-only to us; ``apt-get download`` fetches the package and
``dpkg-deb --fsys-tarfile`` extracts only /boot and the changelog.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .errors import LabMissing

MIRROR = "http://deb.debian.org/debian"
SECURITY = "http://deb.debian.org/debian-security"
SUITES = ((MIRROR, "bookworm"), (MIRROR, "bookworm-backports"), (MIRROR, "trixie"),
          (MIRROR, "trixie-backports"), (SECURITY, "bookworm-security"), (SECURITY, "trixie-security"))
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


@dataclass(frozen=True)
class Kernel:
    """A kernel image ready to boot, with what its package says about it."""

    version: str            # upstream version, e.g. 6.16.3
    package: str            # linux-image-6.16.3+deb13-cloud-amd64
    image: Path             # the bzImage
    changelog: str          # the package's changelog text ("" when it has none)


def sources_list() -> str:
    return "".join(f"deb [signed-by={KEYRING}] {url} {suite} main\n" for url, suite in SUITES)


class Apt:
    """apt-get and apt-cache confined to ``root`` (the cache directory)."""

    def __init__(self, root: Path):
        self.root = root

    def options(self) -> list[str]:
        r = self.root
        return ["-o", f"Dir::Etc::SourceList={r / 'sources.list'}",
                "-o", f"Dir::Etc::SourceParts={r / 'sources.list.d'}",
                "-o", f"Dir::State={r / 'state'}", "-o", f"Dir::Cache={r / 'cache'}",
                "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"]

    def prepare(self) -> None:
        for sub in ("state/lists/partial", "cache/archives/partial", "sources.list.d"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "sources.list").write_text(sources_list())

    def run(self, tool: str, *args: str, cwd: Path | None = None) -> str:
        if not shutil.which(tool):
            raise LabMissing(f"{tool} is not available: --debian needs Debian's apt", "use --kernel-image PATH")
        proc = subprocess.run([tool, *self.options(), *args], capture_output=True, text=True, cwd=cwd)
        if proc.returncode:
            raise LabMissing(f"{tool} {' '.join(args)} failed: {proc.stderr.strip()[-400:]}",
                             "check the network to Debian's archive")
        return proc.stdout

    def update(self) -> None:
        self.prepare()
        self.run("apt-get", "update", "-q")

    def candidates(self) -> list[str]:
        out = self.run("apt-cache", "search", "--names-only", r"^linux-image-.*-cloud-amd64$")
        return [line.split(" ", 1)[0] for line in out.splitlines() if line]

    def versions(self, package: str) -> list[str]:
        out = self.run("apt-cache", "show", package)
        return re.findall(r"^Version: (\S+)", out, re.M)


def upstream(debian_version: str) -> str:
    """6.16.3-1~bpo13+1 -> 6.16.3; 6.1.192-3 -> 6.1.192."""
    return debian_version.split("-", 1)[0]


def pick_package(version: str, names: list[str], versions_of) -> tuple[str, str]:
    """The package (and its Debian version) of upstream ``version``: 6.16.3 is
    linux-image-6.16.3+deb13-cloud-amd64; 6.1.192 hides behind an ABI name
    (linux-image-6.1.0-57-cloud-amd64), found by its Version field."""
    direct = sorted(n for n in names if n.startswith(f"linux-image-{version}+deb"))
    major_minor = ".".join(version.split(".")[:2])
    abi = sorted((n for n in names if re.match(rf"linux-image-{re.escape(major_minor)}\.0-\d+-cloud-amd64$", n)),
                 key=lambda n: -int(n.split("-")[3]))  # the newest ABI (Debian revision) first
    for name in direct + abi:
        for v in versions_of(name):
            if upstream(v) == version:
                return name, v
    raise LabMissing(f"no Debian cloud kernel {version} in bookworm, trixie or their backports",
                     "pick a version from `apt-cache search linux-image-.*-cloud-amd64` "
                     "(an exact upstream version, e.g. 6.16.3)")


def fetch(version: str, cache: Path, progress=None) -> Kernel:
    """The kernel of Debian upstream ``version``, fetched once into ``cache``."""
    progress = progress or (lambda msg: print(msg, file=sys.stderr))
    home = cache / "kernels" / version
    image = home / "vmlinuz"
    if image.exists():
        return _load(version, home)
    apt = Apt(cache / "apt")
    progress(f"lab: updating the package lists for Debian kernels (cached in {apt.root})")
    apt.update()
    package, debver = pick_package(version, apt.candidates(), apt.versions)
    downloads = cache / "debs"
    downloads.mkdir(parents=True, exist_ok=True)
    progress(f"lab: downloading {package} {debver}")
    apt.run("apt-get", "download", f"{package}={debver}", cwd=downloads)
    deb = next(downloads.glob(f"{package}_*.deb"))
    _extract(deb, home, package)
    return _load(version, home)


def _unpacked_as(name: str) -> str | None:
    """The file of the cache a member of the package goes to, if any."""
    if name.startswith("boot/vmlinuz-"):
        return "vmlinuz.part"
    if name.startswith("usr/share/doc/") and name.endswith(("changelog.gz", "changelog.Debian.gz")):
        return "changelog.gz"
    return None


def _extract(deb: Path, home: Path, package: str) -> None:
    if not shutil.which("dpkg-deb"):
        raise LabMissing("dpkg-deb is not available", "apt-get install -y dpkg")
    home.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        for member in tar:
            target = _unpacked_as(member.name.lstrip("./"))
            file = tar.extractfile(member) if target is not None else None  # None for a link
            if target is not None and file is not None:
                (home / target).write_bytes(file.read())
    proc.wait()
    (home / "package").write_text(package)
    (home / "vmlinuz.part").rename(home / "vmlinuz")


def _load(version: str, home: Path) -> Kernel:
    log = home / "changelog.gz"
    text = gzip.decompress(log.read_bytes()).decode("utf-8", "replace") if log.exists() else ""
    package = (home / "package").read_text().strip() if (home / "package").exists() else ""
    return Kernel(version, package, home / "vmlinuz", text)


def changelog_entries(text: str) -> list[str]:
    """Every ``- subject`` line of a Debian kernel changelog (the upstream
    stable commits it lists), continuation lines joined."""
    entries: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if re.match(r"^[-+] ", stripped):
            entries.append(stripped[2:].strip())
        elif entries and stripped and line.startswith("      ") and not stripped.startswith(("[", "*", "http")):
            entries[-1] += " " + stripped
    return entries
