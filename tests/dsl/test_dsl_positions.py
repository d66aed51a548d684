"""Line ends and byte-order marks do not move positions: LF, CRLF and a lone
CR each end a line, a leading BOM is not a column, and the column an error
reports is the one its caret is drawn under."""

from __future__ import annotations

import re

import pytest

from folioscope.dsl import ScenarioError, parse_bytes, parse_text

from test_dsl_errors import CASES


def error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_text(text, "x.fs")
    return info.value


def caret_column(rendered: str) -> int:
    """The 1-based column of the first caret, counted in characters of the
    drawn source line (a tab in the lead stands for the tab above it)."""
    lines = rendered.splitlines()
    caret = next(i for i, line in enumerate(lines) if re.fullmatch(r" +\| [ \t…]*\^+", line))
    lead = lines[caret].split("| ", 1)[1]
    return lead.index("^") + 1


ERRORS = [c for c in CASES if c[1] is not None and "\n" in c[0]]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["CRLF", "CR"])
@pytest.mark.parametrize("source", [c[0] for c in ERRORS], ids=[c[0][-30:] for c in ERRORS])
def test_every_line_end_gives_the_same_error(source, newline):
    lf = error(source)
    other = error(source.replace("\n", newline))
    assert other.render() == lf.render()


@pytest.mark.parametrize("text, where, message", [
    ("cpus\r\r\r", "1:5", "unexpected end of line"),
    ("cpus\r\n", "1:5", "unexpected end of line"),
    ("cpus\n", "1:5", "unexpected end of line"),
    ("folio F anon\rcpu0 mlok F\r", "2:6", "unknown operation 'mlok'"),
    ("folio F anon\r\rcpu0 mlok F", "3:6", "unknown operation 'mlok'"),
    ("folio F anon\r\n\rcpu0 mlok F", "3:6", "unknown operation 'mlok'"),
    ("folio F anon\n\r\ncpu0 mlok F", "3:6", "unknown operation 'mlok'"),
    ("folio F anon\rcpu0 get F\rexpect F.refcount = 2\r", "3:19", "unexpected '='"),
    ('title "abc\rfolio F anon', "1:7", "unterminated string"),
    ("\ufefffolio F anno", "1:9", "unknown folio kind 'anno'"),
    ("\ufefffolio F anon\r\ncpu0 mlok F", "2:6", "unknown operation 'mlok'"),
    ("\ufeffcpus\r", "1:5", "unexpected end of line"),
])
def test_position_and_caret(text, where, message):
    e = error(text)
    assert (f"{e.line}:{e.column}", e.message) == (where, message), e.render()
    assert caret_column(e.render()) == e.column, e.render()
    assert "\r" not in e.render() and "\ufeff" not in e.render()


@pytest.mark.parametrize("data, where, shown", [
    (b"\xef\xbb\xbffolio F anon \xff", "1:14", "folio F anon \ufffd"),
    (b"folio F anon\r\xff", "2:1", "\ufffd"),
    (b"folio F anon\r\ncpu0 get \xff", "2:10", "cpu0 get \ufffd"),
    (b"\xef\xbb\xbffolio F anon\rcpu0 \xc3", "2:6", "cpu0 \ufffd"),
])
def test_invalid_utf8_position(data, where, shown):
    with pytest.raises(ScenarioError) as info:
        parse_bytes(data, "x.fs")
    e = info.value
    assert f"{e.line}:{e.column}" == where, e.render()
    assert e.source_line == shown
    assert caret_column(e.render()) == e.column


def test_crlf_file_parses_as_lf():
    text = "title \"t\"\ncpus 3\nfolio F anon\ncpu2 add_lru F\nexpect F.refcount == 2\n"
    for newline in ("\r\n", "\r"):
        s = parse_text("\ufeff" + text.replace("\n", newline))
        assert s.source == text
        assert [stmt.pos for stmt in s.body] == [stmt.pos for stmt in parse_text(text).body]
        assert s.body[0].text == "cpu2 add_lru F"
