"""The bundled labeled answers: one label set per answer, and none of the guide's own examples."""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd
import pytest
from decided_cases import DECIDED_CASES

from needs_analysis.classify.labeled import STATUSES, parse_status, read_labeled
from needs_analysis.classify.sources import ModelSources
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.errors import InputError
from needs_analysis.text.normalize import normalize_text

DECIDED_EXAMPLES = [text for text, _ in DECIDED_CASES]

# The labeling guide's own example sentences. They check the classifier from outside its
# training data, so no labeled answer may repeat one, even inside a longer answer.
GUIDE_EXAMPLES = [
    "免許を返納したら通院が心配",
    "今は元気なので見守りは必要ない",
    "送迎は家族がしてくれるので困っていない",
    "今は運転できるが、数年後が心配",
    "スーパーまで送ってくれる人がいない",
    "一人暮らしで話し相手もなく、倒れても気づかれない",
    "ゴミ出しくらいなら手伝える",
    "ゴミの出し方を守らない人がいる",
    "どんなサービスがあるのか知りたい",
    "配食サービスがあるなら知りたい",
    "たまには誰かと食べたい",
    "食事の支度がつらい",
    "粗大ごみや重い家具の片付けができない",
    "近所に車のない年寄りが多く、通院に困っているようだ",
    "去年免許を返した",
    "娘が週末に車を出してくれるので通院は困らない",
    "自分では運べないので毎回隣の人に頼んでいる",
    "配食のお弁当が毎回おいしい",
    "腰が悪くて台所に立てないので、お弁当が届くのが本当に助かる",
    "スーパーへ行くバスがない",
    "店まで行けても重くて持ち帰れない",
    # docs/labeling-decisions.md: the cases the guide leaves open, decided there
    *DECIDED_EXAMPLES,
]


def _key(text: str) -> str:
    """Normalised text without spaces or sentence-final punctuation, for comparing answers."""
    return re.sub(r"[\s。、．，！？!?]", "", normalize_text(text))


def label_conflicts(labeled: pd.DataFrame) -> dict[str, list[str]]:
    """Answers that read the same after normalisation but carry different label sets."""
    sets: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    sources: dict[str, list[str]] = defaultdict(list)
    for text, labels, source in labeled[["text", "labels", "source"]].itertuples(index=False):
        sets[_key(text)].add(tuple(sorted(labels)))
        sources[_key(text)].append(source)
    return {key: sources[key] for key, found in sets.items() if len(found) > 1}


@pytest.fixture(scope="module")
def labeled() -> pd.DataFrame:
    return read_labeled(ModelSources.from_config().labeled, load_taxonomy())


def test_an_answer_has_one_label_set_in_every_file(labeled):
    assert label_conflicts(labeled) == {}


def test_conflicting_label_sets_are_found():
    frame = pd.DataFrame(
        {
            "text": ["バスが少ない。", "バスが少ない", "ゴミ出しがつらい"],
            "labels": [("移動支援",), (), ("ゴミ出し",)],
            "source": ["a.tsv:2", "b.tsv:5", "b.tsv:6"],
        }
    )
    assert label_conflicts(frame) == {"バスが少ない": ["a.tsv:2", "b.tsv:5"]}


def test_no_answer_repeats_a_guide_example(labeled):
    keys = [_key(text) for text in labeled["text"]]
    repeated = [ex for ex in GUIDE_EXAMPLES if any(_key(ex) in key for key in keys)]
    assert repeated == []


def test_every_bundled_answer_has_a_need_status(labeled):
    assert set(labeled["status"]) <= set(STATUSES)
    assert (labeled.loc[labeled["labels"].map(bool), "status"] == "need").all()
    counts = labeled["status"].value_counts()
    # every status is used, and some その他 answers state a need outside the seven
    assert set(counts.index) == set(STATUSES)
    assert ((labeled["labels"].map(len) == 0) & (labeled["status"] == "need")).any()


@pytest.mark.parametrize(
    ("value", "labels", "expected"),
    [
        ("need", ("移動支援",), "need"),
        (" met ", (), "met"),
        ("", ("配食",), "need"),
        ("", (), ""),
        (None, (), ""),
        (None, ("見守り",), "need"),
    ],
)
def test_status_cells(value, labels, expected):
    assert parse_status(value, labels, "a.tsv の2行目") == expected


@pytest.mark.parametrize(
    ("value", "labels", "message"),
    [("praise", (), "praise"), ("met", ("配食",), "need です")],
)
def test_bad_status_cells_are_named(value, labels, message):
    with pytest.raises(InputError, match=message) as caught:
        parse_status(value, labels, "a.tsv の2行目")
    assert "a.tsv の2行目" in str(caught.value)
