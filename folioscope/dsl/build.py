"""The Lark tree -> ``folioscope.dsl.ast`` nodes, checked.

``Builder.build(tree)`` walks the statements in source order and hands each
to the builder of its kind: the header (title, kernel, cpus) and ``repeat``
blocks here, folio declarations to ``folios.FolioBuilder``, operations to
``operations.OpBuilder``, ``expect`` statements to
``expectations.ExpectationBuilder``.  They share one ``reader.Reader``, which
checks every word against ``vocabulary`` (unknown operation, attribute,
zone...) and feeds the whole-file rules (folios declared before use, CPUs in
range, step limits) to its ``checks.Checker`` during the same walk.
"""

from __future__ import annotations

from lark import Token, Tree

from folioscope.dsl.ast import Pos, Repeat, Scenario
from folioscope.dsl.checks import check_repeat_steps
from folioscope.dsl.expectations import ExpectationBuilder
from folioscope.dsl.folios import FolioBuilder
from folioscope.dsl.operations import OpBuilder
from folioscope.dsl.positions import pos_of
from folioscope.dsl.reader import Reader
from folioscope.dsl.vocabulary import MAX_CPUS, MAX_REPEAT, MAX_REPEAT_DEPTH, MIN_CPUS


class Builder:
    """Walks the Lark tree in source order, building the AST and checking it."""

    def __init__(self, source: str, path: str) -> None:
        self.r = Reader(source, path)
        self.folios = FolioBuilder(self.r)
        self.ops = OpBuilder(self.r)
        self.expectations = ExpectationBuilder(self.r)
        self.scenario = Scenario(path=path, source=source)
        self.header_seen: dict[str, Pos] = {}
        self.first_op: Pos | None = None
        self._kinds = {
            "title": self.header, "kernel": self.header, "cpus": self.header,
            "folio": self.folio, "op": self.op, "drain": self.op,
            "repeat": self.repeat, "expect": self.expect,
        }

    # --- statements ---------------------------------------------------------------

    def build(self, tree: Tree) -> Scenario:
        """The scenario of a parse tree with at least one statement."""
        statements = [c for c in tree.children if isinstance(c, Tree)]
        checker = self.r.checker
        self.note_declarations(statements)
        if not any(stmt.data == "cpus" for stmt in statements):
            checker.settle_cpus()  # the default: a CPU out of range is an error where it is used
        for stmt in statements:
            built = self.statement(stmt, depth=0)
            if built is not None:
                self.scenario.body.append(built)
                checker.add_steps(built, pos_of(stmt))
        checker.finish()
        return self.scenario

    def check_completed(self, values: list) -> None:
        """Check, in order, the statements a failed parse completed before it
        stopped (Lark's value stack, or the children of a tree): the first
        error among them is raised, as ``build`` would raise it.  Blocks left
        open (``repeat 2 {``) are entered."""
        items = [x for x in _completed(values) if isinstance(x, Token) or x.data in self._kinds]
        self.note_declarations([x for x in items if isinstance(x, Tree)])
        depth = 0
        for k, x in enumerate(items):
            if isinstance(x, Tree):
                built = self.statement(x, depth)
                if built is not None and depth == 0:
                    self.r.checker.add_steps(built, pos_of(x))
            elif x.type == "LBRACE" and k >= 2 and items[k - 2].type == "REPEAT" and items[k - 1].type == "INT":
                depth += 1
                if depth > MAX_REPEAT_DEPTH:
                    raise self.r.fail(items[k - 2], f"repeat blocks nest too deeply (more than {MAX_REPEAT_DEPTH})")
                self.r.number(items[k - 1], 1, MAX_REPEAT, "repeat count")

    def note_declarations(self, statements: list[Tree]) -> None:
        """Where each declared name is, so that a use above its declaration can say so."""
        for stmt in statements:
            if stmt.data == "folio":
                target = stmt.children[1]
                ends = [target] if isinstance(target, Token) else [target.children[0], target.children[2]]
                for end in ends:
                    self.r.checker.declared_later.setdefault(end.value, pos_of(end))

    def statement(self, t: Tree, depth: int):
        """The node of one statement (None for the header and declarations)."""
        return self._kinds[t.data](t, depth)

    def header(self, t: Tree, depth: int) -> None:
        keyword, arg, *more = t.children
        word = keyword.value
        if depth:
            raise self.r.fail(keyword, f"'{word}' cannot be inside repeat",
                              hint="the header (title, kernel, cpus) goes at the top of the file")
        first = self.header_seen.get(word)
        if first is not None:
            raise self.r.fail(t, f"'{word}' is given twice", hint=f"it was first given at line {first.line}")
        if self.first_op is not None:
            raise self.r.fail(t, f"'{word}' must come before the first operation (line {self.first_op.line})",
                              hint="move the header (title, kernel, cpus) to the top of the file")
        self.header_seen[word] = pos_of(t)
        if word == "title":
            self.scenario.title = self.r.string(arg)
        elif word == "kernel":
            self.scenario.kernel = self.r.variant([arg, *more])
        else:
            n = self.r.number(arg, MIN_CPUS, MAX_CPUS, "cpus")
            self.r.checker.set_cpus(n, pos_of(t))
            self.scenario.cpus = n

    def folio(self, t: Tree, depth: int) -> None:
        if depth:
            raise self.r.fail(t.children[0], "a folio declaration cannot be inside repeat",
                              hint="declare folios at the top level, before the repeat")
        self.scenario.decls.append(self.folios.folio(t))

    def op(self, t: Tree, depth: int):
        if self.first_op is None:
            self.first_op = pos_of(t)
        self.r.checker.begin_operations()
        return self.ops.drain(t) if t.data == "drain" else self.ops.op(t)

    def expect(self, t: Tree, depth: int):
        return self.expectations.expect(t)

    def repeat(self, t: Tree, depth: int) -> Repeat:
        depth += 1
        keyword, count_tok, _lbrace, *rest = t.children
        if depth > MAX_REPEAT_DEPTH:
            raise self.r.fail(keyword, f"repeat blocks nest too deeply (more than {MAX_REPEAT_DEPTH})")
        count = self.r.number(count_tok, 1, MAX_REPEAT, "repeat count")
        body = []
        for stmt in rest:
            if isinstance(stmt, Tree):
                built = self.statement(stmt, depth)
                if built is not None:
                    body.append(built)
        if not body:
            raise self.r.fail(t, "the repeat block is empty", hint="put operations or expectations between { and }")
        node = Repeat(count=count, body=tuple(body), pos=pos_of(t))
        check_repeat_steps(node, self.r.fail, pos_of(count_tok))
        return node


def _completed(values: list):
    """The complete statements (trees) and the tokens of ``values`` in
    order, the parser's intermediate rules (``_stmt``, ``_block``…) opened."""
    stack = list(reversed(values))
    while stack:
        x = stack.pop()
        if isinstance(x, Tree) and str(x.data).startswith("_"):
            stack.extend(reversed(x.children))
        elif isinstance(x, Tree | Token):
            yield x
