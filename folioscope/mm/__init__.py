"""The kernel model: pure Python, no UI, no I/O.

One module per kernel file it mirrors: ``swap`` (mm/swap.c), ``mlock``
(mm/mlock.c), ``vmscan`` (isolation), ``rmap``, ``migrate``, ``gup``;
``lruvec`` is include/linux/mm_inline.h, ``pagevec`` the folio_batch.
``variants`` holds the kernel variants as switches; ``machine`` the
operations users can run.

The names below are imported on first use (PEP 562), so that
``folioscope variants`` reads ``variants`` without loading the engine.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "DeclarationError": "machine", "InvariantViolation": "machine", "Machine": "machine",
    "Outcome": "machine", "step": "machine",
    "DEFAULT_VARIANT": "variants", "VARIANT_NAMES": "variants", "VARIANTS": "variants",
    "Variant": "variants", "get_variant": "variants",
}

__all__ = list(_HOMES)


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
