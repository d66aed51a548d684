"""folioscope: see what Linux mm does with per-CPU folio batches, mlock
batches and FOLL_LONGTERM pins.

Layers, one way: grammar -> ``dsl`` (parser, AST) -> ``replay``
(interpreter, trace) -> ``mm`` (the kernel model) -> ``views`` (text, JSON)
and ``tui`` (the Textual replayer, which only reads traces).
"""

__version__ = "0.1.0"
