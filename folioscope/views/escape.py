"""Strings from a file, made safe to print on a terminal.

A title, a name or a path comes from a file someone may have mailed; raw, an
ESC or a BEL in it would drive the reader's terminal (colours, the window
title, worse).  ``escape`` writes every control character as a visible
escape: C0 and C1 controls, DEL, and the bidirectional overrides that make
text read differently than it is ("Trojan Source", CVE-2021-42574).
Everything else, accents and symbols included, is kept as it is.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with every control character written as ``\\x1b``, ``\\n``,
    ``\\u202e``…: one line, nothing a terminal acts on."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_visible, text)


def escape_lines(text: str) -> str:
    """Each line of ``text`` escaped, the line breaks kept (for messages that
    are several lines on purpose, such as a parse error with its caret)."""
    return "\n".join(escape(line) for line in text.split("\n"))
