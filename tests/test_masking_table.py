"""The masking table (tests/masking_cases.py): each answer masked as shown, by the path
that tokenises the text itself and by the run's path that hands over the tokens of the
normalised text; the town's own names on the sample town."""

from __future__ import annotations

import pytest
from masking_cases import CASES, TOWN_NAMES

from needs_analysis.config.load import load_config
from needs_analysis.ingest.places import town_place_names
from needs_analysis.paths import sample_config_path
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text

SAMPLE = load_config(sample_config_path())
PLACES = town_place_names(SAMPLE)


@pytest.fixture(scope="module")
def town_tokenizer() -> Tokenizer:
    return Tokenizer(SAMPLE.user_dictionary)


def test_the_table_is_large_enough():
    assert len(CASES) + len(TOWN_NAMES) >= 150
    assert len({text for text, _ in CASES + TOWN_NAMES}) == len(CASES) + len(TOWN_NAMES)


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_masked_as_shown(text, shown):
    assert mask_personal_data(text) == shown


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_masked_as_shown_from_given_tokens(text, shown):
    tokenizer = Tokenizer()
    tokens = tokenizer.tokenize(normalize_text(text))
    assert mask_personal_data(text, tokenizer, tokens=tokens) == shown


@pytest.mark.parametrize(("text", "shown"), CASES + TOWN_NAMES)
def test_masking_a_masked_text_changes_nothing(text, shown):
    assert mask_personal_data(shown, places=PLACES) == shown


@pytest.mark.parametrize(("text", "shown"), TOWN_NAMES)
def test_the_towns_names_are_kept_where_they_are_places(text, shown):
    assert mask_personal_data(text, places=PLACES) == shown


@pytest.mark.parametrize(("text", "shown"), TOWN_NAMES)
def test_the_towns_names_from_given_tokens(text, shown, town_tokenizer):
    tokens = town_tokenizer.tokenize(normalize_text(text))
    masked = mask_personal_data(text, town_tokenizer, tokens=tokens, places=PLACES)
    assert masked == shown


@pytest.mark.parametrize(("text", "shown"), TOWN_NAMES)
def test_the_towns_names_from_a_tokenizer_that_holds_them(text, shown):
    assert mask_personal_data(text, Tokenizer(places=PLACES)) == shown
