"""A town built to test the disclosure rule on every page of a run: small groups, cells that
only bounds protect, a roll-up that would pin a hidden member, and words whose counts per
group are small. Its answers' categories are fixed here (a stand-in for the classifier,
which this test is not about), so every count on the pages is known in advance."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

THRESHOLD = 5
AREAS = {  # area: (answers with text, respondents without)
    "北": (40, 5),
    "中": (30, 0),
    "東": (12, 0),
    "南": (3, 1),
}
# Per area, how many answers carry each category. 移動支援・買い物支援・家事支援・配食 never
# share an answer, so 移動支援等 (their union) is exactly their sum: with 配食 at 4 in the
# whole town, the union minus the others is 4 — the roll-up must be hidden. ゴミ出し is
# written by every answer of 東 (a count equal to its area's n).
COUNTS = {
    "移動支援": {"北": 20, "中": 10, "東": 6, "南": 1},
    "買い物支援": {"北": 6, "中": 5, "東": 0, "南": 0},
    "家事支援": {"北": 5, "中": 5, "東": 0, "南": 1},
    "配食": {"北": 2, "中": 2, "東": 0, "南": 0},
    "見守り": {"北": 4, "中": 4, "東": 4, "南": 0},
    "ゴミ出し": {"北": 3, "中": 0, "東": 12, "南": 1},
    "居場所": {"北": 9, "中": 8, "東": 2, "南": 0},
}
EXCLUSIVE = ("移動支援", "買い物支援", "家事支援", "配食")
# Words, per area: how many answers (at their start) hold each.
WORDS = {
    "雪": {"北": 12, "中": 9, "東": 3, "南": 2},
    "バス": {"北": 15, "中": 3, "東": 2, "南": 1},
    "弁当": {"北": 2, "中": 8, "東": 1, "南": 0},
    "階段": {"北": 1, "中": 1, "東": 9, "南": 0},
    "電球": {"北": 6, "中": 0, "東": 0, "南": 0},
    # Characteristic of 中 (20 of 30 against 2 of 55): beside the town's count, 中's row
    # would tell 南's 2.
    "除雪": {"北": 0, "中": 20, "東": 0, "南": 2},
}
REPORT_CATEGORY = "ゴミ出し"  # the exploration page's 「この分類になった理由」
HOUSEHOLDS = [("一人暮らし", 40), ("夫婦のみ", 35), ("その他", 3), ("", 7)]  # "" = 無回答

CONFIG = """
[municipality]
name = "秘匿テスト町"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[resources]
path = "resources.csv"

[resource_categories]
"サロン" = ["居場所"]

[report]
pdf = false
kwic = ["雪", "電球", "階段"]
category = "ゴミ出し"
"""


@dataclass(frozen=True)
class Answer:
    respondent_id: str
    area: str
    household: str
    text: str
    categories: tuple[str, ...]


def answers() -> list[Answer]:
    """Every respondent, the categories of each answer fixed by COUNTS."""
    result: list[Answer] = []
    households = [h for h, count in HOUSEHOLDS for _ in range(count)]
    number = 0
    for area, (written, silent) in AREAS.items():
        for i in range(written):
            found = []
            offset = 0
            for label in EXCLUSIVE:  # disjoint ranges of the area's answers
                if offset <= i < offset + COUNTS[label][area]:
                    found.append(label)
                offset += COUNTS[label][area]
            for label in ("見守り", "ゴミ出し", "居場所"):  # from the end, overlapping
                if written - COUNTS[label][area] <= i:
                    found.append(label)
            words = [w for w, per in WORDS.items() if i < per[area]]
            number += 1
            text = "、".join(words) + f"のことで困っています（{number}）" if words else ""
            text = text or f"特に困っていることはありません（{number}）"
            household = households[number % len(households)]
            result.append(Answer(str(number), area, household, text, tuple(found) or ("その他",)))
        for _ in range(silent):
            number += 1
            result.append(Answer(str(number), area, "一人暮らし", "", ()))
    return result


def write_town(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        CONFIG + "".join(f'\n[[areas]]\nname = "{a}"\npopulation_65 = 500\n' for a in AREAS),
        encoding="utf-8",
    )
    with (folder / "survey.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["回答者ID", "圏域", "世帯構成", "自由記述"])
        for answer in answers():
            writer.writerow([answer.respondent_id, answer.area, answer.household, answer.text])
    (folder / "resources.csv").write_text(
        "資源名,種別,圏域\n北のサロン,サロン,北\n", encoding="utf-8"
    )
    return folder / "config.toml"


def fixed_classifier(monkeypatch, config) -> None:
    """Replace the fitted classifier by the categories of :func:`answers` (looked up by the
    answer's text): the pipeline, masking, word views and pages run as they are."""
    from needs_analysis.classify import predictions, store
    from needs_analysis.coding.rules import load_rules
    from needs_analysis.ingest.places import town_tokenizer
    from needs_analysis.text.normalize import normalize_text

    by_text = {normalize_text(a.text): a.categories for a in answers() if a.text}
    tokenizer = town_tokenizer(config)
    model = SimpleNamespace(
        tokenizer=tokenizer,
        rules=load_rules(config.rules_path, tokenizer),
        other="その他",
        metadata={},
    )

    def predict(model, texts, workers=None, explain=False, tokens=None):
        found = []
        for text in texts:
            labels = by_text.get(normalize_text(text), ())
            labels = () if labels == ("その他",) else labels
            evidence = "・".join(f"{label}: 困っ" for label in labels)
            found.append(predictions.Prediction(labels, 0.9, evidence, {}))
        return found

    monkeypatch.setattr(store, "get_classifier", lambda config, **kwargs: model)
    monkeypatch.setattr(predictions, "predict_answers", predict)
