"""Correcting an answer's categories from the workbench, into the same file the review
sheet feeds (``labeled/corrections_<年度>.tsv`` beside the config), so that
``needs-analysis train`` and the next run learn from both.

A correction is kept as the review sheet's are: the opaque key of the answer's text (a hash
of the survey's text, which names the text, never a respondent), the masked text, and the
coordinator's categories; a later correction of the same text replaces an earlier one.
The survey is read once, when the first correction is made, only to find that key.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from needs_analysis.classify.sources import corrections_path
from needs_analysis.classify.town_model import text_key
from needs_analysis.config.settings import Config
from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.ingest.survey import load_survey
from needs_analysis.review.corrections import Correction, save_corrections


class Corrector:
    """Writes corrections of one fiscal year's answers for one town."""

    def __init__(self, config: Config, fiscal_year: int, taxonomy: Taxonomy):
        self.config = config
        self.fiscal_year = fiscal_year
        self.taxonomy = taxonomy
        self._keys: dict[str, str] | None = None

    @property
    def path(self) -> Path:
        return corrections_path(self.config, self.fiscal_year)

    def checked_labels(self, labels: Iterable[str]) -> tuple[str, ...]:
        """The chosen categories in the taxonomy's order; その他 alone stands for none."""
        chosen = [label for label in dict.fromkeys(labels) if label]
        known = (*self.taxonomy.labels, self.taxonomy.other)
        unknown = [label for label in chosen if label not in known]
        if unknown:
            raise NeedsAnalysisError(
                f"分類「{unknown[0]}」はありません（分類: {'、'.join(known)}）。"
            )
        if not chosen:
            raise NeedsAnalysisError(
                "正しい分類を1つ以上選んでください（困りごとがなければ「その他」）。"
            )
        if self.taxonomy.other in chosen and len(chosen) > 1:
            raise NeedsAnalysisError(f"「{self.taxonomy.other}」とほかの分類は一緒に選べません。")
        return tuple(label for label in self.taxonomy.labels if label in chosen)

    def correct(self, answer: pd.Series, labels: Iterable[str]) -> Path:
        """Keep the coordinator's categories for one answer (a row of the documents frame)."""
        chosen = self.checked_labels(labels)
        key = self._key_of(str(answer["respondent_id"]))
        correction = Correction(key, str(answer["text"]), chosen, 0)
        save_corrections(self.path, (correction,), {key: str(answer["text"])}, self.taxonomy.other)
        return self.path

    def _key_of(self, respondent_id: str) -> str:
        if self._keys is None:
            responses = load_survey(self.config, self.fiscal_year).responses
            self._keys = {
                str(rid): text_key(str(text))
                for rid, text in zip(
                    responses["respondent_id"], responses["text"].fillna(""), strict=True
                )
            }
        if respondent_id not in self._keys:
            raise NeedsAnalysisError(
                f"{self.fiscal_year}年度の調査にこの回答が見つかりません"
                "（調査ファイルが run のあとで変わっています）。needs-analysis run をやり直してください。"
            )
        return self._keys[respondent_id]
