"""The lab's errors, each with its exit status (folioscope/cli.py)."""

from __future__ import annotations


class LabMissing(Exception):
    """QEMU, a compiler or a kernel is missing: exit 3, with the command that
    installs it."""

    def __init__(self, what: str, install: str):
        super().__init__(what)
        self.what = what
        self.install = install

    def render(self) -> str:
        return f"folioscope lab: {self.what}\n  install it with: {self.install}"


class LabFailed(Exception):
    """The guest did not finish (a kernel oops, a timeout): exit 3."""
