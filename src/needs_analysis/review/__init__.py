"""A coordinator's corrections: the review sheet, reading it back, refitting the town's model.

- :mod:`~needs_analysis.review.sheet` — ``needs-analysis review``: the least certain answers;
- :mod:`~needs_analysis.review.corrections` — reading a filled sheet, every row checked;
- :mod:`~needs_analysis.review.retrain` — ``needs-analysis train``.
"""

from needs_analysis.review.corrections import read_review_sheet
from needs_analysis.review.retrain import retrain
from needs_analysis.review.sheet import write_review

__all__ = ["read_review_sheet", "retrain", "write_review"]
