"""The scenario language: text -> checked AST (``folioscope.dsl.ast``).

``parse_file(path)`` and ``parse_text(text, path)`` return a ``Scenario`` or
raise ``ScenarioError``, whose ``render()`` is what the command line prints.
"""

from folioscope.dsl.errors import ScenarioError
from folioscope.dsl.parser import parse_bytes, parse_file, parse_text

__all__ = ["ScenarioError", "parse_bytes", "parse_file", "parse_text"]
