"""Council paper in plain Japanese: the words a handout and the overview use for a finding.

A council member reads 「町全体より高い（偶然とは考えにくい差）」, not 有意 or q値; 「割合の幅
（この範囲にあると考えられます）」, not 95%区間; the resources of an area against the town's
level (「町全体の約0.6倍」), not 「1.16か所」 per 1,000. The statistics stay in the workbook's
technical columns and in ``docs/method.md``; one short 用語の説明 box explains the few terms a
page must keep.
"""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import HTML

from needs_analysis.gaps.provision import UNIT_PLACES, UNIT_SESSIONS
from needs_analysis.gaps.table import VERDICT_GAP, VERDICT_NO_DATA, VERDICT_TOO_FEW

HIGHER = "町全体より高い（偶然とは考えにくい差）"
NOT_JUDGED = "回答が少ないため差を判断できません"
RANGE_HEADER = "割合の幅"
RANGE_MEANING = "この範囲にあると考えられます"
HIDDEN_FIGURES = "人数が少ないため、このセルの割合などの数字は載せていません"

# The terms a page keeps, each explained in one sentence.
TERMS = {
    "割合": "自由記述を書いた人のうち、その困りごとに当てはまる回答をした人の割合です。",
    RANGE_HEADER: (
        "回答した人がたまたまこの顔ぶれだったことによる揺れを考えると、本当の割合は"
        "この範囲にあると考えられます（20回に19回はこの幅に入る見込みです）。"
    ),
    "高い": (
        f"{HIGHER}：ほかの圏域との差が、たまたま回答した人の違いでは説明しにくいほど"
        "大きいことです（たくさんの組み合わせを同時に比べていることも考えに入れています）。"
    ),
    VERDICT_GAP: (
        "困りごとが町全体より高く（偶然とは考えにくい差）、対応する資源が町全体の水準より"
        "はっきり少ない組み合わせです。話し合うきっかけで、不足を断定するものではありません。"
    ),
    "5未満・非表示": (
        "人数が少ないところは「5未満」とし、そこから計算できる数字は出していません。"
        "引き算で分かってしまうところも「非表示」にしています。"
    ),
}


def terms_box(terms: tuple[str, ...] = tuple(TERMS), threshold: int = 5) -> HTML:
    """The 用語の説明 box: one sentence per term, in the page's order."""
    items = []
    for term in terms:
        meaning = TERMS[term]
        if term == "5未満・非表示":
            term = f"{threshold}未満・非表示"
            meaning = meaning.replace("5未満", f"{threshold}未満")
        items.append(f"<tr><th>{term}</th><td>{meaning}</td></tr>")
    return HTML(f'<div class="na-terms"><b>用語の説明</b><table>{"".join(items)}</table></div>')


def level_words(ratio: float, short: bool = False) -> str:
    """An area's provision against the town's level: 「町全体の約0.6倍」, 「町全体と同じくらい」
    (``short``, for a table cell under a header that names the town: 「約0.6倍」, 「同じくらい」)."""
    if ratio is None or pd.isna(ratio):
        return "—"
    if ratio == 0:
        return "なし"
    town = "" if short else "町全体"
    if 0.95 <= ratio <= 1.05:
        return f"{town}と同じくらい" if town else "同じくらい"
    return f"{town}{'の' if town else ''}約{ratio:.1f}倍"


def provision_level(row) -> float:
    """The area's provision per 65+ resident divided by the town's (0 without resources;
    NaN where a population is missing)."""
    if int(getattr(row, "resources", 0) or 0) == 0:
        return 0.0
    town = getattr(row, "municipal_per_1000", math.nan)
    here = getattr(row, "per_1000", math.nan)
    if pd.isna(town) or pd.isna(here) or town <= 0:
        return math.nan
    return float(here) / float(town)


def what_is_there(row) -> str:
    """The area's resources for the category in words: 「2か所・月8回」, 「1か所・延べ月120人分」."""
    resources = int(getattr(row, "resources", 0) or 0)
    if resources == 0:
        return "資源なし"
    unit = getattr(row, "supply_unit", "")
    text = f"{resources}か所"
    sessions = getattr(row, "sessions_per_month", math.nan)
    places = getattr(row, "places_per_month", math.nan)
    if unit in (UNIT_SESSIONS, UNIT_PLACES) and not pd.isna(sessions):
        text += f"・月{sessions:g}回"
    if unit == UNIT_PLACES and not pd.isna(places):
        text += f"・延べ月{places:g}人分"
    return text


def supply_sentence(row) -> str:
    """「資源は1か所・月2回で、65歳以上の人数あたりでは町全体の約0.1倍」."""
    if int(getattr(row, "resources", 0) or 0) == 0:
        return "この圏域に対応する資源はありません"
    level = level_words(provision_level(row))
    if level == "—":
        return f"資源は{what_is_there(row)}です（65歳以上人口が未設定のため町全体と比べられません）"
    return f"資源は{what_is_there(row)}で、65歳以上の人数あたりでは{level}です"


def plain_reason(row, supply_margin: float = 0.75, prefix: bool = True) -> str:
    """Why a 圏域 × category is, or is not, a candidate, in plain words with its two
    numbers (rates as published; a hidden cell says only that it is hidden). ``prefix``:
    a candidate's sentence starts with 「不足の候補：」."""
    if row.n == 0:
        return VERDICT_NO_DATA
    if not bool(getattr(row, "shown", True)):
        return f"{VERDICT_GAP}（{HIDDEN_FIGURES}）" if row.flag else HIDDEN_FIGURES
    if row.verdict == VERDICT_TOO_FEW:
        return NOT_JUDGED
    corrected = bool(getattr(row, "corrected", False) is True)
    what = "補正した割合" if corrected else "割合"
    need = f"{what} {row.rate:.1%}"
    if not pd.isna(row.municipal_rate):
        need += f"（町全体 {row.municipal_rate:.1%}）"
    if not row.above:
        if not pd.isna(row.municipal_rate) and row.rate > row.municipal_rate:
            return f"{need}。町全体より高めですが、偶然の差と区別できるほどではありません"
        return f"{need}。町全体より高いとは言えません"
    if row.flag:
        return f"{VERDICT_GAP}：{need}は{HIGHER}。{supply_sentence(row)}".removeprefix(
            "" if prefix else f"{VERDICT_GAP}："
        )
    return (
        f"{need}は{HIGHER}。{supply_sentence(row)}。資源が町全体の水準の"
        f"{supply_margin:.0%}以上あるため、不足の候補にはしていません"
    )


def short_reason(row) -> str:
    """The reason of a ranked gap in a table cell beside its figures: what is high and
    what the resources are, 「高い（偶然とは考えにくい差）・資源なし」."""
    if not bool(getattr(row, "shown", True)):
        return HIDDEN_FIGURES
    level = level_words(provision_level(row))
    resources = "資源なし" if level == "なし" else f"資源は{level}"
    return f"割合が{HIGHER}・{resources}"


def verdict_words(row) -> str:
    """The short judgement in a table cell: 不足の候補 / 高い / — / 判断できない (the 用語の
    説明 box says what 高い means)."""
    if row.n == 0:
        return "回答なし"
    if row.verdict == VERDICT_TOO_FEW:
        return "判断できない"
    if not bool(getattr(row, "shown", True)):
        return VERDICT_GAP if row.flag else "—"
    if row.flag:
        return VERDICT_GAP
    return "高い" if row.above else "—"


def tied_first(names: list[str]) -> str:
    """「「A」」 or 「「A」と「B」（同じ人数）」: the top of a ranking, ties said as ties."""
    quoted = "と".join(f"「{name}」" for name in names)
    return quoted if len(names) == 1 else f"{quoted}（同じ人数）"
