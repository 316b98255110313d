"""Corrected need rates: the classifier's labels, checked by a coordinator on a sample.

Every rate the model's labels give is biased by its errors. A coordinator checks a random
sample of answers (:func:`draw_checks`); each rate is then the model's rate corrected by
the checked errors, with an interval that accounts for both (prediction-powered inference,
Angelopoulos et al., Science 2023; PPI++, Angelopoulos, Duchi & Zrnic 2023; unequal
probabilities, Zrnic & Candès, ICML 2024):

* :func:`ppi_rate` — one category's corrected rate (stratified, weighted);
* :func:`borrowed_rate` — an area's rate with the town's correction (few checks there);
* :func:`area_rates` — the table of area × category and the town, choosing between them;
* :func:`area_vs_rest`, :func:`compare_rates` — z-tests of an area against the rest;
* :func:`draw_checks` — which answers to check;
* :func:`checks_needed` — how many to check for a chosen interval half-width.
"""

from needs_analysis.estimates.areas import TOWN, area_rates
from needs_analysis.estimates.borrow import borrowed_rate
from needs_analysis.estimates.compare import area_vs_rest, compare_rates
from needs_analysis.estimates.core import RateEstimate
from needs_analysis.estimates.power import checks_needed
from needs_analysis.estimates.rate import ppi_rate
from needs_analysis.estimates.sample import draw_checks

__all__ = [
    "TOWN",
    "RateEstimate",
    "area_rates",
    "area_vs_rest",
    "borrowed_rate",
    "checks_needed",
    "compare_rates",
    "draw_checks",
    "ppi_rate",
]
