"""Scenario errors: a position, a message in words, what was expected, a hint.

``ScenarioError.render()`` draws::

    scenarios/x.fs:3:6: error: unknown operation 'mlok'
        3 | cpu0 mlok F1
          |      ^^^^
      expected: an operation such as add_lru, mlock, gup_longterm, drain
      hint: did you mean 'mlock'?

The command line prints it to stderr and exits 2.  The interpreter raises
positioned errors with ``ScenarioError.at(node.pos, scenario.path,
scenario.source, message)``.
"""

from __future__ import annotations

from folioscope.dsl.ast import Pos

_SHOWN = 100
"""Most characters of a source line shown around the caret."""


class ScenarioError(Exception):
    """A scenario that cannot be run, with where and why."""

    def __init__(self, message: str, *, path: str = "<string>",
                 line: int | None = None, column: int | None = None,
                 end_line: int | None = None, end_column: int | None = None,
                 source_line: str | None = None, expected: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        """What is wrong, in words, without position."""
        self.path = path
        """The file, as given (``<string>`` for ``parse_text`` without a path)."""
        self.line = line
        """1-based line, or None for an error about the whole file."""
        self.column = column
        """1-based column (characters), or None."""
        self.end_line = end_line if end_line is not None else line
        """Line where the offending span ends."""
        self.end_column = end_column
        """Column just after the offending span (exclusive), or None."""
        self.source_line = source_line
        """The text of ``line``, for the caret drawing."""
        self.expected = expected
        """What would have been valid there, in words."""
        self.hint = hint
        """A suggestion (``did you mean 'mlock'?``), or None."""

    @classmethod
    def at(cls, pos: Pos | None, path: str, source: str | None, message: str,
           hint: str | None = None, expected: str | None = None) -> ScenarioError:
        """An error at ``pos`` (a node's position) in ``source``."""
        if pos is None:
            return cls(message, path=path, hint=hint, expected=expected)
        return cls(message, path=path, line=pos.line, column=pos.column,
                   end_line=pos.end_line, end_column=pos.end_column,
                   source_line=line_of(source, pos.line) if source is not None else None,
                   expected=expected, hint=hint)

    def __str__(self) -> str:
        return self.render()

    def __reduce__(self):
        # keyword-only fields: rebuild from them (pickling, multiprocessing)
        return _rebuild, (self.message, {k: v for k, v in self.__dict__.items() if k != "message"})

    def location(self) -> str:
        """``path:line:col`` (or just the path)."""
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"

    def render(self) -> str:
        """The whole report, lines joined by newlines, no final newline."""
        out = [f"{self.location()}: error: {self.message}"]
        if self.line is not None and self.source_line is not None:
            out.extend(self._drawing(self.source_line))
        if self.expected:
            out.append(f"  expected: {self.expected}")
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)

    def _drawing(self, source_line: str) -> list[str]:
        text = source_line.rstrip("\r\n")
        col = max(1, self.column or 1)
        if self.end_line is not None and self.end_line != self.line:
            end = len(text) + 1  # the span goes on below: underline to the end of the line
        else:
            end = self.end_column if self.end_column is not None else col + 1
        end = max(end, col + 1)
        end = min(end, max(len(text) + 1, col + 1))
        start = col - 1  # 0-based start of the span
        stop = end - 1   # 0-based end (exclusive)
        # a window of the line around the span, for very long lines
        lo, hi = 0, len(text)
        prefix = suffix = ""
        if len(text) > _SHOWN:
            lo = max(0, start - _SHOWN // 3)
            hi = min(len(text), lo + _SHOWN)
            stop = min(stop, hi)
            if lo > 0:
                prefix = "…"
            if hi < len(text):
                suffix = "…"
        shown = text[lo:hi]
        shown = "".join(c if c == "\t" or c.isprintable() else "\ufffd" for c in shown)
        lead = "".join("\t" if c == "\t" else " " for c in shown[:max(0, start - lo)])
        carets = "^" * max(1, stop - start)
        width = max(4, len(str(self.line))) + 1
        gutter = " " * width
        return [f"{self.line:>{width}} | {prefix}{shown}{suffix}",
                f"{gutter} | {' ' * len(prefix)}{lead}{carets}"]


def _rebuild(message: str, fields: dict) -> ScenarioError:
    error = ScenarioError(message)
    error.__dict__.update(fields)
    return error


def line_of(source: str, line: int) -> str:
    """Line ``line`` (1-based) of ``source``, without its newline; '' past the end."""
    if line < 1:
        return ""
    start = 0
    for _ in range(line - 1):
        nl = source.find("\n", start)
        if nl < 0:
            return ""
        start = nl + 1
    end = source.find("\n", start)
    return source[start:] if end < 0 else source[start:end]


def show(text: str, limit: int = 40) -> str:
    """A word as it appears in a message: quoted, escaped, shortened."""
    if len(text) > limit:
        text = text[:limit] + "…"
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if "'" in shown and '"' not in shown:
        return f'"{shown}"'
    return f"'{shown}'"
