"""The parser is compiled once and cached across processes; only commands
that parse import it (and Lark); the words of the model come from the model."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from folioscope.dsl import parse_text, vocabulary
from folioscope.dsl.parser import build_parser, cache_dirs, lark_parser
from folioscope.mm import folio, state

from dsl_samples import EVERYTHING


def python(code: str, cache: str | None = None) -> str:
    env = dict(os.environ)
    if cache is not None:
        env["FOLIOSCOPE_CACHE_DIR"] = cache
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    return run.stdout


def test_importing_the_errors_or_the_ast_does_not_import_the_parser():
    out = python("import sys, folioscope.dsl.errors, folioscope.dsl.ast, folioscope.dsl\n"
                 "print(sorted(m for m in ('lark', 'folioscope.dsl.parser', 'folioscope.mm') if m in sys.modules))")
    assert out.strip() == "[]"


def test_variants_and_version_do_not_import_lark():
    out = python("import contextlib, io, sys\nfrom folioscope import cli\n"
                 "with contextlib.redirect_stdout(io.StringIO()):\n    cli.main(['variants'])\n"
                 "print('lark' in sys.modules)")
    assert out.strip() == "False"


def test_the_compiled_parser_is_saved_then_loaded(tmp_path):
    code = ("from folioscope.dsl.parser import lark_parser, parse_text\n"
            "p = lark_parser()\nprint(p.source_path, len(parse_text('folio F anon').decls))")
    first = python(code, str(tmp_path))
    saved = list(tmp_path.glob("grammar-*.lark-parser"))
    assert len(saved) == 1 and first.split()[1] == "1"
    assert first.split()[0] != "<deserialized>"  # compiled the first time
    second = python(code, str(tmp_path))
    assert second.split() == ["<deserialized>", "1"]  # loaded the second time
    assert list(tmp_path.glob("*.tmp")) == []


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x04K\x01."])
def test_a_damaged_cache_is_compiled_again(tmp_path, damage):
    python("from folioscope.dsl.parser import lark_parser; lark_parser()", str(tmp_path))
    [saved] = tmp_path.glob("grammar-*.lark-parser")
    saved.write_bytes(damage)
    out = python("from folioscope.dsl import parse_text; print(len(parse_text('folio F anon').decls))", str(tmp_path))
    assert out.strip() == "1"
    assert saved.read_bytes() != damage  # and saved again


def test_an_unwritable_cache_only_costs_the_compilation(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory would be")
    out = python("from folioscope.dsl import parse_text; print(len(parse_text('folio F anon').decls))",
                 str(blocked / "cache"))
    assert out.strip() == "1"


def test_loaded_and_compiled_parsers_agree():
    loaded = lark_parser()
    assert loaded.options.parser == "lalr" and loaded.options.propagate_positions
    assert build_parser().parse(EVERYTHING) == loaded.parse(EVERYTHING)


def test_cache_places(monkeypatch, tmp_path):
    monkeypatch.setenv("FOLIOSCOPE_CACHE_DIR", str(tmp_path))
    assert cache_dirs() == [tmp_path]
    monkeypatch.delenv("FOLIOSCOPE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    places = cache_dirs()
    assert places[0].name == "__pycache__" and places[1] == tmp_path / "folioscope"


def test_the_words_of_the_model_come_from_the_model():
    assert vocabulary.BATCHES is state.BATCHES
    assert vocabulary.MLOCK_TAGS is state.MLOCK_TAGS
    assert vocabulary.LIST_NAMES == folio.LRU_LISTS + ("none",)
    assert vocabulary.FLAGS == folio.FLAG_ORDER + ("isolated",)
    assert parse_text("expect cpu0.lru_activate == []").body[0].check.batch == "lru_activate"
