"""A coordinator's sheets: corrections that teach the model, checks that correct the rates.

- :mod:`~needs_analysis.review.sheet` — ``needs-analysis review``: the least certain answers;
- :mod:`~needs_analysis.review.corrections` — reading a filled sheet, every row checked;
- :mod:`~needs_analysis.review.retrain` — ``needs-analysis train``;
- :mod:`~needs_analysis.review.check_draw` — ``needs-analysis review --sample N``: how many
  answers to check, and the check sheet of a random sample
  (:mod:`~needs_analysis.review.check_sheet`);
- :mod:`~needs_analysis.review.check_read` and :mod:`~needs_analysis.review.check_match` —
  reading a filled check sheet and finding its answers in the survey, for ``run --check``.
"""

from needs_analysis.review.check_draw import write_check_sample
from needs_analysis.review.check_match import checks_for_run, match_checks, refuse_learned
from needs_analysis.review.check_read import read_check_sheet
from needs_analysis.review.corrections import read_review_sheet
from needs_analysis.review.retrain import retrain
from needs_analysis.review.sheet import write_review

__all__ = [
    "checks_for_run",
    "match_checks",
    "read_check_sheet",
    "read_review_sheet",
    "refuse_learned",
    "retrain",
    "write_check_sample",
    "write_review",
]
