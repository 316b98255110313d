"""Constants the word statistics share: carried columns, groupings, Japanese headers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from needs_analysis.privacy.masking import MASKS

if TYPE_CHECKING:
    pass


# Respondent attributes carried from the responses into the documents frame, when present.
# The raw answer is never carried: only its masked form, in ``text``.
CARRIED_COLUMNS = (
    "respondent_id",
    "fiscal_year",
    "area",
    "district",
    "age_group",
    "sex",
    "household",
    "categories",
    "confidence",
    "evidence",
)
# What a table can be grouped by, with the Japanese name of each grouping.
GROUPINGS: dict[str, str] = {
    "area": "圏域",
    "category": "分類",
    "household": "世帯構成",
    "age_group": "年齢区分",
    "sex": "性別",
}
CROSSTAB_DIMENSIONS = ("age_group", "sex", "household")
NO_ANSWER = "無回答"
# The taxonomy's label for answers with no need (classify gives it as ("その他",)).
OTHER_LABEL = "その他"
# Display order of the household types the survey offers; other values follow, sorted.
HOUSEHOLD_ORDER = ("一人暮らし", "夫婦のみ", "その他")

# Japanese headers for every column these functions return (see :func:`japanese_headers`).
COLUMN_LABELS: dict[str, str] = {
    "respondent_id": "回答者ID",
    "fiscal_year": "年度",
    "area": "圏域",
    "district": "行政区",
    "age_group": "年齢区分",
    "sex": "性別",
    "household": "世帯構成",
    "categories": "分類",
    "confidence": "確からしさ",
    "evidence": "根拠",
    "text": "回答（マスク済み）",
    "group": "集計単位",
    "grouping": "集計の軸",
    "category": "分類",
    "word": "語",
    "forms": "表記",
    "term_count": "出現回数",
    "doc_count": "出現回答数",
    "n_docs": "回答数",
    "doc_rate": "出現率",
    "rank": "順位",
    "left": "左の文脈",
    "keyword": "キーワード",
    "right": "右の文脈",
    "highlighted": "回答（根拠語に印）",
    "count_in": "回答数（対象）",
    "n_in": "回答者数（対象）",
    "rate_in": "出現率（対象）",
    "count_out": "回答数（それ以外）",
    "n_out": "回答者数（それ以外）",
    "rate_out": "出現率（それ以外）",
    "ratio": "出現率の比",
    "g2": "対数尤度比G²",
    "p_value": "p値",
    "dimension": "集計の軸",
    "level": "区分",
    "n": "自由記述の回答者数",
    "count": "該当人数",
    "rate": "割合",
    "residual": "調整済み標準化残差",
    "suppressed": "少数のため非表示",
    "count_label": "該当人数（表示）",
    "n_label": "回答者数（表示）",
    "source": "語1",
    "target": "語2",
    "cooccurrence": "共起回答数",
    "jaccard": "Jaccard係数",
    "community": "グループ",
    "color_group": "色分け",
    "degree": "つながりの数",
}

# Words the word views leave out on top of the tokenizer's stop words: politeness and
# fillers (よろしく, お願い, 後, 使う …) that top every town's list and say nothing about
# its needs. As UniDic lemmas; classification does not use this list.
FILLER_STOPWORDS: frozenset[str] = frozenset(
    "宜しく 宜しい 願う 御願い 有り難い 有り難う 下さる 頂く 致す 御座る 存じる 申す 申し上げる"
    " 後 前 使う 分かる 度 もう 最近 正直 色々 中々 是非 少し 等 又 皆様 今後 以上 先 其の 此の"
    " 思い 感じる 考える".split()
)

# Brackets around the evidence words in :func:`why_labeled`'s full text. They differ from
# the 【】 of the masks so that a masked phone number never looks like evidence.
HIGHLIGHT_OPEN = "《"
HIGHLIGHT_CLOSE = "》"
# An adjusted residual beyond this marks a cell as different from the rest (two-sided 5%).
ASSOCIATION_THRESHOLD = 1.96
ASSOCIATION_ALPHA = 0.05
NO_LEANING = "偏りなし"

_MASKS = MASKS
_MASK_PATTERN = re.compile("|".join(re.escape(mask) for mask in _MASKS))
# UniDic's tag for personal names; the masker replaces them, and this drops any it missed.
_PERSON_POS = "名詞-固有名詞-人名"
# The parts of speech a query may end with and still mean its content word (送って → 送る).
_FUNCTION_POS = ("助詞", "助動詞", "補助記号", "接尾辞", "空白")

if TYPE_CHECKING:
    pass

SortOrder = Literal["order", "left", "right"]
# Keys of DataFrame.attrs where build_documents records its rules file and user dictionary.
ATTRS_RULES = "needs_analysis.coding.rules"
ATTRS_USER_DICTIONARY = "needs_analysis.user_dictionary"
