"""Residents' voices on every handout: distinct, typical, confident or checked, never from
a cell the disclosure rule hides, and one sentence where an area has too few answers."""

from __future__ import annotations

import pandas as pd

from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.privacy.disclosure import Disclosure, protect_gaps
from needs_analysis.report import voices
from needs_analysis.report.plan import is_repeat

THRESHOLD = 5
LABELS = ("移動支援", "見守り", "配食")
KINDS = {label: (label,) for label in LABELS}

# 北: 移動支援 is common and has near-duplicates; 見守り is under the threshold (its answers
# must never be quoted); 配食 has answers, but the model is unsure of most of them.
NORTH = [
    ("バスが一日二本しかなく病院に行けない", ("移動支援",), 0.95, 0.91),
    ("バスが一日二本しかなく病院に行けない。", ("移動支援",), 0.95, 0.90),  # repeat
    ("バスが1日2本しかなくて病院に行けません", ("移動支援",), 0.94, 0.89),  # near repeat
    ("買い物に行く足がなくて困っている", ("移動支援",), 0.92, 0.85),
    ("免許を返したら通院できなくなる", ("移動支援",), 0.90, 0.80),
    ("タクシー代が高くて外出を控えている", ("移動支援",), 0.91, 0.60),
    ("雪の日は家から一歩も出られない", ("移動支援",), 0.88, 0.55),
    ("車がない", ("移動支援",), 0.99, 0.99),  # too short to say much
    ("夜に一人でいるのが不安です", ("見守り",), 0.99, 0.99),
    ("誰にも気づかれずに倒れたらと思うと怖い", ("見守り",), 0.99, 0.99),
    ("弁当を届けてもらえると助かる", ("配食",), 0.95, 0.9),
    ("料理が作れないので食事が心配", ("配食",), 0.40, 0.99),  # not confident
    ("食事の宅配を週に何回か頼みたい", ("配食",), 0.45, 0.98),
    ("夕食を届けてくれる人がいればいい", ("配食",), 0.50, 0.97),
    ("おかずを配ってくれるサービスがほしい", ("配食",), 0.93, 0.5),
    ("配食の回数を増やしてほしい", ("配食",), 0.30, 0.96),
]
# 南: three answers only, fewer than the threshold.
SOUTH = [
    ("バスがなくて困る", ("移動支援",), 0.9, 0.9),
    ("特にない", ("その他",), 0.9, 0.0),
    ("今のところ大丈夫", ("その他",), 0.9, 0.0),
]


def answers() -> pd.DataFrame:
    rows = []
    for area, found in (("北", NORTH), ("南", SOUTH)):
        for i, (text, categories, confidence, typical) in enumerate(found):
            rows.append(
                {
                    "respondent_id": f"{area}{i}",
                    "area": area,
                    "text": text,
                    "has_text": True,
                    "categories": categories,
                    "confidence": confidence,
                    "typicality": {label: typical for label in categories},
                }
            )
    # 中: fewer answers than 北, so that its cells, not 北's, hide 南's small counts.
    middle = [("移動支援",)] * 7 + [("その他",)] * 5
    for i, categories in enumerate(middle):
        rows.append(
            {
                "respondent_id": f"中{i}",
                "area": "中",
                "text": f"中の回答{i}",
                "has_text": True,
                "categories": categories,
                "confidence": 0.9,
                "typicality": {},
            }
        )
    return pd.DataFrame(rows)


class Run:
    """The parts of a saved run the handout's voices read."""

    def __init__(self, frame: pd.DataFrame):
        self.responses = frame
        self.answers = frame
        self.check = None
        self.min_count = THRESHOLD
        self.disclosure = Disclosure(THRESHOLD)


def gaps_of(frame: pd.DataFrame) -> pd.DataFrame:
    resources = pd.DataFrame(columns=["name", "type", "area", "per_month", "capacity", "started"])
    populations = {"北": 1000, "中": 1000, "南": 1000}
    return analyse_gaps(frame, resources, populations, KINDS, LABELS, 2025, ["北", "中", "南"])


def test_voices_are_typical_confident_distinct_and_only_from_published_cells():
    frame = answers()
    run = Run(frame)
    gaps = gaps_of(frame)
    found = voices.area_voices(run, gaps, "北")
    by_need = {need.category: need.voices for need in found}
    published = protect_gaps(gaps, run.disclosure).set_index(["area", "category"])
    # 見守り has 2 answers in 北: its count is 「5未満」 and none of its answers is quoted.
    assert published.loc[("北", "見守り"), "count_label"] == "5未満"
    assert "見守り" not in by_need
    quoted = [text for need in found for text in need.voices]
    assert not any("不安" in text or "倒れ" in text for text in quoted)
    # 移動支援: the most typical first, its near-duplicates skipped, the short one left out.
    assert by_need["移動支援"] == (
        "バスが一日二本しかなく病院に行けない",
        "買い物に行く足がなくて困っている",
    )
    for i, first in enumerate(quoted):
        for second in quoted[i + 1 :]:
            assert not is_repeat(first, second, voices.SIMILARITY)
    # 配食: only the confident answers, most typical first.
    assert by_need["配食"] == (
        "弁当を届けてもらえると助かる",
        "おかずを配ってくれるサービスがほしい",
    )
    assert voices.quote_count(run, gaps, "北") == 4
    html = voices.voices_block(run, gaps, "北").data
    assert "バスが一日二本" in html and "（8人が書いています）" in html


def test_an_area_with_too_few_answers_says_so_in_one_sentence():
    frame = answers()
    run = Run(frame)
    gaps = gaps_of(frame)
    assert voices.area_voices(run, gaps, "南") == []
    html = voices.voices_block(run, gaps, "南").data
    assert html == f"<p>{voices.TOO_FEW}</p>"
    assert "バス" not in html


def test_the_leading_needs_are_the_flagged_ones_then_the_most_answered():
    frame = answers()
    run = Run(frame)
    gaps = gaps_of(frame)
    order = voices.quotable_needs(run, gaps, "北")
    assert list(order["category"]) == ["移動支援", "配食"]  # 8, then 6
    flagged = gaps.assign(
        flag=(gaps["area"] == "北") & (gaps["category"] == "配食"),
        rank=[
            1 if (a, c) == ("北", "配食") else pd.NA
            for a, c in zip(gaps["area"], gaps["category"], strict=True)
        ],
    )
    assert list(voices.quotable_needs(run, flagged, "北")["category"]) == ["配食", "移動支援"]
