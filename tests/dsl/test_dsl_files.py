"""Whole files: missing, a directory, empty, binary, huge; the grammar file;
and the vocabulary against the kernel model."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from folioscope.dsl import ScenarioError, parse_bytes, parse_file, parse_text
from folioscope.dsl.parser import grammar_path, lark_parser
from folioscope.dsl.vocabulary import BATCHES, MAX_SOURCE_BYTES, OP_NAMES, VARIANTS, WITNESS_OPS

from dsl_samples import WILL


def file_error(path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_file(path)
    return info.value


def test_parse_file(tmp_path: Path):
    f = tmp_path / "will.fs"
    f.write_text(WILL, encoding="utf-8")
    s = parse_file(f)
    assert s.path == str(f) and s.source == WILL and s.kernel == "v6.11"
    assert parse_file(str(f)).path == str(f)


def test_missing_file(tmp_path: Path):
    e = file_error(tmp_path / "nope.fs")
    assert e.line is None and e.column is None
    assert e.render() == f"{tmp_path / 'nope.fs'}: error: no such file\n  hint: check the path; scenario files end in .fs"


def test_directory(tmp_path: Path):
    (tmp_path / "a.fs").write_text("folio F anon")
    e = file_error(tmp_path)
    assert e.message == "is a directory, not a scenario file" and e.line is None
    assert e.hint == "the scenarios in it: a.fs"


def test_unreadable_file(tmp_path: Path, monkeypatch):
    # CI runs as root, where chmod 0 does not stop reads: simulate the refusal.
    f = tmp_path / "secret.fs"
    f.write_text("folio F anon")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", lambda self, *a, **k: refuse(self))
    assert "permission denied" in file_error(f).message


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"  \n\t\n\r\n   ", "the file contains only whitespace"),
    (b"# just\n  # comments\n", "the file has no statements, only comments"),
    (b";;\n;", "the file has no statements, only comments"),
])
def test_nothing_to_run(tmp_path: Path, content: bytes, message: str):
    f = tmp_path / "x.fs"
    f.write_bytes(content)
    e = file_error(f)
    assert e.message == message and e.line is None
    assert e.render().startswith(f"{f}: error: {message}\n  hint: ")


def test_binary_file(tmp_path: Path):
    f = tmp_path / "x.fs"
    f.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    e = file_error(f)
    assert "binary file" in e.message and e.line is None


def test_not_utf8_is_positioned(tmp_path: Path):
    f = tmp_path / "x.fs"
    f.write_bytes("folio F anon  # café\ncpu0 get F \xff\xfe\n".encode("latin-1"))
    e = file_error(f)
    assert (e.line, e.column) == (1, 20)
    assert e.message == "not valid UTF-8 text: byte 0xe9 cannot start a character here"
    assert e.render().splitlines()[1] == "    1 | folio F anon  # caf\ufffd"


def test_utf8_with_bom_and_unicode_comments(tmp_path: Path):
    f = tmp_path / "x.fs"
    f.write_bytes("\ufefftitle \"Größe — ünïcode\"\nfolio F anon   # 日本語\n".encode("utf-8"))
    s = parse_file(f)
    assert s.title == "Größe — ünïcode" and s.decls[0].pos.line == 2


def test_nul_in_text():
    with pytest.raises(ScenarioError, match="NUL"):
        parse_text("folio F anon\x00")


def test_too_large_text():
    with pytest.raises(ScenarioError, match="too large"):
        parse_text("# x\n" * (MAX_SOURCE_BYTES // 4 + 1))


@pytest.mark.parametrize("kind", ["random bytes", "printable", "words", "one line", "valid then garbage"])
def test_ten_megabytes_of_garbage_fail_fast(tmp_path: Path, kind: str):
    rnd = random.Random(kind)
    size = 10 * 1024 * 1024
    if kind == "random bytes":
        data = rnd.randbytes(size)
    elif kind == "printable":
        data = bytes(rnd.choice(range(32, 127)) for _ in range(4096)) * (size // 4096)
    elif kind == "words":
        data = (" ".join(rnd.choice(["F1", "cpu0", "x", "drain", "\n"]) for _ in range(1000)).encode()
                * (size // 3000))
    elif kind == "one line":
        data = b"cpu0 " + b"a" * size
    else:
        data = b"folio F anon\n" + b"cpu0 get F\n" * (size // 11) + b"$"
    f = tmp_path / "garbage.fs"
    f.write_bytes(data)
    start = time.perf_counter()
    e = file_error(f)
    assert time.perf_counter() - start < 0.5
    assert e.render().startswith(f"{f}:")


@pytest.fixture(scope="module")
def valid_parse_seconds() -> float:
    """How long a valid file close to the size limit takes to parse, here and now."""
    text = "folio F anon\n" + "cpu0 get F\n" * 11000
    start = time.perf_counter()
    parse_text(text, "v.fs")
    return time.perf_counter() - start


@pytest.mark.parametrize("garbage", [
    "x" * (MAX_SOURCE_BYTES - 10),
    "cpu0 " + "x" * (MAX_SOURCE_BYTES - 10),
    "expect cpu0.mlock == " + "[" * 30000,
    "folio F anon\n" + "\n" * 100000 + "@",
    "folio F anon\n" + ";\n ; \r\n" * 15000 + "}",
    "folio F anon\n" + "cpu0 get F\n" * 11000 + "cpu0 get F $",
    "folio F anon\n" + "cpu0 get F\n" * 11000 + 'title "late',
    "folio F anon\n" + "cpu0 get F\n" * 11000 + "cpu0 get F\x07",
])
def test_garbage_under_the_size_limit_costs_no_more_than_a_valid_file(garbage: str, valid_parse_seconds: float):
    # the statements above the garbage are checked first (file order), so
    # garbage at the end costs what parsing the file would, and no more
    assert len(garbage) <= MAX_SOURCE_BYTES
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        parse_text(garbage, "g.fs")
    assert time.perf_counter() - start < 0.5 + 2 * valid_parse_seconds
    assert len(info.value.render()) < 2000


def test_big_files_report_the_first_error_in_file_order():
    filler = "cpu0 get F\n" * 2000
    e = parse_error("folio F anon\ncpu0 get F = 1\n" + filler + "cpu0 get F % 2\n")
    assert (e.line, e.message) == (2, "unexpected '='")
    e = parse_error("folio F anon\ncpu0 mlok F\n" + filler + "cpu0 get F % 2\n")
    assert (e.line, e.message) == (2, "unknown operation 'mlok'")
    e = parse_error("folio F anon\nrepeat 0 {\n" + filler + "cpu0 get F % 2\n}\n")
    assert (e.line, e.message) == (2, "repeat count 0 is out of range")
    e = parse_error("folio F anon\n" + filler + "cpu0 get F % 2\n")
    assert (e.line, e.column, e.message) == (2002, 12, "unexpected character '%'")
    assert e.hint.startswith("outside comments and strings")
    e = parse_error("folio F anon\n" + filler + 'title "x\n')
    assert (e.line, e.column, e.message) == (2002, 7, "unterminated string")
    assert e.render().splitlines()[2] == "      |       ^^"


def test_bytes_that_are_not_utf8_come_after_the_errors_above_them():
    with pytest.raises(ScenarioError) as info:
        parse_bytes(b"folio F anun\ncpu0 get F \xff\n", "x.fs")
    assert (info.value.line, info.value.message) == (1, "unknown folio kind 'anun'")
    with pytest.raises(ScenarioError) as info:
        parse_bytes(b"folio F anon\ncpu0 get F = 1\ncpu0 get F \xff\n", "x.fs")
    assert (info.value.line, info.value.message) == (2, "unexpected '='")
    with pytest.raises(ScenarioError) as info:
        parse_bytes(b"folio F anon\nrepeat 2 {\ncpu0 get F \xff\n}", "x.fs")
    assert (info.value.line, info.value.column) == (3, 12)
    assert info.value.message.startswith("not valid UTF-8 text")


def parse_error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_text(text)
    return info.value


def test_grammar_is_found_and_cached():
    path = grammar_path()
    assert path.name == "folioscope.lark" and path.is_file()
    assert lark_parser() is lark_parser()


def test_grammar_is_lalr_with_positions():
    parser = lark_parser()
    assert parser.options.parser == "lalr" and parser.options.propagate_positions


def test_special_files_are_not_read():
    e = file_error("/dev/zero")
    assert e.message == "not a regular file" and e.line is None


def test_errors_pickle():
    import pickle
    e = parse_error("cpu0 mlok F")
    again = pickle.loads(pickle.dumps(e))
    assert again.render() == e.render() and again.hint == e.hint


def test_parse_bytes():
    assert parse_bytes(b"folio F anon", "b.fs").path == "b.fs"


# --- the vocabulary matches the model ------------------------------------------------------


def test_variants_come_from_the_model():
    from folioscope.mm.variants import VARIANT_NAMES
    assert VARIANTS == VARIANT_NAMES


def test_operations_and_batches_match_the_model():
    machine = pytest.importorskip("folioscope.mm.machine")
    # work and resume are Machine.work and Machine.resume, not operations
    assert set(OP_NAMES) - set(WITNESS_OPS) == set(machine.OPS)
    assert {"work", "resume"} <= set(dir(machine.Machine))
    state = pytest.importorskip("folioscope.mm.state")
    assert set(BATCHES) == set(state.LRU_BATCHES) | {"mlock"}
