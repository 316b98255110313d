"""Tokenisation: lemmas, parts of speech, the user dictionary, pickling, fuzzing."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needs_analysis.errors import InputError
from needs_analysis.text.mecab import Tokenizer, compile_user_dictionary
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import content_tokens


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer()


LEMMA_CASES = [
    ("駅まで送ってほしい", "送っ", "送る"),
    ("病院に連れて行ってもらえない", "連れ", "連れる"),
    ("ｺﾞﾐを出せない", "ゴミ", "塵"),
    ("バスが少ない", "バス", "バス"),  # UniDic's "バス-bus" loses its gloss
    ("タクシー代が高い", "タクシー", "タクシー"),
    ("買い物に行けない", "行け", "行く"),
    ("寂しかった", "寂しかっ", "寂しい"),
]


@pytest.mark.parametrize(("text", "surface", "lemma"), LEMMA_CASES)
def test_lemmas(tokenizer, text, surface, lemma):
    tokens = tokenizer.tokenize(normalize_text(text))
    assert (surface, lemma) in [(t.surface, t.lemma) for t in tokens]


def test_unknown_word_falls_back_to_surface(tokenizer):
    tokens = tokenizer.tokenize("ぴよぴよぷーさん")
    assert all(token.lemma for token in tokens)


def test_part_of_speech_and_content_filter(tokenizer):
    tokens = tokenizer.tokenize("ゴミ出しが大変なので手伝ってほしいと思います")
    assert tokens[0].pos.startswith("名詞")
    lemmas = [token.lemma for token in content_tokens(tokens)]
    assert lemmas == ["塵出し", "大変", "手伝う"]  # 思う is a stop word; particles dropped


def test_tokenize_many_keeps_order_and_empties(tokenizer):
    result = tokenizer.tokenize_many(["バス", "", "ゴミ"])
    assert [[t.surface for t in tokens] for tokens in result] == [["バス"], [], ["ゴミ"]]


def test_line_breaks_do_not_break_the_output(tokenizer):
    assert [t.surface for t in tokenizer.tokenize("バス\tが\nない")] == ["バス", "が", "ない"]


def test_tokenizer_pickles_without_its_tagger(tokenizer):
    tokenizer.tokenize("先に使っておく")
    clone = pickle.loads(pickle.dumps(tokenizer))
    assert clone._tagger is None
    assert clone.tokenize("送ってほしい")[0].lemma == "送る"


@pytest.fixture
def user_words(tmp_path):
    path = tmp_path / "words.csv"
    path.write_text(
        "表記,読み,種類\nミニデイ,ミニデイ,名詞\nふれあいサロン,,\n峰の尾,ミネノオ,地名\n",
        encoding="utf-8",
    )
    return path


def test_user_dictionary_word_stays_one_token(tmp_path, user_words, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    plain = [t.surface for t in Tokenizer().tokenize("ミニデイとふれあいサロン")]
    assert "ミニデイ" not in plain and "ふれあいサロン" not in plain
    tokens = Tokenizer(user_words).tokenize("ミニデイとふれあいサロンに峰の尾から行く")
    surfaces = [t.surface for t in tokens]
    assert "ミニデイ" in surfaces and "ふれあいサロン" in surfaces and "峰の尾" in surfaces
    place = tokens[surfaces.index("峰の尾")]
    assert place.pos.startswith("名詞-固有名詞-地名") and place.lemma == "峰の尾"


def test_user_dictionary_is_cached_by_content(tmp_path, user_words):
    first = compile_user_dictionary(user_words, cache_dir=tmp_path / "c")
    assert compile_user_dictionary(user_words, cache_dir=tmp_path / "c") == first
    user_words.write_text("表記,読み,種類\nミニデイ,,\n", encoding="utf-8")
    assert compile_user_dictionary(user_words, cache_dir=tmp_path / "c") != first


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("語,読み\nミニデイ,\n", "1行目"),
        ("表記,読み,種類\nミニデイ,,動物\n", "3行目|2行目"),
        ("表記,読み,種類\nふれあい サロン,,\n", "2行目"),
    ],
)
def test_bad_user_dictionary_names_the_line(tmp_path, content, message):
    path = tmp_path / "words.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        compile_user_dictionary(path, cache_dir=tmp_path / "c")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_normalize_then_tokenize_never_raises(text):
    tokens = Tokenizer().tokenize(normalize_text(text))
    assert all(token.surface for token in tokens)
