"""Regenerate the shipped sentence embeddings of the labeled answers.

Run after any change to data/labeled/ (``make embeddings``), so that a fresh installation
classifies without first embedding every labeled answer. Texts already in the user's
embedding cache are not embedded again.
"""

from __future__ import annotations

import sys
from pathlib import Path

from needs_analysis.classify.encoder import write_shipped
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.paths import package_file
from needs_analysis.text.normalize import normalize_text

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    labeled = read_labeled(ROOT / "data" / "labeled", load_taxonomy(package_file("taxonomy.toml")))
    texts = [normalize_text(text) for text in labeled["text"]]
    path = write_shipped(texts, ROOT / "src" / "needs_analysis" / "data" / "labeled_embeddings.npz")
    print(f"{len(set(texts)):,} answers embedded into {path.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
