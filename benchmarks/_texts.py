"""Reproducible short survey-like answers for throughput measurements (not labeled data)."""

from __future__ import annotations

import random

_OPENINGS = [
    "",
    "最近、",
    "夫が亡くなってから",
    "冬になると",
    "膝が悪くて",
    "一人暮らしなので",
    "正直なところ",
]
_CORES = [
    "バスの本数が少なくて病院に行くのが大変です",
    "ゴミ集積所まで遠くて階段もきつい",
    "話し相手がいなくて寂しい",
    "倒れても誰にも気づかれないのではと不安",
    "スーパーが閉店して買い物に困っている",
    "電球の交換や草取りができなくなった",
    "食事の支度がおっくうで配食があれば助かる",
    "特にありません",
    "雪かきを手伝ってくれる人がいれば",
    "サロンに行きたいが送迎がない",
    "いつもありがとうございます",
    "ｺﾞﾐの分別がわかりにくい",
]
_ENDINGS = ["", "。", "！", "と思います。", "です。", "…", "。よろしくお願いします。"]


def survey_like_texts(count: int, seed: int = 20251123) -> list[str]:
    """``count`` short answers combining an opening, a core sentence and an ending."""
    rng = random.Random(seed)
    return [
        f"{rng.choice(_OPENINGS)}{rng.choice(_CORES)}{rng.choice(_ENDINGS)}" for _ in range(count)
    ]
