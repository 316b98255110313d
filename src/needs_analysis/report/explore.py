"""The exploration page for any town: keyword views chosen from its own answers, and word
tables in plain Japanese (counts with separators, 「p < 0.001」 rather than 9.2e-30).

The keywords for the keyword-in-context view and the category for the "why was this
answer labeled" view come from the config (``[report] kwic`` / ``category``) or the
command line; left empty, they are the town's own most characteristic words and its most
frequent category, so a town never opens a page about another town's words.

Every count on the page follows the disclosure rule of the other pages: a group's n is the
one the overview (圏域) or the cross-tabulation (attributes) publishes, with the same
status; a group whose n is hidden there is not listed here; a word is counted only where
at least ``threshold`` answers hold it, in and outside the group; and a word's counts per
group are shown only where what is left unshown cannot be found from them
(``privacy.bounds.bounded_recoverable``). Keyword views, word tables and the network show
nothing for a selection of fewer than ``threshold`` answers or one whose count is hidden;
one 圏域's word list and network leave out words whose answers outside the 圏域 are small
in number (the town's count less the 圏域's would tell them).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

import pandas as pd
from IPython.display import HTML

from needs_analysis import textstats
from needs_analysis.privacy.bounds import bounded_recoverable
from needs_analysis.privacy.disclosure import COMPLEMENT_LABEL, SHOWN, SMALL, protect_gaps
from needs_analysis.privacy.masking import without_quasi_identifiers
from needs_analysis.report import views
from needs_analysis.report.rundata import year_tables

# How many keywords the page shows when none are configured.
DEFAULT_KEYWORDS = 3
# A longer answer is shown as this many characters around its first evidence word.
SHOWN_ANSWER_CHARS = 400


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
    found = textstats.kwic(documents, word, area=area or None, sort="right")
    if found.empty:
        return f"<p>「{escape(word)}」を含む回答はありません。</p>"
    answers = found["respondent_id"].nunique() if "respondent_id" in found else len(found)
    lines = without_quasi_identifiers(found)
    if run.disclosure.is_small(answers):
        return (
            f"<p>「{escape(word)}」を含む回答が{run.min_count}件未満のため、"
            "文脈は載せていません。</p>"
        )
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
    if chosen == textstats.OTHER_LABEL:
        # Its count is published nowhere: with the town's n it would bound the others.
        return HTML(
            f"{heading}<p>「{escape(chosen)}」は困りごとの分類に当てはまらなかった回答のため、"
            "この表には載せていません。</p>"
        )
    if reason := _too_few(run, documents, area, chosen):
        return HTML(f"{heading}<p>{escape(reason)}</p>")
    lines = without_quasi_identifiers(textstats.why_labeled(documents, chosen, area=area or None))
    shown = lines[["evidence", "highlighted"]].head(rows)
    shown = shown.assign(highlighted=shown["highlighted"].map(excerpt))
    table = shown.rename(
        columns={"evidence": "根拠の語", "highlighted": "回答（根拠の語を《》で示す）"}
    )
    note = f"<p>この分類の回答 {len(lines):,}件のうち{len(shown):,}件を表示。</p>"
    return HTML(heading + note + table.to_html(index=False, escape=True, border=0))


def excerpt(text: str, limit: int = SHOWN_ANSWER_CHARS) -> str:
    """A long answer as ``limit`` characters around its first 《evidence》, the cut marked.

    >>> excerpt("短い回答")
    '短い回答'
    >>> excerpt("あ" * 500 + "《バス》" + "い" * 500, limit=10)
    '…あああ《バス》いいい…（全1,004字）'
    """
    if len(text) <= limit:
        return text
    first = max(text.find("《"), 0)
    start = max(0, min(first - limit // 3, len(text) - limit))
    part = text[start : start + limit]
    before = "…" if start > 0 else ""
    after = "…" if start + limit < len(text) else ""
    return f"{before}{part}{after}（全{len(text):,}字）"


def _too_few(run, documents: pd.DataFrame, area: str, category: str = "") -> str:
    """Why no answer may be shown for this selection: fewer answers than the disclosure
    threshold, or a count the other pages hide (the area's n, the area × category cell)."""
    rule = run.disclosure
    if area and _area_status(run, area) != SHOWN:
        return "この圏域の人数は伏せているため、回答の文脈は載せていません。"
    if area and category and category in run.taxonomy.labels:
        cells = protect_gaps(year_tables(run).gaps, rule)
        cell = cells[(cells["area"] == area) & (cells["category"] == category)]
        if not cell.empty and cell["count_status"].iloc[0] != SHOWN:
            return f"該当する回答の数を伏せている（{rule.small_label}・{COMPLEMENT_LABEL}）ため、回答の文脈は載せていません。"
    scope = documents[documents["has_text"]]
    if area:
        scope = scope[scope["area"] == area]
    if category:
        scope = scope[scope["categories"].map(lambda found: category in found)]
    if len(scope) == 0 or rule.is_small(len(scope)):
        return f"該当する回答が{run.min_count}件未満のため、回答の文脈は載せていません。"
    return ""


def _area_status(run, area: str) -> str:
    counts = views.area_counts(run).set_index("area")
    return str(counts.loc[area, "written_status"]) if area in counts.index else SMALL


def _area_words(run, documents: pd.DataFrame, area: str) -> pd.DataFrame:
    """The documents with, for one 圏域's view, only the words whose answers outside the
    圏域 number none or at least ``threshold``: the town's count of a word less the 圏域's
    would otherwise tell a small count of the other 圏域. The whole town: unchanged."""
    if not area:
        return documents
    written = documents[documents["has_text"].astype(bool)]
    outside = written.loc[written["area"] != area, "lemmas"].map(set)
    counts = pd.Series([w for words in outside for w in words], dtype=object).value_counts()
    dropped = set(counts[counts.map(run.disclosure.is_small)].index)
    if not dropped:
        return documents
    kept = [
        [
            (lemma, surface)
            for lemma, surface in zip(lemmas, surfaces, strict=True)
            if lemma not in dropped
        ]
        for lemmas, surfaces in zip(documents["lemmas"], documents["surfaces"], strict=True)
    ]
    return documents.assign(
        lemmas=[[lemma for lemma, _ in pairs] for pairs in kept],
        surfaces=[[surface for _, surface in pairs] for pairs in kept],
    )


def published_groups(run, documents: pd.DataFrame, by: str) -> pd.DataFrame:
    """Each group's n (answers with text) and its status, as the other pages publish it:
    the overview's respondent table for 圏域, the cross-tabulation for attributes.
    Columns: group, n, status."""
    if by == "area":
        counts = views.area_counts(run)
        return pd.DataFrame(
            {"group": counts["area"], "n": counts["written"], "status": counts["written_status"]}
        )
    levels = textstats.level_counts(documents, by, run.min_count, run.taxonomy.labels)
    return levels.rename(columns={"level": "group"}).reset_index(drop=True)


def p_text(value: float) -> str:
    """A p-value as people read it: 「p < 0.001」, or three decimals."""
    if pd.isna(value):
        return "—"
    return "p < 0.001" if value < 0.001 else f"{value:.3f}"


def frequency_table(run, documents: pd.DataFrame, area: str = "", top_n: int = 30) -> HTML:
    """The most frequent words (each in at least ``threshold`` answers), with the number of
    answers they are out of said once."""
    rule = run.disclosure
    if area and _area_status(run, area) != SHOWN:
        return HTML("<p>この圏域の人数は伏せているため、語の一覧は載せていません。</p>")
    words = textstats.word_frequencies(
        _area_words(run, documents, area),
        area=area or None,
        top_n=top_n,
        min_doc_count=rule.threshold,
    )
    total = len(textstats.select_documents(documents, area=area or None))
    shown = pd.DataFrame(
        {
            "順位": range(1, len(words) + 1),
            "語": words["word"],
            "表記": words["forms"],
            "出現回数": words["term_count"].map("{:,}".format),
            "出現回答数": words["doc_count"].map("{:,}".format),
            "出現率": words["doc_rate"].map(lambda v: f"{v * 100:.1f}%"),
        }
    )
    note = (
        f"<p>自由記述 {rule.label(total)}件のうち、その語を含む回答の数と割合です"
        f"（{rule.threshold}件以上の回答に出てくる語だけを数えています）。</p>"
    )
    return HTML(note + shown.to_html(index=False, escape=True, border=0))


def characteristic_table(run, documents: pd.DataFrame, by: str = "area", top_n: int = 8) -> HTML:
    """Characteristic words per group: answers with the word in and outside the group, the
    ratio of the rates, G² and p, under the disclosure rule (see the module docstring)."""
    rule = run.disclosure
    groups = published_groups(run, documents, by)
    words = characteristic_rows(run, documents, by, top_n)
    hidden = [str(g) for g, n, s in groups.itertuples(index=False) if s != SHOWN and n > 0]
    note = (
        f"<p>人数を伏せている区分（{escape('、'.join(hidden))}）は載せていません。</p>"
        if hidden
        else ""
    )
    if words.empty:
        return HTML(note + "<p>ほかと比べて目立って多い語はありません。</p>")
    shown = pd.DataFrame(
        {
            textstats.GROUPINGS.get(by, by): words[by],
            "語": words["word"],
            "対象での出現": [
                f"{rule.label(c)} / {rule.label(n)}（{r * 100:.1f}%）"
                for c, n, r in zip(words["count_in"], words["n_in"], words["rate_in"], strict=True)
            ],
            "それ以外での出現": [
                f"{rule.label(c)} / {rule.label(n)}（{r * 100:.1f}%）"
                for c, n, r in zip(
                    words["count_out"], words["n_out"], words["rate_out"], strict=True
                )
            ],
            "出現率の比": words["ratio"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}倍"),
            "G²": words["g2"].map(lambda v: f"{v:.1f}"),
            "p値": words["p_value"].map(p_text),
        }
    )
    return HTML(note + shown.to_html(index=False, escape=True, border=0))


def characteristic_rows(run, documents: pd.DataFrame, by: str, top_n: int) -> pd.DataFrame:
    """The rows :func:`characteristic_table` prints: groups whose n is published, words in
    at least ``threshold`` answers of the group and none or at least ``threshold`` outside
    it, and for each word only the groups whose counts leave every unshown group's count
    with two possible values at least."""
    rule = run.disclosure
    groups = published_groups(run, documents, by)
    shown_groups = set(groups.loc[groups["status"] == SHOWN, "group"])
    candidates = textstats.characteristic_words(
        documents, by=by, top_n=top_n * 4, min_doc_count=rule.threshold
    )
    candidates = candidates[
        candidates[by].isin(shown_groups)
        & candidates["count_out"].map(lambda c: c == 0 or not rule.is_small(c))
    ]
    if candidates.empty:
        return candidates
    counts = textstats.group_word_counts(documents, by, list(candidates["word"].unique()))
    by_cell = {(g, w): int(c) for g, w, c in counts.itertuples(index=False)}
    order = list(groups["group"])
    # A group's count of a word is at most its n: the true n, whether or not it is printed
    # (the reader may narrow a hidden n down from other figures; assume the most).
    upper = [int(n) for n in groups["n"]]
    accepted: dict[str, set[str]] = {}
    keep = []
    for index, group, word in zip(
        candidates.index, candidates[by], candidates["word"], strict=True
    ):
        proposed = accepted.get(word, set()) | {group}
        values = [by_cell.get((g, word), 0) for g in order]
        if not bounded_recoverable(rule, values, [g in proposed for g in order], upper):
            accepted[word] = proposed
            keep.append(index)
    kept = candidates.loc[keep]
    return kept.groupby(by, sort=False).head(top_n).reset_index(drop=True)


def network_html(
    run, documents: pd.DataFrame, area: str = "", max_nodes: int = 60, plotly_js: str = "cdn"
) -> HTML:
    """The co-occurrence network: words in at least ``threshold`` answers, joined where at
    least ``threshold`` answers hold both."""
    from needs_analysis.report import charts, charts_text

    if area and _area_status(run, area) != SHOWN:
        return HTML("<p>この圏域の人数は伏せているため、共起ネットワークは載せていません。</p>")
    figure = charts_text.cooccurrence_figure(
        _area_words(run, documents, area),
        area=area or None,
        max_nodes=max_nodes,
        min_doc_count=run.min_count,
        min_cooccurrence=run.min_count,
    )
    return charts.figure_html(figure, plotly_js)
