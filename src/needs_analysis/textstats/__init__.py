"""Word statistics over the free-text answers: what a coordinator opens KH Coder for.

Every answer is normalised, masked and tokenised once, in :func:`build_documents`; the
other functions take that "documents" frame (one row per respondent) and return new
DataFrames without changing it:

- :func:`word_frequencies` — how often each word occurs (term count) and in how many
  answers (document count), overall or per 圏域, category, household type …;
- :func:`kwic` — keyword in context, and :func:`why_labeled` — the same view for the
  answers of one category with the words that decided the category as the keyword;
- :func:`cooccurrence_network` — words that appear in the same answers (Jaccard), laid out
  with networkx; ``charts_text.network_figure`` draws it;
- :func:`characteristic_words` — the words of one 圏域 (or household type) against the
  rest, ranked by the log-likelihood ratio G²;
- :func:`category_crosstab` — categories by age group, sex and household type, with
  adjusted standardised residuals and small cells suppressed.

Words are UniDic lemmas mapped through the synonym table of the coding rules (ゴミ, ごみ and
塵 count as one word, shown as ゴミ), restricted to content parts of speech and with stop
words removed, exactly as :func:`needs_analysis.text.mecab.content_tokens` filters them.

Privacy: the text is masked (names, phone numbers, addresses …) *before* it is tokenised,
so no name can become a "word" and every context shown is cut from the masked text. The
words inside a mask (電話 and 番号 of 【電話番号】) are not counted.

The package's modules: :mod:`~needs_analysis.textstats.documents` (the documents frame),
:mod:`~needs_analysis.textstats.frequencies` (frequencies, KWIC, why an answer got its
category), :mod:`~needs_analysis.textstats.network` (co-occurrence, word leanings),
:mod:`~needs_analysis.textstats.characteristic` (characteristic words),
:mod:`~needs_analysis.textstats.crosstab` (categories by attribute, display helpers) and
:mod:`~needs_analysis.textstats.common` (shared constants). Everything public is
re-exported here.
"""

from needs_analysis.textstats.characteristic import (
    characteristic_words,
    group_word_counts,
    log_likelihood_ratio,
)
from needs_analysis.textstats.common import (
    ASSOCIATION_ALPHA,
    ASSOCIATION_THRESHOLD,
    ATTRS_RULES,
    ATTRS_USER_DICTIONARY,
    CARRIED_COLUMNS,
    COLUMN_LABELS,
    CROSSTAB_DIMENSIONS,
    FILLER_STOPWORDS,
    GROUPINGS,
    HIGHLIGHT_CLOSE,
    HIGHLIGHT_OPEN,
    HOUSEHOLD_ORDER,
    NO_ANSWER,
    NO_LEANING,
    OTHER_LABEL,
    SortOrder,
)
from needs_analysis.textstats.crosstab import (
    category_crosstab,
    crosstab_table,
    japanese_headers,
    level_counts,
    style_kwic,
)
from needs_analysis.textstats.documents import (
    build_documents,
    select_documents,
)
from needs_analysis.textstats.frequencies import (
    evidence_words,
    kwic,
    why_labeled,
    word_frequencies,
)
from needs_analysis.textstats.network import (
    Network,
    cooccurrence_network,
    jaccard_matrix,
    word_leanings,
)

__all__ = [
    "ASSOCIATION_ALPHA",
    "ASSOCIATION_THRESHOLD",
    "ATTRS_RULES",
    "ATTRS_USER_DICTIONARY",
    "CARRIED_COLUMNS",
    "COLUMN_LABELS",
    "CROSSTAB_DIMENSIONS",
    "FILLER_STOPWORDS",
    "GROUPINGS",
    "HIGHLIGHT_CLOSE",
    "HIGHLIGHT_OPEN",
    "HOUSEHOLD_ORDER",
    "NO_ANSWER",
    "NO_LEANING",
    "Network",
    "OTHER_LABEL",
    "SortOrder",
    "build_documents",
    "category_crosstab",
    "characteristic_words",
    "cooccurrence_network",
    "crosstab_table",
    "evidence_words",
    "group_word_counts",
    "jaccard_matrix",
    "japanese_headers",
    "kwic",
    "level_counts",
    "log_likelihood_ratio",
    "select_documents",
    "style_kwic",
    "why_labeled",
    "word_frequencies",
    "word_leanings",
]
