"""The plan table: 項目 / 困りごとの例 / 件数, as in the 現状と課題 chapter of a municipal plan.

Per category (or per roll-up heading) the number of answers that carry it, and a few
distinct, representative example answers, masked. A category counted below the disclosure
threshold shows no examples; its count is given raw (``count``), with its status under the
disclosure rule (``count_status``) and for display (``count_display``, 「5未満」). A roll-up
heading's count is at most the sum of its categories' counts, so beside a small member it
is hidden (「非表示」) where it would narrow that member down (``privacy.bounds.union_status``).

Examples are chosen from answers the classifier is sure of (high ``confidence``), of a
middle length, that speak of the category alone rather than of several, and that do not
repeat each other (character-bigram Jaccard similarity below a limit). Answers that
contained personal data (found by masking, or already masked by the caller) are used only
when no other answer is left.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from needs_analysis.frames import label_set, require_columns, with_has_text
from needs_analysis.privacy.bounds import union_status
from needs_analysis.privacy.disclosure import SHOWN, SMALL, Disclosure
from needs_analysis.privacy.masking import MASKS as ALL_MASKS
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.text.normalize import normalize_text

if TYPE_CHECKING:  # the tagger is loaded only when answers are masked here
    from needs_analysis.text.mecab import Tokenizer

DEFAULT_EXAMPLES = 3
SIMILARITY_LIMIT = 0.5  # examples at least this similar (bigram Jaccard) count as repeats
IDEAL_LENGTH = (12, 60)  # characters; shorter says too little, longer is hard to print
CANDIDATES_SCANNED = 200  # examples are looked for among the best-scored answers only
# An answer longer than this is never an example: it cannot be printed on a handout, and
# a spreadsheet cell holds at most 32,767 characters.
EXAMPLE_MAX_CHARS = 400

# An answer masked before it reaches us still shows where its personal data was.
MASKS = ALL_MASKS

NOTE_NONE = "該当する回答はありません"
NOTE_SUPPRESSED = "件数が少ないため、回答例は載せません"

PLAN_COLUMNS = [
    "heading",
    "categories",
    "count",
    "count_status",
    "count_display",
    "examples",
    "note",
]
# Marks and spaces that do not make two answers different.
_NOT_CONTENT = re.compile(r"[\s、。，．,.!?！？・…「」『』()（）〜ー-]")


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the normalised text without punctuation and spaces.

    >>> sorted(bigrams("ゴミ出し、大変"))
    ['し大', 'ゴミ', 'ミ出', '出し', '大変']
    """
    core = _NOT_CONTENT.sub("", normalize_text(text))
    if len(core) < 2:
        return frozenset([core]) if core else frozenset()
    return frozenset(core[i : i + 2] for i in range(len(core) - 1))


def jaccard(first: frozenset[str], second: frozenset[str]) -> float:
    """|A ∩ B| / |A ∪ B|; two empty sets are identical (1.0)."""
    if not first and not second:
        return 1.0
    return len(first & second) / len(first | second)


def headings(
    labels: Sequence[str], rollup: Mapping[str, Sequence[str]] | None = None
) -> dict[str, tuple[str, ...]]:
    """Each heading with its member labels, in label order; without a roll-up, one per label."""
    result: dict[str, tuple[str, ...]] = {}
    for label in labels:
        heading = next(
            (name for name, members in (rollup or {}).items() if label in members), label
        )
        result[heading] = (*result.get(heading, ()), label)
    return result


def example_score(text: str, confidence: float, extra_labels: int) -> float:
    """Higher for a sure, mid-length answer about the heading alone."""
    length = len(normalize_text(text))
    low, high = IDEAL_LENGTH
    if length < low:
        length_penalty = (low - length) / low
    elif length > high:
        length_penalty = min(1.0, (length - high) / high)
    else:
        length_penalty = 0.0
    sure = 0.0 if confidence is None or math.isnan(confidence) else float(confidence)
    return sure - 0.5 * length_penalty - 0.15 * extra_labels


def is_repeat(first: str, second: str, similarity: float = SIMILARITY_LIMIT) -> bool:
    """Two answers say the same: similar bigrams, or one is contained in the other.

    >>> is_repeat("話し相手がいない", "通報装置がほしい。あと、話し相手がいない")
    True
    """
    core_first = _NOT_CONTENT.sub("", normalize_text(first))
    core_second = _NOT_CONTENT.sub("", normalize_text(second))
    shorter, longer = sorted((core_first, core_second), key=len)
    if shorter and shorter in longer:
        return True
    return jaccard(bigrams(first), bigrams(second)) >= similarity


def _ranked_candidates(candidates: pd.DataFrame, members: Sequence[str]) -> pd.DataFrame:
    """Distinct non-empty answers short enough to print, best example first."""
    frame = candidates.assign(_normal=candidates["text"].map(normalize_text))
    length = frame["_normal"].str.len()
    frame = frame[(length > 0) & (length <= EXAMPLE_MAX_CHARS)].drop_duplicates("_normal")
    if "confidence" in frame.columns:
        confidence = pd.to_numeric(frame["confidence"], errors="coerce")
    else:
        confidence = pd.Series(math.nan, index=frame.index)
    member_set = set(members)
    labels = frame["categories"].map(label_set)
    frame = frame.assign(
        _labels=labels,
        _score=[
            example_score(text, sure, len(found - member_set))
            for text, sure, found in zip(frame["_normal"], confidence, labels, strict=True)
        ],
    )
    return frame.sort_values(["_score", "_normal"], ascending=[False, True], kind="stable")


def choose_examples(
    candidates: pd.DataFrame,
    members: Sequence[str],
    limit: int = DEFAULT_EXAMPLES,
    tokenizer: Tokenizer | None = None,
    similarity: float = SIMILARITY_LIMIT,
    masked: bool = False,
) -> tuple[str, ...]:
    """Up to ``limit`` masked, distinct example answers from ``candidates``.

    ``candidates`` has ``text``, ``categories`` and optionally ``confidence``; ``masked``:
    the texts are masked already (a run's answers), and are not masked again. For a
    heading of several categories the examples take turns over its categories, the most
    frequent first, so that a heading such as 移動支援等 shows more than one kind of need.
    """
    if limit <= 0 or candidates.empty:
        return ()
    ranked = _ranked_candidates(candidates, members)
    queues = []
    for member in members:
        texts = ranked.loc[ranked["_labels"].map(lambda found, m=member: m in found), "_normal"]
        queues.append(list(texts.head(CANDIDATES_SCANNED)))
    queues = [queue for queue in sorted(queues, key=len, reverse=True) if queue]
    chosen: list[str] = []
    held_back: list[str] = []  # masked answers that had personal data in them
    seen: list[str] = []
    while queues and len(chosen) < limit:
        for queue in list(queues):
            picked = _next_example(queue, seen, similarity, tokenizer, masked)
            if picked is None:
                queues.remove(queue)
                continue
            original, masked = picked
            seen.append(original)
            personal = masked != original or any(mask in original for mask in MASKS)
            (held_back if personal else chosen).append(masked)
            if len(chosen) == limit:
                break
    return tuple(chosen + held_back[: limit - len(chosen)])


def _next_example(
    queue: list[str],
    seen: list[str],
    similarity: float,
    tokenizer: Tokenizer | None,
    masked: bool = False,
) -> tuple[str, str] | None:
    while queue:
        text = queue.pop(0)
        if any(is_repeat(text, other, similarity) for other in seen):
            continue
        return text, text if masked else normalize_text(mask_personal_data(text, tokenizer))
    return None


def plan_table(
    classified: pd.DataFrame,
    labels: Sequence[str],
    min_count: int,
    rollup: Mapping[str, Sequence[str]] | None = None,
    examples: int = DEFAULT_EXAMPLES,
    tokenizer: Tokenizer | None = None,
    masked: bool = False,
) -> pd.DataFrame:
    """Count and example answers per category, or per roll-up heading when ``rollup`` is given.

    ``masked``: the answers are masked already (see :func:`choose_examples`).

    ``count`` is the number of answers that carry the category (for a heading: any of its
    categories, each answer once). Headings counted below ``min_count`` get no examples.
    """
    require_columns(classified, ["text", "categories"], "分類済みの回答の表")
    frame = with_has_text(classified)
    written = frame[frame["has_text"]]
    found = written["categories"].map(label_set)
    rule = Disclosure(min_count)
    own = {
        label: int(found.map(lambda labels_of, label=label: label in labels_of).sum())
        for label in labels
    }
    rows: list[dict[str, object]] = []
    for heading, members in headings(labels, rollup).items():
        carries = found.map(lambda labels_of, members=members: bool(labels_of & set(members)))
        count = int(carries.sum())
        if len(members) > 1:
            status = union_status(rule, count, [own[member] for member in members])
        else:
            status = SMALL if rule.is_small(count) else SHOWN
        if count == 0:
            picked, note = (), NOTE_NONE
        elif status == SMALL:
            picked, note = (), NOTE_SUPPRESSED
        else:
            picked = choose_examples(written[carries], members, examples, tokenizer, masked=masked)
            note = ""
        rows.append(
            {
                "heading": heading,
                "categories": members,
                "count": count,
                "count_status": status,
                "count_display": rule.label(count, status),
                "examples": picked,
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def plan_table_for_display(table: pd.DataFrame, bullet: str = "・") -> pd.DataFrame:
    """The plan table with Japanese headers 項目 / 困りごとの例 / 件数, examples one per line."""
    require_columns(table, ["heading", "examples", "count_display"], "計画の表")
    return pd.DataFrame(
        {
            "項目": table["heading"],
            "困りごとの例": table["examples"].map(
                lambda found: "\n".join(f"{bullet}{text}" for text in found)
            ),
            "件数": table["count_display"],
        }
    )
