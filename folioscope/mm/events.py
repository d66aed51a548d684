"""What the kernel did, as data: one ``Event`` per thing a kernel function
did (or declined to do, and why).

The engine records the function, the folio, CPU and batch it concerns, a
``str.format`` template and its values, and the call depth; views render
them (``Event.text``, ``Event.line``).  Formatting is deferred, so a model
run with events off (the explorer of ``folioscope check``) builds none.
"""

from __future__ import annotations

from typing import NamedTuple

INDENT = "  "
"""What one level of call depth adds in front of an event's text."""


class Event(NamedTuple):
    """One event of one operation (a tuple: cheap to make, hash and keep)."""

    depth: int
    """Call depth: 0 for the operation itself, +1 inside each ``mm.call``."""
    template: str
    """``str.format`` template over the fields below and ``args``."""
    func: str | None = None
    """The kernel function the event is about (``lru_add``, ``__munlock_folio``)."""
    folio: str | None = None
    """The folio it is about, if one."""
    cpu: int | None = None
    """The CPU it is about, if one."""
    batch: str | None = None
    """The per-CPU batch it is about, if one."""
    args: tuple[tuple[str, object], ...] = ()
    """The other values the template names, in the order given."""

    @property
    def text(self) -> str:
        """The event in words, without indentation."""
        return self.template.format(func=self.func, folio=self.folio, cpu=self.cpu,
                                    batch=self.batch, **dict(self.args))

    def line(self) -> str:
        """The event as the text trace prints it: indented by its depth."""
        return INDENT * self.depth + self.text

    @classmethod
    def plain(cls, depth: int, text: str, func: str | None = None, folio: str | None = None,
              cpu: int | None = None, batch: str | None = None) -> "Event":
        """An event whose text is already written (read back from a saved trace)."""
        template = text.replace("{", "{{").replace("}", "}}")
        return cls(depth, template, func, folio, cpu, batch)

    @classmethod
    def from_line(cls, line: str) -> "Event":
        """An event from a line indented as ``line()`` writes it (schema 1 traces)."""
        body = line.lstrip(" ")
        return cls.plain((len(line) - len(body)) // len(INDENT), body)
