"""Files that ship with folioscope: the grammar and the bundled scenarios.

In a wheel they live in ``folioscope/_data``; in a checkout (editable
install) at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_REPO = _PACKAGE.parent

DEFAULT_SCENARIO = "b2-will-deacon-pin-failure.fs"
"""What ``folioscope play`` opens without a file: Will Deacon's pin failure."""


def _first_existing(*candidates: Path) -> Path:
    for path in candidates:
        if path.exists():
            return path
    return candidates[-1]


def scenarios_dir() -> Path:
    """The bundled scenarios."""
    return _first_existing(_PACKAGE / "_data" / "scenarios", _REPO / "scenarios")


def default_scenario() -> Path:
    """The scenario ``folioscope play`` opens by default."""
    return scenarios_dir() / DEFAULT_SCENARIO

