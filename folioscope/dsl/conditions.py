"""The statements of a concurrent scenario that are not operations: ``may``
lines (the environment), the condition (``exists``/``forall``/``never``/
``always``) with its boolean expression, ``filter`` and ``locations``.

Atoms of expressions are ``expect`` checks, built by
``expectations.ExpectationBuilder`` (``in_condition``: ``cpuN.result`` is
allowed there); this module builds ``And``/``Or``/``Not`` around them.
"""

from __future__ import annotations

from lark import Token, Tree

from folioscope.dsl.ast import And, Atom, BoolExpr, Location, Locations, Not, Or
from folioscope.dsl.errors import show
from folioscope.dsl.expectations import ExpectationBuilder
from folioscope.dsl.positions import pos_after, pos_of
from folioscope.dsl.reader import Reader
from folioscope.dsl.vocabulary import (
    BATCHES,
    FLAGS,
    FOLIO_FIELDS,
    MAY_EXPECTED,
    STATS,
    did_you_mean,
    one_of,
)


class ConditionBuilder:
    """Builds ``may`` lines, expressions and ``locations``."""

    def __init__(self, reader: Reader, expectations: ExpectationBuilder) -> None:
        self.r = reader
        self.expectations = expectations

    # --- may ------------------------------------------------------------------------------

    def may(self, t: Tree) -> tuple[str, str | None, tuple[int, ...]]:
        """``may drain [all] [cpuN…]`` or ``may flush BATCH [cpuN…]``: the
        kind, the batch and the CPUs written (none: every CPU)."""
        _, step, *args = t.children
        if step.type == "DRAIN":
            kind, batch = "drain", None
            if args and args[0].type == "NAME":
                word = args.pop(0)
                if word.value != "all":
                    raise self.r.fail(word, f"unknown word {show(word.value)} after 'may drain'",
                                      expected="'all', or CPUs such as cpu1", hint=did_you_mean(word.value, ["all"]))
                kind = "drain_all"
        elif step.value == "flush":
            kind, batch = "flush", self.may_batch(step, args)
        else:
            raise self.r.fail(step, f"unknown environment step {show(step.value)}", expected=MAY_EXPECTED,
                              hint=did_you_mean(step.value, ["drain", "flush"]))
        return kind, batch, self.may_cpus(args)

    def may_batch(self, step: Token, args: list[Token]) -> str:
        if not args or args[0].type != "NAME":
            raise self.r.fail(args[0] if args else pos_after(step), "'may flush' needs a batch name",
                              expected="a batch: " + one_of(BATCHES))
        word = args.pop(0)
        if word.value not in BATCHES:
            raise self.r.unknown_batch(word, word.value)
        return word.value

    def may_cpus(self, args: list[Token]) -> tuple[int, ...]:
        cpus: list[int] = []
        for tok in args:
            if tok.type != "CPU":
                raise self.r.fail(tok, f"expected a CPU, not {show(tok.value)}", expected="a CPU such as cpu1")
            n = self.r.cpu(tok)
            if n in cpus:
                raise self.r.fail(tok, f"{tok.value} is listed twice")
            cpus.append(n)
        return tuple(sorted(cpus))

    # --- expressions ----------------------------------------------------------------------

    def expression(self, t: Tree) -> BoolExpr:
        """``X and (Y or not Z)``, from the tree of ``_bexpr``."""
        if t.data == "or_":
            return Or(tuple(self.expression(c) for c in t.children))
        if t.data == "and_":
            return And(tuple(self.expression(c) for c in t.children))
        if t.data == "negation":
            return Not(self.expression(t.children[0]))
        return Atom(self.expectations.check(t, in_condition=True), pos_of(t), self.r.text(t))

    # --- locations ------------------------------------------------------------------------

    def locations(self, t: Tree) -> Locations:
        """``locations F.pos F cpu0.result cpu1.mlock stats.local_drains``."""
        _, *items = t.children
        return Locations(tuple(self.location(item) for item in items), pos_of(t))

    def location(self, item: Tree) -> Location:
        subject, *field = item.children
        text = self.r.text(item)
        what, arg = self.location_subject(subject)
        if what in ("result", "verdict"):
            raise self.r.fail(subject, f"{show(what)} is not a location",
                              hint="a location is a folio's field or flags, cpuN.BATCH, cpuN.result or stats.STAT")
        if not field:
            if what != "folios":
                raise self.r.fail(pos_after(subject), f"expected '.' and a name after {show(self.r.text_of(subject))}",
                                  expected="cpuN.BATCH, cpuN.result or stats.STAT")
            return Location("flags", tuple(arg), None, None, text)
        name_tok = field[1]
        name = name_tok.value
        if what == "cpu":
            return self.cpu_location(subject, arg, name_tok, text)
        if what == "stats":
            if name not in STATS:
                raise self.r.fail(name_tok, f"unknown statistic {show(name)}", expected="a statistic: " + one_of(STATS),
                                  hint=did_you_mean(name, STATS))
            return Location("stat", (), None, name, text)
        if name not in FOLIO_FIELDS:
            hint = (f"flags are shown by naming the folio alone: 'locations {self.r.text_of(subject)}'"
                    if name in FLAGS else did_you_mean(name, FOLIO_FIELDS))
            raise self.r.fail(name_tok, f"unknown folio field {show(name)}", expected="a field: " + one_of(FOLIO_FIELDS),
                              hint=hint)
        return Location("field", tuple(arg), None, name, text)

    def location_subject(self, x):
        """As ``ExpectationBuilder.subject``, for the first token or range tree of a location."""
        if isinstance(x, Token) and x.type == "CPU":
            return "cpu", self.r.cpu(x)
        if isinstance(x, Token) and x.value in ("stats", "result", "verdict"):
            return x.value, None
        return "folios", self.r.use_folios(x)

    def cpu_location(self, subject: Tree, cpu: int, name_tok: Token, text: str) -> Location:
        name = name_tok.value
        if name == "result":
            self.expectations.check_thread(cpu, subject)
            return Location("result", (), cpu, None, text)
        if name not in BATCHES:
            raise self.r.unknown_batch(name_tok, name)
        return Location("batch", (), cpu, name, text)
