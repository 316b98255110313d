"""Identifiers written every way at once: separators, widths and digit forms mixed at
random. No digit of a masked identifier may survive; ordinary numbers stay as written."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.privacy.patterns import my_number_valid

KANJI = "〇一二三四五六七八九"
FORMS = ("ascii", "wide", "kanji")
DASHES = ["-", "－", "ー", "‐", "−", "―", "–"]
SEPARATORS = [*DASHES, " ", "\u3000", ".", "．", "・", "･", "/", "／", "の", " - ", "　ー　", ""]
FUZZ = settings(max_examples=150, deadline=None)


def written(number: str, form: str) -> str:
    """Digits in one form: ASCII, full-width or kanji digits (〇九〇)."""
    if form == "wide":
        return "".join(chr(0xFF10 + int(d)) for d in number)
    if form == "kanji":
        return "".join(KANJI[int(d)] for d in number)
    return number


def read_aloud(value: int) -> str:
    """A number below 1000 in kanji numerals as read (十二, 百二十三)."""
    hundreds, rest = divmod(value, 100)
    tens, ones = divmod(rest, 10)
    text = ("" if hundreds < 2 else KANJI[hundreds]) + ("百" if hundreds else "")
    text += ("" if tens < 2 else KANJI[tens]) + ("十" if tens else "")
    return text + (KANJI[ones] if ones else "") or "〇"


def any_number(draw, value: int) -> str:
    form = draw(st.sampled_from([*FORMS, "read"]))
    return read_aloud(value) if form == "read" else written(str(value), form)


def no_digit_left(masked: str) -> bool:
    folded = unicodedata.normalize("NFKC", masked)
    return not any(c.isdigit() or c in KANJI + "十百千" for c in folded)


def digit_groups(draw, sizes: list[int]) -> list[str]:
    return [draw(st.text("0123456789", min_size=n, max_size=n)) for n in sizes]


PHONE_SHAPES = [[3, 4, 4], [2, 4, 4], [3, 3, 4], [4, 2, 4], [5, 1, 4], [4, 3, 3]]


@st.composite
def phone_numbers(draw) -> str:
    sizes = draw(st.sampled_from(PHONE_SHAPES))
    groups = digit_groups(draw, sizes)
    international = draw(st.booleans())
    lead = draw(st.sampled_from("123456789"))  # the leading 0 is dropped after +81
    groups[0] = lead + groups[0][2:] if international else "0" + lead + groups[0][2:]
    groups = [written(g, draw(st.sampled_from(FORMS))) for g in groups]
    if draw(st.booleans()):  # the area code in brackets
        number = f"({groups[0]})" + draw(st.sampled_from(SEPARATORS[:-1])).join(groups[1:])
    else:
        number = "".join(g + draw(st.sampled_from(SEPARATORS)) for g in groups[:-1]) + groups[-1]
    if international:
        prefix = draw(
            st.sampled_from(["+81", "＋８１", "+81 (0)", "+81-", "81-", "+81 ", "+81(0)"])
        )
        number = prefix + number
    return number


@FUZZ
@given(phone_numbers(), st.sampled_from(["電話は{}です", "{}に連絡して", "携帯 {}。"]))
def test_phone_numbers(number, sentence):
    masked = mask_personal_data(sentence.format(number))
    assert no_digit_left(masked), (number, masked)
    assert "【電話番号】" in masked


@st.composite
def postal_codes(draw) -> str:
    first, second = digit_groups(draw, [3, 4])
    form = draw(st.sampled_from(FORMS))
    label = draw(st.sampled_from(["〒", "〒 ", "郵便番号は", "郵便番号 ", ""]))
    separators = SEPARATORS if label else DASHES
    return label + written(first, form) + draw(st.sampled_from(separators)) + written(second, form)


@FUZZ
@given(postal_codes())
def test_postal_codes(code):
    masked = mask_personal_data(f"住所は{code}の辺り")
    assert no_digit_left(masked), (code, masked)


@st.composite
def street_numbers(draw) -> str:
    n = [any_number(draw, draw(st.integers(1, 199))) for _ in range(3)]
    dash = draw(st.sampled_from(DASHES))
    place = draw(st.sampled_from(["本町", "栄町", "字川向", "大字上野", "桜台", "三丁目の奥", ""]))
    shapes = [
        f"{n[0]}丁目{n[1]}番{n[2]}号",
        f"{n[0]}丁目{n[1]}番地{n[2]}",
        f"{n[0]}丁目{n[1]}{dash}{n[2]}",
        f"{n[0]}番地の{n[1]}",
        f"{n[0]}番{n[1]}号",
        f"{n[0]}{dash}{n[1]}{dash}{n[2]}",
        f"{n[2]}号室",
    ]
    if place and place != "三丁目の奥":
        shapes.append(f"{n[0]}{dash}{n[1]}")
        shapes.append(f"{n[0]}の{n[1]}")
    return place + draw(st.sampled_from(shapes))


@FUZZ
@given(street_numbers())
def test_street_and_room_numbers(address):
    masked = mask_personal_data(f"家は{address}にあります", places=("桜台",))
    assert no_digit_left(masked.replace("三丁目", "")), (address, masked)


def with_check_digit(body: str) -> str:
    total = sum(int(body[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    remainder = total % 11
    return body + str(0 if remainder <= 1 else 11 - remainder)


@st.composite
def individual_numbers(draw) -> tuple[str, bool]:
    number = with_check_digit(draw(st.text("0123456789", min_size=11, max_size=11)))
    assert my_number_valid(number)
    labelled = draw(st.booleans())
    if not labelled:
        number = number if draw(st.booleans()) else number[:11] + str((int(number[11]) + 1) % 10)
    form = draw(st.sampled_from(FORMS if labelled else ["ascii", "wide"]))
    sep = draw(st.sampled_from(SEPARATORS if labelled else ["", " ", "-"]))
    text = sep.join(written(number[i : i + 4], form) for i in (0, 4, 8))
    label = (
        draw(st.sampled_from(["マイナンバーは", "個人番号:", "マイナンバー "])) if labelled else ""
    )
    return label + text, labelled or my_number_valid(number)


@FUZZ
@given(individual_numbers())
def test_individual_numbers(case):
    text, masked_expected = case
    masked = mask_personal_data(f"{text}を書いた")
    if masked_expected:
        assert no_digit_left(masked), (text, masked)
    else:  # twelve digits without a valid check digit or a label are an ordinary number
        assert masked == unicodedata.normalize("NFKC", f"{text}を書いた")


@st.composite
def birth_dates(draw) -> str:
    year = draw(st.integers(1, 64))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    y, m, d = (any_number(draw, v) for v in (year, month, day))
    western = written(str(1925 + year), draw(st.sampled_from(FORMS)))
    sep = draw(st.sampled_from([".", "・", "/", "-", "．"]))
    era = draw(st.sampled_from(["昭和", "S", "S.", "s"]))
    return draw(
        st.sampled_from(
            [
                f"昭和{y}年{m}月{d}日生まれ",
                f"{era}{y}{sep}{m}{sep}{d}",
                f"{western}{sep}{m}{sep}{d}生",
                f"{western}年{m}月{d}日生まれ",
                f"生年月日: {western}年{m}月{d}日",
                f"誕生日は平成{y}年{m}月{d}日",
            ]
        )
    )


@FUZZ
@given(birth_dates())
def test_dates_of_birth(date):
    masked = mask_personal_data(f"母は{date}です")
    assert no_digit_left(masked), (date, masked)


@FUZZ
@given(
    st.integers(0, 999),
    st.sampled_from(["回", "円", "歳", "人", "本", "便", "分", "時間", "kg", "年度", "割", "件"]),
    st.sampled_from(["ascii", "wide"]),
)
def test_ordinary_numbers_stay(value, counter, form):
    text = f"月に{written(str(value), form)}{counter}くらい"
    assert mask_personal_data(text) == unicodedata.normalize("NFKC", text)


@FUZZ
@given(st.integers(0, 23), st.integers(0, 59), st.integers(1, 12), st.integers(1, 28))
def test_times_and_ordinary_dates_stay(hour, minute, month, day):
    text = f"{hour}:{minute:02d}に出て、2025年{month}月{day}日に病院"
    assert mask_personal_data(text) == text
