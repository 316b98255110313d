"""Generate the sample municipality 和泉ヶ原町 (fictional) in data/sample/.

Writes the 2025 survey (survey_r7.xlsx), the 2022 survey (survey_r4.csv, Shift_JIS), the
resource inventory (resources.csv) and the planted facts (planted.toml), from the hand-written
answer pool data/sample/pool/answers.tsv and the areas of data/sample/config.toml.

Run from the repository root::

    .venv/bin/python scripts/generate_sample.py            # rewrites data/sample/
    .venv/bin/python scripts/generate_sample.py --out DIR  # writes elsewhere (for checks)

The same seed, pool and config give the same files, byte for byte. Before writing
planted.toml the script reads the files back with the package's own readers, runs the gap
analysis on the true labels of the pool, and stops if a planted fact does not hold.

Pool lines whose normalised text equals an answer of the classifier's training data
(data/labeled/*.tsv, text column only) are left out, so that the sample stays unseen data.

It also writes a filled check sheet (check_2025_planted.xlsx): 200 answers of the 2025
survey drawn as ``needs-analysis review --sample 200`` draws them, each marked with its
true labels from the pool, so that ``needs-analysis run --check`` can be shown end to end.
The sheet says on its 説明 sheet that it was filled from the planted labels, not by a person.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from needs_analysis.config.load import load_config
from needs_analysis.config.settings import Config
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.gaps.table import analyse_gaps
from needs_analysis.ingest.inventory import load_resources
from needs_analysis.ingest.places import town_tokenizer
from needs_analysis.ingest.survey import load_survey
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.review.check_draw import draw_check_rows
from needs_analysis.review.check_sheet import answer_keys, write_check_sheet
from needs_analysis.text.normalize import normalize_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
POOL = SAMPLE / "pool" / "answers.tsv"
LABELED = ROOT / "data" / "labeled"
SEED = 20250401
OTHER = "その他"

AGE_GROUPS = ("65-69歳", "70-74歳", "75-79歳", "80-84歳", "85歳以上")
HOUSEHOLDS = ("一人暮らし", "夫婦のみ", "その他")

# Share of each category among the main needs written in an answer, for an area with no
# planted difference; the rest of the answers express no need (その他).
BASE_WEIGHTS = {
    "移動支援": 0.09,
    "居場所": 0.07,
    "ゴミ出し": 0.06,
    "見守り": 0.07,
    "買い物支援": 0.07,
    "家事支援": 0.07,
    "配食": 0.06,
}
COMPOSE_RATE = 0.2  # share of need answers written as a run-on of two pool lines
OPENING_RATE = 0.12
LOCAL_WEIGHT = 3.0  # a pool line written for the area is drawn 3× as often as a generic one
CHECK_FILE = "check_2025_planted.xlsx"
CHECK_YEAR = 2025
CHECK_SIZE = 200
CHECK_SEED = 20251001  # the draw's own seed: the surveys' random stream is left as it was


@dataclass(frozen=True)
class AreaProfile:
    """How an area answers: response and free-text rates, who answers, what they need."""

    response_rate: float
    text_rate: float
    ages: tuple[float, float, float, float, float]
    households: tuple[float, float, float]
    planted: dict[str, float] = field(default_factory=dict)

    def weights(self) -> dict[str, float]:
        weights = {**BASE_WEIGHTS, **self.planted}
        weights[OTHER] = 1.0 - sum(weights.values())
        return weights


PROFILES = {
    # The station area: the control, with no planted difference.
    "駅前": AreaProfile(0.37, 0.40, (0.26, 0.26, 0.21, 0.15, 0.12), (0.30, 0.38, 0.32)),
    # An old hillside estate of walk-up blocks: rubbish down the stairs.
    "桜台団地": AreaProfile(
        0.40, 0.42, (0.14, 0.21, 0.26, 0.22, 0.17), (0.42, 0.36, 0.22), {"ゴミ出し": 0.27}
    ),
    # Farmland far from the shops: getting about and getting food.
    "西原": AreaProfile(
        0.39,
        0.40,
        (0.22, 0.24, 0.22, 0.18, 0.14),
        (0.18, 0.32, 0.50),
        {"移動支援": 0.24, "買い物支援": 0.21},
    ),
    # A snowy upland: snow clearing and other chores.
    "北山": AreaProfile(
        0.41, 0.40, (0.18, 0.22, 0.23, 0.20, 0.17), (0.22, 0.33, 0.45), {"家事支援": 0.29}
    ),
    # A newer suburb: people who moved in late in life look for company.
    "南ヶ丘": AreaProfile(
        0.36,
        0.41,
        (0.34, 0.28, 0.19, 0.12, 0.07),
        (0.18, 0.50, 0.32),
        {"居場所": 0.19, "見守り": 0.055},
    ),
}

OPENINGS = ("最近、", "正直なところ、", "前から思っていたことですが、", "お願いです。")
CONNECTORS = ("。それと、", "。あと、", "。それから、", "。また、")
CLOSINGS = ("よろしくお願いします。", "どうぞよろしく。")


# --------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class Fact:
    """A planted fact: whether (area, category) must be flagged in a fiscal year, and why."""

    area: str
    category: str
    fiscal_year: int
    flagged: bool
    why: str


FACTS = (
    Fact("桜台団地", "ゴミ出し", 2022, True, "階段しかない団地でゴミ出しの需要が高く、支援がない"),
    Fact("桜台団地", "ゴミ出し", 2025, True, "2026年度開始予定のゴミ出し支援はまだ数えない"),
    Fact("西原", "移動支援", 2022, True, "店や病院から遠く需要が高いが、資源は1つだけ"),
    Fact("西原", "移動支援", 2025, True, "店や病院から遠く需要が高いが、資源は1つだけ"),
    Fact("西原", "買い物支援", 2022, True, "需要が高いが、月1回の移動販売があるだけ"),
    Fact("西原", "買い物支援", 2025, True, "需要が高いが、月1回の移動販売があるだけ"),
    Fact("北山", "家事支援", 2022, True, "雪下ろし・除雪の需要が高く、除雪の資源がない"),
    Fact("北山", "家事支援", 2025, False, "2024年度に除雪ボランティアが始まり、町平均以上に"),
    Fact("南ヶ丘", "居場所", 2022, False, "需要は高いが、サロンが多く資源は町平均以上"),
    Fact("南ヶ丘", "居場所", 2025, False, "需要は高いが、サロンが多く資源は町平均以上"),
)
CONTROL_AREA = "駅前"


# --------------------------------------------------------------------------- resources

# name, type, 圏域 as written, 月あたり回数, 定員, 開始年度 ("" = unknown, always counted)
RESOURCES: tuple[tuple[str, str, str, str, str, str], ...] = (
    # 駅前
    ("本町ふれあいサロン", "サロン", "駅前", "2", "30", "2012"),
    ("栄町いきいきサロン", "サロン", "駅前地区", "4", "20", "2015"),
    ("駅南お茶のみサロン", "サロン", "駅前", "2", "15", "2018"),
    ("駅前カフェ・よりみち", "サロン", "中央", "8", "25", "2020"),
    ("本町百歳体操の会", "通いの場", "駅前", "4", "25", "2016"),
    ("栄町元気体操", "通いの場", "駅前圏域", "4", "20", "2019"),
    ("本町見守り隊", "見守り活動", "駅前", "", "", "2014"),
    ("栄町安否確認ネット", "見守り活動", "駅前", "", "", "2017"),
    ("駅南声かけ協力店", "見守り活動", "駅前地区", "", "", ""),
    ("商店街お買い物代行", "買い物支援", "駅前", "8", "", "2016"),
    ("駅前ネットスーパー配達補助", "買い物支援", "駅前", "", "", "2021"),
    ("まちなか移動販売", "移動販売", "駅前", "4", "", "2019"),
    ("駅前送迎ボランティア", "移動支援", "駅前", "12", "", "2015"),
    ("本町福祉有償運送", "移動支援", "駅前", "20", "", "2013"),
    ("駅前通院付き添いの会", "移動支援", "中央", "8", "", "2018"),
    ("本町ゴミ出しお手伝い", "ゴミ出し支援", "駅前", "8", "", "2017"),
    ("栄町ゴミ出しサポート", "ゴミ出し支援", "駅前", "8", "", "2020"),
    ("シルバー人材センター本町班", "家事援助", "駅前", "", "", ""),
    ("駅前ちょこっと手伝い隊", "家事援助", "駅前", "", "", "2016"),
    ("栄町生活支援ボランティア", "家事援助", "駅前地区", "", "", "2019"),
    ("社協あったか弁当（駅前）", "配食", "駅前", "20", "40", "2010"),
    ("駅前ふれあい食事会", "配食", "駅前", "2", "20", "2017"),
    # 桜台団地
    ("桜台集会所サロン", "サロン", "桜台", "2", "20", "2011"),
    ("桜台二丁目おしゃべりサロン", "サロン", "桜台団地", "2", "15", "2023"),
    ("桜台いきいき百歳体操", "通いの場", "桜台団地", "4", "20", "2017"),
    ("桜台見守りネット", "見守り活動", "桜台団地", "", "", "2013"),
    ("団地民生委員訪問", "見守り活動", "桜台地区", "", "", ""),
    ("桜台移動販売（とくし丸）", "移動販売", "桜台団地", "4", "", "2021"),
    ("桜台買い物バス", "買い物支援", "桜台", "4", "20", "2018"),
    ("団地坂道送迎ボランティア", "移動支援", "桜台団地", "8", "", "2019"),
    ("桜台福祉有償運送", "移動支援", "桜台団地圏域", "12", "", "2016"),
    ("桜台お助け隊", "家事援助", "桜台団地", "", "", "2020"),
    ("社協あったか弁当（桜台）", "配食", "桜台団地", "20", "25", "2010"),
    ("桜台ゴミ出しサポート（準備中）", "ゴミ出し支援", "桜台団地", "8", "", "2026"),
    # 西原
    ("上西原お茶のみサロン", "サロン", "西原", "1", "15", "2014"),
    ("下西原百歳体操", "通いの場", "西原地区", "4", "15", "2018"),
    ("西原地区見守り隊", "見守り活動", "西原", "", "", "2015"),
    ("西原移動販売（JA）", "移動販売", "西原", "1", "", "2019"),
    ("西原送迎ボランティア", "移動支援", "西部", "2", "", "2020"),
    ("柳沢ゴミ出し当番", "ゴミ出し支援", "西原", "4", "", "2018"),
    ("西原除雪協力会", "除雪", "西原", "", "", "2012"),
    ("大久保手伝い隊", "家事援助", "西原", "", "", "2017"),
    ("社協あったか弁当（西原）", "配食", "西原", "20", "15", "2010"),
    # 北山
    ("北山公民館サロン", "サロン", "北山", "2", "20", "2013"),
    ("奥沢百歳体操", "通いの場", "北山地区", "4", "15", "2019"),
    ("北山見守り協力員", "見守り活動", "北山", "", "", "2016"),
    ("北山移動販売", "移動販売", "北部", "4", "", "2018"),
    ("峰の尾買い物代行", "買い物支援", "北山", "4", "", "2020"),
    ("北山送迎ボランティア", "移動支援", "北山", "4", "", "2017"),
    ("北山デマンド乗合", "移動支援", "北山", "20", "8", "2021"),
    ("北山ゴミ出し助け合い", "ゴミ出し支援", "北山", "4", "", "2019"),
    ("北山除雪ボランティア", "除雪", "北山", "", "", "2024"),
    ("社協あったか弁当（北山）", "配食", "北山", "20", "15", "2010"),
    # 南ヶ丘
    ("南ヶ丘一丁目サロン", "サロン", "南ヶ丘", "2", "25", "2012"),
    ("みどり台カフェサロン", "サロン", "南ケ丘", "4", "30", "2016"),
    ("南ヶ丘二丁目おしゃべり会", "サロン", "南ヶ丘", "2", "20", "2018"),
    ("南ヶ丘趣味の会", "サロン", "南部", "4", "30", "2020"),
    ("みどり台新サロン", "サロン", "南ヶ丘地区", "2", "20", "2024"),
    ("南ヶ丘百歳体操", "通いの場", "南ヶ丘", "4", "30", "2015"),
    ("みどり台ウォーキングの会", "通いの場", "南ヶ丘", "4", "", "2019"),
    ("南ヶ丘見守り隊", "見守り活動", "南ヶ丘", "", "", "2017"),
    ("みどり台安否確認ネット", "見守り活動", "南ヶ丘", "", "", "2019"),
    ("南ヶ丘民生委員訪問", "見守り活動", "南部", "", "", ""),
    ("南ヶ丘移動販売", "移動販売", "南ヶ丘", "4", "", "2020"),
    ("南ヶ丘送迎ボランティア", "移動支援", "南ヶ丘", "8", "", "2018"),
    ("南ヶ丘ゴミ出しサポート", "ゴミ出し支援", "南ヶ丘", "8", "", "2019"),
    ("南ヶ丘お手伝い隊", "家事援助", "南部", "", "", "2018"),
    ("社協あったか弁当（南ヶ丘）", "配食", "南ヶ丘", "20", "30", "2010"),
)
# Rows a real inventory has: a town-wide service with no 圏域, and one from the next town.
BAD_RESOURCES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("町社協 配食サービス（全域）", "配食", "", "20", "", "2010"),
    ("東山市 広域移動販売", "移動販売", "東山市", "2", "", "2022"),
)
RESOURCE_HEADER = ("資源名", "種別", "圏域", "月あたり回数", "定員", "開始年度")


# --------------------------------------------------------------------------- the pool


@dataclass(frozen=True)
class PoolLine:
    """One hand-written answer with its true labels and the area it was written for."""

    text: str
    labels: tuple[str, ...]
    area: str | None  # None: fits any area
    personal: bool  # contains personal data (area hint with the suffix "pii")


def read_pool(path: Path) -> list[PoolLine]:
    pool = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    lines = []
    columns = (pool["text"], pool["categories"], pool["area_hint"])
    for text, categories, hint in zip(*columns, strict=True):
        parts = hint.split()
        area = parts[0] if parts and parts[0] != "any" else None
        labels = tuple(label.strip() for label in categories.split("|") if label.strip())
        lines.append(PoolLine(text.strip(), labels, area, "pii" in parts[1:]))
    return lines


def labeled_texts(directory: Path) -> set[str]:
    """Normalised training answers (the text column only), to keep the sample apart."""
    texts: set[str] = set()
    for path in sorted(directory.glob("*.tsv")):
        frame = pd.read_csv(path, sep="\t", usecols=["text"], dtype=str, keep_default_na=False)
        texts.update(normalize_text(text) for text in frame["text"])
    return texts


class AnswerMaker:
    """Draws free-text answers for an area from the pool by the area's category weights."""

    def __init__(self, lines: list[PoolLine], rng: np.random.Generator):
        self.rng = rng
        self.lines = [line for line in lines if not line.personal]

    def _eligible(self, area: str, category: str) -> tuple[list[PoolLine], np.ndarray]:
        chosen = [
            line for line in self.lines if category in line.labels and line.area in (None, area)
        ]
        weights = np.array([LOCAL_WEIGHT if line.area else 1.0 for line in chosen])
        return chosen, weights / weights.sum()

    def _line(self, area: str, category: str) -> PoolLine:
        chosen, weights = self._eligible(area, category)
        return chosen[self.rng.choice(len(chosen), p=weights)]

    def answer(self, area: str) -> tuple[str, tuple[str, ...]]:
        weights = PROFILES[area].weights()
        names = list(weights)
        category = names[self.rng.choice(len(names), p=np.array(list(weights.values())))]
        first = self._line(area, category)
        if category == OTHER:
            return vary_punctuation(first.text, self.rng), first.labels
        text, labels = first.text, set(first.labels)
        if self.rng.random() < COMPOSE_RATE:
            needs = {k: v for k, v in weights.items() if k not in (OTHER, category)}
            others = list(needs)
            p = np.array(list(needs.values()))
            second = self._line(area, others[self.rng.choice(len(others), p=p / p.sum())])
            if second.text != first.text:
                connector = CONNECTORS[self.rng.integers(len(CONNECTORS))]
                text = first.text.rstrip("。！!") + connector + second.text
                labels |= set(second.labels)
        if self.rng.random() < OPENING_RATE:
            text = OPENINGS[self.rng.integers(len(OPENINGS))] + text
        ordered = tuple(label for label in (*BASE_WEIGHTS, OTHER) if label in labels)
        return vary_punctuation(text, self.rng), ordered


def vary_punctuation(text: str, rng: np.random.Generator) -> str:
    """Light changes a respondent or a data-entry clerk makes; the meaning stays."""
    roll = rng.random()
    if roll < 0.12 and text.endswith("。"):
        return text[:-1]
    if roll < 0.20 and not text.endswith(("。", "！", "？", "!", "?")):
        return text + "。"
    if roll < 0.25:
        return text.replace("、", "，")
    if roll < 0.28:
        return text.rstrip("。") + "！"
    if roll < 0.31:
        return text + ("" if text.endswith("。") else "。") + CLOSINGS[rng.integers(len(CLOSINGS))]
    return text


# --------------------------------------------------------------------------- respondents


@dataclass
class Respondent:
    area: str
    age_group: str
    sex: str
    household: str
    text: str = ""
    labels: tuple[str, ...] = ()
    area_written: str = ""
    respondent_id: str = ""


def draw_respondents(
    config: Config, year: int, maker: AnswerMaker, rng: np.random.Generator
) -> list[Respondent]:
    people: list[Respondent] = []
    for area in config.areas:
        profile = PROFILES[area.name]
        population = area.population_in(year) or 0
        for _ in range(round(population * profile.response_rate)):
            person = Respondent(
                area=area.name,
                age_group=AGE_GROUPS[rng.choice(5, p=np.array(profile.ages))],
                sex=_blank_or(rng, "女性" if rng.random() < 0.55 else "男性", 0.02),
                household=_blank_or(
                    rng, HOUSEHOLDS[rng.choice(3, p=np.array(profile.households))], 0.03
                ),
            )
            if rng.random() < profile.text_rate:
                person.text, person.labels = maker.answer(area.name)
            elif rng.random() < 0.01:
                person.text = "　"  # a full-width space: looks filled, holds no answer
            people.append(person)
    return people


def _blank_or(rng: np.random.Generator, value: str, blank_rate: float) -> str:
    return "" if rng.random() < blank_rate else value


def place_personal_lines(
    people: list[Respondent], lines: list[PoolLine], rng: np.random.Generator
) -> None:
    """Give every pool line with personal data to one respondent (of its area, if any)."""
    taken: set[int] = set()
    for line in (line for line in lines if line.personal):
        candidates = [
            i
            for i, person in enumerate(people)
            if i not in taken and person.text.strip() and line.area in (None, person.area)
        ]
        index = candidates[rng.integers(len(candidates))]
        taken.add(index)
        people[index].text, people[index].labels = line.text, line.labels


def written_area(config: Config, person: Respondent, year: int, rng: np.random.Generator) -> str:
    """The 圏域 cell (2025: a name or an alias) or the 行政区 cell (2022: a name or a code)."""
    area = next(a for a in config.areas if a.name == person.area)
    if year == 2022:
        codes = [d for d in area.districts if d.isdigit()]
        names = [d for d in area.districts if not d.isdigit()]
        pick = codes if rng.random() < 0.06 else names
        return pick[rng.integers(len(pick))]
    if rng.random() < 0.15:
        spellings = [*area.aliases, f"{area.name}圏域"]
        return spellings[rng.integers(len(spellings))]
    return area.name


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class SurveyLayout:
    fiscal_year: int
    file: str
    header: tuple[str, ...]
    id_format: str
    unknown_area: str


LAYOUTS = {
    2025: SurveyLayout(
        2025,
        "survey_r7.xlsx",
        ("回答者ID", "圏域", "年齢区分", "性別", "世帯構成", "自由記述"),
        "R7-{:05d}",
        "東山",
    ),
    2022: SurveyLayout(
        2022,
        "survey_r4.csv",
        ("No", "行政区", "年齢", "性別", "家族構成", "ご意見・お困りごと"),
        "{}",
        "99",
    ),
}
SURVEY_BAD_ROWS = {"回答者IDの重複": 1, "圏域が不明": 1, "圏域が空": 1}


def survey_rows(
    config: Config,
    people: list[Respondent],
    layout: SurveyLayout,
    maker: AnswerMaker,
    rng: np.random.Generator,
) -> list[list[str]]:
    """The data rows of a survey file, with three bad rows among them."""
    order = rng.permutation(len(people))
    people = [people[i] for i in order]
    for person in people:
        person.area_written = written_area(config, person, layout.fiscal_year, rng)
    unknown = Respondent("", "75-79歳", "男性", "夫婦のみ", *maker.answer(CONTROL_AREA))
    unknown.area_written = layout.unknown_area
    empty = Respondent("", "80-84歳", "女性", "一人暮らし", *maker.answer(CONTROL_AREA))
    rows: list[list[str] | None] = [None] * (len(people) + 3)
    bad_positions = sorted(rng.choice(np.arange(200, len(rows) - 200), size=3, replace=False))
    duplicate_at, unknown_at, empty_at = (int(p) for p in bad_positions)
    slots = iter(people)
    records: list[tuple[Respondent, str | None]] = []
    for position in range(len(rows)):
        if position == unknown_at:
            records.append((unknown, None))
        elif position == empty_at:
            records.append((empty, None))
        elif position == duplicate_at:
            records.append((records[duplicate_at - 5][0], "duplicate"))
        else:
            records.append((next(slots), None))
    result = []
    for number, (person, kind) in enumerate(records, start=1):
        if kind != "duplicate":
            person.respondent_id = layout.id_format.format(number)
        area_cell = "" if person is empty else person.area_written
        result.append(
            [
                person.respondent_id,
                area_cell,
                person.age_group,
                person.sex,
                person.household,
                person.text,
            ]
        )
    return result


def write_xlsx(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "回答"
    sheet.append(list(header))
    for row in rows:
        sheet.append([cell if cell != "" else None for cell in row])
    sheet.column_dimensions["F"].width = 80
    notes = workbook.create_sheet("集計メモ")
    notes.append(["令和7年度 介護予防・日常生活圏域ニーズ調査（和泉ヶ原町・架空）"])
    notes.append(["自由記述は原文のまま入力。圏域は回答票の記入どおり。"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(reproducible_zip(buffer.getvalue()))


def reproducible_zip(data: bytes) -> bytes:
    """The same workbook with fixed timestamps, so that a rerun gives identical bytes."""
    stamp = "2025-10-01T00:00:00Z"
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp.encode() + rb"\g<3>",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 10, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return output.getvalue()


def write_csv(path: Path, header: tuple[str, ...], rows: list[list[str]], encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def resource_rows() -> list[list[str]]:
    rows = [list(row) for row in RESOURCES]
    rows.insert(21, list(BAD_RESOURCES[0]))
    rows.insert(47, list(BAD_RESOURCES[1]))
    return rows


# --------------------------------------------------------------------------- checking


@dataclass
class YearResult:
    fiscal_year: int
    file: str
    rows: int
    accepted: int
    rejected_by_reason: dict[str, int]
    with_text: int
    respondents_by_area: dict[str, int]
    with_text_by_area: dict[str, int]
    gaps: pd.DataFrame


def check_year(
    config: Config,
    layout: SurveyLayout,
    truth: dict[str, tuple[str, ...]],
    resources: pd.DataFrame,
    labels: tuple[str, ...],
) -> YearResult:
    """Read the written file back and run the gap analysis on the true labels."""
    survey = load_survey(config, layout.fiscal_year)
    responses = survey.responses.copy()
    responses["has_text"] = [normalize_text(text) != "" for text in responses["text"]]
    responses["categories"] = [
        truth.get(rid, ()) if has else ()
        for rid, has in zip(responses["respondent_id"], responses["has_text"], strict=True)
    ]
    populations = {area.name: area.population_in(layout.fiscal_year) for area in config.areas}
    gaps = analyse_gaps(
        responses,
        resources,
        populations,
        config.resource_categories,
        labels,
        layout.fiscal_year,
        [area.name for area in config.areas],
    )
    summary = survey.summary
    return YearResult(
        layout.fiscal_year,
        layout.file,
        summary.rows_read,
        summary.accepted,
        dict(sorted(summary.rejected_by_reason.items())),
        summary.with_text,
        summary.respondents_by_area,
        summary.with_text_by_area,
        gaps,
    )


def check_facts(results: dict[int, YearResult]) -> list[str]:
    problems = []
    for fact in FACTS:
        gaps = results[fact.fiscal_year].gaps
        row = gaps[(gaps["area"] == fact.area) & (gaps["category"] == fact.category)].iloc[0]
        if bool(row["flag"]) != fact.flagged:
            problems.append(f"{fact.fiscal_year} {fact.area} {fact.category}: flag {row['flag']}")
    for year, result in results.items():
        gaps = result.gaps
        expected = {(f.area, f.category) for f in FACTS if f.fiscal_year == year and f.flagged}
        flagged_rows = gaps[gaps["flag"]]
        flagged = set(zip(flagged_rows["area"], flagged_rows["category"], strict=True))
        for area, category in sorted(flagged - expected):
            problems.append(f"{year} {area} {category}: flagged but not planted")
    return problems


# --------------------------------------------------------------------------- check sheet


def write_planted_check(out: Path, config: Config, truth: dict[str, tuple[str, ...]]) -> Path:
    """The check sheet a coordinator would fill, drawn as review --sample draws it and
    marked with the pool's true labels (marked as such on its 説明 sheet)."""
    responses = load_survey(config, CHECK_YEAR).responses
    answers = responses[responses["text"].fillna("").map(normalize_text) != ""]
    tokenizer = town_tokenizer(config)
    rows, _ = draw_check_rows(
        answers, CHECK_YEAR, CHECK_SIZE, CHECK_SEED, lambda t: mask_personal_data(t, tokenizer)
    )
    keys = answer_keys(answers["area"], answers["text"], CHECK_YEAR)
    respondent = dict(zip(keys, answers["respondent_id"], strict=True))
    filled = [
        replace(row, marks=tuple(label for label in truth[respondent[row.key]] if label != OTHER))
        for row in rows
    ]
    taxonomy = load_taxonomy(config.taxonomy_path)
    path = out / CHECK_FILE
    write_check_sheet(path, filled, taxonomy, config.municipality, CHECK_YEAR, str(CHECK_SEED))
    path.write_bytes(reproducible_zip(path.read_bytes()))
    return path


# --------------------------------------------------------------------------- planted.toml


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "nan" if np.isnan(value) else f"{float(value):.4f}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_table(name: str, values: dict[str, object]) -> list[str]:
    lines = [f"[{name}]"]
    lines += [f"{_key(key)} = {toml_value(value)}" for key, value in values.items()]
    return lines + [""]


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def planted_toml(
    results: dict[int, YearResult],
    resources_summary,
    pool_lines: int,
    excluded: int,
    personal: list[PoolLine],
) -> str:
    lines = [
        "# 和泉ヶ原町（架空）のサンプルに仕込んだ事実。scripts/generate_sample.py が書きます。",
        "# Planted facts of the sample municipality, written by scripts/generate_sample.py;",
        "# do not edit by hand. Figures under [[facts]] are from the pool's true labels.",
        "",
        f"seed = {SEED}",
        'pool = "pool/answers.tsv"',
        f"pool_lines = {pool_lines}",
        f"pool_lines_excluded = {excluded}  # equal to a training answer after normalisation",
        f"control_area = {toml_value(CONTROL_AREA)}",
        f"fiscal_years = {toml_value(sorted(results))}",
        "",
    ]
    for year, result in sorted(results.items()):
        lines += toml_table(
            f"surveys.{year}",
            {
                "file": result.file,
                "rows": result.rows,
                "accepted": result.accepted,
                "rejected": sum(result.rejected_by_reason.values()),
                "with_text": result.with_text,
            },
        )
        lines += toml_table(f"surveys.{year}.rejected_by_reason", result.rejected_by_reason)
        lines += toml_table(f"surveys.{year}.respondents_by_area", result.respondents_by_area)
        lines += toml_table(f"surveys.{year}.with_text_by_area", result.with_text_by_area)
    lines += toml_table(
        "resources",
        {
            "file": "resources.csv",
            "rows": resources_summary.rows_read,
            "accepted": resources_summary.accepted,
            "rejected": resources_summary.rejected,
        },
    )
    lines += toml_table(
        "resources.rejected_by_reason", dict(sorted(resources_summary.rejected_by_reason.items()))
    )
    lines += toml_table(
        "check",
        {
            "file": CHECK_FILE,
            "fiscal_year": CHECK_YEAR,
            "size": CHECK_SIZE,
            "seed": CHECK_SEED,
            "filled_from": "the pool's true labels",
        },
    )
    lines += toml_table(
        "personal_data",
        {
            "lines": len(personal),
            "in_every_year": True,
            "must_appear_in_every_year": ["渡部ミツ子", "0294-55-7788"],
        },
    )
    for fact in FACTS:
        gaps = results[fact.fiscal_year].gaps
        row = gaps[(gaps["area"] == fact.area) & (gaps["category"] == fact.category)].iloc[0]
        lines += ["[[facts]]"]
        values = {
            "area": fact.area,
            "category": fact.category,
            "fiscal_year": fact.fiscal_year,
            "flagged": fact.flagged,
            "why": fact.why,
            "n": row["n"],
            "count": row["count"],
            "rate": row["rate"],
            "municipal_rate": row["municipal_rate"],
            "residual": row["residual"],
            "resources": row["resources"],
            "per_1000": row["per_1000"],
            "municipal_per_1000": row["municipal_per_1000"],
        }
        lines += [f"{_key(key)} = {toml_value(value)}" for key, value in values.items()] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the sample municipality.")
    parser.add_argument(
        "--out",
        type=Path,
        default=SAMPLE,
        help="folder to write to (default: data/sample); the config is copied there",
    )
    out = parser.parse_args(argv).out.resolve()
    if out != SAMPLE.resolve():
        out.mkdir(parents=True, exist_ok=True)
        for name in ("config.toml", "user_dictionary.csv"):
            shutil.copyfile(SAMPLE / name, out / name)
    config = load_config(out / "config.toml")
    labels = load_taxonomy(config.taxonomy_path).labels
    pool = read_pool(POOL)
    training = labeled_texts(LABELED)
    usable = [line for line in pool if normalize_text(line.text) not in training]
    excluded = len(pool) - len(usable)
    personal = [line for line in usable if line.personal]
    rng = np.random.default_rng(SEED)
    maker = AnswerMaker(usable, rng)

    truth_by_year: dict[int, dict[str, tuple[str, ...]]] = {}
    for year in (2022, 2025):
        layout = LAYOUTS[year]
        people = draw_respondents(config, year, maker, rng)
        place_personal_lines(people, usable, rng)
        rows = survey_rows(config, people, layout, maker, rng)
        path = out / layout.file
        if year == 2025:
            write_xlsx(path, layout.header, rows)
        else:
            write_csv(path, layout.header, rows, "cp932")
        truth_by_year[year] = {
            person.respondent_id: person.labels or ((OTHER,) if person.text.strip() else ())
            for person in people
        }
    write_csv(out / "resources.csv", RESOURCE_HEADER, resource_rows(), "utf-8-sig")

    inventory = load_resources(config)
    results = {
        year: check_year(config, LAYOUTS[year], truth_by_year[year], inventory.resources, labels)
        for year in (2022, 2025)
    }
    for year, result in results.items():
        if result.rejected_by_reason != dict(sorted(SURVEY_BAD_ROWS.items())):
            raise SystemExit(f"{year}: unexpected rejects {result.rejected_by_reason}")
    problems = check_facts(results)
    for result in results.values():
        flagged = result.gaps[result.gaps["flag"]]
        print(f"{result.fiscal_year}: {result.accepted} respondents, {result.with_text} answers")
        print(flagged[["area", "category", "n", "rate", "residual", "per_1000", "rank"]])
    if problems:
        print("planted facts do not hold:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    counts = Counter(line.area or "any" for line in personal)
    print(f"pool: {len(pool)} lines, {excluded} excluded, personal data lines {dict(counts)}")
    check = write_planted_check(out, config, truth_by_year[CHECK_YEAR])
    print(f"check sheet filled from the planted labels: {check}")
    text = planted_toml(results, inventory.summary, len(pool), excluded, personal)
    (out / "planted.toml").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
