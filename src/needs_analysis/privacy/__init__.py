"""What may be shown: personal data masked in answers, and the small-count disclosure rule.

- :mod:`~needs_analysis.privacy.masking` — an answer masked: identifiers
  (:mod:`~needs_analysis.privacy.patterns`: phone numbers, addresses, the individual
  number …), names (:mod:`~needs_analysis.privacy.names`, with variant kanji folded by
  :mod:`~needs_analysis.privacy.variants`), the town's own names kept;
- :mod:`~needs_analysis.privacy.disclosure` — which counts are published, hidden or
  hidden as a complement, and how a hidden count is printed, with the values a reader can
  still infer for a hidden count worked out in :mod:`~needs_analysis.privacy.feasible`
  and the bounds of roll-ups and word counts in :mod:`~needs_analysis.privacy.bounds`.
"""

from needs_analysis.privacy.disclosure import Disclosure, people, protect_gaps
from needs_analysis.privacy.masking import mask_personal_data, mask_table, without_quasi_identifiers

__all__ = [
    "Disclosure",
    "mask_personal_data",
    "mask_table",
    "people",
    "protect_gaps",
    "without_quasi_identifiers",
]
