"""The classifier against a plain keyword match of the labeling guide's typical words.

    python benchmarks/bench_baseline.py [LABELED]   (default: ../shared/eval/dev_voices.tsv)

The baseline gives a label when one of its typical words occurs in the normalised answer,
either as written or as the dictionary form of a one-word keyword (送る matches 送って).
Both are scored on the same labeled file and the macro F1 over the seven labels printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from needs_analysis.classify.evaluate import evaluate_model, format_report, score
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.store import get_classifier
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text

DEFAULT_LABELED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_voices.tsv"

# The "typical words" column of the labeling guide, as written there.
TYPICAL_WORDS: dict[str, list[str]] = {
    "移動支援": [
        "送迎",
        "送る",
        "連れて行く",
        "通院",
        "足がない",
        "バス",
        "タクシー",
        "運転",
        "免許返納",
        "駅まで",
        "外出",
    ],
    "居場所": [
        "話し相手",
        "寂しい",
        "孤独",
        "集まる",
        "交流",
        "サロン",
        "一緒に食べたい",
        "居場所",
        "気軽に行ける",
    ],
    "ゴミ出し": ["ゴミ出し", "ごみ", "粗大ごみ", "集積所", "ゴミステーション", "分別"],
    "見守り": [
        "見守り",
        "安否",
        "声かけ",
        "一人暮らしで不安",
        "倒れたら",
        "何かあったとき",
        "緊急",
        "孤独死",
        "徘徊",
        "災害時",
    ],
    "買い物支援": ["買い物", "スーパー", "移動販売", "移動コンビニ", "宅配", "重い物"],
    "家事支援": ["電球", "剪定", "草取り", "草刈り", "除雪", "雪かき", "掃除", "片付け", "力仕事"],
    "配食": ["配食", "弁当", "食事の用意", "料理が大変", "栄養"],
}


def keyword_labels(text: str, tokenizer: Tokenizer, labels: tuple[str, ...]) -> tuple[str, ...]:
    normalized = normalize_text(text)
    lemmas = {token.lemma for token in tokenizer.tokenize(normalized)}
    chosen = []
    for label in labels:
        for word in TYPICAL_WORDS[label]:
            word_tokens = tokenizer.tokenize(word)
            single_lemma = word_tokens[0].lemma if len(word_tokens) == 1 else None
            if word in normalized or (single_lemma is not None and single_lemma in lemmas):
                chosen.append(label)
                break
    return tuple(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labeled", nargs="?", type=Path, default=DEFAULT_LABELED)
    labeled_path = parser.parse_args().labeled
    taxonomy = load_taxonomy()
    labeled = read_labeled(labeled_path, taxonomy)
    tokenizer = Tokenizer()

    baseline = score(
        labeled["labels"].tolist(),
        [keyword_labels(text, tokenizer, taxonomy.labels) for text in labeled["text"]],
        taxonomy.labels,
    )
    ours = evaluate_model(get_classifier(), labeled)
    print(f"labeled answers: {labeled_path} ({len(labeled)})\n")
    print("== keyword baseline (typical words of the labeling guide) ==")
    print(format_report(baseline))
    print("\n== needs-analysis classifier (rules + model) ==")
    print(format_report(ours))
    print(
        f"\nmacro F1: baseline {baseline.macro_f1:.3f}, classifier {ours.macro_f1:.3f}, "
        f"difference {ours.macro_f1 - baseline.macro_f1:+.3f} (target >= +0.10)"
    )


if __name__ == "__main__":
    main()
