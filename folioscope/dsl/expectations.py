"""``expect`` statements -> ``Expect`` nodes: the subject (folios, a CPU's
batch, stats, result), the check (a field, has/lacks flags, a comparison),
its value (number, word, list of folios, list of CPU lists) and ``@ variants``.

``build.Builder`` calls ``ExpectationBuilder.expect`` for each ``expect``
statement; the builder and this class share a ``reader.Reader`` (positions,
errors, CPUs, folio names, variants, numbers) and nothing else.
"""

from __future__ import annotations

from lark import Token, Tree

from folioscope.dsl.ast import (
    BatchItem,
    Expect,
    ExpectBatch,
    ExpectField,
    ExpectFlags,
    ExpectResult,
    ExpectStat,
)
from folioscope.dsl.errors import show
from folioscope.dsl.positions import pos_after, pos_of
from folioscope.dsl.reader import Reader
from folioscope.dsl.vocabulary import (
    BATCHES,
    EQUALITY,
    FLAGS,
    FOLIO_FIELDS,
    MAX_NUMBER,
    MLOCK_TAGS,
    RESULTS,
    STATS,
    did_you_mean,
    one_of,
)


class ExpectationBuilder:
    """Builds and checks ``expect`` statements."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader

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
                name = self.r.variant(tok)
                if name in variants:
                    raise self.r.fail(tok, f"variant {show(name)} is listed twice")
                variants.append(name)
        return Expect(check=built, variants=tuple(variants), pos=pos_of(t), text=self.r.text(t))

    def subject(self, subject: Tree):
        """('cpu', n) | ('stats', None) | ('result', None) | ('folios', names)."""
        x = subject.children[0]
        if isinstance(x, Token):
            if x.type == "CPU":
                return "cpu", self.r.cpu(x)
            if x.value in ("stats", "result"):
                return x.value, None
        return "folios", self.r.use_folios(x)

    # --- expect SUBJECT.NAME CMP VALUE ------------------------------------------------

    def expect_field(self, check: Tree):
        subject, _dot, name_tok, cmp_tok, value = check.children
        what, arg = self.subject(subject)
        name, op = name_tok.value, cmp_tok.value
        if what == "cpu":
            if name not in BATCHES:
                raise self.r.unknown_batch(name_tok, name)
            self.equality_only(cmp_tok, f"cpu{arg}.{name}", "a batch")
            items = self.batch_items(value, name)
            return ExpectBatch(cpu=arg, batch=name, op=op, items=items)
        if what == "stats":
            kind = STATS.get(name)
            if kind is None:
                raise self.r.fail(name_tok, f"unknown statistic {show(name)}", expected="a statistic: " + one_of(STATS),
                                hint=did_you_mean(name, STATS))
            if kind == "int":
                return ExpectStat(name=name, op=op, value=self.int_value(value, f"stats.{name}"))
            self.equality_only(cmp_tok, f"stats.{name}", "a list of CPU lists")
            return ExpectStat(name=name, op=op, value=self.work_value(value))
        if what == "result":
            raise self.r.fail(subject, "'result' has no fields", expected="'expect result == R', R one of " + one_of(RESULTS))
        folios = tuple(arg)
        if name not in FOLIO_FIELDS:
            if name in FLAGS:
                hint = f"flags are tested with has/lacks: 'expect {self.r.text(subject)} has {name}'"
            else:
                hint = did_you_mean(name, FOLIO_FIELDS)
            raise self.r.fail(name_tok, f"unknown folio field {show(name)}", expected="a field: " + one_of(FOLIO_FIELDS),
                            hint=hint)
        allowed = FOLIO_FIELDS[name]
        if allowed is None:
            return ExpectField(folios=folios, field=name, op=op, value=self.int_value(value, name))
        self.equality_only(cmp_tok, name, f"one of {one_of(allowed)}")
        word = self.word_value(value, f"{name}", allowed)
        return ExpectField(folios=folios, field=name, op=op, value=word)

    def equality_only(self, cmp_tok: Token, what: str, kind: str) -> None:
        if cmp_tok.value not in EQUALITY:
            raise self.r.fail(cmp_tok, f"{what} can only be compared with == or !=, not {cmp_tok.value}",
                            expected="== or !=", hint=f"{what} is {kind}")

    # --- values -------------------------------------------------------------------------

    def int_value(self, value: Tree, what: str) -> int:
        x = value.children[0]
        if not (isinstance(x, Token) and x.type == "INT"):
            raise self.r.fail(value, f"{what} is a number; {show(self.r.text(value))} is not",
                            expected="a number, such as 3")
        return self.r.number(x, 0, MAX_NUMBER, what)

    def word_value(self, value: Tree, what: str, allowed) -> str:
        x = value.children[0]
        text = self.r.text(value)
        if not (isinstance(x, Token) and x.type == "NAME") or x.value not in allowed:
            message = f"unknown {what} value {show(text)}" if isinstance(x, Token) and x.type == "NAME" \
                else f"{what} is one of {one_of(allowed)}; {show(text)} is not"
            raise self.r.fail(value, message, expected=one_of(allowed), hint=did_you_mean(text, allowed))
        return x.value

    def list_items(self, value: Tree, what: str) -> list:
        x = value.children[0]
        if not (isinstance(x, Tree) and x.data == "list"):
            raise self.r.fail(value, f"{what} is a list; {show(self.r.text(value))} is not",
                            expected="a list such as [F1, F2], or [] when empty")
        return [c for c in x.children if isinstance(c, Tree)]

    def batch_items(self, value: Tree, batch: str) -> tuple[BatchItem, ...]:
        items = []
        for item in self.list_items(value, f"a batch ({batch})"):
            first = item.children[0]
            if first.data == "list":
                raise self.r.fail(item, "a batch holds folios, not lists", expected="a folio such as F1 or a range")
            x = first.children[0]
            if isinstance(x, Token) and x.type == "CPU":
                raise self.r.fail(x, f"a batch holds folios; {show(x.value)} is a CPU", expected="a folio such as F1")
            if isinstance(x, Token) and x.value in ("stats", "result"):
                raise self.r.fail(x, f"a batch holds folios; {show(x.value)} is not one", expected="a folio such as F1")
            tag = None
            if len(item.children) == 3:
                tag_tok = item.children[2]
                tag = tag_tok.value
                if batch != "mlock":
                    raise self.r.fail(tag_tok, f"only mlock batch entries have tags; {batch} entries do not",
                                    hint=f"write just {show(self.r.text(first))}")
                if tag not in MLOCK_TAGS:
                    raise self.r.fail(tag_tok, f"unknown mlock tag {show(tag)}", expected="a tag: " + one_of(MLOCK_TAGS),
                                    hint=did_you_mean(tag, MLOCK_TAGS))
            for name in self.r.use_folios(x):
                items.append(BatchItem(folio=name, tag=tag))
        return tuple(items)

    def work_value(self, value: Tree) -> tuple[tuple[int, ...], ...]:
        calls = []
        for item in self.list_items(value, "stats.drain_all_work"):
            first = item.children[0]
            if first.data != "list":
                raise self.r.fail(item, "stats.drain_all_work holds one list of CPUs per call",
                                expected="a list of CPUs such as [cpu1, cpu2]",
                                hint="for example [[cpu1], [cpu0, cpu3]]")
            cpus = []
            for inner in first.children:
                if not isinstance(inner, Tree):
                    continue
                x = inner.children[0]
                tok = x.children[0] if isinstance(x, Tree) and x.data == "subject" else None
                if len(inner.children) != 1 or not (isinstance(tok, Token) and tok.type == "CPU"):
                    raise self.r.fail(inner, f"expected a CPU, not {show(self.r.text(inner))}",
                                    expected="a CPU such as cpu1")
                cpus.append(self.r.cpu(tok))
            calls.append(tuple(cpus))
        return tuple(calls)

    # --- expect FOLIOS has|lacks FLAG... ------------------------------------------------

    def expect_words(self, check: Tree) -> ExpectFlags:
        subject, verb, *flags = check.children
        what, arg = self.subject(subject)
        if what != "folios":
            label = {"cpu": "a CPU", "stats": "stats", "result": "result"}[what]
            form = {"cpu": "'expect cpu0.BATCH == [...]'", "stats": "'expect stats.STAT == N'",
                    "result": "'expect result == R'"}[what]
            raise self.r.fail(subject, f"{label} has no flags", expected=form)
        if verb.value not in ("has", "lacks"):
            if verb.value in FLAGS:
                raise self.r.fail(verb, f"expected 'has' or 'lacks' before the flag {show(verb.value)}",
                                expected="'has' or 'lacks'",
                                hint=f"write 'expect {self.r.text(subject)} has {verb.value}'")
            raise self.r.fail(verb, f"unknown word {show(verb.value)} after {show(self.r.text(subject))}",
                            expected="'.FIELD', 'has', 'lacks' or a comparison such as ==",
                            hint=did_you_mean(verb.value, ["has", "lacks"]))
        if not flags:
            raise self.r.fail(pos_after(verb), f"'{verb.value}' needs at least one flag",
                            expected="a flag: " + one_of(FLAGS))
        names: list[str] = []
        for f in flags:
            if f.value not in FLAGS:
                hint = did_you_mean(f.value, FLAGS)
                if f.value in FOLIO_FIELDS:
                    hint = f"'{f.value}' is a field: 'expect {self.r.text(subject)}.{f.value} == …'"
                raise self.r.fail(f, f"unknown flag {show(f.value)}", expected="a flag: " + one_of(FLAGS), hint=hint)
            if f.value in names:
                raise self.r.fail(f, f"flag {show(f.value)} is listed twice")
            names.append(f.value)
        return ExpectFlags(folios=tuple(arg), present=verb.value == "has", flags=tuple(names))

    # --- expect SUBJECT CMP VALUE (only result) -----------------------------------------

    def expect_compare(self, check: Tree) -> ExpectResult:
        subject, cmp_tok, value = check.children
        x = subject.children[0]
        what = "cpu" if isinstance(x, Token) and x.type == "CPU" else x.value if isinstance(x, Token) else "folios"
        if what == "result":
            self.equality_only(cmp_tok, "result", "a word")
            word = value.children[0]
            text = self.r.text(value)
            if not (isinstance(word, Token) and word.type == "NAME" and word.value in RESULTS):
                raise self.r.fail(value, f"unknown result {show(text)}", expected="a result: " + one_of(RESULTS),
                                hint=did_you_mean(text, RESULTS))
            return ExpectResult(op=cmp_tok.value, value=word.value)
        text = self.r.text(subject)
        if what == "cpu":
            raise self.r.fail(pos_after(subject), f"expected a batch after {show(text)}",
                            expected=f"'.BATCH', as in {text}.mlock == [F1]")
        if what == "stats":
            raise self.r.fail(pos_after(subject), "expected a statistic after 'stats'",
                            expected="'.STAT', as in stats.drain_all_calls == 1")
        raise self.r.fail(pos_after(subject), f"expected a field after {show(text)}",
                        expected=f"'.FIELD', as in {text}.refcount == 3",
                        hint="or test flags with 'has'/'lacks'")
