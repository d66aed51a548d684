"""Scenario text -> checked AST: the entry points and the Lark parser.

``parse_file``, ``parse_bytes`` and ``parse_text`` run four stages, each
failing fast with a ``ScenarioError``:

1. the bytes (here): a readable, non-empty UTF-8 text file without NUL bytes,
   at most ``MAX_SOURCE_BYTES`` long (so a 10 MB file of garbage is refused at
   once); a leading BOM is dropped and CRLF and lone CR become LF
   (``positions.normalise_line_ends``); a file over ``PRESCAN_BYTES`` is
   also scanned, with one regex, for a character that is never valid, so
   that garbage far down is found at once;
2. the Lark LALR parse (grammar/folioscope.lark), whose exceptions are turned
   into messages in words (``syntax_errors``);
3. the walk of the tree into ``folioscope.dsl.ast`` nodes, checking every word
   against ``vocabulary`` (unknown operation, attribute, field...): ``build``
   dispatches each statement to ``folios``, ``operations`` or
   ``expectations``, which share a ``reader.Reader``;
4. whole-file checks, made during the same walk in source order
   (``checks.Checker``): folios declared before use, CPUs in range, limits.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path

import lark
from lark import Lark, Tree
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from folioscope.dsl.ast import Scenario
from folioscope.dsl.build import Builder
from folioscope.dsl.errors import ScenarioError, line_of, show
from folioscope.dsl.positions import line_column, normalise_line_ends
from folioscope.dsl.syntax_errors import syntax_error, unterminated_string
from folioscope.dsl.vocabulary import MAX_SOURCE_BYTES, PRESCAN_BYTES

# --- the Lark parser, compiled once and cached ----------------------------------------


def grammar_path() -> Path:
    """Where grammar/folioscope.lark is: inside the package when installed from
    a wheel (``folioscope/_data``), else next to the package in the repository."""
    package = Path(__file__).resolve().parent.parent
    candidates = (package / "_data" / "folioscope.lark",
                  package.parent / "grammar" / "folioscope.lark")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RuntimeError("folioscope is not installed correctly: folioscope.lark is in none of "
                       + ", ".join(str(c) for c in candidates))


LARK_OPTIONS = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True, "maybe_placeholders": False}
"""How the grammar is compiled (LALR(1), Lark's contextual lexer, positions on every tree)."""


def build_parser() -> Lark:
    """The LALR parser, compiled from the grammar now (some 50-100 ms)."""
    return Lark(grammar_path().read_text(encoding="utf-8"), **LARK_OPTIONS)


@functools.cache
def lark_parser() -> Lark:
    """The LALR parser, once per process: loaded from a cache when a parser
    compiled from this very grammar (same text, options, Lark and Python
    versions) is there, else compiled and saved for next time.  A cache that
    cannot be read or written only costs the compilation."""
    grammar = grammar_path().read_text(encoding="utf-8")
    name = _cache_name(grammar)
    places = cache_dirs()
    for place in places:
        try:
            with (place / name).open("rb") as f:
                return Lark.load(f)
        except Exception:  # missing, unreadable, truncated or from another Lark: look further
            pass
    parser = Lark(grammar, **LARK_OPTIONS)
    for place in places:
        if _save(parser, place / name):
            break
    return parser


def cache_dirs() -> list[Path]:
    """Where the compiled parser is kept, in order of preference:
    ``$FOLIOSCOPE_CACHE_DIR`` alone when it is set; else the ``__pycache__``
    beside this module (where Python keeps its compiled modules, and with
    the same lifetime), then ``$XDG_CACHE_HOME/folioscope`` (or
    ``~/.cache/folioscope``) for an installation that is not writable."""
    explicit = os.environ.get("FOLIOSCOPE_CACHE_DIR")
    if explicit:
        return [Path(explicit)]
    places = [Path(__file__).resolve().parent / "__pycache__"]
    base = os.environ.get("XDG_CACHE_HOME")
    with contextlib.suppress(RuntimeError):  # no home directory
        places.append((Path(base) if base else Path.home() / ".cache") / "folioscope")
    return places


def _cache_name(grammar: str) -> str:
    key = "\0".join([grammar, repr(sorted(LARK_OPTIONS.items())), lark.__version__, sys.version])
    return f"grammar-{hashlib.sha256(key.encode()).hexdigest()[:20]}.lark-parser"


def _save(parser: Lark, path: Path) -> bool:
    """Write the compiled parser beside its final name, then rename it into
    place, so that another process never reads half a file; False if the
    directory is not writable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            parser.save(f)
        os.replace(tmp, path)
        return True
    except Exception:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False


# --- entry points -----------------------------------------------------------------


def parse_file(path) -> Scenario:
    """Read and parse a scenario file.  Every problem, including a missing,
    unreadable, binary or empty file, is a ``ScenarioError``."""
    shown = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            found = sorted(c.name for c in p.glob("*.fs"))
            hint = ("the scenarios in it: " + ", ".join(found[:5]) + (", …" if len(found) > 5 else "")
                    if found else "a scenario is a .fs file")
            raise ScenarioError("is a directory, not a scenario file", path=shown, hint=hint)
        if p.exists() and not p.is_file():
            raise ScenarioError("not a regular file", path=shown, hint="a scenario is a .fs text file")
        with p.open("rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)  # a bigger file is refused without reading it all
    except ScenarioError:
        raise
    except FileNotFoundError:
        raise ScenarioError("no such file", path=shown,
                            hint="check the path; scenario files end in .fs") from None
    except PermissionError:
        raise ScenarioError("cannot read the file: permission denied", path=shown) from None
    except OSError as e:
        raise ScenarioError(f"cannot read the file: {e.strerror or e}", path=shown) from None
    return parse_bytes(data, shown)


def parse_bytes(data: bytes, path: str = "<string>") -> Scenario:
    """Parse the bytes of a scenario file (UTF-8)."""
    if b"\x00" in data:
        raise ScenarioError("not a scenario: this is a binary file (it contains NUL bytes)", path=path,
                            hint="scenario files are UTF-8 text")
    if len(data) > MAX_SOURCE_BYTES:
        raise _too_large(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        late = _not_utf8(data, e, path)
        above = normalise_line_ends(data[:e.start].decode("utf-8").removeprefix("\ufeff"))
        _tree(above[:_line_start(above, len(above))], path, late)  # raises the first error
        raise AssertionError("unreachable")  # pragma: no cover
    return parse_text(text, path)


def parse_text(text: str, path: str = "<string>") -> Scenario:
    """Parse scenario text; ``path`` is used in messages and kept in the Scenario."""
    text = normalise_line_ends(text.removeprefix("\ufeff"))
    if "\x00" in text:
        raise ScenarioError("not a scenario: the text contains NUL characters", path=path,
                            hint="scenario files are UTF-8 text")
    if len(text) > MAX_SOURCE_BYTES:
        raise _too_large(path)
    if not text:
        raise ScenarioError("the file is empty", path=path, hint=_NEEDS_A_STATEMENT)
    if not text.strip():
        raise ScenarioError("the file contains only whitespace", path=path, hint=_NEEDS_A_STATEMENT)
    tree = _tree(text, path)
    if not any(isinstance(c, Tree) for c in tree.children):
        raise ScenarioError("the file has no statements, only comments", path=path, hint=_NEEDS_A_STATEMENT)
    return Builder(text, path).build(tree)


# --- the first error in file order ------------------------------------------------------


def _tree(text: str, path: str, late: ScenarioError | None = None) -> Tree:
    """The parse tree of ``text``; else the first error in file order is
    raised.  ``late`` is an error at the line just after ``text`` (a byte that
    is not UTF-8, a character that is never valid), reported only when
    nothing above it is wrong: the statements above are parsed and checked
    first."""
    if len(text) > PRESCAN_BYTES:
        bad = _never_valid(text, path)
        if bad is not None:
            offset, late = bad
            text = text[:_line_start(text, offset)]
    try:
        tree = lark_parser().parse(text)
    except UnexpectedInput as e:
        at_cut = late is not None and _at_end(e)
        error = late if at_cut else syntax_error(e, text, path)
        Builder(text, path).check_completed(getattr(getattr(e, "state", None), "value_stack", None) or [])
        raise error from None
    if late is not None:
        Builder(text, path).check_completed(tree.children)
        raise late
    return tree


def _at_end(e: UnexpectedInput) -> bool:
    """Whether the parse failed only because the text ended."""
    return isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END")


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


# --- checks of the whole text -------------------------------------------------------

_NEEDS_A_STATEMENT = "a scenario needs at least one statement, e.g. 'folio F1 anon'"

# Outside comments and strings, these characters are never valid (a kernel
# variant accepts more, but no variant has them either).
_VALID_PREFIX = re.compile(r"""(?:"(?:[^"\\\n]|\\.)*"|#[^\n]*|[\t\n\r\f\v !'()+,\-./0-9:;<=>@A-Z\[\\\]_a-z{}~]+)*""")


def _never_valid(text: str, path: str) -> tuple[int, ScenarioError] | None:
    """The first character that can never be valid, found with one regex
    match, and its error."""
    end = _VALID_PREFIX.match(text).end()
    if end >= len(text):
        return None
    line, column = line_column(text, end)
    if text[end] == '"':
        return end, unterminated_string(text, path, line, column)
    return end, ScenarioError(f"unexpected character {show(text[end])}", path=path, line=line, column=column,
                              end_column=column + 1, source_line=line_of(text, line),
                              hint="outside comments and strings, scenarios are written with letters, digits, "
                                   "spaces and _ . : , ; = ! < > @ ' - + [ ] { } ( ) ~ / \\")


def _not_utf8(data: bytes, e: UnicodeDecodeError, path: str) -> ScenarioError:
    """The first byte that is not UTF-8, at its line and column in the text
    as ``parse_text`` would see it (BOM removed, line ends normalised)."""
    before = normalise_line_ends(data[:e.start].decode("utf-8").removeprefix("\ufeff"))
    line, column = line_column(before, len(before))
    shown = normalise_line_ends(data.decode("utf-8", errors="replace").removeprefix("\ufeff"))
    return ScenarioError(f"not valid UTF-8 text: byte 0x{data[e.start]:02x} cannot start a character here",
                         path=path, line=line, column=column, end_column=column + 1,
                         source_line=line_of(shown, line), hint="scenario files are UTF-8 text")


def _too_large(path: str) -> ScenarioError:
    return ScenarioError(f"the file is too large: scenario files are limited to {MAX_SOURCE_BYTES // 1024} KiB",
                         path=path,
                         hint="write long runs with 'repeat N { ... }'")
