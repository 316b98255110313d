"""The gap table from corrected rates: the estimates, tests and flags when a coordinator has
checked a random sample; the same table as before when nobody has."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from needs_analysis.estimates import TOWN as ESTIMATES_TOWN
from needs_analysis.estimates import area_rates, area_vs_rest, draw_checks
from needs_analysis.gaps.corrected import CHECKED_COLUMN, INCLUSION_COLUMN, TEST_CORRECTED
from needs_analysis.gaps.corrected import TOWN as CORRECTED_TOWN
from needs_analysis.gaps.significance import benjamini_hochberg
from needs_analysis.gaps.table import analyse_gaps, need_rates
from needs_analysis.report.voices import area_answers, choose_voices

LABEL = "居場所"
LABELS = (LABEL, "配食")
AREAS = ("東", "西", "南")
RESOURCES = pd.DataFrame(
    {
        "name": ["南の弁当"],
        "type": ["配食"],
        "area": ["南"],
        "per_month": [4],
        "capacity": [None],
        "started": [None],
    }
)


def town(model: dict[str, tuple[float, float]], rates: dict[str, float], seed: int = 3):
    """Answers of three areas: the true need (``rates``) and the model's label, which finds
    a true need with the area's sensitivity and adds one with its false-positive rate."""
    rng = np.random.default_rng(seed)
    rows = []
    for area in AREAS:
        sensitivity, false_positive = model[area]
        for i in range(300):
            need = rng.random() < rates[area]
            labelled = rng.random() < (sensitivity if need else false_positive)
            meal = rng.random() < 0.1
            found = tuple(label for label, on in ((LABEL, labelled), ("配食", meal)) if on)
            rows.append(
                {
                    "respondent_id": f"{area}{i}",
                    "area": area,
                    "text": f"{area}の回答{i}",
                    "has_text": True,
                    "categories": found or ("その他",),
                    "truth": tuple(label for label, on in ((LABEL, need), ("配食", meal)) if on),
                }
            )
    return pd.DataFrame(rows)


def checked(frame: pd.DataFrame, size: int = 150, seed: int = 11) -> pd.DataFrame:
    """The town with a coordinator's check of ``size`` answers drawn by area."""
    drawn = draw_checks(frame["area"].to_numpy(), size, seed=seed)
    result = frame.drop(columns="truth").copy()
    result[CHECKED_COLUMN] = pd.Series([None] * len(frame), dtype=object)
    result[INCLUSION_COLUMN] = math.nan
    for position, probability in zip(drawn["position"], drawn["inclusion_prob"], strict=True):
        result.at[position, CHECKED_COLUMN] = frame.at[position, "truth"]
        result.at[position, INCLUSION_COLUMN] = probability
    return result


def gaps(frame: pd.DataFrame) -> pd.DataFrame:
    return analyse_gaps(
        frame, RESOURCES, dict.fromkeys(AREAS, 1000), {"配食": ("配食",)}, LABELS, 2025, AREAS
    )


def cell(table: pd.DataFrame, area: str, label: str = LABEL) -> pd.Series:
    return table[(table["area"] == area) & (table["category"] == label)].iloc[0]


@pytest.mark.parametrize(
    ("model", "rates", "automatic_flag", "corrected_flag"),
    [
        # People in 東 write about company in words the model misses: the automatic rates
        # are alike, the checked answers show 東's need is three times the others'.
        ({"東": (0.3, 0.02), "西": (0.9, 0.02), "南": (0.9, 0.02)},
         {"東": 0.3, "西": 0.1, "南": 0.1}, False, True),
        # 東 has salons and praises them; the model counts praise as a need.
        ({"東": (0.9, 0.25), "西": (0.9, 0.02), "南": (0.9, 0.02)},
         {"東": 0.1, "西": 0.1, "南": 0.1}, True, False),
    ],
)  # fmt: skip
def test_gap_flags_follow_the_corrected_rates(model, rates, automatic_flag, corrected_flag):
    frame = town(model, rates)
    automatic = gaps(frame.drop(columns="truth"))
    corrected = gaps(checked(frame))
    assert bool(cell(automatic, "東")["flag"]) is automatic_flag
    assert bool(cell(corrected, "東")["flag"]) is corrected_flag
    row = cell(corrected, "東")
    true_rate = frame.loc[frame["area"] == "東", "truth"].map(lambda t: LABEL in t).mean()
    assert row["ci_low"] <= true_rate <= row["ci_high"]
    assert not row["ci_low"] <= cell(automatic, "東")["rate"] <= row["ci_high"]
    assert row["model_rate"] == pytest.approx(cell(automatic, "東")["rate"])
    assert row["count"] == cell(automatic, "東")["count"]  # counts stay the model's
    assert row["test"] == TEST_CORRECTED and row["corrected"]
    if corrected_flag:
        assert row["reason"].startswith("不足の候補：補正した困りごとの割合")


def test_corrected_table_is_the_estimators_with_the_bh_control_over_all_cells():
    frame = checked(
        town({a: (0.8, 0.05) for a in AREAS}, {"東": 0.25, "西": 0.1, "南": 0.15}), size=120
    )
    table = need_rates(frame, LABELS, AREAS)
    written = frame[frame["has_text"]].reset_index(drop=True)
    positions = np.flatnonzero(written[CHECKED_COLUMN].map(lambda v: isinstance(v, tuple)))
    predicted = np.array([[lab in c for lab in LABELS] for c in written["categories"]], float)
    truth = np.array([[lab in written.at[p, CHECKED_COLUMN] for lab in LABELS] for p in positions])
    pi = written.loc[positions, INCLUSION_COLUMN].to_numpy()
    arguments = (predicted, truth, positions, written["area"], LABELS)
    rates = area_rates(*arguments, inclusion_prob=pi).set_index(["area", "category"])
    tests = area_vs_rest(*arguments, inclusion_prob=pi).set_index(["area", "category"])
    for row in table.itertuples(index=False):
        estimate, test = rates.loc[(row.area, row.category)], tests.loc[(row.area, row.category)]
        assert (row.rate, row.ci_low, row.ci_high) == pytest.approx(
            (estimate["rate"], estimate["ci_low"], estimate["ci_high"])
        )
        assert row.municipal_rate == pytest.approx(rates.loc[("町全体", row.category), "rate"])
        assert row.p_value == pytest.approx(test["p_value"]) and row.residual == pytest.approx(
            test["z"]
        )
        assert row.method == estimate["method"] and row.n_checked == estimate["n_checked"]
    assert table["q_value"].to_numpy() == pytest.approx(benjamini_hochberg(table["p_value"]))
    assert CORRECTED_TOWN == ESTIMATES_TOWN  # the town's row is found by this name
    assert (
        table["above"] == (table["q_value"] <= 0.05) & (table["rate"] > table["rest_rate"])
    ).all()


def test_without_a_check_the_table_is_the_automatic_one():
    frame = town({a: (0.8, 0.05) for a in AREAS}, {"東": 0.25, "西": 0.1, "南": 0.15})
    plain = frame.drop(columns="truth")
    nobody = plain.assign(**{CHECKED_COLUMN: None, INCLUSION_COLUMN: math.nan})
    table = need_rates(plain, LABELS, AREAS)
    pd.testing.assert_frame_equal(need_rates(nobody, LABELS, AREAS), table)
    assert not table["corrected"].any() and (table["n_checked"] == 0).all()
    assert (table["model_rate"] == table["rate"]).all()
    assert set(table["test"]) <= {"調整済み標準化残差", "Fisherの正確検定"}
    assert cell(table, "東")["rate"] == pytest.approx(
        plain[plain["area"] == "東"]["categories"].map(lambda c: LABEL in c).mean()
    )


def test_an_area_with_few_checks_borrows_the_towns_correction():
    frame = town({a: (0.8, 0.05) for a in AREAS}, {"東": 0.25, "西": 0.1, "南": 0.15})
    table = need_rates(checked(frame, size=60), LABELS, AREAS)  # 20 checks an area
    assert set(table["method"]) == {"borrowed"}
    assert table["note"].str.contains("町全体の点検から求めた補正").all()


class Run:
    """The parts of a saved run the handout's examples read."""

    def __init__(self, responses):
        self.responses = responses
        self.answers = responses
        self.check = object()


def test_examples_come_from_checked_answers_first_and_never_from_refuted_ones():
    frame = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c", "d", "e"],
            "area": ["東"] * 5,
            "text": [
                "サロンがなくて寂しい",  # checked: carries 居場所
                "近所に集まる場所がほしい",  # model only
                "サロンはいつも楽しい",  # model says 居場所, the check says no
                "話し相手がほしいです",  # model misses it, the check finds it
                "家で一人で過ごしている",  # model only
            ],
            "has_text": True,
            "categories": [(LABEL,), (LABEL,), (LABEL,), ("その他",), (LABEL,)],
            "confidence": [0.5, 0.99, 0.99, 0.5, 0.98],
            CHECKED_COLUMN: [(LABEL,), None, (), (LABEL,), None],
        }
    )
    written = area_answers(Run(frame), "東")
    examples = choose_voices(written, LABEL, 3)
    assert set(examples[:2]) == {"サロンがなくて寂しい", "話し相手がほしいです"}
    assert examples[2] in ("近所に集まる場所がほしい", "家で一人で過ごしている")
    assert "サロンはいつも楽しい" not in choose_voices(written, LABEL, 5)


def test_the_plan_from_the_models_probabilities_is_the_expected_one():
    """Planning before any check: each answer's label is drawn with the model's probability;
    the variance the plan uses is the average over such draws, and so is the number."""
    from needs_analysis.estimates import checks_needed
    from needs_analysis.estimates.power import error_variance

    rng = np.random.default_rng(5)
    q = rng.beta(0.4, 2.0, size=(2000, 1))
    labels = (q > 0.4).astype(float)
    lam, expected = error_variance(q[:, 0], labels[:, 0])
    draws = [
        error_variance((rng.random(q.shape[0]) < q[:, 0]).astype(float), labels[:, 0])
        for _ in range(400)
    ]
    assert np.mean([sigma for _, sigma in draws]) == pytest.approx(expected, rel=0.02)
    assert np.mean([lam for lam, _ in draws]) == pytest.approx(lam, abs=0.02)
    plan = checks_needed(q, labels, 2000, ["居場所"], half_width=0.03, planned=150)
    simulated = [
        checks_needed(
            (rng.random(q.shape) < q).astype(float), labels, 2000, ["居場所"], half_width=0.03
        )["n_needed"].iloc[0]
        for _ in range(40)
    ]
    assert plan["n_needed"].iloc[0] == pytest.approx(np.mean(simulated), rel=0.05)
    # With 0/1 labels in place of probabilities nothing changes.
    hard = (q > 0.5).astype(float)
    assert error_variance(hard[:, 0], labels[:, 0])[1] == pytest.approx(
        np.var(hard[:, 0] - error_variance(hard[:, 0], labels[:, 0])[0] * labels[:, 0])
    )
    # The half-width the planned checks give falls as they grow and meets the target
    # at the number needed.
    widths = [
        checks_needed(q, labels, 2000, ["居場所"], half_width=0.03, planned=n)[
            "planned_half_width"
        ].iloc[0]
        for n in (50, 150, int(plan["n_needed"].iloc[0]))
    ]
    assert widths[0] > widths[1] > widths[2] and widths[2] <= 0.03
    with pytest.raises(ValueError):
        checks_needed(q * 2, labels, 2000, ["居場所"])
