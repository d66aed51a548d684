"""Checking a saved JSON trace (docs/trace-format.md) before anything uses it.

``play --trace`` opens files people mail around; a wrong file must be refused
up front with one line that names the field and what was expected, never
crash the replayer halfway or make it build something huge.  So the whole
document is checked here, type by type, within the same limits as scenarios
(CPUs, steps, sizes), and the steps' ``changes`` are replayed to check that
each ``old`` is the value the key had.  The values are plain JSON: no
recursion deeper than the format's own (a holders pair in an array).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Callable, TypeGuard

from ..dsl.vocabulary import (BATCHES, KINDS, LIST_NAMES, MAX_CPUS, MAX_NUMBER, MAX_SOURCE_BYTES,
                              MAX_STEPS, MIN_CPUS, MLOCK_TAGS, OP_NAMES, POSITIONS, RESULTS, STATS,
                              ZONES)
from ..mm.folio import FLAG_ORDER, VMA_MAPS
from ..mm.variants import VARIANT_NAMES, find_variant

READABLE_VERSIONS = (1, 2)
"""The versions this folioscope reads: 1 (events as indented strings,
``stats.drain_all_work`` changes whole) and 2 (events as objects, the work
log's changes as the calls appended)."""
WORK_LOG_KEY = "stats.drain_all_work"
"""The one key whose changes version 2 writes as ``appended``."""
MAX_TRACE_BYTES = 1 << 30
"""Largest JSON trace ``play --trace`` opens (1 GiB: about a million steps)."""
MAX_TRACE_FOLIOS = 100_000
"""Most folios (migration targets included) a saved trace may have."""
MAX_DIGITS = 19
"""Longest integer in a trace (a 64-bit value)."""
MAX_TEXT = 1 << 20
"""Longest string field other than ``source``."""
MAX_DEPTH = 64
"""Deepest event nesting (version 2 ``depth``)."""

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*'*\Z")
"""A folio name as the scenario language writes it, primes included."""
_LONG_NUMBER = re.compile(r"-?\d{%d,}" % (MAX_DIGITS + 1))

TOP_FIELDS = ("schema_version", "path", "source", "title", "variant", "cpus", "initial",
              "initial_expects", "steps", "verdict", "note", "skipped", "checked_results")
OPTIONAL_TOP = ("initial_expects", "note", "skipped", "checked_results")
STEP_FIELDS = ("index", "line", "column", "cpu", "op", "args", "text", "result", "detail",
               "events", "changes", "expects")
EXPECT_FIELDS = ("line", "text", "ok", "expected", "actual")
EVENT_FIELDS = ("depth", "func", "folio", "cpu", "batch", "text")
COUNT_FIELDS = ("refcount", "mapcount", "pincount", "mlock_count", "order")
LISTS = tuple(name for name in LIST_NAMES if name != "none")


class TraceFormatError(ValueError):
    """A JSON trace this version cannot read: one line, no Python reprs."""


# --- parsing ---------------------------------------------------------------


def parse(text: str) -> object:
    """JSON text to plain values; numbers bounded, no NaN, nesting bounded."""
    try:
        return json.loads(text, parse_int=_parse_int, parse_float=Decimal,
                          parse_constant=_parse_constant)
    except _LongNumber:
        raise TraceFormatError(_long_number_message(text)) from None
    except json.JSONDecodeError as err:
        raise TraceFormatError(f"not JSON: {err.msg} (line {err.lineno}, column {err.colno})") from None
    except RecursionError:
        raise TraceFormatError("not a trace: arrays or objects nested too deeply "
                               "(a trace nests at most 5 deep)") from None


class _LongNumber(Exception):
    pass


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise _LongNumber
    return int(digits)


def _parse_constant(name: str) -> object:
    raise TraceFormatError(f"not JSON: {name} is not a number JSON allows")


def _long_number_message(text: str) -> str:
    match = _LONG_NUMBER.search(text)
    where = ""
    if match:
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        where = f" at line {line} column {column}"
        digits = len(match.group().lstrip("-"))
    else:
        digits = MAX_DIGITS + 1
    return f"not a trace: a number of {digits:,} digits{where} (at most {MAX_DIGITS})"


# --- describing what was found ----------------------------------------------


def describe(value: object) -> str:
    """A found value as JSON writes it, short and without control characters."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        text = str(value)
        return text if len(text) <= 24 else text[:20] + "…"
    if isinstance(value, str):
        shown = json.dumps(value[:40], ensure_ascii=False)
        return f"the string {shown[:-1]}…\"" if len(value) > 40 else f"the string {shown}"
    if isinstance(value, list):
        short = _short_json(value)
        return short or f"an array of {len(value):,} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _short_json(value: list) -> str | None:
    """A small array as JSON (``[["page cache", 1]]``), or None if long."""
    if len(value) > 8:
        return None
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError, RecursionError):
        return None
    return text if len(text) <= 60 else None


def fail(where: str, expected: str, found: object) -> TraceFormatError:
    """``steps[3].result: expected a result such as ok or ENOMEM, found null``."""
    return TraceFormatError(f"{where}: expected {expected}, found {describe(found)}")


# --- small checks ------------------------------------------------------------


def is_int(value: object) -> TypeGuard[int]:
    """A JSON integer (not true/false, not 1.0)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(value: object, where: str, low: int, high: int) -> int:
    if not is_int(value) or not low <= value <= high:
        raise fail(where, f"an integer from {low:,} to {high:,}", value)
    return value


def check_str(value: object, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise fail(where, "a string", value)
    if len(value) > limit:
        raise TraceFormatError(f"{where}: expected at most {limit:,} characters, "
                               f"found {len(value):,}")
    return value


def check_word(value: object, where: str, words: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in words:
        raise fail(where, _one_of(words), value)
    return value


def check_list(value: object, where: str, limit: int = MAX_TEXT) -> list:
    if not isinstance(value, list):
        raise fail(where, "an array", value)
    if len(value) > limit:
        raise TraceFormatError(f"{where}: expected at most {limit:,} items, found {len(value):,}")
    return value


def check_object(value: object, where: str, fields: tuple[str, ...],
                 optional: tuple[str, ...] = ()) -> dict:
    """An object with exactly ``fields`` (those in ``optional`` may be left out)."""
    if not isinstance(value, dict):
        raise fail(where, "an object", value)
    for name in fields:
        if name not in value and name not in optional:
            raise TraceFormatError(f"{where}: the field \"{name}\" is missing")
    if len(value) > len(fields) or any(name not in fields for name in value):
        extra = next(name for name in value if name not in fields)
        raise TraceFormatError(f"{where}: unknown field {json.dumps(extra, ensure_ascii=False)[:60]}"
                               f" (expected {_one_of(fields, 'and')})")
    return value


def check_name(value: object, where: str) -> str:
    if not isinstance(value, str) or len(value) > 200 or not NAME.match(value):
        raise fail(where, "a folio name such as F1", value)
    return value


def _one_of(words: tuple[str, ...], conj: str = "or") -> str:
    if len(words) > 8:
        return f"one of {', '.join(words[:6])} …"
    return (", ".join(words[:-1]) + f" {conj} " + words[-1]) if len(words) > 1 else words[0]


# --- flat-state values, by key -----------------------------------------------

ValueCheck = Callable[[object, str], None]


def _names(value: object, where: str) -> None:
    for i, item in enumerate(check_list(value, where, MAX_TRACE_FOLIOS)):
        check_name(item, f"{where}[{i}]")


def _count(value: object, where: str) -> None:
    if not is_int(value):  # the parser keeps integers within 19 digits
        raise fail(where, "an integer", value)


def _flags(value: object, where: str) -> None:
    for i, item in enumerate(check_list(value, where, len(FLAG_ORDER))):
        check_word(item, f"{where}[{i}]", FLAG_ORDER)


def _holders(value: object, where: str) -> None:
    for i, pair in enumerate(check_list(value, where, 10 * MAX_CPUS + 64)):
        at = f"{where}[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise fail(at, "a [holder, count] pair", pair)
        check_str(pair[0], f"{at}[0]", 200)
        _count(pair[1], f"{at}[1]")


def _boolean(value: object, where: str) -> None:
    if not isinstance(value, bool):
        raise fail(where, "true or false", value)


def _isolated(value: object, where: str) -> None:
    check_word(value, where, ("none", "gup", "user"))


def _batch(value: object, where: str) -> None:
    for i, entry in enumerate(check_list(value, where, 1_000_000)):
        at = f"{where}[{i}]"
        if not isinstance(entry, str):
            raise fail(at, "a batch entry such as F1 or F1:lru", entry)
        name, colon, tag = entry.partition(":")
        if not NAME.match(name) or (colon and tag not in MLOCK_TAGS):
            raise fail(at, "a batch entry such as F1 or F1:lru", entry)


def _work_check(cpus: int) -> ValueCheck:
    def check(value: object, where: str) -> None:
        for i, call in enumerate(check_list(value, where, MAX_STEPS)):
            for j, cpu in enumerate(check_list(call, f"{where}[{i}]", cpus)):
                check_int(cpu, f"{where}[{i}][{j}]", 0, cpus - 1)
    return check


def _word_check(words: tuple[str, ...]) -> ValueCheck:
    def check(value: object, where: str) -> None:
        check_word(value, where, words)
    return check


FOLIO_VALUES: dict[str, ValueCheck] = {
    **{name: _count for name in COUNT_FIELDS},
    "list": _word_check(LIST_NAMES), "pos": _word_check(POSITIONS), "zone": _word_check(ZONES),
    "kind": _word_check(KINDS), "freed": _boolean, "isolated": _isolated, "flags": _flags,
    "holders": _holders,
    "pins": _count, "dma_pinned": _boolean, "vma_maps": _word_check(VMA_MAPS),
}
"""``folio.NAME.FIELD`` checks, by FIELD: every field a folio has in a trace."""
LATER_FIELDS = ("pins", "dma_pinned", "vma_maps")
"""Fields traces written before them lack (their ``pincount`` counted the
pins): checked when present, not required."""


class KeyTypes:
    """The check for each key of the flat state (cached: keys repeat)."""

    def __init__(self, cpus: int) -> None:
        self.cpus = cpus
        self._cache: dict[str, ValueCheck | None] = {}

    def check(self, key: str) -> ValueCheck | None:
        """The value check for ``key``, or None if no trace has that key."""
        if key not in self._cache:
            self._cache[key] = self._lookup(key) if len(self._cache) < 10 * MAX_TRACE_FOLIOS else None
        return self._cache[key]

    def _lookup(self, key: str) -> ValueCheck | None:
        if key == "folios":
            return _names
        if key == "lru_disable_count":
            return _count
        head, _, rest = key.partition(".")
        if head == "folio":
            name, _, field = rest.rpartition(".")
            return FOLIO_VALUES.get(field) if NAME.match(name) else None
        if head == "list":
            return _names if rest in LISTS else None
        if head == "stats":
            return {"int": _count, "work": _work_check(self.cpus)}.get(STATS.get(rest, ""))
        if head.startswith("cpu") and head[3:].isdigit() and rest in BATCHES:
            return _batch if int(head[3:]) < self.cpus and head == f"cpu{int(head[3:])}" else None
        return None

    def required(self, folios: list[str]) -> list[str]:
        """Keys the initial state must have."""
        keys = ["folios", "lru_disable_count"]
        keys += [f"folio.{name}.{field}" for name in folios for field in FOLIO_VALUES
                 if field not in LATER_FIELDS]
        keys += [f"cpu{cpu}.{batch}" for cpu in range(self.cpus) for batch in BATCHES]
        keys += [f"list.{name}" for name in LISTS] + [f"stats.{name}" for name in STATS]
        return keys


def known_variant(name: str) -> bool:
    """Whether the model has a variant called ``name`` (composed names too)."""
    return find_variant(name) is not None


def variant_hint(name: str) -> str:
    """``; known: v5.18, …`` for an unknown variant."""
    return f" (known: {', '.join(VARIANT_NAMES)})"


# --- the document ------------------------------------------------------------


def validate(doc: object) -> dict[str, Any]:
    """Raise TraceFormatError at the first thing in ``doc`` that a trace
    cannot be (docs/trace-format.md), naming the field; ``doc`` once checked."""
    Checker().document(doc)
    assert isinstance(doc, dict)  # document() rejects anything but an object
    return doc


class Checker:
    """One pass over a parsed trace, top to bottom."""

    def __init__(self) -> None:
        self.version = 0
        self.types = KeyTypes(0)
        self.state: dict[str, object] = {}
        self.failed = 0
        self.expectations = 0

    def document(self, doc: object) -> None:
        if not isinstance(doc, dict):
            raise fail("the trace", "a JSON object", doc)
        self.version = self._schema_version(doc.get("schema_version", None), "schema_version" in doc)
        check_object(doc, "the trace", TOP_FIELDS, OPTIONAL_TOP)
        check_str(doc["path"], "path", 4096)
        check_str(doc["source"], "source", MAX_SOURCE_BYTES)
        if doc["title"] is not None:
            check_str(doc["title"], "title", MAX_SOURCE_BYTES)
        self._variant(doc["variant"])
        self.types = KeyTypes(check_int(doc["cpus"], "cpus", MIN_CPUS, MAX_CPUS))
        self._initial(doc["initial"])
        self._expects(doc.get("initial_expects", []), "initial_expects")
        steps = check_list(doc["steps"], "steps", MAX_STEPS)
        for k, step in enumerate(steps):
            self._step(step, k)
        self._verdict(doc["verdict"])
        self._replay_notes(doc, len(steps))

    @staticmethod
    def _replay_notes(doc: dict, steps: int) -> None:
        """What the run said beside its steps: the header note, the expectations
        it skipped (scoped to other variants), the steps an ``expect result``
        checked (a BUG there was expected)."""
        if "note" in doc:
            check_str(doc["note"], "note")
        for k, item in enumerate(check_list(doc.get("skipped", []), "skipped", MAX_STEPS)):
            where = f"skipped[{k}]"
            item = check_object(item, where, ("line", "text", "variants", "times"))
            check_int(item["line"], f"{where}.line", 1, MAX_STEPS)
            check_str(item["text"], f"{where}.text")
            for i, v in enumerate(check_list(item["variants"], f"{where}.variants", 64)):
                check_str(v, f"{where}.variants[{i}]", 200)
            check_int(item["times"], f"{where}.times", 1, MAX_STEPS)
        for k, index in enumerate(check_list(doc.get("checked_results", []), "checked_results",
                                             MAX_STEPS)):
            check_int(index, f"checked_results[{k}]", 1, max(steps, 1))

    @staticmethod
    def _schema_version(value: object, present: bool) -> int:
        if not present:
            raise TraceFormatError("schema_version: missing (is this a trace written by "
                                   "`folioscope trace --format json`?)")
        if not is_int(value) or value not in READABLE_VERSIONS:
            raise TraceFormatError(f"schema_version: expected {_one_of(tuple(map(str, READABLE_VERSIONS)))}"
                                   f" (this folioscope reads those), found {describe(value)}")
        return value

    @staticmethod
    def _variant(value: object) -> None:
        name = check_str(value, "variant", 200)
        if not known_variant(name):
            raise TraceFormatError(f"variant: unknown kernel variant {json.dumps(name)[:80]}"
                                   f"{variant_hint(name)}")

    def _initial(self, value: object) -> None:
        if not isinstance(value, dict):
            raise fail("initial", "an object (the flat state after the declarations)", value)
        for key, item in value.items():
            self._value(key, item, f"initial[{json.dumps(key, ensure_ascii=False)[:80]}]")
        folios = value.get("folios")
        if folios is None:
            raise TraceFormatError("initial: the key \"folios\" is missing")
        if len(folios) > MAX_TRACE_FOLIOS:
            raise TraceFormatError(f"initial.folios: at most {MAX_TRACE_FOLIOS:,} folios")
        for key in self.types.required(folios):
            if key not in value:
                raise TraceFormatError(f"initial: the key \"{key}\" is missing")
        self.state = dict(value)
        self.state[WORK_LOG_KEY] = list(value[WORK_LOG_KEY])  # grown in place by _appended

    def _value(self, key: object, item: object, where: str) -> None:
        check = self.types.check(key) if isinstance(key, str) else None
        if check is None:
            raise TraceFormatError(f"{where}: not a key of the flat state "
                                   "(docs/trace-format.md lists them)")
        check(item, where)

    def _step(self, step: object, k: int) -> None:
        where = f"steps[{k}]"
        s = check_object(step, where, STEP_FIELDS)
        if s["index"] != k + 1 or not is_int(s["index"]):
            raise fail(f"{where}.index", f"{k + 1} (steps are numbered from 1, in order)", s["index"])
        check_int(s["line"], f"{where}.line", 1, MAX_NUMBER)
        check_int(s["column"], f"{where}.column", 1, MAX_NUMBER)
        check_int(s["cpu"], f"{where}.cpu", 0, self.types.cpus - 1)
        check_word(s["op"], f"{where}.op", OP_NAMES)
        for i, arg in enumerate(check_list(s["args"], f"{where}.args", MAX_TRACE_FOLIOS + 4)):
            check_str(arg, f"{where}.args[{i}]", 200)
        check_str(s["text"], f"{where}.text")
        check_word(s["result"], f"{where}.result", RESULTS)
        check_str(s["detail"], f"{where}.detail")
        self._events(s["events"], f"{where}.events")
        self._changes(s["changes"], f"{where}.changes")
        self._expects(s["expects"], f"{where}.expects")

    def _events(self, value: object, where: str) -> None:
        for i, event in enumerate(check_list(value, where, MAX_TRACE_FOLIOS * 8)):
            at = f"{where}[{i}]"
            if self.version == 1:
                check_str(event, at)
            else:
                self._event(event, at)

    def _event(self, value: object, where: str) -> None:
        e = check_object(value, where, EVENT_FIELDS)
        check_int(e["depth"], f"{where}.depth", 0, MAX_DEPTH)
        for name in ("func", "folio", "batch"):
            if e[name] is not None:
                check_str(e[name], f"{where}.{name}", 200)
        if e["cpu"] is not None:
            check_int(e["cpu"], f"{where}.cpu", 0, self.types.cpus - 1)
        check_str(e["text"], f"{where}.text")

    def _changes(self, value: object, where: str) -> None:
        state = self.state
        for i, change in enumerate(check_list(value, where, 10 * MAX_TRACE_FOLIOS)):
            at = f"{where}[{i}]"
            if self.version >= 2 and isinstance(change, dict) and "appended" in change:
                self._appended(change, at)
                continue
            c = check_object(change, at, ("key", "old", "new"))
            key = check_str(c["key"], f"{at}.key", 300)
            for side in ("old", "new"):
                if c[side] is not None:
                    self._value(key, c[side], f"{at}.{side}")
            if c["old"] != state.get(key):
                raise TraceFormatError(f"{at}.old: expected {describe(state.get(key))} "
                                       f"(what {key} was before this step), found {describe(c['old'])}")
            if c["new"] is None:
                state.pop(key, None)
            else:
                state[key] = c["new"]

    def _appended(self, change: dict, where: str) -> None:
        """``{"key": "stats.drain_all_work", "appended": [[1], [0, 3]]}``."""
        c = check_object(change, where, ("key", "appended"))
        if c["key"] != WORK_LOG_KEY:
            raise fail(f"{where}.key", f"\"{WORK_LOG_KEY}\" (only it is written as appended calls)",
                       c["key"])
        _work_check(self.types.cpus)(c["appended"], f"{where}.appended")
        log = self.state.get(WORK_LOG_KEY)
        if not isinstance(log, list):
            raise TraceFormatError(f"{where}: calls appended to a {WORK_LOG_KEY} that is absent")
        log.extend(c["appended"])  # a copy of initial's (see _initial): linear, not quadratic

    def _expects(self, value: object, where: str) -> None:
        for i, outcome in enumerate(check_list(value, where, MAX_STEPS)):
            at = f"{where}[{i}]"
            o = check_object(outcome, at, EXPECT_FIELDS)
            check_int(o["line"], f"{at}.line", 1, MAX_NUMBER)
            check_str(o["text"], f"{at}.text")
            _boolean(o["ok"], f"{at}.ok")
            check_str(o["expected"], f"{at}.expected")
            check_str(o["actual"], f"{at}.actual")
            self.expectations += 1
            self.failed += not o["ok"]

    def _verdict(self, value: object) -> None:
        v = check_object(value, "verdict", ("expectations", "failed"))
        for name, counted in (("expectations", self.expectations), ("failed", self.failed)):
            if v[name] != counted or not is_int(v[name]):
                raise fail(f"verdict.{name}", f"{counted:,} (as counted in the steps)", v[name])
