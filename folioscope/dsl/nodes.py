"""The parse tree's children as the grammar shapes them.

Lark gives every child the type ``Token | Tree``; the grammar decides which
one each is (``op: CPU NAME arg*``: two tokens, then arguments).  A builder
says which it expects with these, checked, so that a grammar change that
breaks the assumption fails where it is made.
"""

from __future__ import annotations

from typing import Iterable

from lark import Token, Tree


def token(child: Token | Tree) -> Token:
    """A child that the grammar makes a token."""
    if not isinstance(child, Token):
        raise TypeError(f"the grammar gives a token here, not a {child.data!r} tree")
    return child


def tokens(children: Iterable[Token | Tree]) -> list[Token]:
    """Children that the grammar makes tokens, every one."""
    return [token(c) for c in children]


def tree(child: Token | Tree) -> Tree:
    """A child that the grammar makes a tree."""
    if not isinstance(child, Tree):
        raise TypeError(f"the grammar gives a tree here, not the token {child.value!r}")
    return child
