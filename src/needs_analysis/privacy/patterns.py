"""Identifiers found by their shape: e-mail, messenger IDs, the individual number, dates of
birth, phone numbers, postal codes, number plates, room and street numbers.

Every pattern reads digits in any form the text may hold after NFKC: ASCII (full-width
digits fold to them) and kanji digits (〇九〇…); the digits of a match are checked in code
where the shape alone is not enough (how many digits a phone number has, the individual
number's check digit). A pattern with a group named ``id`` masks only that group, so a
label before it stays (「マイナンバーは【個人番号】」).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

PHONE_MASK = "【電話番号】"
POSTAL_MASK = "【郵便番号】"
EMAIL_MASK = "【メール】"
ADDRESS_MASK = "【番地】"
MY_NUMBER_MASK = "【個人番号】"
BIRTH_DATE_MASK = "【生年月日】"
ACCOUNT_MASK = "【ID】"
ROOM_MASK = "【部屋番号】"
PLATE_MASK = "【車両番号】"
PATTERN_MASKS = (
    PHONE_MASK, POSTAL_MASK, EMAIL_MASK, ADDRESS_MASK, MY_NUMBER_MASK,
    BIRTH_DATE_MASK, ACCOUNT_MASK, ROOM_MASK, PLATE_MASK,
)  # fmt: skip

_KANJI_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
# A digit as written: ASCII (full-width after NFKC) or kanji; with 十百千 for numbers that
# are read, not dialled (十二番地, 昭和十二年).
_D = r"[0-9〇零一二三四五六七八九]"
_N = r"[0-9〇零一二三四五六七八九十百千]"
# Dashes between digit groups (after NFKC: hyphen, dashes, minus, the long-vowel mark).
_DASH = r"[\-‐‑‒–—―−ーｰ]"
# What may not stand right before or after a number that is matched whole.
_NOT_BESIDE = rf"[0-9〇零一二三四五六七八九十百千{_DASH[1:-1]}]"
# Anything people put between the groups of a phone or postal number.
_SEP = rf"(?:{_DASH}|[\s.・･/()（）]|の)"
_KANA = r"[ぁ-ゖ]"


def digits(text: str) -> str:
    """The digits of a match, kanji digits read as ASCII."""
    return "".join(char for char in text.translate(_KANJI_DIGITS) if char.isdigit())


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# LINE and other messengers: the service, an ID word, then the ID; or a bare @handle.
_MESSENGER = (
    r"(?:LINE|Line|line|ライン|らいん|インスタ(?:グラム)?|Instagram|instagram|Twitter|"
    r"ツイッター|Facebook|フェイスブック|Skype|スカイプ|Discord|WeChat|Kakao(?:Talk)?|カカオ(?:トーク)?)"
)
_ACCOUNT = re.compile(
    rf"{_MESSENGER}\s*(?:の|で)?\s*(?:ID|id|Id|アイディー?|アカウント|ユーザー名)\s*"
    r"(?:は|が|:|=|→)?\s*(?P<id>@?[A-Za-z0-9][A-Za-z0-9._\-]{2,})"
    r"|(?<![\w@.])(?P<handle>@[A-Za-z0-9_][A-Za-z0-9._]{2,})"
)
# The individual number (マイナンバー): 12 digits, unbroken or 4-4-4.
_MY_NUMBER_LABEL = re.compile(
    rf"(?:マイナンバー|個人番号)(?:カード)?(?:の番号)?\s*(?:は|が|:|=)?\s*"
    rf"(?P<id>{_D}(?:{_SEP}{{0,3}}{_D}){{11}})(?!{_D})"
)
_MY_NUMBER = re.compile(rf"(?<!{_D})(?:{_D}{{12}}|{_D}{{4}}([\s\-]){_D}{{4}}\1{_D}{{4}})(?!{_D})")
# Dates of birth: a full date with a birth word after it or a birth label before it; a
# 明治・大正・昭和 date of year, month and day is taken as one without either.
_ERA = r"(?:明治|大正|昭和|平成|令和|(?<![A-Za-z])[MTSHRmtshr]\.?\s?)"
_YEAR = rf"(?:{_ERA}(?:{_N}{{1,3}}|元)|(?:1[89]|20|一九|二〇){_D}{{2}})"
_DATE_SEP = r"\s*(?:[.\-/・]|年)\s*"
_DATE = rf"{_YEAR}{_DATE_SEP}{_N}{{1,3}}\s*(?:月|[.\-/・])\s*(?:{_N}{{1,3}}\s*日?)?"
_BORN = r"(?:生まれ|生れ|うまれ|誕生|生(?![一-鿿]|[きかくけこさしすせそ]))"
_BIRTH_DATE = re.compile(
    rf"(?:生年月日|誕生日|生年)\s*(?:は|が|:)?\s*(?P<id>{_DATE})"
    rf"|{_DATE}\s*{_BORN}"
    rf"|(?:明治|大正|昭和|(?<![A-Za-z])[MTSmts]\.?)(?:{_N}{{1,3}}|元){_DATE_SEP}{_N}{{1,3}}\s*(?:月|[.\-/・])\s*{_N}{{1,3}}(?:\s*日)?(?!{_N})"
)
# Phone numbers: groups of digits with any separators; which runs are numbers is decided
# by their digits (:func:`_phone_end`).
_PHONE_RUN = re.compile(rf"(?:\+\s*|(?<![0-9]))[(（]?{_D}(?:{_SEP}{{0,3}}{_D})*")
_POSTAL = re.compile(
    rf"〒\s*{_D}{{3}}{_SEP}{{0,3}}{_D}{{4}}(?!{_D})"
    rf"|郵便番号\s*(?:は|:)?\s*(?P<id>{_D}{{3}}{_SEP}{{0,3}}{_D}{{4}})(?!{_D})"
    rf"|(?<![0-9{_DASH[1:-1]}]){_D}{{3}}{_DASH}{_D}{{4}}(?![0-9{_DASH[1:-1]}])"
)
# Number plates: region, class number, a kana, then the serial (12-34, ・123 or 4 digits).
_PLATE = re.compile(
    rf"(?:[一-鿿]{{1,4}}|つくば|いわき)\s*[0-9]{{1,3}}\s*{_KANA}\s*"
    rf"(?:[0-9]{{1,2}}\s*-\s*[0-9]{{2}}|[・･.]{{1,3}}\s*[0-9]{{1,3}})(?![0-9])"
    rf"|(?:[一-鿿]{{1,4}}|つくば|いわき)\s*[0-9]{{3}}\s*{_KANA}\s*[0-9]{{4}}(?![0-9])"
)
_ROOM = re.compile(rf"{_N}{{1,5}}(?:{_DASH}{_N}{{1,4}})?\s*号室")
# A later group of a street number: up to three digits, or a number read in kanji (百二十).
_G3 = rf"(?:{_D}{{1,3}}|{_N}*[十百千]{_N}*)"
# Street numbers: 1丁目2番3号, 二丁目3-4, 十二番地の三, 12番5号, 3-5-2.
_GO = rf"(?:\s*(?:の|{_DASH})?\s*{_N}+\s*号?)?"
_ADDRESS = re.compile(
    rf"{_N}+\s*丁目(?:\s*{_N}+\s*(?:番地?|{_DASH}|の){_GO}(?:\s*{_DASH}\s*{_N}+)?)?"
    rf"|{_N}+\s*番地{_GO}"
    rf"|{_N}+\s*番\s*{_N}+\s*号"
    rf"|(?<!{_NOT_BESIDE})(?!(?:19|20)[0-9]{{2}}{_DASH})"
    rf"{_N}{{1,4}}{_DASH}{_G3}{_DASH}{_G3}(?!{_NOT_BESIDE})"
)
# 番地-号 after a place: a word ending in 町・丁・字・村… or one of the town's own names.
_AFTER_PLACE = rf"\s*(?P<id>{_N}{{1,5}}(?:{_DASH}|の){_N}{{1,4}}(?:(?:{_DASH}|の){_N}{{1,4}})?)(?![0-9])(?!\s*[回人件日時分秒歳年月か個本枚台度%円名代割倍])"
_PLACE_CHAR = r"(?:(?![〇零一二三四五六七八九十百千])[一-鿿ヶケ])"
_PLACE_WORD = rf"(?:大?字{_PLACE_CHAR}{{1,6}}|{_PLACE_CHAR}{{0,6}}(?:町|丁|村|区|郡|郷|条|通り?))"


@lru_cache(maxsize=16)
def _after_place(places: tuple[str, ...]) -> re.Pattern[str]:
    known = "|".join(re.escape(place) for place in places)
    return re.compile(rf"(?:{_PLACE_WORD}{'|' + known if known else ''}){_AFTER_PLACE}")


@lru_cache(maxsize=16)
def _names(places: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(place) for place in places))


def _phone_end(run: str) -> int:
    """Where the phone number at the start of a run of digits and separators ends (0: none).

    Domestic numbers: 10 or 11 digits from a leading 0; international ones: +81 or 81, an
    optional (0), then 9 or 10 digits. The groups are taken up to the first that reaches
    the count, so a number written beside another number takes only its own digits.
    """
    groups = [(m.end(), digits(m.group())) for m in re.finditer(rf"{_D}+", run)]
    if not groups:
        return 0
    first = groups[0][1]
    if run.lstrip("(（").startswith("+") or (first == "81" and len(groups) > 1):
        if first.startswith("81") and len(first) > 2:  # +819012345678
            groups[0] = (groups[0][0], first[2:])
        else:
            groups = groups[1:]
        if groups and groups[0][1] == "0":  # the trunk (0) of +81 (0)90
            groups = groups[1:]
        if groups and groups[0][1].startswith("0"):
            groups[0] = (groups[0][0], groups[0][1][1:])
        wanted = (9, 10)
    elif first.startswith("0"):
        wanted = (10, 11)
    else:
        return 0
    count = 0
    for end, group in groups:
        count += len(group)
        if count in wanted:
            return end
        if count > wanted[-1]:
            return 0
    return 0


_GROUP_START = re.compile(rf"\+|[(（]?(?<!{_D}){_D}")


def _phones(text: str) -> Iterable[tuple[int, int]]:
    """Phone numbers; one run of digits and separators may hold two, or a count and one."""
    for match in _PHONE_RUN.finditer(text):
        run, done = match.group(), 0
        for group in _GROUP_START.finditer(run):
            if group.start() < done:
                continue
            end = _phone_end(run[group.start() :])
            if end:
                done = group.start() + end
                number = run[group.start() : done]
                # A bracket around the whole number stays; one around the area code is masked.
                opened = number[0] in "(（" and not any(c in number for c in ")）")
                yield match.start() + group.start() + opened, match.start() + done


def _my_numbers(text: str) -> Iterable[tuple[int, int]]:
    for match in _MY_NUMBER_LABEL.finditer(text):
        yield match.span("id")
    for match in _MY_NUMBER.finditer(text):
        if my_number_valid(digits(match.group())):
            yield match.span()


def my_number_valid(number: str) -> bool:
    """Whether 12 digits carry a valid individual-number check digit (総務省令第85号).

    >>> my_number_valid("123456789018"), my_number_valid("123456789012")
    (True, False)
    """
    if len(number) != 12 or not number.isdigit():
        return False
    body = number[:11]
    total = sum(int(body[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    remainder = total % 11
    return int(number[11]) == (0 if remainder <= 1 else 11 - remainder)


def _matches(pattern: re.Pattern[str]) -> Callable[[str], Iterable[tuple[int, int]]]:
    def spans(text: str) -> Iterable[tuple[int, int]]:
        for match in pattern.finditer(text):
            group = next((g for g in ("id", "handle") if match.groupdict().get(g)), None)
            yield match.span(group) if group else match.span()

    return spans


# What a text must hold for a finder to look at it: most answers hold no digit at all.
_AT = re.compile("@")
_ANY_DIGIT = re.compile(_N)


@lru_cache(maxsize=16)
def _finders(places: tuple[str, ...]) -> Sequence[tuple[re.Pattern[str], Callable, str]]:
    """Each finder with what its text must hold and its mask, in the order they run (each
    on what the one before left)."""
    return (
        (_AT, _matches(_EMAIL), EMAIL_MASK),
        (
            re.compile(r"@|ID|id|Id|アイディ|アカウント|ユーザー名"),
            _matches(_ACCOUNT),
            ACCOUNT_MASK,
        ),
        (_ANY_DIGIT, _my_numbers, MY_NUMBER_MASK),
        (_ANY_DIGIT, _matches(_BIRTH_DATE), BIRTH_DATE_MASK),
        (_ANY_DIGIT, _phones, PHONE_MASK),
        (_ANY_DIGIT, _matches(_POSTAL), POSTAL_MASK),
        (_ANY_DIGIT, _matches(_PLATE), PLATE_MASK),
        (_ANY_DIGIT, _matches(_ROOM), ROOM_MASK),
        (_ANY_DIGIT, _matches(_after_place(places)), ADDRESS_MASK),
        (_ANY_DIGIT, _matches(_ADDRESS), ADDRESS_MASK),
    )


def mask_patterns(text: str, places: tuple[str, ...] = ()) -> tuple[str, list[int]]:
    """The text with every identifier masked, and where each character of the result was
    in ``text`` (-1 for a mask's characters). ``places``: the town's own names; a match
    inside one (the 行政区 「本町一丁目」) is part of the name, not an address."""
    origin = list(range(len(text)))
    names = None
    for needed, find, mask in _finders(places):
        if not needed.search(text):
            continue
        pieces: list[str] = []
        places_of: list[int] = []
        cursor = 0
        if names is None:
            names = [m.span() for m in _names(places).finditer(text)] if places else []
        for start, end in find(text):
            if start < cursor or start == end or any(s <= start and end <= e for s, e in names):
                continue
            pieces += [text[cursor:start], mask]
            places_of += origin[cursor:start] + [-1] * len(mask)
            cursor = end
        if pieces:
            text = "".join(pieces) + text[cursor:]
            origin = places_of + origin[cursor:]
            names = None
    return text, origin
