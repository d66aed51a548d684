"""The Lark tree -> ``folioscope.dsl.ast`` nodes, checked.

``Builder.build(tree)`` walks the statements in source order: the header
(title, kernel, cpus), folio declarations with their kind, attributes and
ranges (``F1..F8``), operations (``cpu0 mlock F1``, ``drain all``) and repeat
blocks.  ``expect`` statements are built by ``expectations.ExpectationBuilder``,
a mixin of ``Builder``.  Every word is checked against ``vocabulary`` (unknown
operation, attribute, zone...), and the whole-file rules (folios declared
before use, CPUs in range, step limits) by a ``checks.Checker`` fed during the
same walk.
"""

from __future__ import annotations

import re

from lark import Token, Tree

from folioscope.dsl.ast import FolioDecl, Op, Pos, Repeat, Scenario
from folioscope.dsl.checks import Checker, check_repeat_steps
from folioscope.dsl.errors import ScenarioError, show
from folioscope.dsl.expectations import ExpectationBuilder
from folioscope.dsl.positions import pos_after, pos_of
from folioscope.dsl.vocabulary import (
    BATCHES,
    FOLIO_ATTRS,
    KINDS,
    MAX_CPUS,
    MAX_RANGE,
    MAX_REPEAT,
    MAX_REPEAT_DEPTH,
    MIN_CPUS,
    OPS,
    OPS_EXPECTED,
    VARIANTS,
    ZONES,
    did_you_mean,
    one_of,
)

_CPU = re.compile(r"cpu([0-9]+)")
_RANGE_END = re.compile(r"([A-Za-z_][A-Za-z0-9_]*?)([0-9]+)")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


class Builder(ExpectationBuilder):
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
        pos = at if isinstance(at, Pos) else pos_of(at)
        return ScenarioError.at(pos, self.path, self.source, message, hint=hint, expected=expected)

    def text(self, tree: Tree) -> str:
        return self.source[tree.meta.start_pos:tree.meta.end_pos]

    def text_of(self, x) -> str:
        return x.value if isinstance(x, Token) else self.text(x)

    # --- statements ---------------------------------------------------------------

    def build(self, tree: Tree) -> Scenario:
        """The scenario of a parse tree with at least one statement."""
        statements = [c for c in tree.children if isinstance(c, Tree)]
        for stmt in statements:  # so that a use before its declaration can say where it is
            if stmt.data == "folio":
                target = stmt.children[1]
                ends = [target] if isinstance(target, Token) else [target.children[0], target.children[2]]
                for end in ends:
                    self.checker.declared_later.setdefault(end.value, pos_of(end))
        for stmt in statements:
            built = self.statement(stmt, depth=0)
            if built is not None:
                self.scenario.body.append(built)
                self.checker.add_steps(built, pos_of(stmt))
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
        self.header_seen[word] = pos_of(t)
        if word == "title":
            self.scenario.title = self.string(arg)
        elif word == "kernel":
            self.scenario.kernel = self.variant(arg)
        else:
            n = self.number(arg, MIN_CPUS, MAX_CPUS, "cpus")
            self.checker.set_cpus(n, pos_of(t))
            self.scenario.cpus = n

    # --- words and numbers ------------------------------------------------------------

    def string(self, tok: Token) -> str:
        body = tok.value[1:-1]
        out = []
        i = 0
        while i < len(body):
            c = body[i]
            if c == "\\":
                nxt = body[i + 1]
                mapped = _ESCAPES.get(nxt)
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

    def cpu(self, tok: Token) -> int:
        digits = _CPU.fullmatch(tok.value).group(1)
        if len(digits) > 6:
            raise self.fail(tok, f"{show(tok.value)} does not exist", expected=f"a CPU from cpu0 to cpu{MAX_CPUS - 1}")
        n = int(digits)
        self.checker.use_cpu(n, pos_of(tok))
        return n

    def unknown_batch(self, at, word: str) -> ScenarioError:
        return self.fail(at, f"unknown batch {show(word)}", expected="a batch: " + one_of(BATCHES),
                         hint=did_you_mean(word, BATCHES))

    # --- folios -----------------------------------------------------------------------

    def folio(self, t: Tree) -> FolioDecl:
        _, target, *attrs = t.children
        names, _ = self.folio_names(target, declaring=True)
        if not attrs:
            raise self.fail(pos_after(target),
                            f"the folio declaration needs a kind after {show(self.text_of(target))}",
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
        pos = pos_of(t)
        for n in names:
            self.checker.declare(n, pos_of(target))
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
            names, within = [target.value], None
        else:
            names, within = self.expand_range(target), self.text(target)
        if declaring:
            for n in names:
                self.checker.check_new_name(n, pos_of(target))
        return names, within

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
        pos = pos_of(target)
        for n in names:
            self.checker.use_folio(n, pos, within)
        return names

    # --- operations ---------------------------------------------------------------

    def start_op(self, t: Tree) -> None:
        if self.first_op is None:
            self.first_op = pos_of(t)
        self.checker.begin_operations()

    def op(self, t: Tree) -> Op:
        self.start_op(t)
        pos, text = pos_of(t), self.text(t)
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
                raise self.fail(pos_after(name_tok), f"'{name}' needs a batch name",
                                expected="a batch: " + one_of(BATCHES))
            batch = args[0]
            if not isinstance(batch, Token) or batch.value not in BATCHES:
                raise self.unknown_batch(batch, self.text_of(batch))
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
            owners = [o.name for o in OPS.values() if word in o.flags] if word is not None else []
            if owners:
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
            raise self.fail(pos_after(name_tok), f"'{name}' needs a folio",
                            expected=f"a folio, as in 'cpu{cpu} {name} {example}'")
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
        node = Repeat(count=count, body=tuple(body), pos=pos_of(t))
        check_repeat_steps(node, self.fail, pos_of(count_tok))
        return node
