"""Lark's parse errors as ``ScenarioError`` messages in words.

``syntax_error`` turns an ``UnexpectedCharacters``, ``UnexpectedToken`` or
``UnexpectedEOF`` into a message that names what was found ("unexpected end
of line"), what the parser wanted there ("expected: a folio name or range"),
and often a hint.  What was wanted is worked out from the tokens of the
statement read so far (the parser's value stack), because the terminals Lark
reports are merged across contexts by LALR and are only a last resort.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from folioscope.dsl.ast import Pos
from folioscope.dsl.errors import ScenarioError, line_of, show
from folioscope.dsl.positions import line_column, pos_after, pos_of
from folioscope.dsl.vocabulary import (
    BATCHES,
    FOLIO_ATTRS,
    KINDS,
    MAX_CPUS,
    MAX_REPEAT,
    MAY_EXPECTED,
    MIN_CPUS,
    MLOCK_TAGS,
    OPS,
    OPS_EXPECTED,
    SPLITTABLE,
    STATEMENT_WORDS,
    STATS,
    TOP_LEVEL_WORDS,
    VARIANTS,
    WITNESS_OPS,
    one_of,
    suggest,
)

STATEMENT_EXPECTED = ("a statement: cpuN OPERATION, cpuN { … }, drain all, folio, expect, repeat, may, "
                      "exists, forall, never, always, filter, locations, title, kernel or cpus")
THREAD_STATEMENT_EXPECTED = "a statement of the thread: an operation without its CPU, drain, drain all, repeat or expect"

_STATEMENT_RULES = frozenset({"title", "kernel", "cpus", "folio", "op", "drain", "repeat", "expect",
                              "thread", "top", "tdrain", "trepeat", "may", "condition", "filter", "locations"})
_CONNECTIVES = frozenset({"_AND", "_OR", "_NOT", "_LPAR"})
_END = {"_SEP", "$END", "RBRACE"}

_END_WORDS = "the end of the statement (a newline or ;)"
_VALUE_WORDS = "a value: a number, a word such as unevictable or ENOMEM, or a list such as [F1, F2]"
_VARIANT_WORDS = "a kernel variant such as v6.18"
_SWITCH_WORDS = "a switch setting such as gup_drain_trigger=lru_or_mlocked"
_RANGE_END_WORDS = "the folio name that ends the range, such as F8"
_TEST_WORDS = "a test such as F.refcount == 2, F has lru or cpu0.result == ok, 'not' or '('"
_LOCATION_WORDS = "a location such as F.refcount, F (its flags), cpu0.result, cpu1.mlock or stats.local_drains"

_TERMINAL_WORDS = {
    "INT": "a number",
    "STRING": 'a quoted string such as "My title"',
    "VARIANT": _VARIANT_WORDS,
    "CPU": "a CPU such as cpu0",
    "CMP": "a comparison such as ==",
    "EQ": "'='",
    "DOT": "'.'",
    "DOTDOT": "'..'",
    "COLON": "':'",
    "COMMA": "','",
    "LSQB": "a list such as [F1, F2]",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "AT": "'@' and kernel variants",
    "_AND": "'and'",
    "_OR": "'or'",
    "_RPAR": "')'",
    "_LPAR": "'('",
    "PLUS": "'+' and " + _SWITCH_WORDS,
    "NAME": "a name",
    "_SEP": "a newline or ';'",
    "$END": "the end of the file",
}


# --- the error --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """What the parser met where it stopped."""

    words: str
    """It in words: ``end of line``, ``character '$'``, ``'mlok'``."""
    text: str
    """Its source text ('' at the end of the file)."""
    kind: str
    """Its terminal type, ``$END``, or ``char`` for a character no token starts with."""
    pos: Pos
    """Where to draw the caret."""
    expected: frozenset[str]
    """The terminals the parser would have accepted there."""
    pos_in_text: int = 0
    """Its offset in the text."""


def syntax_error(e: UnexpectedInput, text: str, path: str) -> ScenarioError:
    """A Lark exception as a ScenarioError in words."""
    state = getattr(e, "state", None)
    stack = list(getattr(state, "value_stack", None) or [])
    tail = _statement_tail(stack)
    open_braces = _open_blocks(stack)
    found = _found(e, text, stack)

    def err(message, expected_words=None, hint=None, at=found.pos):
        return ScenarioError.at(at, path, text, message, hint=hint, expected=expected_words)

    in_thread = bool(open_braces) and open_braces[-1][1] == "thread"
    return (_misplaced(tail, in_thread, err)
            or _string_error(found, text, path, tail, open_braces, err)
            or _brace_error(found, tail, open_braces, err)
            or (_unknown_statement(found.text, found.words, err, in_thread)
                if not tail and found.kind not in ("_SEP", "$END", "RBRACE") else None)
            or err(f"unexpected {found.words}", _expected_words(found.expected, tail, open_braces),
                   hint=_hint(found, tail, in_thread, text)))


def _open_blocks(stack: list) -> list[tuple[Token, str]]:
    """The '{' of each block still open, and its kind: ``repeat`` or ``thread``."""
    return [(x, "thread" if i and _ttype(stack[i - 1]) == "CPU" else "repeat")
            for i, x in enumerate(stack) if isinstance(x, Token) and x.type == "LBRACE"]


def _misplaced(tail: list, in_thread: bool, err) -> ScenarioError | None:
    """A top-level keyword inside a thread block, where it is read as an operation's name."""
    head = tail[0] if tail else None
    if in_thread and isinstance(head, Token) and head.type == "NAME" and head.value in TOP_LEVEL_WORDS:
        return err(f"'{head.value}' cannot be inside a thread block", at=pos_of(head),
                   hint="declarations, the header, 'may' lines and the condition go at the top level")
    return None


def _statement_tail(stack: list) -> list:
    """The values of the statement being read: the stack above the last
    separator, '{' or complete statement."""
    i = len(stack)
    while i > 0:
        x = stack[i - 1]
        if isinstance(x, Token) and x.type in ("_SEP", "LBRACE"):
            break
        if isinstance(x, Tree) and (_ttype(x) in _STATEMENT_RULES or "block" in _ttype(x)):
            break
        i -= 1
    return stack[i:]


def _found(e: UnexpectedInput, text: str, stack: list) -> _Found:
    if isinstance(e, UnexpectedCharacters):
        char = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        found = _Found(f"character {show(char)}", char, "char", Pos(e.line, e.column, e.line, e.column + 1),
                       frozenset(e.allowed or ()))
    elif isinstance(e, UnexpectedToken):
        found = _found_token(e, text, stack)
    else:  # UnexpectedEOF and anything else Lark may raise
        found = _Found("end of file", "", "$END", _end_pos(text), frozenset(getattr(e, "expected", None) or ()))
    expected = frozenset(t for t in found.expected
                         if (t.isupper() or t in ("$END", "_SEP")) and t not in ("WS", "COMMENT"))
    return replace(found, expected=expected, pos_in_text=getattr(e, "pos_in_stream", None) or 0)


def _found_token(e: UnexpectedToken, text: str, stack: list) -> _Found:
    tok = e.token
    expected = frozenset(e.expected or ())
    if tok.type == "$END":
        last = _last_token(stack[-1]) if stack else None
        pos = pos_after(last) if isinstance(last, Token) and last.end_line is not None else _end_pos(text)
        return _Found("end of file", str(tok.value), "$END", pos, expected)
    if tok.type == "_SEP":
        words = "end of line" if tok.value[0] == "\n" else "';'"
        return _Found(words, str(tok.value), "_SEP", Pos(tok.line, tok.column, tok.line, tok.column + 1), expected)
    return _Found(show(str(tok.value)), str(tok.value), tok.type, pos_of(tok), expected)


def _string_error(found: _Found, text: str, path: str, tail: list, open_braces: list, err) -> ScenarioError | None:
    """A string that is never closed, or that stands where none can go."""
    if not found.text.startswith('"'):
        return None
    pos = found.pos
    if '"' not in line_of(text, pos.line)[pos.column:]:
        return unterminated_string(text, path, pos.line, pos.column)
    if "STRING" not in found.expected:
        return err(f"unexpected string {show(found.text)}", _expected_words(found.expected, tail, open_braces),
                   hint="quoted strings are only for 'title'")
    return None


def _brace_error(found: _Found, tail: list, open_braces: list, err) -> ScenarioError | None:
    """The end of the file inside a block, or a '}' with no block open."""
    if found.kind == "$END" and open_braces:
        brace, kind = open_braces[-1]
        return err("'{' is never closed", f"'}}' to end the {kind} block", at=pos_of(brace),
                   hint=f"end the {kind} block with '}}'")
    if found.kind == "RBRACE" and not open_braces:
        return err("unexpected '}': no repeat block is open", _expected_words(found.expected, tail, open_braces))
    return None


def _hint(found: _Found, tail: list, in_thread: bool, source: str) -> str | None:
    """A suggestion for a common slip at this point of a statement."""
    expected, text, head = found.expected, found.text, _ttype(tail[0]) if tail else None
    if text.startswith("=") and "CMP" in expected:
        return "did you mean '=='?"
    if "LBRACE" in expected and found.kind == "_SEP":
        return _brace_hint(found, tail, source)
    if head == "DRAIN" and text == "split":
        return ("'split' is for sequential witnesses, not thread blocks" if in_thread
                else "write 'cpu0 drain all split': only cpuN OPERATION can be split")
    if head == "DRAIN" and "NAME" in expected:
        return "'drain all' drains every CPU; 'cpu1 drain' (or 'drain cpu1') drains one"
    if head == "KERNEL":
        return _kernel_hint(found, tail)
    if head == "EXPECT" and text == "+" and any(t.type == "AT" for t in _leaves(tail)):
        return "after '@' a composed variant has no spaces: @ v6.17+gup_drain_trigger=lru_or_mlocked"
    if "CMP" in expected and text in ("is", "eq", "equals"):
        return "did you mean '=='?"
    if text[:1] in ("'", "`"):
        return "a prime follows a folio name directly, as in F1'"
    return None


def _brace_hint(found: _Found, tail: list, source: str) -> str | None:
    """A block's '{' put on the next line."""
    head = _ttype(tail[0]) if tail else None
    if head == "REPEAT":
        return "put '{' on the same line as 'repeat N'"
    if head == "CPU" and source[found.pos_in_text:].lstrip(" \t\f\v\n;").startswith("{"):
        return f"put '{{' on the same line as '{tail[0].value}'"
    return None


def _kernel_hint(found: _Found, tail: list) -> str:
    """``kernel v6.17 + switch=value``: what went wrong after ``kernel``."""
    leaves = _leaves(tail)
    if len(leaves) == 1:
        return "the variants are " + one_of(VARIANTS)
    if found.text.startswith("=") or leaves[-1].value.endswith("="):
        return "write a switch setting without spaces: gup_drain_trigger=lru_or_mlocked"
    if leaves[-1].type == "PLUS":
        return "'folioscope variants --switches' lists the switches and their values"
    return "join switch settings with '+': kernel v6.17 + gup_drain_trigger=lru_or_mlocked"


def _kernel_words(leaves: list[Token]) -> str:
    """After ``kernel``: a variant, then '+' and switch settings."""
    if len(leaves) == 1:
        return _VARIANT_WORDS
    if leaves[-1].type == "PLUS":
        return _SWITCH_WORDS
    return one_of(["'+' and " + _SWITCH_WORDS, _END_WORDS])


def unterminated_string(text: str, path: str, line: int, column: int) -> ScenarioError:
    """The string opened by the '"' at ``line``:``column`` has no closing '"'
    on its line; the error underlines the rest of the line."""
    rest = line_of(text, line)[column - 1:]
    return ScenarioError.at(Pos(line, column, line, column + max(1, len(rest))), path, text,
                            "unterminated string", expected='a closing " on the same line',
                            hint='strings end on the line they start; write \\" for a quote inside')


def _end_pos(text: str) -> Pos:
    line, column = line_column(text, len(text))
    return Pos(line, column, line, column + 1)


def _unknown_statement(word: str, found: str, err, in_thread: bool = False) -> ScenarioError:
    if in_thread:  # any name starts an operation there: only symbols get here
        return err(f"unexpected {found} at the start of a statement", THREAD_STATEMENT_EXPECTED)
    if word in STATEMENT_WORDS:  # a keyword run into what follows it, such as "folioé"
        return err(f"unexpected {found}", STATEMENT_EXPECTED)
    if word in OPS:
        return err(f"operation '{word}' needs a CPU", f"cpuN before the operation, as in 'cpu0 {word} …'",
                   hint=f"write 'cpu0 {word} …'")
    m = re.fullmatch(r"(?i)cpu([0-9]*)", word)
    if m:
        hint = f"did you mean 'cpu{m.group(1)}'?" if m.group(1) else "CPUs are written cpu0, cpu1, …"
        return err(f"unknown statement {found}", STATEMENT_EXPECTED, hint=hint)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_']*", word):
        return err(f"unexpected {found} at the start of a statement", STATEMENT_EXPECTED)
    near_keyword = suggest(word, STATEMENT_WORDS)
    near_op = suggest(word, [o for o in OPS if o not in WITNESS_OPS])
    if near_keyword:
        hint = f"did you mean '{near_keyword[0]}'?"
    elif near_op:
        hint = f"did you mean '{near_op[0]}'? operations run on a CPU: 'cpu0 {near_op[0]} …'"
    else:
        hint = None
    return err(f"unknown statement {found}", STATEMENT_EXPECTED, hint=hint)


# --- the parser's value stack -------------------------------------------------------------


def _ttype(x) -> str | None:
    """Token type, or the tree's rule name."""
    if isinstance(x, Token):
        return x.type
    if isinstance(x, Tree):
        return x.data if isinstance(x.data, str) else str(x.data)
    return None


def _last_token(x):
    while isinstance(x, Tree):
        if not x.children:
            return None
        x = x.children[-1]
    return x


def _leaves(items) -> list[Token]:
    """The tokens of ``items`` (tokens and trees), in order."""
    out: list[Token] = []
    stack = list(reversed(items))
    while stack:
        x = stack.pop()
        if isinstance(x, Tree):
            stack.extend(reversed(x.children))
        elif isinstance(x, Token):
            out.append(x)
    return out


# --- what was expected, in words ------------------------------------------------------------


def _expected_words(expected: frozenset[str], tail: list, open_braces: list) -> str:
    """What the parser wanted, in words: from where in the statement it was
    (the tokens of ``tail``), and failing that from the terminals it would
    accept (LALR merges those of different contexts, so they are a last resort)."""
    in_thread = bool(open_braces) and open_braces[-1][1] == "thread"
    if not tail:
        pieces = [THREAD_STATEMENT_EXPECTED if in_thread else STATEMENT_EXPECTED]
        if open_braces and "RBRACE" in expected:
            pieces.append("'}'")
        return one_of(pieces)
    leaves = _leaves(tail)
    if not leaves:
        return _generic_words(expected)
    prev = leaves[-1]
    depth = sum(1 if t.type == "LSQB" else -1 if t.type == "RSQB" else 0 for t in leaves)
    if depth > 0:
        return _list_words(leaves, expected)
    if prev.type == "DOTDOT":
        return _RANGE_END_WORDS
    head = leaves[0].type
    if in_thread and head in ("NAME", "DRAIN"):
        return _thread_op_words(leaves)
    words = _STATEMENT_WORDS.get(head)
    return words(leaves) if words is not None else _generic_words(expected)


def _list_words(leaves: list[Token], expected: frozenset[str]) -> str:
    """Inside ``[...]``."""
    prev = leaves[-1]
    if prev.type == "COLON":
        return "a tag: " + one_of(MLOCK_TAGS)
    if prev.type == "DOTDOT":
        return _RANGE_END_WORDS
    if prev.type in ("LSQB", "COMMA"):
        words = {"NAME": "a folio name or range", "CPU": "a CPU such as cpu1", "LSQB": "a nested list",
                 "RSQB": "']'"}
        return one_of([w for t, w in words.items() if t in expected] or ["a folio name or range"])
    tag = prev.type == "NAME" and len(leaves) > 1 and leaves[-2].type != "COLON"
    return "',', ']' or ':' and an mlock tag, as in F1:lru" if tag else "',' or ']'"


def _first_then_end(first: str):
    """Words for a statement of a keyword and one argument."""
    return lambda leaves: first if len(leaves) == 1 else _END_WORDS


def _ref_length(tokens: list[Token]) -> int:
    """Tokens of the folio reference at the start of ``tokens`` (F1 or F1..F3)."""
    return 3 if len(tokens) >= 3 and tokens[1].type == "DOTDOT" else 1 if tokens else 0


def _folio_words(leaves: list[Token]) -> str:
    if len(leaves) == 1:
        return "a folio name such as F1, or a range such as F1..F8"
    prev = leaves[-1]
    if prev.type == "EQ":
        return "a value: a number, or a zone such as movable"
    attrs = leaves[1 + _ref_length(leaves[1:]):]
    if not attrs:
        return "a kind: " + one_of(KINDS)
    pieces = ["an attribute such as order=2, zone=movable or new"]
    spec = FOLIO_ATTRS.get(prev.value) if prev.type == "NAME" and len(attrs) > 1 else None
    if spec is not None and spec.value is not None:
        pieces.append("'=' and a value")
    pieces.append(_END_WORDS)
    return one_of(pieces)


def _op_words(leaves: list[Token]) -> str:
    if len(leaves) == 1:
        return OPS_EXPECTED + ", or '{' and the operations of the CPU's thread"
    return _op_args_words(leaves[1].value, leaves[2:], splittable=True)


def _thread_op_words(leaves: list[Token]) -> str:
    """In a thread: ``OPERATION ARGS`` or ``drain [all]``."""
    if leaves[0].type == "DRAIN":
        return one_of(["'all'", _END_WORDS]) if len(leaves) == 1 else _END_WORDS
    return _op_args_words(leaves[0].value, leaves[1:], splittable=False)


def _op_args_words(name: str, args: list[Token], splittable: bool) -> str:
    """After ``OPERATION`` and ``args``; ``splittable``: 'split' may end it."""
    spec = OPS.get(name)
    if spec is None:
        return one_of(["a folio name or range", _END_WORDS])
    drain_all = name == "drain" and bool(args) and args[0].value == "all"
    split = ["'split'"] if splittable and ("drain_all" if drain_all else name) in SPLITTABLE else []
    if spec.batch:
        return "a batch name: " + one_of(BATCHES) if not args else _END_WORDS
    if spec.folios == "none":
        return "'all' or " + _END_WORDS if name == "drain" and not args else one_of(split + [_END_WORDS])
    if not args:
        return "a folio name or range"
    used = {t.value for t in args if t.type == "NAME"}
    pieces = ["another folio or range"] if spec.folios == "many" else []
    pieces += [f"'{f}'" for f in spec.flags if f not in used]
    return one_of(pieces + split + [_END_WORDS])


def _expect_words(leaves: list[Token]) -> str:
    after = leaves[1:]
    if not after:
        return "a folio name or range, cpuN, stats or result"
    if any(t.type == "AT" for t in after):
        return _VARIANT_WORDS if after[-1].type == "AT" else one_of(["another " + _VARIANT_WORDS[2:], _END_WORDS])
    return _check_words(after, ["'@' and kernel variants", _END_WORDS])


def _check_words(after: list[Token], then: list[str]) -> str:
    """Within a check (``F1.refcount == 3``, ``F1 has lru``) whose tokens so
    far are ``after``; ``then`` is what may follow a complete one."""
    subject = after[0]
    rest = after[_ref_length(after):]
    if not rest:
        return _subject_words(subject)
    if rest[0].type == "DOT":
        if len(rest) <= 2:
            return _field_words(subject) if len(rest) == 1 else "a comparison such as =="
        rest = rest[2:]
    if rest[0].type == "CMP":
        return _VALUE_WORDS if len(rest) == 1 else one_of(then)
    # has/lacks and flags
    if len(rest) == 1:
        return "a flag such as lru or mlocked"
    return one_of(["another flag", *then])


def _subject_words(subject: Token) -> str:
    """After the subject of a check."""
    if subject.type == "NAME" and subject.value == "result":
        return "a comparison: == or !="
    if subject.type == "NAME" and subject.value == "stats":
        return "'.' and a statistic, as in stats.drain_all_calls"
    if subject.type == "CPU":
        return f"'.' and a batch name, as in {subject.value}.mlock"
    return "'.' and a field (as in F1.refcount), 'has', 'lacks', or a comparison such as =="


def _field_words(subject: Token) -> str:
    """After ``SUBJECT.``."""
    if subject.type == "CPU":
        return "a batch name: " + one_of(BATCHES)
    if subject.value == "stats":
        return "a statistic: " + one_of(STATS)
    return "a field such as refcount, list or mlock_count"


def _condition_words(leaves: list[Token]) -> str:
    """In ``exists X and (Y or not Z)`` (or filter): the test being read,
    after the last connective."""
    k = len(leaves)
    while k > 1 and leaves[k - 1].type not in _CONNECTIVES:
        k -= 1
    atom = leaves[k:]
    parens = sum(1 if t.type == "_LPAR" else -1 if t.type == "_RPAR" else 0 for t in leaves)
    then = ["'and'", "'or'"] + (["')'"] if parens > 0 else []) + [_END_WORDS]
    if not atom:
        return _TEST_WORDS
    if atom[-1].type == "_RPAR":
        return one_of(then)
    return _check_words(atom, then)


def _may_words(leaves: list[Token]) -> str:
    """After ``may``: drain [all] or flush BATCH, then CPUs."""
    if len(leaves) == 1:
        return MAY_EXPECTED
    cpus = one_of(["CPUs such as cpu1", _END_WORDS])
    if leaves[1].type == "DRAIN":
        return one_of(["'all'", "CPUs such as cpu1", _END_WORDS]) if len(leaves) == 2 else cpus
    if leaves[1].value == "flush" and len(leaves) == 2:
        return "a batch name: " + one_of(BATCHES)
    return cpus


def _locations_words(leaves: list[Token]) -> str:
    """After ``locations`` and some of its items."""
    prev = leaves[-1]
    if prev.type == "LOCATIONS":
        return _LOCATION_WORDS
    if prev.type == "DOT":
        return _field_words(leaves[-2])
    if len(leaves) >= 2 and leaves[-2].type == "DOT":
        return one_of(["another location", _END_WORDS])
    return one_of(["'.' and a field", "another location", _END_WORDS])


def _generic_words(expected: set[str]) -> str:
    """Terminal by terminal, for contexts the functions above do not know."""
    pieces = [_TERMINAL_WORDS[t] for t in sorted(set(expected) - _END) if t in _TERMINAL_WORDS]
    if set(expected) & _END:
        pieces.append(_END_WORDS)
    return one_of(dict.fromkeys(pieces)) or "something else"


_STATEMENT_WORDS = {
    "DRAIN": _first_then_end("'all', or a CPU such as cpu1"),
    "KERNEL": _kernel_words,
    "CPUS": _first_then_end(f"the number of CPUs, {MIN_CPUS} to {MAX_CPUS}"),
    "TITLE": _first_then_end('a quoted title such as "Will Deacon\'s pin failure"'),
    "REPEAT": lambda leaves: f"a repeat count, 1 to {MAX_REPEAT:,}" if len(leaves) == 1 else "'{'",
    "FOLIO": lambda leaves: _folio_words(leaves),
    "CPU": lambda leaves: _op_words(leaves),
    "EXPECT": lambda leaves: _expect_words(leaves),
    "MAY": _may_words,
    **{kind: _condition_words for kind in ("EXISTS", "FORALL", "NEVER", "ALWAYS", "FILTER")},
    "LOCATIONS": _locations_words,
}
"""What each kind of statement expects next, by its first token."""
