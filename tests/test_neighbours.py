"""Neighbours in meaning and the need-status gate: the vote, a town's correction that moves
a paraphrase of itself, a gate that only ever removes labels, and evidence that names the
nearest labelled answer."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import NeedClassifier, Scores
from needs_analysis.classify.neighbours import Neighbours, blend, gist
from needs_analysis.classify.predictions import SIMILAR, _with_neighbours, predict_answers
from needs_analysis.classify.sources import ModelSources
from needs_analysis.classify.store import train
from needs_analysis.classify.town_model import text_key
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.paths import package_file


def unit(*rows: list[float]) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_the_vote_is_the_weighted_share_of_the_nearest_answers():
    vectors = unit([1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1])
    targets = np.asarray([[1, 0], [0, 1], [0, 1], [1, 1]])
    need = np.asarray([1.0, 0.0, np.nan, 1.0])
    neighbours = Neighbours(vectors, targets, weights=[1, 3, 1, 1], need=need)
    vote = neighbours.vote(unit([1, 0.05, 0]), k=2)
    assert vote.nearest.tolist() == [[0, 1]]
    # weights 1 and 3: label 0 from the first only, label 1 from the second only
    assert vote.labels[0] == pytest.approx([0.25, 0.75])
    assert vote.need[0] == pytest.approx(0.25)
    far = neighbours.vote(unit([0, 1, 0.01]), k=1)
    assert far.nearest.tolist() == [[2]] and np.isnan(far.need[0])  # no known status
    assert neighbours.nearest_with(np.asarray([1, 0, 3]), 0) == 0


def test_blend_and_gist():
    assert blend(np.asarray([0.2]), np.asarray([1.0]), 0.3) == pytest.approx([0.44])
    assert blend(np.asarray([0.2]), np.asarray([1.0]), 0.0) == pytest.approx([0.2])
    assert gist("短い回答") == "短い回答"
    long = "路線バスが一日二本になってしまい、帰りの便がもうない。病院の帰りはタクシーを呼ぶ"
    assert gist(long) == "路線バスが一日二本になってしまい、帰りの便がもうない。"
    short_first = "バスが少ない。帰りの便がなくて、病院の帰りはいつもタクシーを呼んでいる"
    assert gist(short_first) == short_first[:30] + "…"  # a sentence end too early to cut at
    assert gist("あ" * 40).endswith("…") and len(gist("あ" * 40)) == 31


@settings(max_examples=60, deadline=None)
@given(
    labels=arrays(np.float64, (6, 7), elements=st.floats(0, 1)),
    need=arrays(np.float64, 6, elements=st.floats(0, 1)),
    gate=st.floats(0, 1),
)
def test_the_gate_never_adds_a_label(labels, need, gate):
    model = NeedClassifier(labels=tuple("abcdefg"), status_gate=gate)
    scores = Scores(head=labels, labels=labels, need=need, vote=None)
    with_gate = model.chosen(scores)
    model.status_gate = None
    without = model.chosen(scores)
    assert not (with_gate & ~without).any()
    assert (with_gate.any(axis=1) == (without.any(axis=1) & (need >= gate))).all()


# -- fitted on part of the bundled answers --------------------------------------------


@pytest.fixture(scope="module")
def labeled() -> pd.DataFrame:
    return read_labeled(ModelSources.from_config().labeled, load_taxonomy())


@pytest.fixture(scope="module")
def base_dir(labeled, tmp_path_factory):
    folder = tmp_path_factory.mktemp("base")
    part = labeled.iloc[::5]
    table = pd.DataFrame(
        {
            "text": part["text"],
            "categories": ["|".join(labels) or "その他" for labels in part["labels"]],
            "status": part["status"],
        }
    )
    table.to_csv(folder / "part.tsv", sep="\t", index=False)
    return folder


@pytest.fixture(scope="module")
def base_model(base_dir) -> NeedClassifier:
    return train(sources(base_dir))


def sources(base_dir, corrections=(), weight=3.0) -> ModelSources:
    return ModelSources(
        base_dir,
        package_file("rules.txt"),
        package_file("taxonomy.toml"),
        corrections=tuple(corrections),
        corrections_weight=weight,
    )


CORRECTED = "裏の水路の落ち葉さらいが、もう腰が痛くてできん"
PARAPHRASE = "裏の水路に落ち葉がたまるが、腰が痛くてさらえない"
LABEL = "家事支援"


def correction_file(folder, text: str, label: str):
    path = folder / "corrections_2025.tsv"
    frame = pd.DataFrame({"text": [text], "categories": [label], "key": [text_key(text)]})
    frame.to_csv(path, sep="\t", index=False)
    return path


def test_a_correction_moves_a_paraphrase_of_itself(base_dir, base_model, tmp_path):
    column = list(load_taxonomy().labels).index(LABEL)
    path = correction_file(tmp_path, CORRECTED, LABEL)
    before = base_model
    after = train(sources(base_dir, [path]))
    assert before.neighbours_ is not None
    [analysis] = after.analyze([PARAPHRASE])
    scores_before = before.scores(before.features([analysis]))
    scores_after = after.scores(after.features([analysis]))
    # The correction is the paraphrase's nearest labelled answer, counted three times.
    nearest = scores_after.vote.nearest[0, 0]
    assert after.neighbours_.texts[nearest] == CORRECTED
    assert after.neighbours_.weights[nearest] == 3.0
    vote_after = scores_after.vote.labels[0, column]
    vote_gain = vote_after - scores_before.vote.labels[0, column]
    assert vote_after >= 3 / (3 + after.neighbours_k - 1) - 1e-6  # 3 of at most 3 + 4 votes
    assert vote_gain > 0.15
    # The label's probability is the head's blended with the vote: the vote alone moves the
    # paraphrase by share × its gain, on top of what the refitted head does.
    head_gain = scores_after.head[0, column] - scores_before.head[0, column]
    gain = scores_after.labels[0, column] - scores_before.labels[0, column]
    assert gain == pytest.approx(
        (1 - after.neighbours_share) * head_gain + after.neighbours_share * vote_gain
    )
    assert after.neighbours_share * vote_gain > 0.05
    assert scores_after.labels[0, column] >= after.threshold(LABEL)
    # The corrected text itself takes the coordinator's label whatever the numbers say.
    [own] = predict_answers(after, [CORRECTED])
    assert own.labels == (LABEL,)


def test_the_fitted_gate_only_removes_labels(base_model, labeled):
    model = base_model
    model_gated = NeedClassifier.for_taxonomy(
        load_taxonomy(), rules_path=package_file("rules.txt"), status_gate=0.5
    )
    part = labeled.iloc[::5]
    model_gated.fit(part["text"], part["labels"], statuses=part["status"])
    assert model_gated.status_head_ is not None and model.status_head_ is None
    texts = labeled["text"].iloc[1::25].tolist()
    gated = model_gated.predict(texts)
    model_gated.status_gate = None
    plain = model_gated.predict(texts)
    assert not (gated & ~plain).any()
    removed = plain.any(axis=1) & ~gated.any(axis=1)
    assert removed.any()  # the gate does take labels away from some answers
    statuses = labeled["status"].iloc[1::25].to_numpy()
    # … and mostly from answers that state no need
    assert (statuses[removed] != "need").mean() > 0.5


def test_a_label_led_by_the_neighbours_names_the_nearest_answer_masked(base_dir, tmp_path):
    named = "山田さんに毎回バス停まで送ってもらっているが、山田さんも来年は施設に入る"
    model = train(sources(base_dir, [correction_file(tmp_path, named, "移動支援")]))
    row = next(i for i, text in enumerate(model.neighbours_.texts) if text.startswith("〇〇さん"))
    assert not any("山田" in text for text in model.neighbours_.texts)
    masked = "〇〇さんに毎回バス停まで送ってもらっているが、〇〇さんも来年は施設に入る"
    assert model.neighbours_.texts[row] == gist(masked)
    column = list(model.labels).index("移動支援")
    head = np.full((1, len(model.labels)), 0.1)
    head[0, column] = 0.45
    labels = head.copy()
    labels[0, column] = 0.6
    vote = model.neighbours_.vote_of(np.asarray([[row]]))
    scores = Scores(head=head, labels=labels, need=np.asarray([np.nan]), vote=vote)
    assert model.neighbour_led(scores)[0].tolist() == [i == column for i in range(len(labels[0]))]
    [evidence] = _with_neighbours(model, scores, {}).values()
    assert evidence == {"移動支援": [f"{SIMILAR}「{model.neighbours_.texts[row]}」"]}


def test_the_package_never_imports_torch():
    code = (
        "import sys, needs_analysis.cli.command, needs_analysis.classify.predictions, "
        "needs_analysis.classify.store; print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "False"
