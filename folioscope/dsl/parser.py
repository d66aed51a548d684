"""Scenario text -> checked AST.

``parse_text`` and ``parse_file`` run four stages, each failing fast with a
``ScenarioError``:

1. the bytes: a readable, non-empty UTF-8 text file without NUL bytes, at most
   ``MAX_SOURCE_BYTES`` long (so a 10 MB file of garbage is refused at once);
   a file over ``PRESCAN_BYTES`` is also scanned, with one regex, for a
   character that is never valid, so that garbage far down is found at once;
2. the Lark LALR parse (grammar/folioscope.lark), whose exceptions are turned
   into messages in words (``_syntax_error``);
3. the walk of the tree into ``folioscope.dsl.ast`` nodes, checking every word
   against ``vocabulary`` (unknown operation, attribute, field...);
4. whole-file checks, made during the same walk in source order
   (``checks.Checker``): folios declared before use, CPUs in range, limits.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from folioscope.dsl.ast import (
    BatchItem, Expect, ExpectBatch, ExpectField, ExpectFlags, ExpectResult, ExpectStat,
    FolioDecl, Op, Pos, Repeat, Scenario,
)
from folioscope.dsl.checks import Checker, check_repeat_steps
from folioscope.dsl.errors import ScenarioError, line_of, show
from folioscope.dsl.vocabulary import (
    BATCHES, EQUALITY, FLAGS, FOLIO_ATTRS, FOLIO_FIELDS, KINDS, MAX_CPUS,
    MAX_NUMBER, MAX_RANGE, MAX_REPEAT, MAX_REPEAT_DEPTH, MAX_SOURCE_BYTES, MIN_CPUS,
    MLOCK_TAGS, OPS, OPS_EXPECTED, PRESCAN_BYTES, RESULTS, STATEMENT_WORDS, STATS, VARIANTS, ZONES,
    did_you_mean, one_of, suggest,
)

# --- the Lark parser, built once ------------------------------------------------


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


@functools.lru_cache(maxsize=None)
def lark_parser() -> Lark:
    """The LALR parser, built on first use and cached for the process."""
    return Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual",
                propagate_positions=True, maybe_placeholders=False)


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
        before = data[:e.start]
        line = before.count(b"\n") + 1
        start_of_line = before.rfind(b"\n") + 1
        column = len(before[start_of_line:].decode("utf-8", errors="replace")) + 1
        end = data.find(b"\n", e.start)
        shown_line = data[start_of_line:end if end >= 0 else len(data)].decode("utf-8", errors="replace")
        raise ScenarioError(f"not valid UTF-8 text: byte 0x{data[e.start]:02x} cannot start a character here",
                            path=path, line=line, column=column, end_column=column + 1,
                            source_line=shown_line, hint="scenario files are UTF-8 text") from None
    return parse_text(text, path)


def parse_text(text: str, path: str = "<string>") -> Scenario:
    """Parse scenario text; ``path`` is used in messages and kept in the Scenario."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise ScenarioError("not a scenario: the text contains NUL characters", path=path,
                            hint="scenario files are UTF-8 text")
    if len(text) > MAX_SOURCE_BYTES:
        raise _too_large(path)
    if not text:
        raise ScenarioError("the file is empty", path=path,
                            hint="a scenario needs at least one statement, e.g. 'folio F1 anon'")
    if not text.strip():
        raise ScenarioError("the file contains only whitespace", path=path,
                            hint="a scenario needs at least one statement, e.g. 'folio F1 anon'")
    if len(text) > PRESCAN_BYTES:
        _prescan(text, path)
    try:
        tree = lark_parser().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(e, text, path) from None
    scenario = _Builder(text, path).build(tree)
    return scenario


# Outside comments and strings, these characters are never valid (a kernel
# variant accepts more, but no variant has them either).
_VALID_PREFIX = re.compile(r"""(?:"(?:[^"\\\n]|\\.)*"|#[^\n]*|[\t\n\r\f\v !',\-.0-9:;<=>@A-Z\[\]_a-z{}]+)*""")


def _prescan(text: str, path: str) -> None:
    """The first character that can never be valid, found with one regex match."""
    end = _VALID_PREFIX.match(text).end()
    if end >= len(text):
        return
    line = text.count("\n", 0, end) + 1
    column = end - (text.rfind("\n", 0, end) + 1) + 1
    source_line = line_of(text, line)
    if text[end] == '"':
        raise ScenarioError("unterminated string", path=path, line=line, column=column,
                            end_column=len(source_line) + 1, source_line=source_line,
                            expected='a closing " on the same line',
                            hint='strings end on the line they start; write \\" for a quote inside')
    raise ScenarioError(f"unexpected character {show(text[end])}", path=path, line=line, column=column,
                        end_column=column + 1, source_line=source_line,
                        hint="outside comments and strings, scenarios are written with letters, digits, "
                             "spaces and _ . : , ; = ! < > @ ' - [ ] { }")


def _too_large(path: str) -> ScenarioError:
    return ScenarioError(f"the file is too large: scenario files are limited to {MAX_SOURCE_BYTES // 1024} KiB",
                         path=path,
                         hint="write long runs with 'repeat N { ... }'")


# --- positions ------------------------------------------------------------------------


def _pos(x) -> Pos:
    if isinstance(x, Token):
        return Pos(x.line, x.column, x.end_line, x.end_column)
    m = x.meta
    return Pos(m.line, m.column, m.end_line, m.end_column)


def _after(x) -> Pos:
    """The single column just after ``x``."""
    p = _pos(x)
    return Pos(p.end_line, p.end_column, p.end_line, p.end_column + 1)


_CPU = re.compile(r"cpu([0-9]+)")
_RANGE_END = re.compile(r"([A-Za-z_][A-Za-z0-9_]*?)([0-9]+)")

_STATEMENT_RULES = frozenset({"title", "kernel", "cpus", "folio", "op", "drain", "repeat", "expect"})


# --- tree -> AST ----------------------------------------------------------------------


class _Builder:
    """Walks the Lark tree in source order, building the AST and checking it."""

    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.path = path
        self.checker = Checker(self.fail)
        self.scenario = Scenario(path=path, source=source)
        self.header_seen: dict[str, Pos] = {}
        self.first_op: Pos | None = None

    def fail(self, at, message: str, hint: str | None = None, expected: str | None = None) -> ScenarioError:
        """A ScenarioError at ``at`` (a Pos, a Token or a Tree)."""
        pos = at if isinstance(at, Pos) else _pos(at)
        return ScenarioError.at(pos, self.path, self.source, message, hint=hint, expected=expected)

    def text(self, tree: Tree) -> str:
        return self.source[tree.meta.start_pos:tree.meta.end_pos]

    # --- statements ---------------------------------------------------------------

    def build(self, tree: Tree) -> Scenario:
        statements = [c for c in tree.children if isinstance(c, Tree)]
        if not statements:
            raise ScenarioError("the file has no statements, only comments", path=self.path,
                                hint="a scenario needs at least one statement, e.g. 'folio F1 anon'")
        for stmt in statements:  # so that a use before its declaration can say where it is
            if stmt.data == "folio":
                target = stmt.children[1]
                ends = [target] if isinstance(target, Token) else [target.children[0], target.children[2]]
                for end in ends:
                    self.checker.declared_later.setdefault(end.value, _pos(end))
        for stmt in statements:
            built = self.statement(stmt, depth=0)
            if built is not None:
                self.scenario.body.append(built)
                self.checker.add_steps(built, _pos(stmt))
        self.checker.finish()
        return self.scenario

    def statement(self, t: Tree, depth: int):
        kind = t.data
        if kind in ("title", "kernel", "cpus"):
            self.header(t, depth)
            return None
        if kind == "folio":
            if depth:
                raise self.fail(t.children[0], "a folio declaration cannot be inside repeat",
                                hint="declare folios at the top level, before the repeat")
            self.scenario.decls.append(self.folio(t))
            return None
        if kind in ("op", "drain"):
            return self.op(t)
        if kind == "repeat":
            return self.repeat(t, depth + 1)
        if kind == "expect":
            return self.expect(t)
        raise AssertionError(f"unknown statement rule {kind}")  # pragma: no cover

    def header(self, t: Tree, depth: int) -> None:
        keyword, arg = t.children
        word = keyword.value
        if depth:
            raise self.fail(keyword, f"'{word}' cannot be inside repeat",
                            hint="the header (title, kernel, cpus) goes at the top of the file")
        first = self.header_seen.get(word)
        if first is not None:
            raise self.fail(t, f"'{word}' is given twice", hint=f"it was first given at line {first.line}")
        if self.first_op is not None:
            raise self.fail(t, f"'{word}' must come before the first operation (line {self.first_op.line})",
                            hint="move the header (title, kernel, cpus) to the top of the file")
        self.header_seen[word] = _pos(t)
        if word == "title":
            self.scenario.title = self.string(arg)
        elif word == "kernel":
            self.scenario.kernel = self.variant(arg)
        else:
            n = self.number(arg, MIN_CPUS, MAX_CPUS, "cpus")
            self.checker.set_cpus(n, _pos(t))
            self.scenario.cpus = n

    def string(self, tok: Token) -> str:
        body = tok.value[1:-1]
        out = []
        i = 0
        while i < len(body):
            c = body[i]
            if c == "\\":
                nxt = body[i + 1]
                mapped = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}.get(nxt)
                if mapped is None:
                    col = tok.column + 1 + i
                    raise self.fail(Pos(tok.line, col, tok.line, col + 2), f"unknown escape '\\{nxt}' in a string",
                                    expected='one of \\" \\\\ \\n \\t', hint="write \\\\ for a backslash")
                out.append(mapped)
                i += 2
            else:
                out.append(c)
                i += 1
        return "".join(out)

    def variant(self, tok: Token) -> str:
        name = tok.value
        if name not in VARIANTS:
            bare = name.strip("\"'")
            hint = (f"write it without quotes: {bare}" if bare in VARIANTS
                    else did_you_mean(bare, VARIANTS) or "'folioscope variants' lists them")
            raise self.fail(tok, f"unknown kernel variant {show(name)}", expected="a variant: " + one_of(VARIANTS),
                            hint=hint)
        return name

    def number(self, tok: Token, low: int, high: int, what: str) -> int:
        digits = tok.value.replace("_", "").lstrip("0") or "0"
        if len(digits) > 15:
            raise self.fail(tok, f"{what} {show(tok.value, 20)} is far too large",
                            expected=f"a number from {low:,} to {high:,}")
        n = int(digits)
        if not low <= n <= high:
            raise self.fail(tok, f"{what} {n:,} is out of range", expected=f"a number from {low:,} to {high:,}")
        return n

    # --- folios -----------------------------------------------------------------------

    def folio(self, t: Tree) -> FolioDecl:
        _, target, *attrs = t.children
        names, _ = self.folio_names(target, declaring=True)
        if not attrs:
            raise self.fail(_after(target), f"the folio declaration needs a kind after {show(self.text_of(target))}",
                            expected="a kind: " + one_of(KINDS))
        kind_tree, *attrs = attrs
        kind_tok = kind_tree.children[0]
        kind = kind_tok.value
        if kind not in KINDS:
            if kind in FOLIO_ATTRS:
                raise self.fail(kind_tree, f"the kind must come first, before {show(self.text(kind_tree))}",
                                expected="a kind: " + one_of(KINDS),
                                hint=f"for example 'folio {self.text_of(target)} anon {self.text(kind_tree)}'")
            raise self.fail(kind_tok, f"unknown folio kind {show(kind)}", expected="a kind: " + one_of(KINDS),
                            hint=did_you_mean(kind, KINDS))
        if len(kind_tree.children) > 1:
            raise self.fail(kind_tree, f"the kind {show(kind)} takes no value", expected="a kind: " + one_of(KINDS))
        values: dict = {}
        seen: dict[str, Tree] = {}
        for a in attrs:
            name_tok = a.children[0]
            name = name_tok.value
            spec = FOLIO_ATTRS.get(name)
            if spec is None:
                if name in KINDS:
                    raise self.fail(a, f"a folio has one kind; {show(name)} comes after {show(kind)}",
                                    expected="an attribute such as order=2, zone=movable or new")
                raise self.fail(name_tok, f"unknown folio attribute {show(name)}",
                                expected="an attribute: " + one_of(FOLIO_ATTRS),
                                hint=did_you_mean(name, FOLIO_ATTRS))
            if name in seen:
                raise self.fail(a, f"attribute {show(name)} is given twice",
                                hint=f"it was first given at column {seen[name].meta.column}")
            seen[name] = a
            has_value = len(a.children) == 3
            if spec.value is None:
                if has_value:
                    raise self.fail(a, f"{show(name)} takes no value", hint=f"write just '{name}'")
                values[name] = True
            elif not has_value:
                example = "zone=movable" if spec.value == "zone" else f"{name}=1"
                raise self.fail(a, f"{show(name)} needs a value", expected=f"{name}=VALUE, such as {example}")
            else:
                value = a.children[2]
                if spec.value == "int":
                    if value.type != "INT":
                        raise self.fail(value, f"{name}= needs a number, not {show(value.value)}",
                                        expected=f"a number from {spec.low} to {spec.high}")
                    values[name] = self.number(value, spec.low, spec.high, name)
                else:
                    if value.value not in ZONES:
                        raise self.fail(value, f"unknown zone {show(value.value)}", expected="a zone: " + one_of(ZONES),
                                        hint=did_you_mean(value.value, ZONES))
                    values[name] = value.value
        self.folio_conflicts(kind, values, seen)
        pos = _pos(t)
        for n in names:
            self.checker.declare(n, _pos(target))
        return FolioDecl(names=tuple(names), kind=kind, attrs=values, pos=pos)

    def folio_conflicts(self, kind: str, attrs: dict, seen: dict[str, Tree]) -> None:
        def clash(a: str, b: str, why: str, hint: str | None = None):
            later = max(seen[a], seen[b], key=lambda t: t.meta.start_pos)
            return self.fail(later, f"'{a}' and '{b}' conflict: {why}", hint=hint)

        if "active" in attrs and "inactive" in attrs:
            raise clash("active", "inactive", "a folio starts on one list")
        if "unmlocked" in attrs and not attrs.get("locked"):
            raise self.fail(seen["unmlocked"], "'unmlocked' needs locked=N (N > 0)",
                            hint="'unmlocked' says the folio of N VM_LOCKED mappings is not yet mlocked; "
                                 "add locked=1")
        if "unmlocked" in attrs and "new" in attrs:
            raise clash("unmlocked", "new", "'unmlocked' keeps the folio on an LRU list, 'new' puts it on none",
                        hint="'new locked=N' already leaves PG_mlocked clear")
        if "unmlocked" in attrs and "nolru" in attrs:
            raise clash("unmlocked", "nolru", "'unmlocked' keeps the folio on an LRU list, 'nolru' puts it on none")
        for side in ("active", "inactive"):
            if side in attrs and "nolru" in attrs:
                raise clash(side, "nolru", f"a 'nolru' folio is on no LRU list, so not on the {side} one")
        if "swapcache" in attrs and kind != "anon":
            raise self.fail(seen["swapcache"], f"'swapcache' is for anon folios, not {kind}",
                            hint=f"a {kind} folio is in the page cache already")

    def folio_names(self, target, declaring: bool = False) -> tuple[list[str], str | None]:
        """The names of a NAME token or a range tree, checked; the range's text
        is returned too (None for a single name)."""
        if isinstance(target, Token):
            name = target.value
            if declaring:
                self.checker.check_new_name(name, _pos(target))
            return [name], None
        names = self.expand_range(target)
        if declaring:
            for n in names:
                self.checker.check_new_name(n, _pos(target))
        return names, self.text(target)

    def text_of(self, x) -> str:
        return x.value if isinstance(x, Token) else self.text(x)

    def expand_range(self, t: Tree) -> list[str]:
        first, _, last = t.children
        text = self.text(t)
        for end in (first, last):
            if end.value.endswith("'"):
                raise self.fail(t, f"a range cannot use primed names: {show(text)}",
                                hint="name migrated folios one by one: F1', F2'")
        m1 = _RANGE_END.fullmatch(first.value)
        m2 = _RANGE_END.fullmatch(last.value)
        if not m1 or not m2:
            bad = first if not m1 else last
            raise self.fail(bad, f"a range runs between names ending in numbers; {show(bad.value)} has none",
                            expected="a range such as F1..F31")
        (p1, d1), (p2, d2) = m1.groups(), m2.groups()
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

    def use_folios(self, target) -> list[str]:
        """Names of a folio argument (NAME or range), each checked declared."""
        names, within = self.folio_names(target)
        pos = _pos(target)
        for n in names:
            self.checker.use_folio(n, pos, within)
        return names

    # --- operations ---------------------------------------------------------------

    def cpu(self, tok: Token) -> int:
        digits = _CPU.fullmatch(tok.value).group(1)
        if len(digits) > 6:
            raise self.fail(tok, f"{show(tok.value)} does not exist", expected=f"a CPU from cpu0 to cpu{MAX_CPUS - 1}")
        n = int(digits)
        self.checker.use_cpu(n, _pos(tok))
        return n

    def start_op(self, t: Tree) -> None:
        if self.first_op is None:
            self.first_op = _pos(t)
        self.checker.begin_operations()

    def op(self, t: Tree) -> Op:
        self.start_op(t)
        pos, text = _pos(t), self.text(t)
        if t.data == "drain":
            _, arg = t.children
            if arg.type == "CPU":
                return Op(self.cpu(arg), "drain", (), (), None, pos, text)
            if arg.value != "all":
                raise self.fail(arg, f"'drain' takes 'all' or a CPU, not {show(arg.value)}",
                                expected="'drain all' or 'drain cpuN'", hint=did_you_mean(arg.value, ["all"]))
            return Op(0, "drain_all", (), (), None, pos, text)

        cpu_tok, name_tok, *args = t.children
        cpu = self.cpu(cpu_tok)
        name = name_tok.value
        spec = OPS.get(name)
        if spec is None:
            raise self.fail(name_tok, f"unknown operation {show(name)}", expected=OPS_EXPECTED,
                            hint=did_you_mean(name, OPS) or "docs/language.md lists the operations")
        if spec.batch:
            if not args:
                raise self.fail(_after(name_tok), f"'{name}' needs a batch name", expected="a batch: " + one_of(BATCHES))
            batch = args[0]
            if not isinstance(batch, Token) or batch.value not in BATCHES:
                word = self.text_of(batch)
                raise self.fail(batch, f"unknown batch {show(word)}", expected="a batch: " + one_of(BATCHES),
                                hint=did_you_mean(word, BATCHES))
            if len(args) > 1:
                raise self.fail(args[1], f"'{name}' takes one batch", hint="write one flush per batch")
            return Op(cpu, name, (), (), batch.value, pos, text)

        if spec.folios == "none":
            if name == "drain" and args and isinstance(args[0], Token) and args[0].value == "all":
                if len(args) > 1:
                    raise self.fail(args[1], "'drain all' takes nothing after it", expected="the end of the statement")
                return Op(cpu, "drain_all", (), (), None, pos, text)
            if args:
                extra = args[0]
                if name == "drain":
                    raise self.fail(extra, f"'drain' takes no folio; {show(self.text_of(extra))} is extra",
                                    expected="the end of the statement, or 'all'",
                                    hint=(did_you_mean(self.text_of(extra), ["all"])
                                          or f"'cpu{cpu} drain' drains cpu{cpu}; 'cpu{cpu} drain all' drains every CPU"))
                raise self.fail(extra, f"'{name}' takes nothing after it", expected="the end of the statement")
            return Op(cpu, name, (), (), None, pos, text)

        folios: list[str] = []
        flags: list[str] = []
        refs = 0
        for arg in args:
            word = arg.value if isinstance(arg, Token) else None
            if word is not None and word in spec.flags:  # flag words are reserved: never folio names
                if not folios:
                    raise self.fail(arg, f"'{name}' needs a folio before {show(word)}",
                                    expected=f"'cpuN {name} F {word}'")
                if word in flags:
                    raise self.fail(arg, f"{show(word)} is given twice")
                flags.append(word)
                continue
            if word is not None and _is_flag(word):
                owners = [o.name for o in OPS.values() if word in o.flags]
                raise self.fail(arg, f"'{name}' takes no {show(word)}",
                                hint=f"'{word}' goes with " + one_of(owners, "and"))
            if flags:
                raise self.fail(arg, f"folio {show(self.text_of(arg))} comes after {show(flags[-1])}",
                                hint=f"put the folios first: 'cpu{cpu} {name} F … {' '.join(flags)}'")
            if refs and spec.folios == "one":
                raise self.fail(arg, f"'{name}' takes one folio or one range",
                                hint="use a range such as F1..F3, or one statement per folio")
            folios.extend(self.use_folios(arg))
            refs += 1
        if not folios:
            example = "F1 F2..F5" if spec.folios == "many" else "F1"
            raise self.fail(_after(name_tok), f"'{name}' needs a folio", expected=f"a folio, as in 'cpu{cpu} {name} {example}'")
        return Op(cpu, name, tuple(folios), tuple(flags), None, pos, text)

    def repeat(self, t: Tree, depth: int) -> Repeat:
        keyword, count_tok, _lbrace, *rest = t.children
        if depth > MAX_REPEAT_DEPTH:
            raise self.fail(keyword, f"repeat blocks nest too deeply (more than {MAX_REPEAT_DEPTH})")
        count = self.number(count_tok, 1, MAX_REPEAT, "repeat count")
        body = []
        for stmt in rest:
            if isinstance(stmt, Tree):
                built = self.statement(stmt, depth)
                if built is not None:
                    body.append(built)
        if not body:
            raise self.fail(t, "the repeat block is empty", hint="put operations or expectations between { and }")
        node = Repeat(count=count, body=tuple(body), pos=_pos(t))
        check_repeat_steps(node, self.fail, _pos(count_tok))
        return node

    # --- expectations ---------------------------------------------------------------

    def expect(self, t: Tree) -> Expect:
        _, check, *at = t.children
        kind = check.data
        if kind == "expect_field":
            built = self.expect_field(check)
        elif kind == "expect_words":
            built = self.expect_words(check)
        else:
            built = self.expect_compare(check)
        variants: list[str] = []
        if at:
            for tok in at[0].children[1:]:
                name = self.variant(tok)
                if name in variants:
                    raise self.fail(tok, f"variant {show(name)} is listed twice")
                variants.append(name)
        return Expect(check=built, variants=tuple(variants), pos=_pos(t), text=self.text(t))

    def subject(self, subject: Tree):
        """('cpu', n) | ('stats', None) | ('result', None) | ('folios', names)."""
        x = subject.children[0]
        if isinstance(x, Token):
            if x.type == "CPU":
                return "cpu", self.cpu(x)
            if x.value in ("stats", "result"):
                return x.value, None
        return "folios", self.use_folios(x)

    def expect_field(self, check: Tree):
        subject, _dot, name_tok, cmp_tok, value = check.children
        what, arg = self.subject(subject)
        name, op = name_tok.value, cmp_tok.value
        if what == "cpu":
            if name not in BATCHES:
                raise self.fail(name_tok, f"unknown batch {show(name)}", expected="a batch: " + one_of(BATCHES),
                                hint=did_you_mean(name, BATCHES))
            self.equality_only(cmp_tok, f"cpu{arg}.{name}", "a batch")
            items = self.batch_items(value, name)
            return ExpectBatch(cpu=arg, batch=name, op=op, items=items)
        if what == "stats":
            kind = STATS.get(name)
            if kind is None:
                raise self.fail(name_tok, f"unknown statistic {show(name)}", expected="a statistic: " + one_of(STATS),
                                hint=did_you_mean(name, STATS))
            if kind == "int":
                return ExpectStat(name=name, op=op, value=self.int_value(value, f"stats.{name}"))
            self.equality_only(cmp_tok, f"stats.{name}", "a list of CPU lists")
            return ExpectStat(name=name, op=op, value=self.work_value(value))
        if what == "result":
            raise self.fail(subject, "'result' has no fields", expected="'expect result == R', R one of " + one_of(RESULTS))
        folios = tuple(arg)
        if name not in FOLIO_FIELDS:
            if name in FLAGS:
                hint = f"flags are tested with has/lacks: 'expect {self.text(subject)} has {name}'"
            else:
                hint = did_you_mean(name, FOLIO_FIELDS)
            raise self.fail(name_tok, f"unknown folio field {show(name)}", expected="a field: " + one_of(FOLIO_FIELDS),
                            hint=hint)
        allowed = FOLIO_FIELDS[name]
        if allowed is None:
            return ExpectField(folios=folios, field=name, op=op, value=self.int_value(value, name))
        self.equality_only(cmp_tok, name, f"one of {one_of(allowed)}")
        word = self.word_value(value, f"{name}", allowed)
        return ExpectField(folios=folios, field=name, op=op, value=word)

    def equality_only(self, cmp_tok: Token, what: str, kind: str) -> None:
        if cmp_tok.value not in EQUALITY:
            raise self.fail(cmp_tok, f"{what} can only be compared with == or !=, not {cmp_tok.value}",
                            expected="== or !=", hint=f"{what} is {kind}")

    def int_value(self, value: Tree, what: str) -> int:
        x = value.children[0]
        if not (isinstance(x, Token) and x.type == "INT"):
            raise self.fail(value, f"{what} is a number; {show(self.text(value))} is not",
                            expected="a number, such as 3")
        return self.number(x, 0, MAX_NUMBER, what)

    def word_value(self, value: Tree, what: str, allowed) -> str:
        x = value.children[0]
        text = self.text(value)
        if not (isinstance(x, Token) and x.type == "NAME") or x.value not in allowed:
            message = f"unknown {what} value {show(text)}" if isinstance(x, Token) and x.type == "NAME" \
                else f"{what} is one of {one_of(allowed)}; {show(text)} is not"
            raise self.fail(value, message, expected=one_of(allowed), hint=did_you_mean(text, allowed))
        return x.value

    def list_items(self, value: Tree, what: str) -> list:
        x = value.children[0]
        if not (isinstance(x, Tree) and x.data == "list"):
            raise self.fail(value, f"{what} is a list; {show(self.text(value))} is not",
                            expected="a list such as [F1, F2], or [] when empty")
        return [c for c in x.children if isinstance(c, Tree)]

    def batch_items(self, value: Tree, batch: str) -> tuple[BatchItem, ...]:
        items = []
        for item in self.list_items(value, f"a batch ({batch})"):
            first = item.children[0]
            if first.data == "list":
                raise self.fail(item, "a batch holds folios, not lists", expected="a folio such as F1 or a range")
            x = first.children[0]
            if isinstance(x, Token) and x.type == "CPU":
                raise self.fail(x, f"a batch holds folios; {show(x.value)} is a CPU", expected="a folio such as F1")
            if isinstance(x, Token) and x.value in ("stats", "result"):
                raise self.fail(x, f"a batch holds folios; {show(x.value)} is not one", expected="a folio such as F1")
            tag = None
            if len(item.children) == 3:
                tag_tok = item.children[2]
                tag = tag_tok.value
                if batch != "mlock":
                    raise self.fail(tag_tok, f"only mlock batch entries have tags; {batch} entries do not",
                                    hint=f"write just {show(self.text(first))}")
                if tag not in MLOCK_TAGS:
                    raise self.fail(tag_tok, f"unknown mlock tag {show(tag)}", expected="a tag: " + one_of(MLOCK_TAGS),
                                    hint=did_you_mean(tag, MLOCK_TAGS))
            for name in self.use_folios(x):
                items.append(BatchItem(folio=name, tag=tag))
        return tuple(items)

    def work_value(self, value: Tree) -> tuple[tuple[int, ...], ...]:
        calls = []
        for item in self.list_items(value, "stats.drain_all_work"):
            first = item.children[0]
            if first.data != "list":
                raise self.fail(item, "stats.drain_all_work holds one list of CPUs per call",
                                expected="a list of CPUs such as [cpu1, cpu2]",
                                hint="for example [[cpu1], [cpu0, cpu3]]")
            cpus = []
            for inner in first.children:
                if not isinstance(inner, Tree):
                    continue
                x = inner.children[0]
                tok = x.children[0] if isinstance(x, Tree) and x.data == "subject" else None
                if len(inner.children) != 1 or not (isinstance(tok, Token) and tok.type == "CPU"):
                    raise self.fail(inner, f"expected a CPU, not {show(self.text(inner))}",
                                    expected="a CPU such as cpu1")
                cpus.append(self.cpu(tok))
            calls.append(tuple(cpus))
        return tuple(calls)

    def expect_words(self, check: Tree) -> ExpectFlags:
        subject, verb, *flags = check.children
        what, arg = self.subject(subject)
        if what != "folios":
            label = {"cpu": "a CPU", "stats": "stats", "result": "result"}[what]
            form = {"cpu": "'expect cpu0.BATCH == [...]'", "stats": "'expect stats.STAT == N'",
                    "result": "'expect result == R'"}[what]
            raise self.fail(subject, f"{label} has no flags", expected=form)
        if verb.value not in ("has", "lacks"):
            if verb.value in FLAGS:
                raise self.fail(verb, f"expected 'has' or 'lacks' before the flag {show(verb.value)}",
                                expected="'has' or 'lacks'",
                                hint=f"write 'expect {self.text(subject)} has {verb.value}'")
            raise self.fail(verb, f"unknown word {show(verb.value)} after {show(self.text(subject))}",
                            expected="'.FIELD', 'has', 'lacks' or a comparison such as ==",
                            hint=did_you_mean(verb.value, ["has", "lacks"]))
        if not flags:
            raise self.fail(_after(verb), f"'{verb.value}' needs at least one flag", expected="a flag: " + one_of(FLAGS))
        names: list[str] = []
        for f in flags:
            if f.value not in FLAGS:
                hint = did_you_mean(f.value, FLAGS)
                if f.value in FOLIO_FIELDS:
                    hint = f"'{f.value}' is a field: 'expect {self.text(subject)}.{f.value} == …'"
                raise self.fail(f, f"unknown flag {show(f.value)}", expected="a flag: " + one_of(FLAGS), hint=hint)
            if f.value in names:
                raise self.fail(f, f"flag {show(f.value)} is listed twice")
            names.append(f.value)
        return ExpectFlags(folios=tuple(arg), present=verb.value == "has", flags=tuple(names))

    def expect_compare(self, check: Tree) -> ExpectResult:
        subject, cmp_tok, value = check.children
        x = subject.children[0]
        what = "cpu" if isinstance(x, Token) and x.type == "CPU" else x.value if isinstance(x, Token) else "folios"
        if what == "result":
            self.equality_only(cmp_tok, "result", "a word")
            word = value.children[0]
            text = self.text(value)
            if not (isinstance(word, Token) and word.type == "NAME" and word.value in RESULTS):
                raise self.fail(value, f"unknown result {show(text)}", expected="a result: " + one_of(RESULTS),
                                hint=did_you_mean(text, RESULTS))
            return ExpectResult(op=cmp_tok.value, value=word.value)
        text = self.text(subject)
        if what == "cpu":
            raise self.fail(_after(subject), f"expected a batch after {show(text)}",
                            expected=f"'.BATCH', as in {text}.mlock == [F1]")
        if what == "stats":
            raise self.fail(_after(subject), "expected a statistic after 'stats'",
                            expected="'.STAT', as in stats.drain_all_calls == 1")
        raise self.fail(_after(subject), f"expected a field after {show(text)}",
                        expected=f"'.FIELD', as in {text}.refcount == 3",
                        hint="or test flags with 'has'/'lacks'")


def _is_flag(word: str) -> bool:
    return any(word in o.flags for o in OPS.values())


# --- syntax errors in words -------------------------------------------------------------

_END = {"_SEP", "$END", "RBRACE"}
STATEMENT_EXPECTED = "a statement: cpuN OPERATION, drain all, folio, expect, repeat, title, kernel or cpus"

_TERMINAL_WORDS = {
    "INT": "a number",
    "STRING": 'a quoted string such as "My title"',
    "VARIANT": "a kernel variant such as v6.18",
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
    "NAME": "a name",
    "_SEP": "a newline or ';'",
    "$END": "the end of the file",
}


def _last_token(x):
    while isinstance(x, Tree):
        if not x.children:
            return None
        x = x.children[-1]
    return x


def _ttype(x) -> str | None:
    """Token type, or the tree's rule name."""
    if isinstance(x, Token):
        return x.type
    if isinstance(x, Tree):
        return x.data if isinstance(x.data, str) else str(x.data)
    return None


def _syntax_error(e: UnexpectedInput, text: str, path: str) -> ScenarioError:
    """A Lark exception as a ScenarioError in words."""
    state = getattr(e, "state", None)
    stack = list(getattr(state, "value_stack", None) or [])
    i = len(stack)
    while i > 0:
        x = stack[i - 1]
        if isinstance(x, Token) and x.type in ("_SEP", "LBRACE"):
            break
        if isinstance(x, Tree) and (_ttype(x) in _STATEMENT_RULES or "block" in _ttype(x)):
            break
        i -= 1
    tail = stack[i:]
    open_braces = [x for x in stack if isinstance(x, Token) and x.type == "LBRACE"]

    if isinstance(e, UnexpectedCharacters):
        expected = set(e.allowed or ())
        char = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        found_text = char
        found = f"character {show(char)}"
        pos = Pos(e.line, e.column, e.line, e.column + 1)
        kind = "char"
    elif isinstance(e, UnexpectedToken):
        expected = set(e.expected or ())
        tok = e.token
        found_text = str(tok.value)
        kind = tok.type
        if tok.type == "$END":
            found = "end of file"
            last = _last_token(stack[-1]) if stack else None
            pos = _after(last) if isinstance(last, Token) and last.end_line is not None else _end_pos(text)
        else:
            pos = _pos(tok)
            if tok.type == "_SEP":
                found = "end of line" if tok.value[0] == "\n" else "';'"
                pos = Pos(tok.line, tok.column, tok.line, tok.column + 1)
            else:
                found = show(found_text)
    else:  # UnexpectedEOF and anything else Lark may raise
        expected = set(getattr(e, "expected", None) or ())
        found, found_text, kind = "end of file", "", "$END"
        pos = _end_pos(text)
    expected = {t for t in expected if (t.isupper() or t in ("$END", "_SEP")) and t not in ("WS", "COMMENT")}

    def err(message, expected_words=None, hint=None, at=pos):
        return ScenarioError.at(at, path, text, message, hint=hint, expected=expected_words)

    # an unterminated string
    if found_text.startswith('"'):
        line_text = line_of(text, pos.line)
        rest = line_text[pos.column - 1:]
        if '"' not in rest[1:] or "STRING" not in expected:
            if "STRING" in expected or '"' not in rest[1:]:
                return err("unterminated string", 'a closing " on the same line',
                           hint='strings end on the line they start; write \\" for a quote inside',
                           at=Pos(pos.line, pos.column, pos.line, pos.column + max(1, len(rest))))
            return err(f"unexpected string {show(found_text)}", _expected_words(expected, tail, open_braces),
                       hint="quoted strings are only for 'title'")

    # end of file inside a repeat block
    if kind == "$END" and open_braces:
        brace = open_braces[-1]
        return err("'{' is never closed", "'}' to end the repeat block", at=_pos(brace),
                   hint="end the repeat block with '}'")
    if kind == "RBRACE" and not open_braces:
        return err("unexpected '}': no repeat block is open", _expected_words(expected, tail, open_braces))

    # a word where a statement starts
    if not tail and kind not in ("_SEP", "$END", "RBRACE"):
        return _unknown_statement(found_text, found, err)

    words = _expected_words(expected, tail, open_braces)
    hint = None
    if found_text.startswith("=") and "CMP" in expected:
        hint = "did you mean '=='?"
    elif "LBRACE" in expected and kind == "_SEP":
        hint = "put '{' on the same line as 'repeat N'"
    elif tail and _ttype(tail[0]) == "DRAIN" and "NAME" in expected:
        hint = "'drain all' drains every CPU; 'cpu1 drain' (or 'drain cpu1') drains one"
    elif tail and _ttype(tail[0]) == "KERNEL":
        hint = "the variants are " + one_of(VARIANTS)
    elif "CMP" in expected and found_text in ("is", "eq", "equals"):
        hint = "did you mean '=='?"
    elif found_text[:1] in ("'", "`"):
        hint = "a prime follows a folio name directly, as in F1'"
    return err(f"unexpected {found}", words, hint=hint)


def _end_pos(text: str) -> Pos:
    line = text.count("\n") + 1
    column = len(text) - (text.rfind("\n") + 1) + 1
    return Pos(line, column, line, column + 1)


def _unknown_statement(word: str, found: str, err) -> ScenarioError:
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
    near_op = suggest(word, OPS)
    if near_keyword:
        hint = f"did you mean '{near_keyword[0]}'?"
    elif near_op:
        hint = f"did you mean '{near_op[0]}'? operations run on a CPU: 'cpu0 {near_op[0]} …'"
    else:
        hint = None
    return err(f"unknown statement {found}", STATEMENT_EXPECTED, hint=hint)


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


_END_WORDS = "the end of the statement (a newline or ;)"
_VALUE_WORDS = "a value: a number, a word such as unevictable or ENOMEM, or a list such as [F1, F2]"


def _expected_words(expected: set[str], tail: list, open_braces: list) -> str:
    """What the parser wanted, in words: from where in the statement it was
    (the tokens of ``tail``), and failing that from the terminals it would
    accept (LALR merges those of different contexts, so they are a last resort)."""
    if not tail:
        pieces = [STATEMENT_EXPECTED]
        if open_braces and "RBRACE" in expected:
            pieces.append("'}'")
        return one_of(pieces)
    leaves = _leaves(tail)
    if not leaves:
        return _generic_words(expected, ends=bool(set(expected) & _END))
    head, prev = leaves[0].type, leaves[-1]
    depth = sum(1 if t.type == "LSQB" else -1 if t.type == "RSQB" else 0 for t in leaves)

    if depth > 0:  # inside a list
        if prev.type == "COLON":
            return "a tag: " + one_of(MLOCK_TAGS)
        if prev.type == "DOTDOT":
            return "the folio name that ends the range, such as F8"
        if prev.type in ("LSQB", "COMMA"):
            words = {"NAME": "a folio name or range", "CPU": "a CPU such as cpu1", "LSQB": "a nested list",
                     "RSQB": "']'"}
            return one_of([w for t, w in words.items() if t in expected] or ["a folio name or range"])
        tag = prev.type == "NAME" and len(leaves) > 1 and leaves[-2].type != "COLON"
        return "',', ']' or ':' and an mlock tag, as in F1:lru" if tag else "',' or ']'"
    if prev.type == "DOTDOT":
        return "the folio name that ends the range, such as F8"

    n = len(leaves)
    if head == "DRAIN":
        return "'all', or a CPU such as cpu1" if n == 1 else _END_WORDS
    if head == "KERNEL":
        return "a kernel variant such as v6.18" if n == 1 else _END_WORDS
    if head == "CPUS":
        return f"the number of CPUs, {MIN_CPUS} to {MAX_CPUS}" if n == 1 else _END_WORDS
    if head == "TITLE":
        return 'a quoted title such as "Will Deacon\'s pin failure"' if n == 1 else _END_WORDS
    if head == "REPEAT":
        return f"a repeat count, 1 to {MAX_REPEAT:,}" if n == 1 else "'{'"
    if head == "FOLIO":
        return _folio_words(leaves)
    if head == "CPU":
        return _op_words(leaves)
    if head == "EXPECT":
        return _expect_words(leaves)
    return _generic_words(expected, ends=bool(set(expected) & _END))


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
        return OPS_EXPECTED
    name = leaves[1].value
    spec = OPS.get(name)
    args = leaves[2:]
    if spec is None:
        return one_of(["a folio name or range", _END_WORDS])
    if spec.batch:
        return "a batch name: " + one_of(BATCHES) if not args else _END_WORDS
    if spec.folios == "none":
        return "'all' or " + _END_WORDS if name == "drain" and not args else _END_WORDS
    if not args:
        return "a folio name or range"
    used = {t.value for t in args if t.type == "NAME"}
    pieces = ["another folio or range"] if spec.folios == "many" else []
    pieces += [f"'{f}'" for f in spec.flags if f not in used]
    return one_of(pieces + [_END_WORDS])


def _expect_words(leaves: list[Token]) -> str:
    after = leaves[1:]
    if not after:
        return "a folio name or range, cpuN, stats or result"
    if any(t.type == "AT" for t in after):
        variant = "a kernel variant such as v6.18"
        return variant if after[-1].type == "AT" else one_of(["another " + variant[2:], _END_WORDS])
    subject = after[0]
    rest = after[_ref_length(after):]
    if not rest:
        if subject.type == "NAME" and subject.value == "result":
            return "a comparison: == or !="
        if subject.type == "NAME" and subject.value == "stats":
            return "'.' and a statistic, as in stats.drain_all_calls"
        if subject.type == "CPU":
            return f"'.' and a batch name, as in {subject.value}.mlock"
        return "'.' and a field (as in F1.refcount), 'has', 'lacks', or a comparison such as =="
    first = rest[0]
    if first.type == "DOT":
        if len(rest) == 1:
            if subject.type == "CPU":
                return "a batch name: " + one_of(BATCHES)
            if subject.value == "stats":
                return "a statistic: " + one_of(STATS)
            return "a field such as refcount, list or mlock_count"
        if len(rest) == 2:
            return "a comparison such as =="
        rest = rest[2:]
    if rest[0].type == "CMP":
        return _VALUE_WORDS if len(rest) == 1 else one_of(["'@' and kernel variants", _END_WORDS])
    # has/lacks and flags
    if len(rest) == 1:
        return "a flag such as lru or mlocked"
    return one_of(["another flag", "'@' and kernel variants", _END_WORDS])


def _generic_words(expected: set[str], ends: bool) -> str:
    """Terminal by terminal, for contexts the functions above do not know."""
    pieces = [_TERMINAL_WORDS[t] for t in sorted(set(expected) - _END) if t in _TERMINAL_WORDS]
    if ends:
        pieces.append(_END_WORDS)
    return one_of(dict.fromkeys(pieces)) or "something else"
