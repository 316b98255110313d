"""Masking personal data, small-count suppression, formula escaping."""

from __future__ import annotations

import pytest

from needs_analysis.outputs import escape_formula
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.privacy.names import NAME_MASK
from needs_analysis.privacy.patterns import ADDRESS_MASK, EMAIL_MASK, PHONE_MASK, POSTAL_MASK

MASKED = [
    ("隣の佐藤さんが心配", "佐藤", NAME_MASK),
    ("民生委員の山田花子さんに相談した", "花子", NAME_MASK),
    ("田中 太郎です", "太郎", NAME_MASK),
    ("電話は03-1234-5678です", "03-1234-5678", PHONE_MASK),
    ("携帯090-1234-5678まで", "090-1234-5678", PHONE_MASK),
    ("０９０－１２３４－５６７８に", "1234", PHONE_MASK),
    ("番号は09012345678", "09012345678", PHONE_MASK),
    ("0294(55)1234へ", "0294(55)1234", PHONE_MASK),
    ("〒319-1234 です", "319-1234", POSTAL_MASK),
    ("郵便番号は123-4567", "123-4567", POSTAL_MASK),
    ("taro.yamada@example.jp に送って", "example.jp", EMAIL_MASK),
    ("桜台3丁目5番2号に住む", "5番2号", ADDRESS_MASK),
    ("12番地の5の家", "12番地", ADDRESS_MASK),
    ("本町2-3-4の者です", "2-3-4", ADDRESS_MASK),
]


@pytest.mark.parametrize(("text", "leaked", "mask"), MASKED)
def test_personal_data_is_masked(text, leaked, mask):
    masked = mask_personal_data(text)
    assert leaked not in masked
    assert mask in masked


KEPT = [
    "バスが少なくて病院に行けない",
    "ゴミ出しが大変です。",
    "夫は85歳、私は80歳です。週に2回サロンに行く",
    "一人暮らしで倒れたらと思うと不安",
    "令和7年度から始まった配食サービス",
    "雪かきを手伝ってほしい",
]


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_words_are_not_masked(text):
    assert mask_personal_data(text) == text


def test_planted_marker_is_fully_masked():
    masked = mask_personal_data("困ったら渡部ミツ子さん（0294-55-7788）に電話してます")
    assert "渡部" not in masked and "ミツ子" not in masked and "7788" not in masked


def test_empty_text():
    assert mask_personal_data("") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+81", "'+81"),
        ("-特になし", "'-特になし"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("普通の回答", "普通の回答"),
        (-3, -3),
        (2.5, 2.5),
    ],
)
def test_escape_formula(value, expected):
    assert escape_formula(value) == expected
