"""The scenario language: text -> checked AST (``folioscope.dsl.ast``).

``parse_file(path)`` and ``parse_text(text, path)`` return a ``Scenario`` or
raise ``ScenarioError``, whose ``render()`` is what the command line prints.

The parser (and Lark with it) is imported on first use of a ``parse_*``
function, so that commands which only need ``ScenarioError`` or the AST start
without it.
"""

from folioscope.dsl.errors import ScenarioError

__all__ = ["ScenarioError", "parse_bytes", "parse_file", "parse_text"]

_PARSER_NAMES = frozenset({"parse_bytes", "parse_file", "parse_text"})


def __getattr__(name: str):
    if name in _PARSER_NAMES:
        from folioscope.dsl import parser

        return getattr(parser, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
