"""The ``kernel`` header with composed variants (``kernel v6.17 + switch=value``),
``@`` with composed names, and kernel releases answered with the variant
that models them."""

from __future__ import annotations

import pytest

from folioscope.dsl import parse_text
from folioscope.dsl.errors import ScenarioError


def error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_text(text, "x.fs")
    return info.value


@pytest.mark.parametrize("line, name", [
    ("kernel v6.17 + gup_drain_trigger=lru_or_mlocked", "v6.17+gup_drain_trigger=lru_or_mlocked"),
    ("kernel v6.17+gup_drain_trigger=lru_or_mlocked", "v6.17+gup_drain_trigger=lru_or_mlocked"),
    ("kernel v6.17+ gup_drain_trigger=lru_or_mlocked", "v6.17+gup_drain_trigger=lru_or_mlocked"),
    ("kernel v6.17 +gup_drain_trigger=lru_or_mlocked", "v6.17+gup_drain_trigger=lru_or_mlocked"),
    ("kernel v6.11 + migrate_passes=10x + batch_size=15  # comment", "v6.11+batch_size=15+migrate_passes=10x"),
    ("kernel v6.17 + batch_size=31", "v6.17"),
    ("kernel hugh-portmanteau + gup_skip_large_for_drain=true", "hugh-portmanteau+gup_skip_large_for_drain=true"),
])
def test_composed_kernel_header(line, name):
    assert parse_text(line + "\nfolio F anon\n").kernel == name


def test_composed_variant_after_at():
    s = parse_text("folio F anon\nexpect F.refcount == 1 @ v6.17 v6.17+batch_size=15 v6.11+batch_size=31\n")
    assert s.body[0].variants == ("v6.17", "v6.17+batch_size=15", "v6.11")


def test_the_same_composition_twice_after_at_is_an_error():
    e = error("folio F anon\nexpect F.refcount == 1 @ v6.17+batch_size=15 v6.17+batch_size=15+batch_size=15\n")
    assert e.line == 2 and "batch_size is given twice" in e.message


@pytest.mark.parametrize("source, where, caret, message, expected, hint", [
    ("kernel v6.17 + gup_retry_style=colected_count", "1:32", "^" * 14,
     "switch gup_retry_style cannot be 'colected_count'",
     "one of v518_zero_means_retry, collected_count, list_empty_means_success",
     "did you mean 'collected_count'?"),
    ("kernel v6.17 + gup_drain_triger=lru", "1:16", "^" * 16, "unknown switch 'gup_drain_triger'",
     "a switch: batch_size, ", "did you mean 'gup_drain_trigger'?"),
    ("kernel v6.17+batch_size=64000", "1:25", "^^^^^", "switch batch_size cannot be '64000'",
     "a whole number from 1 to 255", None),
    ("kernel v6.17 + batch_size=15 + batch_size=15", "1:32", "^" * 13, "switch batch_size is given twice",
     None, None),
    ("kernel v6.17 + gup_drain_trigger", "1:16", "^" * 17, "'gup_drain_trigger' is not a switch setting",
     "switch=value", None),
    ("kernel 6.16", "1:8", "^^^^", "'6.16' is a kernel release, not a variant", None,
     "v6.16 behaves as v6.11; 6.16.y stable: v6.17 from 6.16.9"),
    ("kernel v6.12", "1:8", "^^^^^", "'v6.12' is a kernel release, not a variant", None,
     "v6.12 behaves as v6.11;"),
    ("folio F anon\nexpect F.refcount == 1 @ v6.12", "2:26", "^^^^^", "'v6.12' is a kernel release", None,
     "6.12.y stable"),
    ("folio F anon\nexpect F.refcount == 1 @ v6.17+gup_retry_style=colected_count", "2:48", "^" * 14,
     "cannot be 'colected_count'", None, "did you mean 'collected_count'?"),
])
def test_kernel_errors_point_at_the_mistake(source, where, caret, message, expected, hint):
    e = error(source + "\nfolio G anon\n")
    rendered = e.render()
    assert f"{e.line}:{e.column}" == where, rendered
    assert message in e.message, rendered
    assert rendered.splitlines()[2].endswith(" " + caret), rendered
    if expected is not None:
        assert e.expected is not None and expected in e.expected, rendered
    if hint is not None:
        assert e.hint is not None and hint in e.hint, rendered


@pytest.mark.parametrize("source, where, expected, hint", [
    ("kernel v6.17 +", "1:15", "a switch setting such as gup_drain_trigger=lru_or_mlocked",
     "'folioscope variants --switches' lists"),
    ("kernel v6.17 gup_drain_trigger=lru", "1:14", "'+' and a switch setting",
     "join switch settings with '+'"),
    ("kernel v6.17 + gup_drain_trigger =lru", "1:34", "'+' and a switch setting",
     "without spaces"),
    ("folio F anon\nexpect F.refcount == 1 @ v6.17 + batch_size=15", "2:32", "another kernel variant",
     "after '@' a composed variant has no spaces"),
])
def test_kernel_syntax_errors_say_what_to_write(source, where, expected, hint):
    e = error(source + "\nfolio F anon\n")
    assert f"{e.line}:{e.column}" == where, e.render()
    assert e.expected is not None and expected in e.expected, e.render()
    assert e.hint is not None and hint in e.hint, e.render()
