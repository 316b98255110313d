"""Very long answers: `check` and `run` accept the same rows, MeCab parses a long answer in
bounded pieces cut at sentence ends, the encoder embeds it within a bounded number of
windows, and every step that walks an answer does so once (a 1,000,000-character answer
runs through the pipeline instead of ending the process or taking hours)."""

from __future__ import annotations

import csv
import random
import signal
import subprocess
import sys
from contextlib import contextmanager

import numpy as np
import pytest
from conftest import HEADER
from hypothesis import given, settings
from hypothesis import strategies as st

from needs_analysis.classify import encoder
from needs_analysis.text import mecab
from needs_analysis.text.mecab import PIECE_CHARS, Tokenizer
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.pieces import text_pieces
from needs_analysis.text.tokens import Token, place_tokens

MILLION = 1_000_000
SENTENCES = [
    "バスが少なくて病院に行けない。",
    "ゴミ出しが大変です!",
    "隣の人と話す機会がない、さみしい。",
    "買い物に行く店が遠くて困っています?",
    "雪かきができない…",
]


@contextmanager
def watchdog(seconds: int):
    """Turn a hang into a failure: the steps below are linear; before they were not, a
    million characters took hours (or ended the process)."""

    def expired(signum, frame):
        raise AssertionError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def long_answer(length: int, seed: int = 1, ends: bool = True) -> str:
    rng = random.Random(seed)
    if not ends:
        return "あいうえおかきくけこ" * (length // 10)
    parts, size = [], 0
    while size < length:
        part = rng.choice(SENTENCES)
        parts.append(part)
        size += len(part)
    return "".join(parts)[:length]


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("あい。、 !?」x"), max_size=400),
    limit=st.integers(min_value=1, max_value=60),
)
def test_pieces_join_back_and_stay_within_the_limit(text, limit):
    pieces = text_pieces(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(piece) <= limit for piece in pieces[:-1]) and len(pieces[-1]) <= limit
    start = 0
    for piece in pieces[:-1]:
        window = text[start : start + limit]
        if any(mark in window for mark in "。!?」"):
            assert piece[-1] in "。!?」"  # cut after the window's last sentence end
        elif any(mark in window for mark in "、 "):
            assert piece[-1] in "、 "
        else:
            assert len(piece) == limit
        start += len(piece)


@pytest.mark.parametrize("ends", [True, False], ids=["sentences", "no sentence end"])
def test_mecab_parses_a_million_characters_in_bounded_pieces(monkeypatch, ends):
    text = normalize_text(long_answer(MILLION, ends=ends))
    seen: list[int] = []
    original = Tokenizer._tokenize

    def spy(self, piece):
        seen.append(len(piece))
        return original(self, piece)

    monkeypatch.setattr(Tokenizer, "_tokenize", spy)
    with watchdog(600):
        tokens = Tokenizer().tokenize(text)
    assert len(seen) >= MILLION // PIECE_CHARS and max(seen) <= PIECE_CHARS
    # Every character is in some token (MeCab drops only white space): nothing lost at a cut.
    assert "".join(token.surface for token in tokens) == text.replace(" ", "")
    short = normalize_text(SENTENCES[0])
    seen.clear()
    assert Tokenizer().tokenize(short) == original(Tokenizer(), short) and seen == [len(short)]


def test_a_piece_ends_at_a_sentence_end_when_its_window_has_one():
    text = normalize_text(long_answer(3 * PIECE_CHARS))
    pieces = text_pieces(text, PIECE_CHARS)
    assert len(pieces) >= 3
    assert all(piece[-1] in "。!?…" for piece in pieces[:-1])


def test_places_are_found_once_through_a_long_masked_answer():
    """A token whose word a mask replaced is not searched for through the rest of the
    text: the masked name 田中 also stands, unmasked, in a place name at the very end, and
    placing 700,000 tokens with a masked name every few words stays linear."""
    repeats = 100_000
    masked = "〇〇さんがバスで来た。" * repeats + "田中町"
    words = [Token("田中", "田中", "名詞-固有名詞-人名"), Token("さん", "さん", "接尾辞")]
    words += [Token(w, w, "名詞") for w in ("が", "バス", "で", "来", "た", "。")]
    tokens = words * repeats + [Token("田中町", "田中町", "名詞-固有名詞-地名")]
    with watchdog(60):
        placed = place_tokens(masked, tokens, ["〇〇"])
    assert len(placed) == 7 * repeats + 1  # every word but the masked name
    assert placed[0] == (2, tokens[1]) and placed[-1] == (len(masked) - 3, tokens[-1])


def test_the_encoder_embeds_a_long_answer_within_a_bounded_number_of_windows(monkeypatch):
    engine = encoder.load_engine()
    runs: list[int] = []
    original = engine.session.run

    def counted(names, feed):
        runs.append(int(feed["input_ids"].shape[1]))
        return original(names, feed)

    monkeypatch.setattr(engine.session, "run", counted)
    bound = 2 * encoder.LONG_TEXT_CHARS // 510 + 1
    for text in (long_answer(MILLION), long_answer(MILLION, ends=False), "x " * MILLION):
        short = encoder.bounded_text(normalize_text(text))
        assert len(short) <= encoder.LONG_TEXT_CHARS + encoder.EXCERPTS
        ids = engine.tokenizer.ids([short])[0]
        assert len(engine.tokenizer.windows(ids)) <= bound
    runs.clear()
    text = normalize_text(long_answer(MILLION, seed=7))
    with watchdog(600):
        vector = encoder.encode([encoder.bounded_text(text)])
    assert 1 <= len(runs) <= bound and max(runs) <= 512
    assert np.isclose(np.linalg.norm(vector.astype(np.float32)), 1.0, atol=1e-2)
    # The excerpts come from the whole answer: its start, middle and end.
    marked = "始まりの文。" + long_answer(MILLION - 20) + "終わりの文。"
    short = encoder.bounded_text(marked)
    assert short.startswith("始まりの文。") and short.endswith("終わりの文。")
    # An ordinary answer is embedded as it is.
    assert encoder.bounded_text(SENTENCES[0]) == SENTENCES[0]


def test_mecab_is_never_given_more_than_a_piece():
    """The limit itself is below where MeCab fails (about 850,000 characters) by far."""
    assert PIECE_CHARS * 10 < 850_000
    assert mecab.PIECE_CHARS == PIECE_CHARS


def write_long_town(directory, answers):
    (directory / "survey.csv").parent.mkdir(parents=True, exist_ok=True)
    with (directory / "survey.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number, answer in enumerate(answers, start=1):
            area = ("北部", "中央", "南部")[number % 3]
            writer.writerow([str(number), area, "75-79歳", "女性", "一人暮らし", answer])


@pytest.mark.slow
def test_check_and_run_accept_a_million_character_answer_alike(town_dir, tmp_path):
    """A 1,000,000-character answer (a phone number and a name planted 900,000 characters
    in) and one without any sentence end: `check` accepts every row, `run` classifies and
    masks them all, and no page or workbook prints the long answer whole. The commands run
    in processes of their own, as a coordinator runs them (and so that the memory a long
    answer takes is not held by the test process)."""
    from needs_analysis.report.rundata import load_run

    planted = "佐藤さん(090-1234-5678)に頼んだ。"
    first = long_answer(900_000) + planted + long_answer(MILLION - 900_000 - len(planted), 3)
    second = long_answer(MILLION, ends=False)
    answers = ["バスが少ない", first, "ゴミ出しが大変", second, "買い物が大変", "特になし"] * 2
    config = (town_dir / "config.toml").read_text(encoding="utf-8")
    config = config.split("[surveys.2022]")[0] + "[[areas]]" + config.split("[[areas]]", 1)[1]
    (town_dir / "config.toml").write_text(config, encoding="utf-8")
    write_long_town(town_dir, answers)
    command = [sys.executable, "-m", "needs_analysis"]
    checked = subprocess.run(
        [*command, "check", "--config", str(town_dir / "config.toml")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert checked.returncode == 0, checked.stderr
    assert f"受け付けた行: {len(answers)}" in checked.stdout
    out = tmp_path / "reports"
    ran = subprocess.run(
        [*command, "run", "--config", str(town_dir / "config.toml"), "--out", str(out), "--no-pdf"],
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert ran.returncode == 0, ran.stderr
    (saved,) = out.rglob("run.pkl")
    run = load_run(saved.parent)
    assert len(run.responses) == len(answers)
    masked = run.responses["text"].iloc[1]
    assert len(masked) > 990_000 and "090-1234-5678" not in masked and "佐藤" not in masked
    middle = first[500_000:500_040]
    for path in saved.parent.parent.rglob("*"):
        if path.suffix in (".html", ".csv"):
            assert middle not in path.read_text(encoding="utf-8", errors="replace"), path
            assert path.stat().st_size < 20_000_000, path


def test_keyword_lines_refer_to_their_answer_instead_of_copying_it():
    """A word that occurs 5,000 times in one long answer gives 5,000 lines that all hold
    the same text object (copying a 1,000,000-character answer per line took 50 GB)."""
    import pandas as pd

    from needs_analysis import textstats

    text = "バスが少ない。" * 5_000
    frame = pd.DataFrame(
        {
            "respondent_id": ["1", "2"],
            "area": ["北部", "南部"],
            "text": [text, "ゴミ出しが大変"],
            "categories": [("移動支援",), ("ゴミ出し",)],
            "has_text": [True, True],
        }
    )
    documents = textstats.build_documents(frame)
    with watchdog(300):
        lines = textstats.kwic(documents, "バス")
    assert len(lines) == 5_000
    assert lines["text"].map(id).nunique() == 1 and lines["text"].iloc[0] == text
    assert (
        set(lines["keyword"]) == {"バス"} and lines["right"].iloc[0] == ("が少ない。バス" * 3)[:20]
    )
