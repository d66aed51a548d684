"""The kernel model: pure Python, no UI, no I/O.

One module per kernel file it mirrors: ``swap`` (mm/swap.c), ``mlock``
(mm/mlock.c), ``vmscan`` (isolation), ``rmap``, ``migrate``, ``gup``;
``lruvec`` is include/linux/mm_inline.h, ``pagevec`` the folio_batch.
``variants`` holds the kernel variants as switches; ``machine`` the
operations users can run.
"""

from .machine import DeclarationError, InvariantViolation, Machine, Outcome, step
from .variants import DEFAULT_VARIANT, VARIANT_NAMES, VARIANTS, Variant, get_variant

__all__ = ["DeclarationError", "InvariantViolation", "Machine", "Outcome", "step",
           "DEFAULT_VARIANT", "VARIANT_NAMES", "VARIANTS", "Variant", "get_variant"]
