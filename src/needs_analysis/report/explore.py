"""The exploration page for any town: keyword views chosen from its own answers, and word
tables in plain Japanese (counts with separators, 「p < 0.001」 rather than 9.2e-30).

The keywords for the keyword-in-context view and the category for the "why was this
answer labeled" view come from the config (``[report] kwic`` / ``category``) or the
command line; left empty, they are the town's own most characteristic words and its most
frequent category, so a town never opens a page about another town's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

import pandas as pd
from IPython.display import HTML

from needs_analysis import textstats
from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.privacy.masking import without_quasi_identifiers

# How many keywords the page shows when none are configured.
DEFAULT_KEYWORDS = 3


def keyword_list(value: str | Iterable[str]) -> list[str]:
    """「送迎,ゴミ」 / 「送迎、ゴミ」 / a list → ["送迎", "ゴミ"], blanks and repeats dropped."""
    words = value.replace("、", ",").split(",") if isinstance(value, str) else list(value)
    return list(dict.fromkeys(word.strip() for word in words if word.strip()))


def default_keywords(documents: pd.DataFrame, how_many: int = DEFAULT_KEYWORDS) -> list[str]:
    """The town's own characteristic words: the strongest word of each 圏域 (by G²),
    strongest first; the most frequent words when the areas do not differ."""
    words: list[str] = []
    if "area" in documents.columns and documents["area"].nunique() > 1:
        strongest = textstats.characteristic_words(documents, by="area", top_n=1)
        words = list(strongest.sort_values("g2", ascending=False)["word"])
    if len(words) < how_many:
        frequent = textstats.word_frequencies(documents, top_n=how_many * 2)
        words += list(frequent["word"])
    return keyword_list(words)[:how_many]


def default_category(documents: pd.DataFrame, labels: Iterable[str]) -> str:
    """The category most answers carry (その他 only when nothing else is found)."""
    counts = pd.Series(
        [label for found in documents["categories"] for label in found], dtype=object
    ).value_counts()
    for label in counts.index:
        if label != textstats.OTHER_LABEL and label in set(labels):
            return str(label)
    return textstats.OTHER_LABEL


def chosen_keywords(documents: pd.DataFrame, keywords: str) -> list[str]:
    """The configured keywords, or the default ones when none are configured."""
    return keyword_list(keywords) or default_keywords(documents)


def chosen_category(documents: pd.DataFrame, category: str, labels: Iterable[str]) -> str:
    return category.strip() or default_category(documents, labels)


def kwic_sections(run, documents: pd.DataFrame, keywords: str, area: str = "", rows: int = 20):
    """One keyword-in-context table per keyword, each under its own small heading.

    Only the context is shown: no respondent ID or attribute stands beside an answer.
    """
    chosen = chosen_keywords(documents, keywords)
    if not chosen:
        return HTML("<p>語が見つからないため、文脈の表はありません。</p>")
    where = "設定された語" if keyword_list(keywords) else "この町の回答で特徴的な語"
    parts = [f"<p>{escape(where)}: {escape('、'.join(chosen))}</p>"]
    for word in chosen:
        parts.append(f"<h3>「{escape(word)}」</h3>{_kwic_block(run, documents, word, area, rows)}")
    return HTML("".join(parts))


def _kwic_block(run, documents: pd.DataFrame, word: str, area: str, rows: int) -> str:
    if reason := _too_few(run, documents, area):
        return f"<p>{escape(reason)}</p>"
    lines = without_quasi_identifiers(
        textstats.kwic(documents, word, area=area or None, sort="right")
    )
    if lines.empty:
        return f"<p>「{escape(word)}」を含む回答はありません。</p>"
    shown = lines[["left", "keyword", "right"]].head(rows)
    note = f"<p>出てくる箇所 {len(lines):,}か所"
    note += f"、うち{len(shown):,}か所を表示。</p>" if len(shown) < len(lines) else "。</p>"
    table = shown.rename(columns={"left": "左の文脈", "keyword": "語", "right": "右の文脈"})
    return note + table.to_html(index=False, escape=True, border=0)


def why_labeled_section(
    run, documents: pd.DataFrame, category: str, area: str = "", rows: int = 20
) -> HTML:
    """The answers of one category with the words that decided it (no IDs or attributes)."""
    chosen = chosen_category(documents, category, run.taxonomy.labels)
    if chosen not in (*run.taxonomy.labels, textstats.OTHER_LABEL):
        known = "、".join(run.taxonomy.labels)
        return HTML(f"<p>「{escape(chosen)}」という分類はありません（分類: {escape(known)}）。</p>")
    heading = f"<h3>分類「{escape(chosen)}」</h3>"
    if reason := _too_few(run, documents, area, chosen):
        return HTML(f"{heading}<p>{escape(reason)}</p>")
    lines = without_quasi_identifiers(textstats.why_labeled(documents, chosen, area=area or None))
    shown = lines[["evidence", "highlighted"]].head(rows)
    table = shown.rename(
        columns={"evidence": "根拠の語", "highlighted": "回答（根拠の語を《》で示す）"}
    )
    note = f"<p>この分類の回答 {len(lines):,}件のうち{len(shown):,}件を表示。</p>"
    return HTML(heading + note + table.to_html(index=False, escape=True, border=0))


def _too_few(run, documents: pd.DataFrame, area: str, category: str = "") -> str:
    """Why no answer may be shown for this selection (the disclosure rule calls it small)."""
    scope = documents[documents["has_text"]]
    if area:
        scope = scope[scope["area"] == area]
    if category:
        scope = scope[scope["categories"].map(lambda found: category in found)]
    if len(scope) == 0 or Disclosure(run.min_count).is_small(len(scope)):
        return f"該当する回答が{run.min_count}件未満のため、回答の文脈は載せていません。"
    return ""


def p_text(value: float) -> str:
    """A p-value as people read it: 「p < 0.001」, or three decimals."""
    if pd.isna(value):
        return "—"
    return "p < 0.001" if value < 0.001 else f"{value:.3f}"


def frequency_table(documents: pd.DataFrame, area: str = "", top_n: int = 30) -> HTML:
    """The most frequent words, with the number of answers they are out of said once."""
    words = textstats.word_frequencies(documents, area=area or None, top_n=top_n)
    total = len(textstats.select_documents(documents, area=area or None))
    shown = pd.DataFrame(
        {
            "順位": words["rank"],
            "語": words["word"],
            "表記": words["forms"],
            "出現回数": words["term_count"].map("{:,}".format),
            "出現回答数": words["doc_count"].map("{:,}".format),
            "出現率": words["doc_rate"].map(lambda v: f"{v * 100:.1f}%"),
        }
    )
    note = f"<p>自由記述 {total:,}件のうち、その語を含む回答の数と割合です。</p>"
    return HTML(note + shown.to_html(index=False, escape=True, border=0))


def characteristic_table(documents: pd.DataFrame, by: str = "area", top_n: int = 8) -> HTML:
    """Characteristic words per group: rates in and outside the group, ratio, the strength
    of the difference (G²) and how likely chance alone gives it (p), under plain headers."""
    words = textstats.characteristic_words(documents, by=by, top_n=top_n)
    if words.empty:
        return HTML("<p>ほかと比べて目立って多い語はありません。</p>")
    shown = pd.DataFrame(
        {
            textstats.GROUPINGS.get(by, by): words[by],
            "語": words["word"],
            "対象での出現": [
                f"{c:,} / {n:,}（{r * 100:.1f}%）"
                for c, n, r in zip(words["count_in"], words["n_in"], words["rate_in"], strict=True)
            ],
            "それ以外での出現": [
                f"{c:,} / {n:,}（{r * 100:.1f}%）"
                for c, n, r in zip(
                    words["count_out"], words["n_out"], words["rate_out"], strict=True
                )
            ],
            "出現率の比": words["ratio"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}倍"),
            "特徴の強さ（G²）": words["g2"].map(lambda v: f"{v:.1f}"),
            "偶然でも起こる確率": words["p_value"].map(p_text),
        }
    )
    return HTML(shown.to_html(index=False, escape=True, border=0))
