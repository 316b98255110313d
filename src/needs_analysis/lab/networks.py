"""Co-occurrence networks with the workbench's filters: the parts of speech counted, and
圏域, categories or an attribute drawn as nodes of their own (KH Coder's 外部変数 nodes).

A group node (「圏域: 北山」) is linked to the words most typical of its answers by the
Jaccard coefficient between "the answer is in the group" and "the answer contains the word"
(the measure the word-to-word edges use), so the picture shows which words each group's
answers share. Groups with fewer answers than the disclosure threshold are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.text.tokens import DEFAULT_STOPWORDS
from needs_analysis.textstats.common import _MASK_PATTERN, _PERSON_POS, FILLER_STOPWORDS, GROUPINGS
from needs_analysis.textstats.documents import _group_rows, _word_rows, select_documents

# The name of a group network's group nodes on the chart (its words are named 語).
GROUP_NODES = "グループ"

# Parts of speech a coordinator can choose (UniDic's top level), with their names.
PARTS_OF_SPEECH: dict[str, tuple[str, ...]] = {
    "名詞": ("名詞-普通名詞", "名詞-固有名詞"),
    "動詞": ("動詞-一般",),
    "形容詞": ("形容詞-一般",),
    "形状詞": ("形状詞-一般",),
    "副詞": ("副詞",),
}


def with_parts_of_speech(
    documents: pd.DataFrame, kinds: list[str], extra_stopwords: tuple[str, ...] = ()
) -> pd.DataFrame:
    """A copy of the documents whose counted words are those of the chosen parts of speech
    (the same stop words and mask rules as the saved words)."""
    prefixes = tuple(p for kind in kinds for p in PARTS_OF_SPEECH.get(kind, ()))
    stop = DEFAULT_STOPWORDS | FILLER_STOPWORDS | frozenset(extra_stopwords)
    lemmas, surfaces = [], []
    for text, tokens, starts in zip(
        documents["text"], documents["tokens"], documents["starts"], strict=True
    ):
        spans = [m.span() for m in _MASK_PATTERN.finditer(text or "")]
        kept = [
            token
            for token, start in zip(tokens, starts, strict=True)
            if token.pos.startswith(prefixes)
            and not token.pos.startswith(_PERSON_POS)
            and token.lemma not in stop
            and not token.lemma.isdigit()
            and not any(b <= start < e for b, e in spans)
        ]
        lemmas.append(tuple(t.lemma for t in kept))
        surfaces.append(tuple(t.surface for t in kept))
    return documents.assign(lemmas=lemmas, surfaces=surfaces)


@dataclass(frozen=True)
class GroupNetwork:
    """``groups``: group, label (node name), size_label. ``edges``: group, word, jaccard,
    count (answers of the group with the word). ``words``: word, doc_count."""

    by: str
    groups: pd.DataFrame
    edges: pd.DataFrame
    words: pd.DataFrame
    notes: tuple[str, ...]


def group_network(
    documents: pd.DataFrame,
    by: str = "area",
    *,
    min_doc_count: int = 3,
    edges_per_group: int = 6,
    min_count: int = 5,
) -> GroupNetwork:
    """Each group linked to its ``edges_per_group`` strongest words (Jaccard), each link
    made of at least ``min_count`` answers."""
    selected = select_documents(documents)
    words = _word_rows(selected).drop_duplicates(["doc", "word"])
    groups = _group_rows(selected, by)
    sizes = groups.groupby("group").size()
    rule = Disclosure(min_count)
    small = {g for g, n in sizes.items() if rule.is_small(n)}
    doc_counts = words["word"].value_counts()
    words = words[words["word"].map(doc_counts) >= min_doc_count]
    joined = words.merge(groups[~groups["group"].isin(small)], on="doc")
    both = joined.groupby(["group", "word"]).size().rename("count").reset_index()
    both = both[~both["count"].map(rule.is_small)]  # a link stands for its answers
    either = both["group"].map(sizes).to_numpy(float) + both["word"].map(doc_counts).to_numpy(float)
    both["jaccard"] = both["count"].to_numpy(float) / (either - both["count"].to_numpy(float))
    both = both.sort_values(["group", "jaccard", "word"], ascending=[True, False, True])
    edges = both.groupby("group", sort=False).head(edges_per_group).reset_index(drop=True)
    name = GROUPINGS.get(by, by)
    shown = [g for g in sizes.index if g not in small]
    table = pd.DataFrame(
        {
            "group": shown,
            "label": [f"{name}: {g}" for g in shown],
            "size_label": [rule.label(sizes[g]) for g in shown],
        }
    )
    used = sorted(set(edges["word"]))
    word_table = pd.DataFrame({"word": used, "doc_count": [int(doc_counts[w]) for w in used]})
    notes = (
        (f"回答が{rule.threshold}件未満の{name}（{len(small)}件）は描いていません。",)
        if small
        else ()
    )
    return GroupNetwork(by, table, edges, word_table, notes)
