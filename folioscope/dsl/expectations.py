"""``expect`` statements -> ``Expect`` nodes, and the atoms of conditions:
the subject (folios, a CPU's batch or thread result, stats, result,
verdict), the check (a field, has/lacks flags, a comparison), its value
(number, word, list of folios, list of CPU lists) and ``@ variants``.

``build.Builder`` calls ``ExpectationBuilder.expect`` for each ``expect``
statement; the builder and this class share a ``reader.Reader`` (positions,
errors, CPUs, folio names, variants, numbers) and nothing else.
"""

from __future__ import annotations

from lark import Token, Tree

from folioscope.dsl.ast import (
    BatchItem,
    Check,
    Expect,
    ExpectBatch,
    ExpectField,
    ExpectFlags,
    ExpectResult,
    ExpectStat,
    ExpectThreadResult,
    ExpectVerdict,
    Pos,
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
    VERDICTS,
    did_you_mean,
    one_of,
)


class ExpectationBuilder:
    """Builds and checks ``expect`` statements and the atoms of conditions."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.thread_cpus: dict[int, Pos] | None = None
        """The CPUs that have a thread block, where each starts; None while
        they are not known (the checks of a file that does not parse)."""

    def expect(self, t: Tree) -> Expect:
        """An ``expect`` statement (``verdict`` included: the builder decides
        where it may stand)."""
        _, check, *at = t.children
        built = self.check(check)
        variants: list[str] = []
        if at:
            for tok in at[0].children[1:]:
                name = self.r.variant(tok)
                if name in variants:
                    raise self.r.fail(tok, f"variant {show(name)} is listed twice")
                variants.append(name)
        return Expect(check=built, variants=tuple(variants), pos=pos_of(t), text=self.r.text(t))

    def check(self, check: Tree, in_condition: bool = False) -> Check:
        """The check of an ``expect`` statement, or of a condition's atom
        (``in_condition``: ``cpuN.result`` is allowed, ``result`` and
        ``verdict`` are not)."""
        kind = check.data
        if kind == "expect_field":
            return self.expect_field(check, in_condition)
        if kind == "expect_words":
            return self.expect_words(check)
        return self.expect_compare(check, in_condition)

    def subject(self, subject: Tree):
        """('cpu', n) | ('stats', None) | ('result', None) | ('verdict', None) | ('folios', names)."""
        x = subject.children[0]
        if isinstance(x, Token):
            if x.type == "CPU":
                return "cpu", self.r.cpu(x)
            if x.value in ("stats", "result", "verdict"):
                return x.value, None
        return "folios", self.r.use_folios(x)

    # --- expect SUBJECT.NAME CMP VALUE ------------------------------------------------

    def expect_field(self, check: Tree, in_condition: bool) -> Check:
        subject, _dot, name_tok, cmp_tok, value = check.children
        what, arg = self.subject(subject)
        if what == "cpu":
            if name_tok.value == "result":
                return self.thread_result(subject, arg, cmp_tok, value, in_condition)
            return self.batch(arg, name_tok, cmp_tok, value)
        if what == "stats":
            return self.stat(name_tok, cmp_tok, value)
        if what in ("result", "verdict"):
            form = "'expect result == R', R one of " + one_of(RESULTS) if what == "result" \
                else "'expect verdict == V', V one of " + one_of(VERDICTS)
            raise self.r.fail(subject, f"'{what}' has no fields", expected=form)
        return self.folio_field(subject, tuple(arg), name_tok, cmp_tok, value)

    def batch(self, cpu: int, name_tok: Token, cmp_tok: Token, value: Tree) -> ExpectBatch:
        name = name_tok.value
        if name not in BATCHES:
            raise self.r.unknown_batch(name_tok, name)
        self.equality_only(cmp_tok, f"cpu{cpu}.{name}", "a batch")
        items = self.batch_items(value, name)
        return ExpectBatch(cpu=cpu, batch=name, op=cmp_tok.value, items=items)

    def stat(self, name_tok: Token, cmp_tok: Token, value: Tree) -> ExpectStat:
        name = name_tok.value
        kind = STATS.get(name)
        if kind is None:
            raise self.r.fail(name_tok, f"unknown statistic {show(name)}", expected="a statistic: " + one_of(STATS),
                              hint=did_you_mean(name, STATS))
        if kind == "int":
            return ExpectStat(name=name, op=cmp_tok.value, value=self.int_value(value, f"stats.{name}"))
        self.equality_only(cmp_tok, f"stats.{name}", "a list of CPU lists")
        return ExpectStat(name=name, op=cmp_tok.value, value=self.work_value(value))

    def folio_field(self, subject: Tree, folios: tuple[str, ...], name_tok: Token, cmp_tok: Token,
                    value: Tree) -> ExpectField:
        name, op = name_tok.value, cmp_tok.value
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

    def thread_result(self, subject: Tree, cpu: int, cmp_tok: Token, value: Tree,
                      in_condition: bool) -> ExpectThreadResult:
        """``cpuN.result == R``: the last result of cpuN's thread, in a condition."""
        text = f"cpu{cpu}.result"
        if not in_condition:
            raise self.r.fail(subject, f"'{text}' is tested in a condition, not in 'expect'",
                              hint=f"'expect result == R' tests the most recent operation; in a concurrent "
                                   f"scenario, 'exists {text} == R' tests the last operation of cpu{cpu}'s thread")
        self.check_thread(cpu, subject)
        self.equality_only(cmp_tok, text, "a word")
        return ExpectThreadResult(cpu=cpu, op=cmp_tok.value, value=self.result_word(value))

    def check_thread(self, cpu: int, at) -> None:
        """``cpuN.result`` names a CPU that has a thread (once the threads are known)."""
        threads = self.thread_cpus
        if threads is None or cpu in threads:
            return
        known = one_of([f"cpu{c}" for c in sorted(threads)], "and")
        hint = (f"cpu{cpu}.result is the result of the last operation of cpu{cpu}'s thread; "
                + (f"the threads are {known}" if threads else f"write 'cpu{cpu} {{ … }}'"))
        raise self.r.fail(at, f"cpu{cpu} has no thread", hint=hint)

    def result_word(self, value: Tree) -> str:
        word = value.children[0]
        text = self.r.text(value)
        if not (isinstance(word, Token) and word.type == "NAME" and word.value in RESULTS):
            raise self.r.fail(value, f"unknown result {show(text)}", expected="a result: " + one_of(RESULTS),
                              hint=did_you_mean(text, RESULTS))
        return word.value

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
            if isinstance(x, Token) and x.value in ("stats", "result", "verdict"):
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
            label = {"cpu": "a CPU", "stats": "stats", "result": "result", "verdict": "verdict"}[what]
            form = {"cpu": "'expect cpu0.BATCH == [...]'", "stats": "'expect stats.STAT == N'",
                    "result": "'expect result == R'", "verdict": "'expect verdict == V'"}[what]
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

    # --- expect SUBJECT CMP VALUE (result, verdict) --------------------------------------

    def expect_compare(self, check: Tree, in_condition: bool) -> ExpectResult | ExpectVerdict:
        subject, cmp_tok, value = check.children
        x = subject.children[0]
        what = "cpu" if isinstance(x, Token) and x.type == "CPU" else x.value if isinstance(x, Token) else "folios"
        if what == "result":
            if in_condition:
                raise self.r.fail(subject, "in a condition, 'result' must name its thread",
                                  hint="write 'cpu0.result == R' for the last result of cpu0's thread")
            self.equality_only(cmp_tok, "result", "a word")
            return ExpectResult(op=cmp_tok.value, value=self.result_word(value))
        if what == "verdict":
            return self.verdict(subject, cmp_tok, value, in_condition)
        text = self.r.text(subject)
        if what == "cpu":
            raise self.r.fail(pos_after(subject), f"expected a batch after {show(text)}",
                              expected=f"'.BATCH', as in {text}.mlock == [F1]"
                                       + (f", or '.result', as in {text}.result == ok" if in_condition else ""))
        if what == "stats":
            raise self.r.fail(pos_after(subject), "expected a statistic after 'stats'",
                              expected="'.STAT', as in stats.drain_all_calls == 1")
        raise self.r.fail(pos_after(subject), f"expected a field after {show(text)}",
                          expected=f"'.FIELD', as in {text}.refcount == 3",
                          hint="or test flags with 'has'/'lacks'")

    def verdict(self, subject: Tree, cmp_tok: Token, value: Tree, in_condition: bool) -> ExpectVerdict:
        """``verdict == Sometimes``: only in an ``expect`` statement."""
        if in_condition:
            raise self.r.fail(subject, "'verdict' is what 'folioscope check' says of the condition, "
                                       "not a value of a state",
                              hint="write 'expect verdict == Sometimes' on a line of its own")
        self.equality_only(cmp_tok, "verdict", "a word")
        word = value.children[0]
        text = self.r.text(value)
        if not (isinstance(word, Token) and word.type == "NAME" and word.value in VERDICTS):
            raise self.r.fail(value, f"unknown verdict {show(text)}", expected="a verdict: " + one_of(VERDICTS),
                              hint=did_you_mean(text, VERDICTS))
        return ExpectVerdict(op=cmp_tok.value, value=word.value)
