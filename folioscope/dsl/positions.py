"""Positions in scenario text, as ``ast.Pos``: of a Lark token or tree, just
after one, or of a character offset.

Lines end at LF, CRLF or a lone CR (``normalise_line_ends`` turns each into
LF before anything else reads the text, so that Lark, the messages and the
views count the same lines); columns count characters from 1, as the caret
under the line is drawn.

Shared by the tree walk (``build``) and the syntax-error messages
(``syntax_errors``), so that both point at the same columns.
"""

from __future__ import annotations

from lark import Token

from folioscope.dsl.ast import Pos


def pos_of(x) -> Pos:
    """Where a token or a tree (with ``propagate_positions``) is."""
    if isinstance(x, Token):
        line, column, end_line, end_column = x.line, x.column, x.end_line, x.end_column
        if line is None or column is None or end_line is None or end_column is None:
            raise ValueError(f"the token {x.value!r} has no position: it is not the lexer's")
        return Pos(line, column, end_line, end_column)
    m = x.meta
    return Pos(m.line, m.column, m.end_line, m.end_column)


def pos_span(first, last) -> Pos:
    """From where ``first`` starts to where ``last`` ends."""
    a, b = pos_of(first), pos_of(last)
    return Pos(a.line, a.column, b.end_line, b.end_column)


def pos_within(tok: Token, start: int, end: int) -> Pos:
    """Characters ``start`` to ``end`` (offsets from its start, ``end``
    excluded) of a token on one line."""
    p = pos_of(tok)
    return Pos(p.line, p.column + start, p.line, p.column + end)


def pos_after(x) -> Pos:
    """The single column just after ``x``."""
    p = pos_of(x)
    return Pos(p.end_line, p.end_column, p.end_line, p.end_column + 1)


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of character ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def normalise_line_ends(text: str) -> str:
    """``text`` with each CRLF and each lone CR turned into LF."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")
