"""-o writes whole or not at all, and never over what it must not (issue 13
item 3).  Faults are real (RLIMIT_FSIZE) or injected as the OSError a full
disk raises, in the folioscope process itself."""

from __future__ import annotations

import os
import resource
import stat

import pytest
from clitools import B2, run_cli

ENOSPC = """
import errno, os
def _full(fd):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
os.fsync = _full
"""
ENOSPC_ON_WRITE = """
import errno, os
_fdopen = os.fdopen
class HalfWritten:
    # writes half, then fails as write(2) does when the disk fills
    def __init__(self, f): self.f = f
    def __enter__(self): return self
    def __exit__(self, *exc): self.f.close()
    def write(self, s):
        self.f.write(s[: len(s) // 2]); self.f.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    def __getattr__(self, name): return getattr(self.f, name)
os.fdopen = lambda fd, *a, **k: HalfWritten(_fdopen(fd, *a, **k))
"""


def _leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("fault", [ENOSPC, ENOSPC_ON_WRITE], ids=["fsync", "write"])
def test_a_full_disk_keeps_the_old_file_and_leaves_nothing(tmp_path, fault) -> None:
    out = tmp_path / "out.txt"
    out.write_text("precious")
    proc = run_cli("trace", B2, "-o", str(out), "--force", prelude=fault)
    assert proc.returncode == 2
    assert "No space left on device" in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_text() == "precious"
    assert _leftovers(tmp_path) == []


def test_a_full_disk_creates_no_file(tmp_path) -> None:
    out = tmp_path / "new.txt"
    proc = run_cli("trace", B2, "-o", str(out), prelude=ENOSPC)
    assert proc.returncode == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_ulimit_f_keeps_the_old_file(tmp_path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("precious")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    proc = run_cli("trace", B2, "-o", str(out), "--force", preexec_fn=limit)
    assert proc.returncode == 2, proc.stderr
    assert "cannot write" in proc.stderr
    assert out.read_text() == "precious"
    assert _leftovers(tmp_path) == []


def test_an_empty_output_name_is_refused(tmp_path) -> None:
    proc = run_cli("trace", B2, "-o", "")
    assert proc.returncode == 2
    assert "-o needs a file name" in proc.stderr
    assert proc.stdout == ""


def test_a_dangling_symlink_is_not_written_through(tmp_path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "elsewhere.txt")
    for extra in ([], ["--force"]):
        proc = run_cli("trace", B2, "-o", str(link), *extra)
        assert proc.returncode == 2
        assert "symbolic link" in proc.stderr and "--follow-symlinks" in proc.stderr
    assert not (tmp_path / "elsewhere.txt").exists()
    assert link.is_symlink()


def test_force_does_not_overwrite_a_symlinks_target(tmp_path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("precious")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    proc = run_cli("trace", B2, "-o", str(link), "--force")
    assert proc.returncode == 2
    assert target.read_text() == "precious" and link.is_symlink()


def test_follow_symlinks_writes_the_target(tmp_path) -> None:
    target = tmp_path / "target.txt"
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    proc = run_cli("trace", B2, "-o", str(link), "--follow-symlinks")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and target.read_text().startswith("# Will Deacon")


def test_the_scenario_itself_is_never_overwritten(tmp_path) -> None:
    src = tmp_path / "s.fs"
    src.write_text(open(B2).read())
    for extra in ([], ["--force"]):
        proc = run_cli("trace", str(src), "-o", str(src), *extra)
        assert proc.returncode == 2
        assert "names the scenario being run" in proc.stderr
    other = tmp_path / "same.fs"
    other.symlink_to(src)
    proc = run_cli("trace", str(other), "-o", str(src), "--force")
    assert proc.returncode == 2
    proc = run_cli("compare", str(src), "-o", str(tmp_path / "." / "s.fs"), "--force")
    assert proc.returncode == 2
    assert src.read_text() == open(B2).read()


def test_a_new_file_gets_the_usual_permissions(tmp_path) -> None:
    out = tmp_path / "t.txt"
    proc = run_cli("trace", B2, "-o", str(out), prelude="import os; os.umask(0o022)")
    assert proc.returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_overwriting_keeps_the_mode(tmp_path) -> None:
    out = tmp_path / "t.txt"
    out.write_text("old")
    os.chmod(out, 0o600)
    assert run_cli("trace", B2, "-o", str(out), "--force").returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text().startswith("#")


def test_compare_writes_with_o(tmp_path) -> None:
    out = tmp_path / "c.json"
    assert run_cli("compare", B2, "--format", "json", "-o", str(out)).returncode == 0
    assert out.read_text().startswith("{")
    assert run_cli("compare", B2, "-o", str(out)).returncode == 2
