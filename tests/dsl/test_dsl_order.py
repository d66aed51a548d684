"""The first error in the file is the one reported, whichever check finds it
(the parser, the meaning of a statement, a rule of the kernel model), and no
hint suggests something that is then rejected."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest

from folioscope.dsl import ScenarioError, parse_text
from folioscope.mm import DeclarationError, Machine

from test_dsl_errors import CASES


def error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_text(text, "x.fs")
    return info.value


@pytest.mark.parametrize("text, where, message", [
    # a rule of the model, then a meaning error
    ("folio F anon mapped=0\ncpu0 mlok F", "1:14", "'F' would have no reference at all, so it would be free"),
    ("folio F anon private\ncpu0 mlok F", "1:14", "'private' is for file and shmem folios, not anon"),
    # a meaning error, then a syntax error
    ("folio F anun\nexpect F.refcount = 3", "1:9", "unknown folio kind 'anun'"),
    ("folio F anun\nmlok F", "1:9", "unknown folio kind 'anun'"),
    ("folio F anon\ncpu0 mlok F\ncpu0 get F $", "2:6", "unknown operation 'mlok'"),
    ("folio F anon\ncpu0 mlok F\ncpu0 get F }", "2:6", "unknown operation 'mlok'"),
    ("folio F anon\ncpu0 mlok F\nrepeat 2 {\ncpu0 get F", "2:6", "unknown operation 'mlok'"),
    # inside blocks left open by the syntax error
    ("folio F anon\nrepeat 2 {\n  cpu0 mlok F\n  expect F.refcount = 1\n}", "3:8", "unknown operation 'mlok'"),
    ("folio F anon\nrepeat 0 {\n  cpu0 get F\n  expect F.refcount = 1\n}", "2:8", "repeat count 0 is out of range"),
    ("folio F anon\nrepeat 2 {\n  folio G anon\n  expect F.refcount = 1\n}", "3:3",
     "a folio declaration cannot be inside repeat"),
    # a CPU that does not exist, when no 'cpus' line can change that
    ("expect cpu3.lru_add == []\nfolio F anun", "1:8", "cpu3 does not exist: the CPUs are cpu0..cpu1"),
    ("expect cpu3.lru_add == []\nfolio F anun\ncpus 4", "2:9", "unknown folio kind 'anun'"),
    # within a statement, the syntax error
    ("folio F anun order=", "1:20", "unexpected end of file"),
])
def test_the_first_error_in_the_file_is_reported(text, where, message):
    e = error(text)
    assert (f"{e.line}:{e.column}", e.message) == (where, message), e.render()


def test_no_reference_exact():
    assert error("folio F1..F3 anon mapped=0\n").render() == """\
x.fs:1:19: error: 'F1..F3' would have no reference at all, so it would be free
    1 | folio F1..F3 anon mapped=0
      |                   ^^^^^^^^
  hint: an anon folio is held by its mappings and the swap cache: give it mapped=N or locked=N (N > 0), or swapcache"""


def test_private_on_anon_exact():
    assert error("folio F anon dirty private\n").render() == """\
x.fs:1:20: error: 'private' is for file and shmem folios, not anon
    1 | folio F anon dirty private
      |                    ^^^^^^^
  hint: PG_private is counted as a reference only on file and shmem folios (folio_expected_ref_count())"""


def test_the_command_line_reports_the_declaration_first(tmp_path):
    f = tmp_path / "f.fs"
    f.write_text("folio F anon mapped=0\ncpu0 mlok F\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "folioscope", "trace", str(f)], capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.startswith(f"{f}:1:14: error: 'F' would have no reference at all"), run.stderr
    assert "private" not in run.stderr


# --- the parser and the kernel model agree on every declaration -----------------------------

BARE = ("new", "nolru", "unmlocked", "active", "swapcache", "private")


def declarations():
    for kind, mapped, locked in itertools.product(("anon", "file", "shmem"), (None, 0, 1), (None, 0, 1)):
        for n in range(len(BARE) + 1):
            for bare in itertools.combinations(BARE, n):
                attrs = {**({"mapped": mapped} if mapped is not None else {}),
                         **({"locked": locked} if locked is not None else {}), **dict.fromkeys(bare, True)}
                yield kind, attrs


def engine_accepts(kind: str, attrs: dict) -> bool:
    try:
        Machine("v6.18", 2).declare("F", kind, **attrs)
    except DeclarationError:
        return False
    return True


def test_every_declaration_the_parser_accepts_the_model_declares():
    disagree = []
    for kind, attrs in declarations():
        words = " ".join(k if v is True else f"{k}={v}" for k, v in attrs.items())
        text = f"folio F {kind} {words}\ncpu0 get F\n"
        try:
            parse_text(text)
            parsed = True
        except ScenarioError as e:
            assert e.line == 1, e.render()
            parsed = False
        if parsed and not engine_accepts(kind, attrs):  # the model would refuse it after parsing
            disagree.append(text.splitlines()[0])
    assert not disagree, disagree[:10]


# --- hints --------------------------------------------------------------------------------------

SUGGESTED = re.compile(r"(?:for example|write|give it) '([^'…]+)'")


@pytest.mark.parametrize("text", [
    "folio F private file", "folio F private", "folio F swapcache", "folio F order=2 anon",
    "folio F anon unmlocked", "folio F anon unmlocked new", "folio F anon new=1",
    *[c[0] for c in CASES if c[0].startswith("folio") and c[1] is not None],
])
def test_a_suggested_declaration_is_accepted(text):
    e = error(text)
    for suggestion in SUGGESTED.findall(e.hint or ""):
        if suggestion.startswith("folio "):
            parse_text(suggestion)  # no error
        elif re.fullmatch(r"[a-z_]+(=\d+)?", suggestion):  # "write just 'new'": the attribute alone
            parse_text(f"folio F anon {suggestion}")


@pytest.mark.parametrize("text, not_suggested", [
    ("folio F anon privat", "private"),
    ("folio F file swapcach", "swapcache"),
    ("folio F anon mapped=0", "private"),
    ("folio F anon locked=0", "private"),
])
def test_no_hint_suggests_what_is_rejected(text, not_suggested):
    e = error(text)
    assert not_suggested not in (e.hint or "") and not_suggested not in (e.expected or ""), e.render()


def test_unmlocked_and_new_says_the_conflict_first():
    # "add locked=1" would only lead to "'unmlocked' and 'new' conflict"
    e = error("folio F anon unmlocked new")
    assert e.message.startswith("'unmlocked' and 'new' conflict"), e.render()
