"""Need rates, their tests, the supply of resources, and the gap table of a fiscal year.

- :mod:`~needs_analysis.gaps.table` — need rates per 圏域 × category and the gap table;
- :mod:`~needs_analysis.gaps.corrected` — the need rates corrected by a coordinator's check;
- :mod:`~needs_analysis.gaps.change` — ranking gaps and the change since the previous year;
- :mod:`~needs_analysis.gaps.significance` — Wilson intervals, residuals, exact tests, BH;
- :mod:`~needs_analysis.gaps.supply` and :mod:`~needs_analysis.gaps.provision` — monthly
  provision per 1,000 residents aged 65+ from the resource inventory.
"""

from needs_analysis.gaps.change import ranked_gaps, year_over_year
from needs_analysis.gaps.corrected import corrected_need_rows
from needs_analysis.gaps.significance import benjamini_hochberg, wilson_interval
from needs_analysis.gaps.supply import supply_density
from needs_analysis.gaps.table import analyse_gaps, gap_table, need_rates

__all__ = [
    "corrected_need_rows",
    "analyse_gaps",
    "benjamini_hochberg",
    "gap_table",
    "need_rates",
    "ranked_gaps",
    "supply_density",
    "wilson_interval",
    "year_over_year",
]
