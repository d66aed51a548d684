"""One `did you mean` for every layer: case-insensitive, the closest word."""

import pytest

from folioscope.dsl import vocabulary
from folioscope.mm import variants
from folioscope.mm.releases import release_hint
from folioscope.mm.spelling import did_you_mean, suggest


def test_a_word_in_another_case_is_suggested_as_written():
    assert suggest("MLOCK", ["munlock", "mlock"]) == ["mlock"]
    assert did_you_mean("V6.11", variants.VARIANT_NAMES) == "did you mean 'v6.11'?"


def test_the_closest_word_or_nothing():
    assert did_you_mean("mlcok", ["mlock", "munlock", "drain"]) == "did you mean 'mlock'?"
    assert did_you_mean("zzzzzz", ["mlock", "drain"]) is None
    assert suggest("", ["mlock"]) == []


def test_the_dsl_and_the_engine_share_it():
    assert vocabulary.did_you_mean is did_you_mean
    assert vocabulary.suggest is suggest


@pytest.mark.parametrize("text", ["V6.11", "V6.18"])
def test_a_variant_in_capitals_is_not_taken_for_a_release(text):
    assert release_hint(text) is None
    with pytest.raises(variants.VariantError) as err:
        variants.parse_variant(text)
    assert err.value.hint == f"did you mean '{text.lower()}'?"


def test_a_release_is_still_answered_with_its_variant():
    assert "v6.11" in (release_hint("6.12") or "")
