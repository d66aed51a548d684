"""Operation statements -> ``Op`` nodes, by the shape of their arguments:
``drain all`` / ``drain cpuN`` (no CPU in front), a batch (``cpu0 flush
mlock``), nothing (``cpu0 drain``, ``cpu0 drain all``, ``cpu0
lru_cache_disable``, ``cpu1 work``), or folios and flag words (``cpu1
gup_longterm F1 F2..F9 touch``); a final ``split`` stops an operation that
calls lru_add_drain_all() where it first waits.  Inside ``cpu0 { … }`` the
same operations are written without their CPU (``thread_op``,
``thread_drain``).  ``vocabulary.OPS`` gives each operation's shape."""

from __future__ import annotations

from dataclasses import replace

from lark import Token, Tree

from folioscope.dsl.ast import Op
from folioscope.dsl.errors import show
from folioscope.dsl.nodes import token, tokens
from folioscope.dsl.positions import pos_after, pos_of
from folioscope.dsl.reader import Reader
from folioscope.dsl.vocabulary import (
    BATCHES,
    OPS,
    OPS_EXPECTED,
    SPLITTABLE,
    SPLITTABLE_WORDS,
    TOP_LEVEL_WORDS,
    WITNESS_OPS,
    OpSpec,
    did_you_mean,
    one_of,
)


class OpBuilder:
    """Builds and checks operation statements."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader

    # --- top level ------------------------------------------------------------------------

    def drain(self, t: Tree) -> Op:
        """``drain all`` (``cpu0 drain all``) or ``drain cpuN`` (``cpuN drain``)."""
        pos, text = pos_of(t), self.r.text(t)
        _, arg = tokens(t.children)
        if arg.type == "CPU":
            return Op(self.r.cpu(arg), "drain", (), (), None, pos, text)
        if arg.value != "all":
            raise self.r.fail(arg, f"'drain' takes 'all' or a CPU, not {show(arg.value)}",
                              expected="'drain all' or 'drain cpuN'", hint=did_you_mean(arg.value, ["all"]))
        return Op(0, "drain_all", (), (), None, pos, text)

    def op(self, t: Tree) -> Op:
        """``cpuN OPERATION ARGUMENTS [split]``."""
        cpu_tok, name_tok, *args = t.children
        cpu = self.r.cpu(token(cpu_tok))
        return self.operation(t, cpu, token(name_tok), args, f"cpu{cpu} ")

    # --- inside cpuN { … } ----------------------------------------------------------------

    def thread_op(self, t: Tree, cpu: int) -> Op:
        """``OPERATION ARGUMENTS`` in cpu's thread."""
        first, *args = t.children
        name_tok = token(first)
        name = name_tok.value
        if name in TOP_LEVEL_WORDS:
            raise self.r.fail(name_tok, f"{show(name)} cannot be inside a thread block",
                              hint="declarations, the header, 'may' lines and the condition go at the top level")
        if name in WITNESS_OPS:
            raise self.r.fail(name_tok, f"{show(name)} cannot be inside a thread block",
                              hint=f"'folioscope check' runs the queued work and resumes operations itself; "
                                   f"'cpuN {name}' is a statement of sequential witnesses")
        return self.operation(t, cpu, name_tok, args, "", in_thread=True)

    def thread_drain(self, t: Tree, cpu: int) -> Op:
        """``drain`` or ``drain all`` in cpu's thread."""
        pos, text = pos_of(t), self.r.text(t)
        _, *args = tokens(t.children)
        if not args:
            return Op(cpu, "drain", (), (), None, pos, text)
        arg = args[0]
        if arg.type == "CPU":
            raise self.r.fail(arg, f"in cpu{cpu}'s thread, 'drain' drains cpu{cpu}: it takes no CPU",
                              hint=f"write 'drain' in {arg.value}'s thread, or 'may drain {arg.value}' "
                                   "for a drain at any moment")
        if arg.value != "all":
            raise self.r.fail(arg, f"'drain' takes nothing or 'all', not {show(arg.value)}",
                              expected="'drain' or 'drain all'", hint=did_you_mean(arg.value, ["all"]))
        return Op(cpu, "drain_all", (), (), None, pos, text)

    # --- the shapes -------------------------------------------------------------------------

    def operation(self, t: Tree, cpu: int, name_tok: Token, args: list, prefix: str, in_thread: bool = False) -> Op:
        """``prefix`` is how the statement starts in messages (``cpu0 `` or
        nothing, in a thread)."""
        name = name_tok.value
        spec = OPS.get(name)
        if spec is None:
            raise self.r.fail(name_tok, f"unknown operation {show(name)}", expected=OPS_EXPECTED,
                              hint=did_you_mean(name, OPS) or "docs/language.md lists the operations")
        args, split = self.split_word(args, in_thread)
        if split is not None:
            self.check_splittable(name, args, split)
        if spec.batch:
            op = self.batch_op(t, cpu, name_tok, args)
        elif spec.folios == "none":
            op = self.bare_op(t, cpu, name, args)
        else:
            op = self.folio_op(t, cpu, spec, name_tok, args, prefix)
        return op if split is None else replace(op, split=True)

    def check_splittable(self, name: str, args: list, split: Token) -> None:
        drain_all = name == "drain" and args and isinstance(args[0], Token) and args[0].value == "all"
        if ("drain_all" if drain_all else name) not in SPLITTABLE:
            raise self.r.fail(split, f"'{name}' cannot be split",
                              hint="only an operation another CPU can overtake can be split (where "
                                   f"it waits or drops a lock): {SPLITTABLE_WORDS}")

    def split_word(self, args: list, in_thread: bool) -> tuple[list, Token | None]:
        """The arguments without a final ``split``, and that word."""
        found = [a for a in args if isinstance(a, Token) and a.value == "split"]
        if not found:
            return args, None
        word = found[0]
        if in_thread:
            raise self.r.fail(word, "'split' is for sequential witnesses, not thread blocks",
                              hint="in a thread, 'folioscope check' explores every point where an operation "
                                   "can be overtaken")
        if word is not args[-1]:
            raise self.r.fail(word, "'split' comes last", hint="write it after the folios and flags")
        return args[:-1], word

    def batch_op(self, t: Tree, cpu: int, name_tok: Token, args: list) -> Op:
        """``cpuN flush BATCH``."""
        name = name_tok.value
        if not args:
            raise self.r.fail(pos_after(name_tok), f"'{name}' needs a batch name",
                              expected="a batch: " + one_of(BATCHES))
        batch = args[0]
        if not isinstance(batch, Token) or batch.value not in BATCHES:
            raise self.r.unknown_batch(batch, self.r.text_of(batch))
        if len(args) > 1:
            raise self.r.fail(args[1], f"'{name}' takes one batch", hint="write one flush per batch")
        return Op(cpu, name, (), (), batch.value, pos_of(t), self.r.text(t))

    def bare_op(self, t: Tree, cpu: int, name: str, args: list) -> Op:
        """An operation without folios: ``cpuN drain``, ``cpuN drain all``, ``cpuN lru_cache_disable``."""
        pos, text = pos_of(t), self.r.text(t)
        if name == "drain" and args and isinstance(args[0], Token) and args[0].value == "all":
            if len(args) > 1:
                raise self.r.fail(args[1], "'drain all' takes nothing after it", expected="the end of the statement")
            return Op(cpu, "drain_all", (), (), None, pos, text)
        if not args:
            return Op(cpu, name, (), (), None, pos, text)
        extra = args[0]
        if name == "drain":
            raise self.r.fail(extra, f"'drain' takes no folio; {show(self.r.text_of(extra))} is extra",
                              expected="the end of the statement, or 'all'",
                              hint=(did_you_mean(self.r.text_of(extra), ["all"])
                                    or f"'cpu{cpu} drain' drains cpu{cpu}; 'cpu{cpu} drain all' drains every CPU"))
        raise self.r.fail(extra, f"'{name}' takes nothing after it", expected="the end of the statement")

    def folio_op(self, t: Tree, cpu: int, spec: OpSpec, name_tok: Token, args: list, prefix: str) -> Op:
        """An operation on folios, with its flag words after them."""
        name = spec.name
        folios: list[str] = []
        flags: list[str] = []
        for arg in args:
            word = arg.value if isinstance(arg, Token) else None
            if word is not None and word in spec.flags:  # flag words are reserved: never folio names
                self.flag(arg, name, folios, flags, prefix)
                flags.append(word)
                continue
            self.folio_argument(arg, spec, folios, flags, prefix)
            folios.extend(self.r.use_folios(arg))
        if not folios:
            example = "F1 F2..F5" if spec.folios == "many" else "F1"
            raise self.r.fail(pos_after(name_tok), f"'{name}' needs a folio",
                              expected=f"a folio, as in '{prefix}{name} {example}'")
        return Op(cpu, name, tuple(folios), tuple(flags), None, pos_of(t), self.r.text(t))

    def flag(self, arg: Token, name: str, folios: list[str], flags: list[str], prefix: str) -> None:
        """A flag word of this operation: after a folio, at most once."""
        word = arg.value
        if not folios:
            raise self.r.fail(arg, f"'{name}' needs a folio before {show(word)}",
                              expected=f"'{'cpuN ' if prefix else ''}{name} F {word}'")
        if word in flags:
            raise self.r.fail(arg, f"{show(word)} is given twice")

    def folio_argument(self, arg, spec: OpSpec, folios: list[str], flags: list[str], prefix: str) -> None:
        """A folio (or range) argument: not another operation's flag, before the
        flags, and only one for single-folio operations."""
        name = spec.name
        word = arg.value if isinstance(arg, Token) else ""
        owners = [o.name for o in OPS.values() if word in o.flags] if word else []
        if owners:
            raise self.r.fail(arg, f"'{name}' takes no {show(word)}",
                              hint=f"'{word}' goes with " + one_of(owners, "and"))
        if flags:
            raise self.r.fail(arg, f"folio {show(self.r.text_of(arg))} comes after {show(flags[-1])}",
                              hint=f"put the folios first: '{prefix}{name} F … {' '.join(flags)}'")
        if folios and spec.folios == "one":
            raise self.r.fail(arg, f"'{name}' takes one folio or one range",
                              hint="use a range such as F1..F3, or one statement per folio")
