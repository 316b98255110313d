"""Corrected need rates (needs_analysis.estimates): formulas, coverage, design, power.

Seeded, small simulations (a few hundred repetitions) check what a wrong formula breaks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.estimates import (
    TOWN,
    area_rates,
    area_vs_rest,
    borrowed_rate,
    checks_needed,
    compare_rates,
    draw_checks,
    ppi_rate,
)

Z = 1.959963984540054


def town(size, rate, sensitivity, false_positive, rng):
    """Gold and model 0/1 labels of a town whose model has the given error rates."""
    y = (rng.random(size) < rate).astype(float)
    p = np.where(y == 1, sensitivity, false_positive)
    return y, (rng.random(size) < p).astype(float)


def wilson(count, n, z=Z):
    p, shrink = count / n, 1 + z * z / n
    half = z / shrink * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    centre = (p + z * z / (2 * n)) / shrink
    return centre - half, centre + half


def pseudo(n, checked_share):
    """The stated small-sample term: z²/2 pseudo-disagreements among n checks, times 1 − n/N."""
    c = Z * Z / 2
    return (1 - checked_share) * c / (n * (n + c))


def covers(estimate, truth):
    return estimate.ci_low <= truth <= estimate.ci_high


def half_width(estimate):
    return (estimate.ci_high - estimate.ci_low) / 2


@pytest.fixture(scope="module")
def fixed():
    """A large town and one equal-probability sample of 300 checks."""
    rng = np.random.default_rng(11)
    y, yhat = town(20_000, 0.15, 0.8, 0.06, rng)
    checked = rng.choice(y.size, 300, replace=False)
    return y, yhat, checked


def test_equal_probabilities_match_the_closed_form(fixed):
    y, yhat, checked = fixed
    big_n, n = y.size, checked.size
    yc, yhc = y[checked], yhat[checked]
    lam = np.clip(np.cov(yc, yhc)[0, 1] / np.var(yhc, ddof=1), 0, 1)
    rate = lam * yhat.mean() + np.mean(yc - lam * yhc)
    checking = (1 - n / big_n) * np.var(yc - lam * yhc, ddof=1) / n + pseudo(n, n / big_n)
    for target, variance in (
        ("answers", checking),
        ("survey", checking + rate * (1 - rate) / big_n),
    ):
        estimate = ppi_rate(yhat, yc, checked, target=target)
        assert estimate.lam == pytest.approx(lam, abs=1e-12)
        assert estimate.rate == pytest.approx(rate, abs=1e-12)
        assert estimate.se == pytest.approx(math.sqrt(variance), rel=1e-9)
        assert estimate.ci_low == pytest.approx(rate - Z * math.sqrt(variance), abs=1e-9)
        assert estimate.ci_high == pytest.approx(rate + Z * math.sqrt(variance), abs=1e-9)
        assert estimate.method == "own" and estimate.n_checked == n


def test_the_paper_variance_is_close_when_few_answers_are_checked(fixed):
    # PPI (Angelopoulos et al. 2023), the checks as a separate sample: λ² Var(Ŷ)/N +
    # Var(Y − λŶ)/n. With n/N = 1.5% it is ours (less the pseudo-disagreements) to O(1/N).
    y, yhat, checked = fixed
    estimate = ppi_rate(yhat, y[checked], checked)
    lam = estimate.lam
    paper = lam**2 * np.var(yhat) / y.size + np.var(y[checked] - lam * yhat[checked]) / 300
    ours = estimate.se**2 - pseudo(300, 300 / y.size)
    assert ours == pytest.approx(paper, rel=0.05)


def test_stratified_unequal_sampling_matches_the_closed_form():
    rng = np.random.default_rng(3)
    y, yhat = town(900, 0.3, 0.6, 0.15, rng)
    areas = np.repeat(["東", "西"], [600, 300])
    checked = np.concatenate(
        [rng.choice(600, 20, replace=False), 600 + rng.choice(300, 40, replace=False)]
    )
    estimate = ppi_rate(yhat, y[checked], checked, areas=areas, lam=0.7, target="answers")
    total, variance = 0.7 * yhat.sum(), 0.0
    for begin, size, drawn in ((0, 600, 20), (600, 300, 40)):
        inside = checked[(checked >= begin) & (checked < begin + size)]
        residual = y[inside] - 0.7 * yhat[inside]
        total += size * residual.mean()
        variance += (1 - drawn / size) * size**2 * np.var(residual, ddof=1) / drawn
    kish = 900**2 / (20 * 30**2 + 40 * 7.5**2)  # (Σ weights)² / Σ weights²
    variance = variance / 900**2 + pseudo(kish, 60 / 900)
    assert estimate.rate == pytest.approx(total / 900, abs=1e-12)
    assert estimate.se == pytest.approx(math.sqrt(variance), rel=1e-9)


def test_against_ppi_py(fixed):
    ppi_py = pytest.importorskip("ppi_py")
    y, yhat, checked = fixed
    estimate = ppi_rate(yhat, y[checked], checked)
    for lam in (estimate.lam, 1.0, 0.0):
        ours = ppi_rate(yhat, y[checked], checked, lam=lam)
        theirs = ppi_py.ppi_mean_pointestimate(y[checked], yhat[checked], yhat, lam=lam)
        assert ours.rate == pytest.approx(float(np.ravel(theirs)[0]), abs=1e-12)
        low, high = (
            float(np.ravel(v)[0])
            for v in ppi_py.ppi_mean_ci(y[checked], yhat[checked], yhat, alpha=0.05, lam=lam)
        )
        # the same variance up to O(1/N) once the stated pseudo-disagreement term is taken off
        ours_variance = ours.se**2 - pseudo(300, 300 / y.size)
        assert ours_variance == pytest.approx(((high - low) / (2 * Z)) ** 2, rel=0.05)
        assert (ours.ci_low + ours.ci_high) / 2 == pytest.approx((low + high) / 2, abs=1e-9)
    # their power tuning: the same λ up to the n/N terms of the separate-sample model
    tuned = float(np.ravel(ppi_py.ppi_mean_pointestimate(y[checked], yhat[checked], yhat))[0])
    implied = (tuned - y[checked].mean()) / (yhat.mean() - yhat[checked].mean())
    assert implied == pytest.approx(estimate.lam, abs=0.03)


def test_naive_rate_misses_a_biased_classifier_and_the_corrected_interval_covers():
    rng = np.random.default_rng(20251207)
    y, yhat = town(2000, 0.2, 0.6, 0.03, rng)  # the model finds too few
    truth = y.mean()
    low, high = wilson(yhat.sum(), yhat.size)
    assert not low <= truth <= high
    hits = [
        covers(ppi_rate(yhat, y[c], c, target="answers"), truth)
        for c in (rng.choice(2000, 150, replace=False) for _ in range(300))
    ]
    assert np.mean(hits) >= 0.9


def test_survey_target_covers_the_population_rate_across_towns():
    rng = np.random.default_rng(8)
    hits = []
    for _ in range(300):
        y, yhat = town(1500, 0.12, 0.7, 0.04, rng)
        checked = rng.choice(1500, 100, replace=False)
        hits.append(covers(ppi_rate(yhat, y[checked], checked), 0.12))
    assert np.mean(hits) >= 0.92


def test_checks_that_all_agree_still_give_an_interval_that_covers():
    rng = np.random.default_rng(5)
    y, yhat = town(2000, 0.02, 0.8, 0.005, rng)  # rare need: most samples see no error
    truth, hits, agreed = y.mean(), [], 0
    for _ in range(400):
        checked = rng.choice(2000, 40, replace=False)
        estimate = ppi_rate(yhat, y[checked], checked, target="answers")
        agreed += bool(np.all(y[checked] == yhat[checked]))
        assert estimate.ci_high - estimate.ci_low > 0.05
        hits.append(covers(estimate, truth))
    assert agreed > 200  # the case this test is about
    assert np.mean(hits) >= 0.95


def test_edge_cases():
    yhat = np.array([0, 1, 0, 0, 1, 0, 0, 0, 0, 0], dtype=float)
    none = ppi_rate(yhat, [], [])
    assert math.isnan(none.rate) and none.method == "none" and "点検した回答がない" in none.note
    assert none.model_rate == pytest.approx(0.2)
    zero = ppi_rate(np.zeros(500), np.zeros(30), np.arange(30))
    assert zero.rate == 0.0 and zero.ci_low == 0.0 and 0.05 < zero.ci_high < 0.2
    areas = np.repeat(["A", "B"], 5)
    collapsed = ppi_rate(yhat, [0, 1, 0], [0, 1, 2], areas=areas)
    assert collapsed.method == "own" and "圏域に分けずに" in collapsed.note
    everything = ppi_rate(yhat, np.ones(10) - yhat, np.arange(10), target="answers")
    assert everything.rate == pytest.approx(0.8) and everything.se == 0.0


def test_inputs_are_checked_and_left_unchanged():
    yhat = np.array([0.0, 1.0, 1.0, 0.0])
    truth, checked = np.array([0.0, 1.0]), np.array([0, 2])
    copies = yhat.copy(), truth.copy(), checked.copy()
    ppi_rate(yhat, truth, checked, inclusion_prob=[0.5, 0.5])
    for original, copy in zip((yhat, truth, checked), copies, strict=True):
        assert np.array_equal(original, copy)
    bad = [([0, 2], checked, None), ([0, 1], [1, 1], None), ([0, 1], checked, [0.0, 0.5])]
    for marks, positions, pi in bad:  # a label not 0/1, an answer twice, a probability of 0
        with pytest.raises(NeedsAnalysisError):
            ppi_rate(yhat, marks, positions, inclusion_prob=pi)


def test_unequal_inclusion_probabilities_give_an_unbiased_estimate():
    rng = np.random.default_rng(17)
    y, yhat = town(1200, 0.15, 0.6, 0.05, rng)
    areas = np.repeat(["北", "南", "中央"], [600, 400, 200])
    score = np.where(y > yhat, 3.0, 0.2) + rng.random(1200)  # drawn more where missed
    pi = np.minimum(90 * (0.2 / 1200 + 0.8 * score / score.sum()), 1.0)
    weighted, ignored = [], []
    for _ in range(250):
        c = np.flatnonzero(rng.random(1200) < pi)  # Poisson sampling: answer i with pi_i
        weighted.append(ppi_rate(yhat, y[c], c, inclusion_prob=pi[c], areas=areas, lam=1).rate)
        ignored.append(ppi_rate(yhat, y[c], c, areas=areas, lam=1).rate)
    error = np.std(weighted) / math.sqrt(len(weighted))
    assert abs(np.mean(weighted) - y.mean()) < 3 * error
    assert abs(np.mean(ignored) - y.mean()) > 6 * error  # the weights are what fixes it


def test_draw_is_stratified_and_reproducible():
    areas = np.repeat(["A", "B", "C", "D"], [500, 300, 40, 3])
    draw = draw_checks(areas, 100, min_per_area=5, seed=1)
    counts = draw.groupby("area").size()
    assert counts.sum() == 100 and counts["D"] == 3 and counts["C"] >= 5
    assert counts["A"] > counts["B"] > counts["C"]
    assert draw["position"].is_unique and draw["position"].is_monotonic_increasing
    expected = [counts[a] / {"A": 500, "B": 300, "C": 40, "D": 3}[a] for a in draw["area"]]
    assert np.allclose(draw["inclusion_prob"], expected) and max(expected) == 1.0  # D: all 3
    assert draw.equals(draw_checks(areas, 100, min_per_area=5, seed=1))
    assert not draw.equals(draw_checks(areas, 100, min_per_area=5, seed=2))
    with pytest.raises(NeedsAnalysisError):
        draw_checks(areas, 10, min_per_area=5)


@pytest.mark.parametrize(
    ("answers", "sensitivity", "false_positive"),
    [(3000, 0.8, 0.04), (800, 0.8, 0.04), (3000, 0.97, 0.005)],  # typical, small town, few errors
)
def test_checks_needed_reach_the_half_width_in_simulation(answers, sensitivity, false_positive):
    rng = np.random.default_rng(23)
    # a large labelled set, so that its error variance is the town's (a small one is noisy)
    pilot_y, pilot_yhat = town(5000, 0.15, sensitivity, false_positive, rng)
    y, yhat = town(answers, 0.15, sensitivity, false_positive, rng)
    table = checks_needed(pilot_y, pilot_yhat, answers, ["移動支援"], half_width=0.03)
    assert list(table["category"]) == ["移動支援", "全体"]
    n = int(table["n_needed"].iloc[-1])
    assert 50 < n < answers

    def median_width(checks, repetitions):
        draws = (rng.choice(answers, checks, replace=False) for _ in range(repetitions))
        return np.median([half_width(ppi_rate(yhat, y[c], c)) for c in draws])

    assert median_width(n, 100) == pytest.approx(0.03, rel=0.1)
    assert median_width(n * 2 // 3, 30) > 0.032


def test_checks_needed_overall_is_the_largest_category_or_out_of_reach():
    rng = np.random.default_rng(2)
    good_y, good_yhat = town(500, 0.1, 0.95, 0.01, rng)
    poor_y, poor_yhat = town(500, 0.1, 0.5, 0.05, rng)
    table = checks_needed(
        np.c_[good_y, poor_y], np.c_[good_yhat, poor_yhat], 5000, ["良", "悪"], half_width=0.03
    )
    needed = table.set_index("category")["n_needed"]
    assert needed["悪"] > needed["良"] and needed["全体"] == needed["悪"]
    table = checks_needed(poor_y, poor_yhat, 300, ["悪"], half_width=0.02)
    assert np.isnan(table["n_needed"]).all() and table["note"].iloc[0]


def areas_town(rng, holds):
    """Four areas; ``holds``: P(Y | Ŷ) is the same in all, else the model misses D's needs."""
    sizes = [500, 500, 300, 150]
    areas = np.repeat(list("ABCD"), sizes)
    if holds:
        yhat = (rng.random(areas.size) < np.repeat([0.1, 0.15, 0.1, 0.3], sizes)).astype(float)
        y = (rng.random(areas.size) < np.where(yhat == 1, 0.85, 0.03)).astype(float)
    else:
        y = (rng.random(areas.size) < np.repeat([0.1, 0.15, 0.1, 0.3], sizes)).astype(float)
        sensitivity = np.repeat([0.85, 0.85, 0.85, 0.2], sizes)
        yhat = (rng.random(areas.size) < np.where(y == 1, sensitivity, 0.02)).astype(float)
    return areas, y, yhat


def test_borrowed_rate_matches_the_closed_form():
    rng = np.random.default_rng(14)
    y, yhat = town(300, 0.25, 0.7, 0.06, rng)
    areas = np.repeat(["A", "B"], [200, 100])
    checked = np.concatenate(
        [rng.choice(200, 20, replace=False), 200 + rng.choice(100, 20, replace=False)]
    )
    weight, in_a = np.where(checked < 200, 10.0, 5.0), checked < 200
    yc, yhc = y[checked], yhat[checked]
    parts = []
    for chosen in (yhc == 1, yhc == 0):  # p1, then p0: weighted ratios, linearised variance
        total = weight[chosen].sum()
        p = np.sum(weight * yc * chosen) / total
        e = weight * chosen * (yc - p)
        spread = sum(20 / 19 * np.sum((e[s] - e[s].mean()) ** 2) for s in (in_a, ~in_a))
        kish = total**2 / np.sum(weight[chosen] ** 2)
        parts.append((p, spread / total**2 + pseudo(kish, 0.0)))
    (p1, v1), (p0, v0) = parts
    unchecked = (np.arange(300) >= 200) & ~np.isin(np.arange(300), checked)
    u1, u0 = np.sum(unchecked & (yhat == 1)), np.sum(unchecked & (yhat == 0))
    rate = (y[checked[checked >= 200]].sum() + u1 * p1 + u0 * p0) / 100
    correction = (u1 / 100) ** 2 * v1 + (u0 / 100) ** 2 * v0
    answers = correction + (u1 * p1 * (1 - p1) + u0 * p0 * (1 - p0)) / 100**2
    answers += ((u1 + u0) / 100) ** 2 * pseudo(u1 + u0, 0.0)
    estimate = borrowed_rate(yhat, yc, checked, areas, "B", target="answers")
    assert estimate.method == "borrowed"
    assert estimate.rate == pytest.approx(rate, abs=1e-12)
    assert estimate.se == pytest.approx(math.sqrt(answers), rel=1e-9)
    m_u = u1 / (u1 + u0)
    survey = 20 * rate * (1 - rate) + (u1 + u0) * (p1 - p0) ** 2 * m_u * (1 - m_u)
    estimate = borrowed_rate(yhat, yc, checked, areas, "B", target="survey")
    assert estimate.se == pytest.approx(math.sqrt(correction + survey / 100**2), rel=1e-9)
    # without checks in the area it is the model rate put through the correction
    alone = borrowed_rate(yhat, yc[in_a], checked[in_a], areas, "B", target="answers")
    p1, p0 = yc[in_a & (yhc == 1)].mean(), yc[in_a & (yhc == 0)].mean()
    assert alone.rate == pytest.approx(p0 + (p1 - p0) * yhat[200:].mean(), abs=1e-12)


@pytest.mark.parametrize("holds", [True, False])
def test_borrowed_interval_covers_only_when_the_assumption_holds(holds):
    rng = np.random.default_rng(31)
    hits = []
    for seed in range(150):
        areas, y, yhat = areas_town(rng, holds)
        draw = draw_checks(areas, 80, seed=seed)
        c = draw["position"].to_numpy()
        estimate = borrowed_rate(yhat, y[c], c, areas, "D", target="answers")
        assert estimate.method == "borrowed" and estimate.n_checked < 30
        hits.append(covers(estimate, y[areas == "D"].mean()))
    if holds:
        assert np.mean(hits) >= 0.9
    else:
        assert np.mean(hits) < 0.5  # the documented failure


def test_area_rates_choose_own_or_borrowed_and_add_the_town():
    rng = np.random.default_rng(4)
    areas, y, yhat = areas_town(rng, holds=True)
    draw = draw_checks(areas, 120, seed=0)
    c = draw["position"].to_numpy()
    table = area_rates(yhat[:, None], y[c][:, None], c, areas, ["見守り"])
    by_area = table.set_index("area")
    assert list(table["area"]) == ["A", "B", "C", "D", TOWN]
    assert by_area.loc["A", "method"] == "own" and by_area.loc["A", "n_checked"] >= 30
    assert by_area.loc["D", "method"] == "borrowed" and by_area.loc["D", "note"]
    assert by_area.loc[TOWN, "n"] == areas.size and by_area.loc[TOWN, "n_checked"] == 120
    # an area whose checks flatly contradict the town's correction uses its own checks
    misfit = np.where(areas[c] == "D", 1 - yhat[c], y[c])
    table = area_rates(yhat[:, None], misfit[:, None], c, areas, ["見守り"])
    row = table.set_index("area").loc["D"]
    assert row["method"] == "own" and "合わない" in row["note"]


def test_area_vs_rest_holds_its_level_and_finds_a_real_difference():
    rng = np.random.default_rng(9)
    areas = np.repeat(list("ABC"), [600, 400, 300])
    null_p, found = [], []
    for seed in range(120):
        y, yhat = town(1300, 0.15, 0.75, 0.04, rng)
        draw = draw_checks(areas, 150, seed=seed)
        c = draw["position"].to_numpy()
        table = area_vs_rest(yhat[:, None], y[c][:, None], c, areas, ["居場所"])
        null_p.extend(table["p_value"])
        in_c = areas == "C"
        high = np.where(in_c, rng.random(1300) < 0.45, y)
        high_hat = np.where(in_c, rng.random(1300) < np.where(high == 1, 0.75, 0.04), yhat)
        table = area_vs_rest(high_hat[:, None], high[c][:, None], c, areas, ["居場所"])
        row = table.set_index("area").loc["C"]
        found.append(row["p_value"] < 0.05 and row["higher"])
    assert np.mean(np.array(null_p) < 0.05) <= 0.08
    assert np.mean(found) >= 0.9


def test_borrowed_difference_interval_covers_when_the_assumption_holds():
    rng = np.random.default_rng(12)
    sizes = [600, 400, 200]
    areas = np.repeat(list("ABC"), sizes)
    hits = []
    for seed in range(150):
        yhat = (rng.random(1200) < np.repeat([0.1, 0.1, 0.6], sizes)).astype(float)
        y = (rng.random(1200) < np.where(yhat == 1, 0.8, 0.03)).astype(float)
        c = draw_checks(areas, 60, seed=seed)["position"].to_numpy()
        row = area_vs_rest(yhat[:, None], y[c][:, None], c, areas, ["配食"], target="answers")
        row = row.set_index("area").loc["C"]
        assert row["method"] == "borrowed"
        truth = y[areas == "C"].mean() - y[areas != "C"].mean()
        hits.append(abs(row["difference"] - truth) <= Z * row["se"])
    assert np.mean(hits) >= 0.9


def test_compare_rates():
    rng = np.random.default_rng(1)
    y, yhat = town(1000, 0.3, 0.8, 0.05, rng)
    c1, c2 = np.arange(0, 500, 5), np.arange(500, 1000, 5)
    first = ppi_rate(yhat[:500], y[c1], c1)
    second = ppi_rate(yhat[500:], y[c2], c2 - 500)
    z, p = compare_rates(first, second)
    assert z == pytest.approx((first.rate - second.rate) / math.hypot(first.se, second.se))
    assert p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert all(math.isnan(v) for v in compare_rates(first, ppi_rate(yhat, [], [])))
