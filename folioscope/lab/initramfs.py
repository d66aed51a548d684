"""A minimal initramfs, written in Python as a cpio "newc" archive.

The kernel unpacks it into its rootfs and runs ``/init`` (our static agent).
Nothing else is in it: every process in the guest is one more source of
per-CPU batch traffic: observers disturb what they observe.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One file, directory or device node of the archive."""

    name: str
    mode: int
    data: bytes = b""
    rdev: tuple[int, int] = (0, 0)


def directory(name: str) -> Entry:
    return Entry(name, stat.S_IFDIR | 0o755)


def regular(name: str, data: bytes, executable: bool = False) -> Entry:
    return Entry(name, stat.S_IFREG | (0o755 if executable else 0o644), data)


def char_device(name: str, major: int, minor: int) -> Entry:
    return Entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))


def _pad4(n: int) -> bytes:
    return b"\0" * (-n % 4)


def _header(ino: int, entry: Entry, namesize: int) -> bytes:
    fields = (ino, entry.mode, 0, 0, 1 + stat.S_ISDIR(entry.mode), 0, len(entry.data),
              0, 0, entry.rdev[0], entry.rdev[1], namesize, 0)
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def newc(entries: list[Entry]) -> bytes:
    """The archive: each entry as header, name, data, padded to 4 bytes,
    then the TRAILER!!! record (the format of cpio -H newc)."""
    out = bytearray()
    for ino, entry in enumerate([*entries, Entry("TRAILER!!!", 0)], start=1):
        name = entry.name.encode() + b"\0"
        head = _header(ino if entry.name != "TRAILER!!!" else 0, entry, len(name))
        out += head + name + _pad4(len(head) + len(name))
        out += entry.data + _pad4(len(entry.data))
    return bytes(out)


def lab_initramfs(agent: bytes, program: str) -> bytes:
    """The guest's whole root: /init (the agent), /lab/program, and the device
    nodes it opens before anything could create them."""
    return newc([
        directory("dev"),
        char_device("dev/console", 5, 1),
        char_device("dev/ttyS0", 4, 64),
        char_device("dev/ttyS1", 4, 65),
        directory("proc"),
        directory("sys"),
        directory("lab"),
        regular("lab/program", program.encode()),
        regular("init", agent, executable=True),
    ])
