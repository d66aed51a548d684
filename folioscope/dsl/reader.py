"""Reading tokens of the Lark tree into checked values: the interface the
statement builders share.

A ``Reader`` knows the source text, its path and the file's ``Checker``.  It
turns tokens into numbers, CPUs, kernel variants, strings and folio names,
each checked (a CPU that exists, a folio declared above its use), and makes
positioned ``ScenarioError``\\ s.  ``build.Builder`` (header, repeat, threads),
``folios.FolioBuilder``, ``operations.OpBuilder`` and
``expectations.ExpectationBuilder`` each hold the same ``Reader``: they are
composed, not mixed in, and this class is all they may use of one another.
"""

from __future__ import annotations

import re

from lark import Token, Tree

from folioscope.dsl.ast import Pos
from folioscope.dsl.checks import Checker
from folioscope.dsl.errors import ScenarioError, show
from folioscope.dsl.nodes import tokens
from folioscope.dsl.positions import pos_of, pos_within
from folioscope.dsl.vocabulary import (
    BATCHES,
    MAX_CPUS,
    MAX_RANGE,
    did_you_mean,
    one_of,
)
from folioscope.mm.variants import VariantError, find_variant, parse_variant

_CPU = re.compile(r"cpu([0-9]+)")
_RANGE_END = re.compile(r"([A-Za-z_][A-Za-z0-9_]*?)([0-9]+)")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


class Reader:
    """Checked values from tokens and trees of one scenario file."""

    def __init__(self, source: str, path: str) -> None:
        self.source = source
        """The whole text (BOM removed)."""
        self.path = path
        """The file, as shown in messages."""
        self.checker = Checker(self.fail)
        """Whole-file rules (declarations, CPUs, step limits), fed in source order."""

    # --- errors and text --------------------------------------------------------------

    def fail(self, at, message: str, hint: str | None = None, expected: str | None = None) -> ScenarioError:
        """A ScenarioError at ``at`` (a Pos, a Token or a Tree)."""
        pos = at if isinstance(at, Pos) else pos_of(at)
        return ScenarioError.at(pos, self.path, self.source, message, hint=hint, expected=expected)

    def text(self, tree: Tree) -> str:
        """The source text of a tree."""
        return self.source[tree.meta.start_pos:tree.meta.end_pos]

    def text_of(self, x) -> str:
        """The source text of a token or a tree."""
        return x.value if isinstance(x, Token) else self.text(x)

    # --- words and numbers --------------------------------------------------------------

    def string(self, tok: Token) -> str:
        """A STRING token's value, escapes decoded."""
        body = tok.value[1:-1]
        out = []
        i = 0
        while i < len(body):
            c = body[i]
            if c != "\\":
                out.append(c)
                i += 1
                continue
            nxt = body[i + 1]
            mapped = _ESCAPES.get(nxt)
            if mapped is None:
                raise self.fail(pos_within(tok, 1 + i, 3 + i), f"unknown escape '\\{nxt}' in a string",
                                expected='one of \\" \\\\ \\n \\t', hint="write \\\\ for a backslash")
            out.append(mapped)
            i += 2
        return "".join(out)

    def variant(self, at) -> str:
        """The canonical name of the kernel variant a VARIANT token, or the
        tokens of ``v6.17 + switch=value ...``, name (mm.variants.parse_variant)."""
        toks = [at] if isinstance(at, Token) else [t for t in at if t.type == "VARIANT"]
        start = toks[0].start_pos
        text = self.source[start:toks[-1].end_pos]
        try:
            return parse_variant(text).name
        except VariantError as err:
            raise self._variant_error(toks[0], text, err) from None

    def _variant_error(self, first: Token, text: str, err: VariantError) -> ScenarioError:
        bare = text.strip("\"'")
        if bare != text and find_variant(bare) is not None:
            return self.fail(first, f"unknown kernel variant {show(text)}", hint=f"write it without quotes: {bare}")
        lo = err.start or 0
        hi = err.end if err.end is not None else len(text)
        return self.fail(pos_within(first, lo, max(hi, lo + 1)), err.message, expected=err.expected, hint=err.hint)

    def number(self, tok: Token, low: int, high: int, what: str) -> int:
        """An INT token in ``low..high``."""
        digits = tok.value.replace("_", "").lstrip("0") or "0"
        if len(digits) > 15:
            raise self.fail(tok, f"{what} {show(tok.value, 20)} is far too large",
                            expected=f"a number from {low:,} to {high:,}")
        n = int(digits)
        if not low <= n <= high:
            raise self.fail(tok, f"{what} {n:,} is out of range", expected=f"a number from {low:,} to {high:,}")
        return n

    def cpu(self, tok: Token) -> int:
        """A CPU token's number; the checker sees that the CPU exists."""
        m = _CPU.fullmatch(tok.value)
        if m is None:
            raise self.fail(tok, f"expected a CPU, not {show(tok.value)}", expected="a CPU such as cpu1")
        digits = m.group(1)
        if len(digits) > 6:
            raise self.fail(tok, f"{show(tok.value)} does not exist", expected=f"a CPU from cpu0 to cpu{MAX_CPUS - 1}")
        n = int(digits)
        self.checker.use_cpu(n, pos_of(tok))
        return n

    def unknown(self, at, what: str, word: str, words, hint: str | None = None) -> ScenarioError:
        """The error for ``word`` that is not one of ``words``, the names of a
        ``what`` ("folio field": "unknown folio field 'x'", expected "a field: ...");
        the hint is the nearest word unless one is given."""
        return self.fail(at, f"unknown {what} {show(word)}", expected=f"a {what.split()[-1]}: " + one_of(words),
                         hint=did_you_mean(word, words) if hint is None else hint)

    def unknown_batch(self, at, word: str) -> ScenarioError:
        """The error for a word that is not a batch name."""
        return self.unknown(at, "batch", word, BATCHES)

    # --- folio names ----------------------------------------------------------------------

    def folio_names(self, target, declaring: bool = False) -> tuple[list[str], str | None]:
        """The names of a NAME token or a range tree, checked; the range's text
        is returned too (None for a single name)."""
        if isinstance(target, Token):
            names, within = [target.value], None
        else:
            names, within = self.expand_range(target), self.text(target)
        if declaring:
            for n in names:
                self.checker.check_new_name(n, pos_of(target))
        return names, within

    def use_folios(self, target) -> list[str]:
        """Names of a folio argument (NAME or range), each checked declared."""
        names, within = self.folio_names(target)
        pos = pos_of(target)
        for n in names:
            self.checker.use_folio(n, pos, within)
        return names

    def expand_range(self, t: Tree) -> list[str]:
        """``F1..F3`` -> F1, F2, F3 (zero-padded ends keep their width)."""
        first, _, last = tokens(t.children)
        text = self.text(t)
        for end in (first, last):
            if end.value.endswith("'"):
                raise self.fail(t, f"a range cannot use primed names: {show(text)}",
                                hint="name migrated folios one by one: F1', F2'")
        (p1, d1), (p2, d2) = self._range_end(first), self._range_end(last)
        if p1 != p2:
            raise self.fail(t, f"the two ends of a range must share a prefix: {show(p1)} and {show(p2)} differ",
                            hint=f"write {p1}{d1}..{p1}{d2}")
        if len(d1) > 9 or len(d2) > 9:
            raise self.fail(t, f"range {show(text)} is too large", expected=f"at most {MAX_RANGE:,} folios")
        a, b = int(d1), int(d2)
        if b < a:
            raise self.fail(t, f"range {show(text)} runs backwards", hint=f"write {p1}{d2}..{p1}{d1}")
        width = len(d1) if d1.startswith("0") and len(d1) > 1 else 0
        if (width or (d2.startswith("0") and len(d2) > 1)) and len(d1) != len(d2):
            raise self.fail(t, f"the ends of a zero-padded range must have as many digits: {show(text)}",
                            hint=f"write {p1}{d1}..{p1}{b:0{len(d1)}d}")
        if b - a + 1 > MAX_RANGE:
            raise self.fail(t, f"range {show(text)} names {b - a + 1:,} folios",
                            expected=f"at most {MAX_RANGE:,} folios in a range")
        return [f"{p1}{i:0{width}d}" for i in range(a, b + 1)]

    def _range_end(self, end: Token) -> tuple[str, str]:
        m = _RANGE_END.fullmatch(end.value)
        if not m:
            raise self.fail(end, f"a range runs between names ending in numbers; {show(end.value)} has none",
                            expected="a range such as F1..F31")
        return m.group(1), m.group(2)
