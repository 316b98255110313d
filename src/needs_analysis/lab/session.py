"""What the workbench works on: a town's saved run, its config and rules, its parameters
checked, and the writers of its word lists and corrections."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from needs_analysis.coding.rules import RuleSet, load_rules
from needs_analysis.config.load import load_config
from needs_analysis.config.settings import Config
from needs_analysis.ingest.intake import resolve_area
from needs_analysis.lab.corrections import Corrector
from needs_analysis.lab.params import resolve_category
from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.report.rundata import RunData, load_run
from needs_analysis.text.mecab import Tokenizer

LAYOUT_FILE = "opinion_layout.npz"


@dataclass
class Workbench:
    """A town's run opened for exploration. ``area`` and ``category`` are the starting
    filters, already checked (an alias becomes its area)."""

    config: Config
    run: RunData
    area: str = ""
    category: str = ""
    data_dir: Path | None = None
    _vectors: np.ndarray | None = field(default=None, repr=False)

    @cached_property
    def documents(self) -> pd.DataFrame:
        return self.run.documents

    @property
    def min_count(self) -> int:
        return self.run.min_count

    @property
    def disclosure(self) -> Disclosure:
        return Disclosure(self.run.min_count)

    @property
    def labels(self) -> list[str]:
        return [*self.run.taxonomy.labels, self.run.taxonomy.other]

    @cached_property
    def rules(self) -> RuleSet:
        """The rules the run's words were read with (the town's user dictionary too)."""
        tokenizer = Tokenizer(self.run.user_dictionary or None)
        return load_rules(self.run.rules_path or self.config.rules_path, tokenizer)

    @cached_property
    def corrector(self) -> Corrector:
        return Corrector(self.config, self.run.fiscal_year, self.run.taxonomy)

    def vectors(self) -> np.ndarray:
        """The e5 embeddings of the answers with text (masked), computed once."""
        if self._vectors is None:
            from needs_analysis.lab.opinion_map import embed_answers

            texts = self.documents.loc[self.documents["has_text"].astype(bool), "text"]
            self._vectors = embed_answers(texts.tolist())
        return self._vectors

    def layout(self) -> np.ndarray:
        """The opinion map's coordinates of the answers with text: t-SNE, the slow part,
        kept beside the saved run (``lab/opinion_layout.npz``) for the run it was made for."""
        from needs_analysis.lab.opinion_map import place_answers

        digest = str(self.run.part_digests.get("documents", ""))
        path = self.data_dir.parent / "lab" / LAYOUT_FILE if self.data_dir else None
        if path is not None and path.is_file():
            with np.load(path) as saved:
                if str(saved["digest"]) == digest and len(saved["coords"]) == len(self.vectors()):
                    return saved["coords"]
        coords = place_answers(self.vectors())
        if path is not None and digest:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, coords=coords, digest=np.array(digest))
        return coords


def open_workbench(
    data_dir: Path | str, config_path: Path | str = "", area: str = "", category: str = ""
) -> Workbench:
    """The saved run in ``data_dir`` (``reports/<年度>/data``) with its town's config
    (default: the sample town); ``area`` / ``category`` checked as the command line checks
    them: an alias is accepted as its area, an unknown value stops with one sentence."""
    use_offline_charts()
    config = load_config(config_path or None)
    run = load_run(data_dir)
    chosen_area = resolve_area(config.areas, area)
    chosen_category = resolve_category(run.taxonomy.labels, run.taxonomy.other, category)
    return Workbench(config, run, chosen_area, chosen_category, Path(data_dir))


def use_offline_charts() -> None:
    """Figures drawn by the jupyterlab-plotly renderer that the plotly package installs
    (its own plotly.js), never by a page that fetches plotly.js from a CDN."""
    import plotly.io as pio

    pio.renderers.default = "plotly_mimetype"
