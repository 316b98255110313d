"""Residents' voices for a handout: a few masked answers for each of the area's leading needs.

A 第2層 council wants to hear what its residents wrote, whether or not a need is flagged.
For each of the area's leading needs — its flagged gaps first, then its needs with the most
answers — a few answers are quoted that:

- are **masked** (the run keeps only masked answers) and never stand beside an ID or an
  attribute;
- come only from a cell the disclosure rule publishes: the category's count in the area is
  shown and at least the threshold, and the area's number of answers is not small;
- are **checked or confident**: answers a coordinator checked and found to carry the
  category first, then answers the model labelled with a confidence of at least
  :data:`CONFIDENT` (never one a check found not to carry it);
- are **typical** of the category: highest first by the typicality the run saved (cosine
  similarity to the centre of the town's answers of the category,
  :mod:`needs_analysis.classify.typicality`);
- are **distinct**: an answer that repeats one already quoted on the page (character
  bigrams overlapping by :data:`SIMILARITY` or more, or one inside the other) is skipped,
  and answers that had personal data masked in them come last;
- are of a length that prints (at most :data:`MAX_CHARS` characters).

Where the area has too few answers to quote safely, the page says so in one sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import pandas as pd
from IPython.display import HTML

from needs_analysis.gaps.corrected import CHECKED_COLUMN, is_checked
from needs_analysis.privacy.disclosure import SHOWN, SMALL, protect_gaps
from needs_analysis.privacy.masking import MASKS
from needs_analysis.report.plan import is_repeat
from needs_analysis.text.normalize import normalize_text

LEADING_NEEDS = 3  # needs quoted per handout
PER_NEED = 2  # answers quoted per need
CONFIDENT = 0.7  # the model's confidence an unchecked answer needs to be quoted
MAX_CHARS = 90  # longer answers do not print well in a list
MIN_CHARS = 6  # shorter ones say too little
# Two quotes whose character bigrams overlap this much say the same thing in other words
# (「バスが一日二本…」 and 「バスが1日2本…」 share 0.38): stricter than the plan table's
# limit, since a page quotes only a few answers a need.
SIMILARITY = 0.3

TOO_FEW = (
    "この圏域は回答が少ないため、個人が特定されないよう、寄せられた声（回答の例）は載せていません。"
)


@dataclass(frozen=True)
class NeedVoices:
    """The voices quoted for one need of an area."""

    category: str
    count_label: str
    flagged: bool
    voices: tuple[str, ...]


def quotable_needs(run, gaps: pd.DataFrame, area: str, most: int = LEADING_NEEDS) -> pd.DataFrame:
    """The area's leading needs that voices may be quoted for, in order: flagged gaps by
    rank, then by the number of answers (taxonomy order on ties)."""
    published = protect_gaps(gaps, run.disclosure)
    rows = published[published["area"] == area].reset_index(drop=True)
    rows = rows.assign(
        _order=range(len(rows)),
        _rank=rows["rank"].astype("Float64").fillna(math.inf).astype(float),
    )
    quotable = (
        (rows["count_status"] == SHOWN)
        & (rows["count"] >= run.min_count)
        & (rows.get("n_status", pd.Series(SHOWN, index=rows.index)) != SMALL)
    )
    rows = rows[quotable]
    ordered = rows.sort_values(["_rank", "count", "_order"], ascending=[True, False, True])
    return ordered.head(most).drop(columns=["_order", "_rank"])


def area_voices(
    run, gaps: pd.DataFrame, area: str, needs: int = LEADING_NEEDS, per_need: int = PER_NEED
) -> list[NeedVoices]:
    """The voices of the area's leading needs (a need with no quotable answer is left out)."""
    written = area_answers(run, area)
    seen: list[str] = []
    result = []
    for row in quotable_needs(run, gaps, area, needs).itertuples(index=False):
        picked = choose_voices(written, row.category, per_need, seen)
        seen.extend(picked)
        if picked:
            result.append(NeedVoices(row.category, row.count_label, bool(row.flag), picked))
    return result


def area_answers(run, area: str) -> pd.DataFrame:
    """The area's masked answers with text, with ``checked`` (the coordinator's categories,
    or None) and ``typicality`` (a dict, empty where the run has none)."""
    answers = run.answers
    written = answers[(answers["area"] == area) & answers["has_text"]]
    checked = pd.Series([None] * len(written), index=written.index, dtype=object)
    if run.check is not None and CHECKED_COLUMN in run.responses.columns:
        marks = run.responses.set_index("respondent_id")[CHECKED_COLUMN]
        checked = written["respondent_id"].map(marks).where(lambda v: v.map(is_checked), None)
    typical = (
        written["typicality"]
        if "typicality" in written.columns
        else pd.Series([{}] * len(written), index=written.index, dtype=object)
    )
    return written.assign(checked=checked, typicality=typical)


def choose_voices(
    written: pd.DataFrame, category: str, limit: int, seen: list[str] | None = None
) -> tuple[str, ...]:
    """Up to ``limit`` answers for ``category``: checked ones first, then confident ones,
    each group most typical first; none repeating another or one in ``seen``."""
    seen = list(seen or [])
    chosen: list[str] = []
    held_back: list[str] = []  # answers with personal data masked in them
    for text in _candidates(written, category):
        if len(chosen) >= limit:
            break
        if any(is_repeat(text, other, SIMILARITY) for other in [*seen, *chosen, *held_back]):
            continue
        personal = any(mask in text for mask in MASKS)
        (held_back if personal else chosen).append(text)
    return tuple(chosen + held_back[: limit - len(chosen)])


def _candidates(written: pd.DataFrame, category: str) -> list[str]:
    """The area's answers that may stand for the category, best first."""
    checked = written["checked"].map(is_checked)
    confirmed = checked & written["checked"].map(
        lambda found: is_checked(found) and category in found
    )
    confidence = pd.to_numeric(written["confidence"], errors="coerce").fillna(0.0)
    labelled = written["categories"].map(lambda found: category in tuple(found or ()))
    sure = ~checked & labelled & (confidence >= CONFIDENT)
    texts = written["text"].fillna("").map(normalize_text)
    fits = texts.str.len().between(MIN_CHARS, MAX_CHARS)
    score = written["typicality"].map(lambda found: (found or {}).get(category, 0.0))
    frame = pd.DataFrame(
        {"text": texts, "group": (~confirmed).astype(int), "score": score, "keep": confirmed | sure}
    )
    frame = frame[frame["keep"] & fits].drop_duplicates("text")
    frame = frame.sort_values(["group", "score", "text"], ascending=[True, False, True])
    return frame["text"].tolist()


def voices_block(run, gaps: pd.DataFrame, area: str) -> HTML:
    """The handout's 寄せられた声: each leading need with its count and quoted answers, or
    one sentence where the area has too few answers to quote."""
    found = area_voices(run, gaps, area)
    if not found:
        return HTML(f"<p>{escape(TOO_FEW)}</p>")
    parts = []
    for need in found:
        mark = '<span class="na-flag">不足の候補</span>' if need.flagged else ""
        quotes = "".join(f"<li>「{escape(text)}」</li>" for text in need.voices)
        parts.append(
            f'<div class="na-voice"><h3>{escape(need.category)}{mark}'
            f'<span class="na-note">（{escape(_people(need.count_label))}が書いています）</span>'
            f"</h3><ul>{quotes}</ul></div>"
        )
    return HTML(f'<div class="na-voices">{"".join(parts)}</div>')


def quote_count(run, gaps: pd.DataFrame, area: str) -> int:
    """How many answers the handout of ``area`` quotes."""
    return sum(len(need.voices) for need in area_voices(run, gaps, area))


def _people(label: str) -> str:
    return label if label.endswith("未満") or label == "非表示" else f"{label}人"
