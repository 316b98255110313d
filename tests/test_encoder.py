"""The sentence encoder: checked model files, unit-length embeddings, the cache, the shipped table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from needs_analysis.classify import e5_onnx, encoder
from needs_analysis.classify.encoder import EmbeddingStore, encode, encoder_version, text_key
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.sources import ModelSources
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.text.normalize import normalize_text

TEXTS = ["バスが少なくて病院に行けない", "ｺﾞﾐ出しがたいへん", "話し相手がほしい🙂", "特になし"]


def test_embeddings_are_unit_length_and_follow_meaning():
    vectors = encode(TEXTS + ["バスの本数が減って通院に困る"]).astype(np.float32)
    assert vectors.shape == (5, encoder.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
    similarity = vectors @ vectors[-1]
    assert similarity[0] == max(similarity[:4])  # the other bus answer is the nearest


def test_same_embeddings_with_any_thread_count():
    code = (
        "import json, sys; from needs_analysis.classify.encoder import encode; "
        "print(json.dumps(encode(json.loads(sys.argv[1])).astype(float).tolist()))"
    )
    results = []
    for threads in ("1", "2"):
        env = dict(os.environ, NEEDS_ANALYSIS_THREADS=threads)
        env.pop("OMP_NUM_THREADS", None)
        done = subprocess.run(
            [sys.executable, "-c", code, json.dumps(TEXTS)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        results.append(np.asarray(json.loads(done.stdout)))
    assert np.array_equal(results[0], results[1])
    assert np.array_equal(results[0], encode(TEXTS).astype(float))


def test_a_cache_hit_does_not_embed_again(tmp_path):
    first = EmbeddingStore(tmp_path, shipped=os.devnull)
    vectors = first.embed(TEXTS + [TEXTS[0], ""])
    assert first.encoded == len(TEXTS)  # the repeated text once, the empty one never
    assert not vectors[-1].any()
    again = EmbeddingStore(tmp_path, shipped=os.devnull)
    assert np.array_equal(again.embed(TEXTS), vectors[: len(TEXTS)])
    assert again.encoded == 0
    assert np.array_equal(again.embed(["新しい回答です"] + TEXTS)[1:], vectors[: len(TEXTS)])
    assert again.encoded == 1


def test_shipped_embeddings_cover_the_labeled_answers(tmp_path):
    """Fails after data/labeled/ changes until ``make embeddings`` is run."""
    labeled = read_labeled(ModelSources.from_config().labeled, load_taxonomy())
    texts = sorted({normalize_text(text) for text in labeled["text"]})
    with np.load(encoder.shipped_path()) as table:
        assert str(table["encoder"]) == encoder_version()
        assert table["vectors"].dtype == np.float16
        assert set(table["keys"].tolist()) >= {text_key(text) for text in texts}
    store = EmbeddingStore(tmp_path)
    shipped = store.embed(texts[:5])
    assert store.encoded == 0
    assert np.allclose(shipped, encode(texts[:5]).astype(np.float32), atol=1e-3)


def test_a_different_model_file_is_refused(monkeypatch):
    e5_onnx.load.cache_clear()
    monkeypatch.setattr(e5_onnx, "MODEL_SHA256", "0" * 64)
    try:
        with pytest.raises(NeedsAnalysisError, match="内容が違います"):
            encoder.load_engine()
    finally:
        e5_onnx.load.cache_clear()


def test_an_answer_embeds_the_same_alone_or_among_others():
    together = encode(TEXTS)
    alone = np.concatenate([encode([text]) for text in reversed(TEXTS)])[::-1]
    assert np.array_equal(together, alone)


def test_a_long_answer_is_embedded_in_windows():
    long = "。".join(["バスの本数が少なくて病院や買い物に行くのが大変です"] * 80)
    tokens = encoder.load_engine().tokenizer.ids([long])[0]
    assert len(tokens) > 2 * 510  # three windows
    vectors = encode([long, "バスの本数が少なくて病院や買い物に行くのが大変です"]).astype(
        np.float32
    )
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0, atol=1e-2)
    assert vectors[0] @ vectors[1] > 0.8


def _alone(texts: list[str]) -> np.ndarray:
    """Each window of each text through the graph on its own, pooled by the graph itself
    ("mean"), windows weighed by their tokens: the embedding as it was first computed."""
    engine = encoder.load_engine()
    out = np.empty((len(texts), encoder.DIMENSIONS), dtype=np.float32)
    for index, ids in enumerate(engine.tokenizer.ids(texts)):
        total, weight = np.zeros(encoder.DIMENSIONS, dtype=np.float64), 0
        for window in engine.tokenizer.windows(ids):
            rows = engine.tokenizer.rows[np.asarray([window])]
            feed = {"input_ids": rows, "attention_mask": np.ones_like(rows)}
            (mean,) = engine.session.run(["mean"], feed)
            count = max(len(window) - 2, 1)
            total += count * mean[0].astype(np.float64)
            weight += count
        out[index] = total / weight
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)


def _labeled_texts() -> list[str]:
    labeled = read_labeled(ModelSources.from_config().labeled, load_taxonomy())
    return sorted({normalize_text(text) for text in labeled["text"]} - {""})


def test_batched_windows_give_each_windows_own_numbers():
    """Windows of one length run as one batch; every number is the one the window gets
    alone (float32, to the bit), long answers and their windows included."""
    engine = encoder.load_engine()
    texts = _labeled_texts()[:400]
    long = "。".join(["バスの本数が少なくて病院や買い物に行くのが大変です"] * 45)
    texts += [long, long[:-7], *TEXTS]
    lengths = [len(ids) for ids in engine.tokenizer.ids(texts)]
    assert max(Counter(lengths).values()) >= 8  # batches of several windows were run
    assert max(lengths) > 510  # and a text of more than one window
    assert np.array_equal(engine.encode(texts), _alone(texts))


@pytest.mark.slow
def test_embeddings_are_byte_identical_to_the_shipped_ones_for_every_labeled_answer():
    """The shipped table was computed one window at a time; the engine gives every labelled
    answer the same float16 bytes."""
    texts = _labeled_texts()
    with np.load(encoder.shipped_path()) as table:
        shipped = dict(zip(table["keys"].tolist(), table["vectors"], strict=True))
    expected = np.stack([shipped[text_key(text)] for text in texts])
    assert len(texts) > 4000
    assert encode(texts).tobytes() == expected.astype(np.float16).tobytes()
