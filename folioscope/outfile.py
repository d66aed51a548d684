"""``-o PATH``: write a file whole or not at all, and never over what the
user did not mean to replace.

The content goes to a temporary file in the same directory, is flushed to
disk, and is then renamed over PATH: a full disk, a ``ulimit -f`` or an
interrupt leaves the old file as it was and no partial file behind.
Without ``--force`` an existing PATH is kept, and the final link is made
with ``link(2)``, which cannot replace a file that appeared meanwhile.  A
symbolic link is not followed unless asked (``--follow-symlinks``): it may
point anywhere.  The scenario being run is never overwritten, even with
``--force``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class OutputRefused(Exception):
    """PATH cannot or must not be written; the message says why."""


def write_atomic(path_text: str, content: str, *, force: bool = False,
                 follow_symlinks: bool = False, inputs: tuple[str, ...] = ()) -> None:
    """Write ``content`` (UTF-8) to ``path_text`` as described above."""
    path = _target(path_text, follow_symlinks)
    _refuse_inputs(path, inputs)
    if path.is_dir():
        raise OutputRefused(f"{path_text} is a directory")
    exists = path.exists()
    if exists and not force:
        raise OutputRefused(f"{path_text} exists; not overwriting it (use --force)")
    mode = path.stat().st_mode & 0o7777 if exists else _default_mode()
    tmp = _write_temporary(path, content, mode)
    try:
        _put_in_place(tmp, path, force)
    except FileExistsError:
        raise OutputRefused(f"{path_text} exists; not overwriting it (use --force)") from None
    except OSError as err:
        raise OutputRefused(f"cannot write {path_text}: {_reason(err)}") from None
    finally:
        _remove(tmp)


def _target(path_text: str, follow_symlinks: bool) -> Path:
    if not path_text:
        raise OutputRefused("-o needs a file name (it is empty)")
    path = Path(path_text)
    if not path.is_symlink():
        return path
    target = os.readlink(path)
    if not follow_symlinks:
        dangling = "" if path.exists() else ", which does not exist"
        raise OutputRefused(f"{path_text} is a symbolic link to {target}{dangling}; "
                            "not writing through it (use --follow-symlinks to write its target)")
    return Path(os.path.realpath(path))


def _refuse_inputs(path: Path, inputs: tuple[str, ...]) -> None:
    for name in inputs:
        if _same_file(path, Path(name)):
            raise OutputRefused(f"-o {path} names the scenario being run; refusing to overwrite it "
                                "(even with --force)")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _default_mode() -> int:
    """0666 less the umask, as open(2) would create the file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_temporary(path: Path, content: str, mode: int) -> Path:
    """``content`` in a new file next to ``path``, on disk; its name."""
    directory = path.parent
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise OutputRefused(f"cannot write {path}: {_reason(err)}") from None
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(content)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
    except BaseException as err:
        _remove(tmp)
        if isinstance(err, OSError):
            raise OutputRefused(f"cannot write {path}: {_reason(err)}") from None
        raise
    return tmp


def _put_in_place(tmp: Path, path: Path, force: bool) -> None:
    """Rename ``tmp`` to ``path``; without ``force``, only if ``path`` is still absent."""
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)          # fails with FileExistsError rather than replace
    except FileExistsError:
        raise
    except OSError:                 # a file system without hard links
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(tmp, path)


def _remove(tmp: Path) -> None:
    try:
        tmp.unlink()
    except OSError:             # already renamed, or the directory went away
        pass


def _reason(err: OSError) -> str:
    return err.strerror or str(err)
