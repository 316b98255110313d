"""Masking as a table of (answer, what may be shown): personal data in the forms residents
actually write, and ordinary words that must survive untouched."""

from __future__ import annotations

import pytest

from needs_analysis.privacy.masking import mask_personal_data, without_quasi_identifiers
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text

MASKED = [
    # Phone numbers: kanji digits, +81, full-width digits and spaces, brackets.
    ("〇九〇の一二三四の五六七八に電話して", "【電話番号】に電話して"),
    ("電話は〇三―一二三四―五六七八です", "電話は【電話番号】です"),
    ("携帯は〇八〇一二三四五六七八", "携帯は【電話番号】"),
    ("+81-90-1234-5678に連絡", "【電話番号】に連絡"),
    ("+81 90 1234 5678", "【電話番号】"),
    ("＋８１\u3000９０\u3000１２３４\u3000５６７８へ", "【電話番号】へ"),
    ("０９０\u3000１２３４\u3000５６７８", "【電話番号】"),
    ("０２９４－５５－７７８８まで", "【電話番号】まで"),
    ("090 - 1234 - 5678", "【電話番号】"),
    ("（0294）55-7788に", "【電話番号】に"),
    # Street numbers and postal codes, in kanji too.
    ("住所は一丁目二番三号です", "住所は【番地】です"),
    ("三丁目五番地の家", "【番地】の家"),
    ("十二番地の五に住んでいる", "【番地】に住んでいる"),
    ("三―五―八の家", "【番地】の家"),
    ("二丁目の角", "【番地】の角"),
    ("3丁目5番2号", "【番地】"),
    ("〒三一九―一二三四", "【郵便番号】"),
    # Romaji names beside an honorific or a Japanese name.
    ("Suzukiさんが来てくれる", "〇〇さんが来てくれる"),
    ("Ichiro Suzukiさんに相談", "〇〇さんに相談"),
    ("鈴木一郎(Ichiro Suzuki)", "〇〇"),
    ("鈴木 Ichiro と話した", "〇〇 と話した"),
    ("Mr. Smithが手伝ってくれた", "〇〇が手伝ってくれた"),
    ("Tanaka様のお宅", "〇〇様のお宅"),
    # Japanese names.
    ("民生委員の山田花子さんに相談した", "民生委員の〇〇さんに相談した"),
    ("渡部ミツ子さん（0294-55-7788）に電話", "〇〇さん(【電話番号】)に電話"),
    ("愛さんが来る", "〇〇さんが来る"),
    ("隣の佐藤さん", "隣の〇〇さん"),
]

KEPT = [
    "重複したIDの行",
    "次の行に書きます",
    "除外した行の一覧",
    "シルバーカートが欲しい",
    "カートを押して買い物",
    "一番困っているのは雪かき",
    "一人暮らしで不安",
    "二〇二四年から始まった",
    "週に三回デイサービス",
    "令和7年度の計画",
    "LINEで家族と連絡",
    "Wi-Fiがない",
    "iPhoneの使い方が分からない",
    "Amazonで買い物",
    "月に2回サロンに行く",
    "80歳と85歳の夫婦",
    "バスは1日3本しかない",
    "介護保険の1割負担",
    "9時から17時まで",
    "明るい道がほしい",
    "光熱費が高い",
    "病院まで30分かかる",
    "ゴミ出しは第1・第3水曜日",
]


@pytest.mark.parametrize(("text", "shown"), MASKED)
def test_personal_data_is_masked(text, shown):
    assert mask_personal_data(text) == shown


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_text_is_kept(text):
    assert mask_personal_data(text) == text


def _with_tokens(text: str, tokenizer: Tokenizer | None = None) -> str:
    """Masking given the tokens of the normalised text, as the run pipeline masks."""
    tokens = (tokenizer or Tokenizer()).tokenize(normalize_text(text))
    return mask_personal_data(text, tokens=tokens)


@pytest.mark.parametrize(("text", "shown"), MASKED)
def test_personal_data_is_masked_from_given_tokens(text, shown):
    assert _with_tokens(text) == shown


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_text_is_kept_with_given_tokens(text):
    assert _with_tokens(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "田中さん！！！\n電話は090-1234-5678です・・・佐藤さんにも",
        "山田花子さん〜〜　と　鈴木さん",
        "~佐藤さん~",
    ],
)
def test_given_tokens_of_the_normalised_text_mask_a_text_that_normalising_changes(text):
    # The tokens come from the folded text (「!」, one space, 「…」); every name is still found.
    masked = _with_tokens(text)
    assert masked == mask_personal_data(text)
    for name in ("田中", "佐藤", "山田", "花子", "鈴木"):
        assert name not in masked


def test_a_person_named_in_the_user_dictionary_is_masked(tmp_path):
    dictionary = tmp_path / "user_dictionary.csv"
    dictionary.write_text("表記,読み,種類\nポチ丸,ポチマル,人名\n", encoding="utf-8")
    text = "いつもポチ丸が見に来てくれる"
    assert mask_personal_data(text) == text
    masked = mask_personal_data(text, Tokenizer(dictionary))
    assert masked == "いつも〇〇が見に来てくれる"
    assert _with_tokens(text, Tokenizer(dictionary)) == masked


def test_attributes_are_dropped_from_a_table_of_answers():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "respondent_id": ["7"],
            "age_group": ["80-84歳"],
            "sex": ["女性"],
            "household": ["一人暮らし"],
            "area": ["北部"],
            "text": ["バスがない"],
        }
    )
    assert list(without_quasi_identifiers(frame).columns) == ["area", "text"]
    assert "respondent_id" in frame.columns
