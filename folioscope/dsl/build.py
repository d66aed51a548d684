"""The Lark tree -> ``folioscope.dsl.ast`` nodes, checked.

``Builder.build(tree)`` walks the statements in source order and hands each
to the builder of its kind: the header (title, kernel, cpus), ``repeat`` and
thread blocks here, folio declarations to ``folios.FolioBuilder``, operations
to ``operations.OpBuilder``, ``expect`` statements to
``expectations.ExpectationBuilder``, ``may`` lines, conditions and
``locations`` to ``conditions.ConditionBuilder``.  They share one
``reader.Reader``, which checks every word against ``vocabulary`` (unknown
operation, attribute, zone...) and feeds the whole-file rules (folios declared
before use, CPUs in range, step limits) to its ``checks.Checker`` during the
same walk.  Rules that depend on the rest of the file (a condition needs
threads; ``cpu1.result`` needs cpu1's thread) use a survey of the top-level
statements made before the walk, so each error is still reported where it is,
in file order.
"""

from __future__ import annotations

from dataclasses import dataclass

from lark import Token, Tree

from folioscope.dsl.ast import (
    Condition,
    Expect,
    ExpectVerdict,
    Filter,
    May,
    Pos,
    Repeat,
    Scenario,
    Thread,
)
from folioscope.dsl.checks import check_repeat_steps
from folioscope.dsl.conditions import ConditionBuilder
from folioscope.dsl.expectations import ExpectationBuilder
from folioscope.dsl.folios import FolioBuilder
from folioscope.dsl.operations import OpBuilder
from folioscope.dsl.positions import pos_of
from folioscope.dsl.reader import Reader
from folioscope.dsl.vocabulary import (
    DEFAULT_CPUS,
    MAX_CPUS,
    MAX_REPEAT,
    MAX_REPEAT_DEPTH,
    MIN_CPUS,
)


@dataclass(frozen=True)
class Where:
    """Where a statement stands."""

    depth: int = 0
    """How many ``repeat`` blocks it is inside."""
    thread: int | None = None
    """The CPU of the thread block it is in, if any."""


TOP = Where()


class Builder:
    """Walks the Lark tree in source order, building the AST and checking it."""

    def __init__(self, source: str, path: str) -> None:
        self.r = Reader(source, path)
        self.folios = FolioBuilder(self.r)
        self.ops = OpBuilder(self.r)
        self.expectations = ExpectationBuilder(self.r)
        self.conditions = ConditionBuilder(self.r, self.expectations)
        self.scenario = Scenario(path=path, source=source)
        self.header_seen: dict[str, Pos] = {}
        self.first_op: Pos | None = None
        self.thread_pos: dict[int, Pos] = {}
        """Thread blocks seen so far."""
        self.first_thread: Pos | None = None
        self.once: dict[str, Pos] = {}
        """Where the condition, ``filter`` and ``locations`` were given."""
        self.has_condition: bool | None = None
        """Whether the file has a condition; None when not known (a file that does not parse)."""
        self.final_cpus: int | None = None
        """The number of CPUs the ``cpus`` line gives (the default without one); None when not known."""
        self._kinds = {
            "title": self.header, "kernel": self.header, "cpus": self.header,
            "folio": self.folio, "op": self.op, "drain": self.op,
            "repeat": self.repeat, "trepeat": self.repeat, "expect": self.expect,
            "thread": self.thread, "top": self.thread_op, "tdrain": self.thread_op,
            "may": self.may, "condition": self.condition, "filter": self.filter, "locations": self.locations,
        }

    # --- the file -----------------------------------------------------------------

    def build(self, tree: Tree) -> Scenario:
        """The scenario of a parse tree with at least one statement."""
        statements = [c for c in tree.children if isinstance(c, Tree)]
        checker = self.r.checker
        self.survey(statements, complete=True)
        if not any(stmt.data == "cpus" for stmt in statements):
            checker.settle_cpus()  # the default: a CPU out of range is an error where it is used
        for stmt in statements:
            built = self.statement(stmt, TOP)
            if built is not None:
                self.scenario.body.append(built)
                checker.add_steps(built, pos_of(stmt))
        checker.finish()
        self.scenario.threads.sort(key=lambda thread: thread.cpu)
        return self.scenario

    def check_completed(self, values: list) -> None:
        """Check, in order, the statements a failed parse completed before it
        stopped (Lark's value stack, or the children of a tree): the first
        error among them is raised, as ``build`` would raise it.  Blocks left
        open (``repeat 2 {``, ``cpu0 {``) are entered."""
        items = [x for x in _completed(values) if isinstance(x, Token) or x.data in self._kinds]
        self.survey([x for x in items if isinstance(x, Tree)], complete=False)
        where = TOP
        for k, x in enumerate(items):
            if isinstance(x, Tree):
                built = self.statement(x, where)
                if built is not None and where == TOP:
                    self.r.checker.add_steps(built, pos_of(x))
            elif x.type == "LBRACE" and _token(items, k - 2, "REPEAT") and _token(items, k - 1, "INT"):
                where = self.open_repeat(items[k - 2], items[k - 1], where)
            elif x.type == "LBRACE" and _token(items, k - 1, "CPU"):
                where = self.open_thread(items[k - 1], x, where)

    def survey(self, statements: list[Tree], complete: bool) -> None:
        """What the walk needs to know ahead: where each declared name is (so
        that a use above its declaration can say so) and, for a whole file,
        which CPUs have threads and whether there is a condition."""
        declared_later = self.r.checker.declared_later
        threads: dict[int, Pos] = {}
        for stmt in statements:
            if stmt.data == "folio":
                target = stmt.children[1]
                ends = [target] if isinstance(target, Token) else [target.children[0], target.children[2]]
                for end in ends:
                    declared_later.setdefault(end.value, pos_of(end))
            elif stmt.data == "thread" and len(stmt.children[0].value) <= 9:
                threads.setdefault(int(stmt.children[0].value[3:]), pos_of(stmt))
        if complete:
            self.expectations.thread_cpus = threads
            self.has_condition = any(stmt.data == "condition" for stmt in statements)
            counts = [stmt.children[1].value for stmt in statements if stmt.data == "cpus"]
            digits = counts[0].replace("_", "") if counts else str(DEFAULT_CPUS)
            n = int(digits) if len(digits) <= 6 else 0
            self.final_cpus = n if MIN_CPUS <= n <= MAX_CPUS else None

    # --- statements ---------------------------------------------------------------

    def statement(self, t: Tree, where: Where):
        """The node of one statement for the body it is in (None for those
        kept elsewhere: the header, declarations, threads, ``may``…)."""
        return self._kinds[t.data](t, where)

    def block(self, statements: list, where: Where) -> list:
        body = []
        for stmt in statements:
            if isinstance(stmt, Tree):
                built = self.statement(stmt, where)
                if built is not None:
                    body.append(built)
        return body

    def header(self, t: Tree, where: Where) -> None:
        keyword, arg, *more = t.children
        word = keyword.value
        if where.depth:
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

    def folio(self, t: Tree, where: Where) -> None:
        if where.depth:
            raise self.r.fail(t.children[0], "a folio declaration cannot be inside repeat",
                              hint="declare folios at the top level, before the repeat")
        self.scenario.decls.append(self.folios.folio(t))

    def start_operations(self, t: Tree) -> None:
        if self.first_op is None:
            self.first_op = pos_of(t)
        self.r.checker.begin_operations()

    def op(self, t: Tree, where: Where):
        if where.thread is not None:
            raise self.cpu_in_thread(t, where.thread)
        self.prologue_order(t, where, "operations")
        self.start_operations(t)
        return self.ops.drain(t) if t.data == "drain" else self.ops.op(t)

    def expect(self, t: Tree, where: Where) -> Expect:
        built = self.expectations.expect(t)
        if isinstance(built.check, ExpectVerdict):
            self.verdict(t, where)
        else:
            self.prologue_order(t, where, "expectations")
        return built

    def repeat(self, t: Tree, where: Where) -> Repeat:
        keyword, count_tok, _lbrace, *rest = t.children
        inner = self.open_repeat(keyword, count_tok, where)
        body = self.block(rest, inner)
        if not body:
            raise self.r.fail(t, "the repeat block is empty", hint="put operations or expectations between { and }")
        node = Repeat(count=self.r.number(count_tok, 1, MAX_REPEAT, "repeat count"), body=tuple(body), pos=pos_of(t))
        check_repeat_steps(node, self.r.fail, pos_of(count_tok))
        return node

    def open_repeat(self, keyword: Token, count_tok: Token, where: Where) -> Where:
        """Entering ``repeat N {``: the block's place, checked."""
        self.prologue_order(keyword, where, "operations")
        depth = where.depth + 1
        if depth > MAX_REPEAT_DEPTH:
            raise self.r.fail(keyword, f"repeat blocks nest too deeply (more than {MAX_REPEAT_DEPTH})")
        self.r.number(count_tok, 1, MAX_REPEAT, "repeat count")
        return Where(depth, where.thread)

    def prologue_order(self, at, where: Where, what: str) -> None:
        """Top-level operations and expectations (the prologue) come before the threads."""
        if where != TOP or self.first_thread is None:
            return
        line = self.first_thread.line
        hint = (f"they are the prologue, run once before any thread: move this above line {line}, "
                "or into a thread block" if what == "operations" else
                f"they check the prologue: move this above line {line}; what must hold at the end of "
                "the threads is the condition (exists, forall, never or always)")
        raise self.r.fail(at, f"top-level {what} must come before the thread blocks (the first is at line {line})",
                          hint=hint)

    # --- threads ----------------------------------------------------------------------------

    def thread(self, t: Tree, where: Where) -> None:
        cpu_tok, brace, *rest = t.children
        inner = self.open_thread(cpu_tok, brace, where)
        body = self.block(rest, inner)
        if not body:
            raise self.r.fail(t, "the thread block is empty",
                              hint=f"put cpu{inner.thread}'s operations between {{ and }}")
        node = Thread(cpu=inner.thread, body=tuple(body), pos=pos_of(t))
        self.scenario.threads.append(node)
        self.r.checker.add_steps(node, pos_of(t))

    def open_thread(self, cpu_tok: Token, brace: Token, where: Where) -> Where:
        """Entering ``cpuN {``: a thread at the top level, one per CPU."""
        at = Pos(cpu_tok.line, cpu_tok.column, brace.end_line, brace.end_column)
        if where.thread is not None:
            raise self.r.fail(at, "a thread block cannot be inside another thread block",
                              hint=f"threads run side by side: write '{cpu_tok.value} {{ … }}' at the top level")
        if where.depth:
            raise self.r.fail(at, "a thread block cannot be inside repeat",
                              hint="a thread runs once; to repeat its operations, put the repeat inside it: "
                                   f"'{cpu_tok.value} {{ repeat 3 {{ … }} }}'")
        if self.first_op is None:
            self.first_op = at
        self.r.checker.begin_operations()
        cpu = self.r.cpu(cpu_tok)
        first = self.thread_pos.get(cpu)
        if first is not None:
            raise self.r.fail(at, f"cpu{cpu} has two thread blocks",
                              hint=f"the first is at line {first.line}; put all of cpu{cpu}'s operations in one block")
        self.thread_pos[cpu] = at
        if self.first_thread is None:
            self.first_thread = at
        return Where(0, cpu)

    def thread_op(self, t: Tree, where: Where):
        """An operation in a thread, written without its CPU."""
        if t.data == "tdrain":
            return self.ops.thread_drain(t, where.thread)
        return self.ops.thread_op(t, where.thread)

    def cpu_in_thread(self, t: Tree, cpu: int):
        """``cpuN OP`` inside cpuM's thread."""
        cpu_tok, *rest = t.children
        written = self.r.source[rest[0].start_pos:t.meta.end_pos] if rest else ""
        if cpu_tok.value == f"cpu{cpu}":
            hint = f"drop '{cpu_tok.value}': write '{written}'"
        else:
            hint = f"'{self.r.text(t)}' runs on {cpu_tok.value}: put '{written}' in {cpu_tok.value}'s thread"
        return self.r.fail(cpu_tok, f"an operation in cpu{cpu}'s thread is written without a CPU", hint=hint)

    # --- the environment, the condition, verdicts ---------------------------------------------

    def top_level_only(self, t: Tree, where: Where) -> None:
        if where.depth:
            word = t.children[0].value
            raise self.r.fail(t.children[0], f"'{word}' cannot be inside repeat",
                              hint=f"'{word}' lines go at the top level")

    def needs_threads(self, t: Tree, message: str) -> None:
        if self.expectations.thread_cpus == {}:
            raise self.r.fail(t.children[0], message,
                              hint="the operations of a thread go between braces after its CPU: "
                                   "'cpu0 { activate F; drain }'")

    def may(self, t: Tree, where: Where) -> None:
        self.top_level_only(t, where)
        self.needs_threads(t, "a 'may' line needs threads: write 'cpu0 { … }'")
        kind, batch, cpus = self.conditions.may(t)
        if kind == "drain_all":
            self.drain_all_cpu(t, cpus)
        self.scenario.env.append(May(kind, batch, cpus, pos_of(t), self.r.text(t)))

    def drain_all_cpu(self, t: Tree, cpus: tuple[int, ...]) -> None:
        """``may drain all [cpuN]``: another task's lru_add_drain_all() runs on
        one CPU that runs no thread (the one named, else one of those left)."""
        threads = self.expectations.thread_cpus
        named = [tok for tok in t.children if tok.type == "CPU"]
        if len(cpus) > 1:
            raise self.r.fail(named[1], "'may drain all' runs on one CPU",
                              hint="name the CPU the other task runs on, or none: a CPU without a thread is used")
        if threads is None or self.final_cpus is None:
            return
        if cpus and cpus[0] in threads:
            raise self.r.fail(named[0], f"cpu{cpus[0]} runs a thread: another task's lru_add_drain_all() "
                                              "needs a CPU of its own",
                              hint="name a CPU without a thread, or none")
        if not cpus and all(c in threads for c in range(self.final_cpus)):
            raise self.r.fail(t, "'may drain all' needs a CPU without a thread to run on",
                              hint=f"every CPU runs a thread: add one with 'cpus {self.final_cpus + 1}'")

    def given_once(self, t: Tree, what: str, hint: str) -> None:
        first = self.once.get(what)
        if first is not None:
            raise self.r.fail(t.children[0], f"a scenario has one {what}; the first is at line {first.line}",
                              hint=hint)
        self.once[what] = pos_of(t)

    def condition(self, t: Tree, where: Where) -> None:
        self.top_level_only(t, where)
        self.needs_threads(t, "a condition needs threads: write 'cpu0 { … }'")
        self.given_once(t, "condition", "combine them with 'and' or 'or' into one")
        keyword, expr = t.children
        self.scenario.condition = Condition(keyword.value, self.conditions.expression(expr), pos_of(t),
                                            self.after_keyword(t))

    def after_keyword(self, t: Tree) -> str:
        """A statement's text after its first word: the expression of a condition, as written."""
        return self.r.source[t.children[0].end_pos:t.meta.end_pos].strip()

    def filter(self, t: Tree, where: Where) -> None:
        self.top_level_only(t, where)
        if self.has_condition is False:
            raise self.r.fail(t.children[0], "'filter' needs a condition",
                              hint="a filter drops final states before the condition (exists, forall, never or "
                                   "always) counts them")
        self.given_once(t, "filter", "combine them with 'and' into one")
        _, expr = t.children
        self.scenario.filter = Filter(self.conditions.expression(expr), pos_of(t), self.after_keyword(t))

    def locations(self, t: Tree, where: Where) -> None:
        self.top_level_only(t, where)
        self.needs_threads(t, "'locations' needs threads: write 'cpu0 { … }'")
        self.given_once(t, "locations line", "list every location on one line")
        self.scenario.locations = self.conditions.locations(t)

    def verdict(self, t: Tree, where: Where) -> None:
        """``expect verdict == V``: at the top level of a concurrent scenario with a condition."""
        at = t.children[1].children[0]  # the subject, 'verdict'
        if where.thread is not None:
            raise self.r.fail(at, "'expect verdict' goes at the top level, not in a thread block",
                              hint="the verdict is the whole search's, for the condition")
        if where.depth:
            raise self.r.fail(at, "'expect verdict' cannot be inside repeat")
        if self.expectations.thread_cpus == {}:
            raise self.r.fail(at, "'expect verdict' is for concurrent scenarios",
                              hint="a verdict is what 'folioscope check' finds for the condition over every "
                                   "interleaving of the threads: write threads ('cpu0 { … }') and a condition")
        if self.has_condition is False:
            raise self.r.fail(at, "'expect verdict' needs a condition",
                              hint="the verdict is the condition's: add 'exists …', 'forall …', 'never …' or "
                                   "'always …'")


def _token(items: list, k: int, kind: str) -> bool:
    return k >= 0 and isinstance(items[k], Token) and items[k].type == kind


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
