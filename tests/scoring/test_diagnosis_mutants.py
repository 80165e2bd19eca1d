"""Skill diagnosis against a reference built here from the definitions (module docstring).

Written for the survivors of the mutation run of ``assessment/scoring/diagnosis.py``: expected
scores and variances from the closed forms (plain ``math``), the slope dE/dtheta by a central
difference of E (not from the formula in the module), the residual with the delta-method term,
the skill ability as the mean and SD of the posterior on a fine grid under the prior
N(theta, 0.5^2 + se^2), and the verdict thresholds hit exactly.
"""
import math
import re

import numpy as np
import pytest

from assessment.scoring import ItemParameters, diagnose_skills
from assessment.scoring.diagnosis import MIN_SKILL_VARIANCE, SKILL_SPREAD, Z_95, Z_CRITICAL
from assessment.scoring.response_models import category_probabilities

RECORDS = [
    {"item": "d1", "model": "2pl", "a": 1.3, "b": -0.4},
    {"item": "d2", "model": "3pl", "a": 1.0, "b": 0.2, "c": 0.2},
    {"item": "g1", "model": "gpcm", "a": 0.9, "thresholds": [-0.8, 0.3, 1.2]},
    {"item": "d3", "model": "2pl", "a": 0.7, "b": 1.1},
    {"item": "g2", "model": "gpcm", "a": 1.2, "thresholds": [0.1]},
    {"item": "d4", "model": "1pl", "b": 0.5},
]
SKILLS = [["alg"], ["alg", "geo"], ["geo"], ["geo", "geo"], ["alg"], ["prob"]]
X = np.array([1, 0, 3, 1, 1, np.nan])


def probs(t, rec):
    """Category probabilities of one record at t, from the model definitions."""
    if rec["model"] == "gpcm":
        nums, s = [1.0], 0.0
        for b in rec["thresholds"]:
            s += rec["a"] * (t - b)
            nums.append(math.exp(s))
        return [n / sum(nums) for n in nums]
    a, c = rec.get("a", 1.0), rec.get("c", 0.0)
    p = c + (1 - c) / (1 + math.exp(-a * (t - rec["b"])))
    return [1 - p, p]


def moments(t, rec):
    p = probs(t, rec)
    mean = sum(k * q for k, q in enumerate(p))
    return mean, sum((k - mean) ** 2 * q for k, q in enumerate(p))


def reference(theta, se, records, x, items):
    """(observed, expected, max score, residual, skill theta, skill se) of the items ``items``."""
    h = 1e-5
    observed = sum(x[j] for j in items)
    expected = sum(moments(theta, records[j])[0] for j in items)
    var = sum(moments(theta, records[j])[1] for j in items)
    slope = sum((moments(theta + h, records[j])[0] - moments(theta - h, records[j])[0]) / (2 * h) for j in items)
    residual = (observed - expected) / math.sqrt(var + slope**2 * se**2)
    prior_sd = math.sqrt(SKILL_SPREAD**2 + se**2)
    grid = np.linspace(theta - 10 * prior_sd, theta + 10 * prior_sd, 40001)
    log_post = -0.5 * ((grid - theta) / prior_sd) ** 2
    for j in items:
        log_post += np.log([probs(t, records[j])[int(x[j])] for t in grid])
    w = np.exp(log_post - log_post.max())
    mean = float((w * grid).sum() / w.sum())
    sd = math.sqrt(float((w * (grid - mean) ** 2).sum() / w.sum()))
    top = sum(len(records[j].get("thresholds", [0])) for j in items)
    return observed, expected, top, residual, mean, sd


@pytest.fixture
def bank():
    return ItemParameters.from_records(RECORDS)


@pytest.mark.parametrize("theta, se", [(0.35, 0.4), (-0.6, 0.0), (1.2, 1.3)])
def test_every_field_matches_the_reference(bank, theta, se):
    result = diagnose_skills(bank, X, SKILLS, theta, se)
    assert [d.skill for d in result] == ["alg", "geo"]          # "prob": nothing administered
    for d, items in zip(result, ([0, 1, 4], [1, 2, 3])):
        observed, expected, top, residual, s_theta, s_se = reference(theta, se, RECORDS, X, items)
        assert d.n_items == 3
        assert d.observed == observed and d.max_score == top
        assert d.expected == pytest.approx(expected, rel=1e-12)
        assert d.residual == pytest.approx(residual, rel=1e-7)
        assert d.skill_theta == pytest.approx(s_theta, abs=2e-4)
        assert d.skill_se == pytest.approx(s_se, abs=2e-4)
        assert d.skill_low == pytest.approx(d.skill_theta - Z_95 * d.skill_se, rel=1e-12)
        assert d.skill_high == pytest.approx(d.skill_theta + Z_95 * d.skill_se, rel=1e-12)
        assert type(d.max_score) is float and type(d.skill_se) is float


def test_the_skill_ability_is_shrunk_by_the_prior_that_the_section_se_widens(bank):
    # the same answers under a wide and a narrow section SE: the posterior SD of the skill grows
    # with se (prior SD sqrt(0.25 + se^2)), by the reference's amounts
    narrow = diagnose_skills(bank, X, SKILLS, 0.35, 0.1)[0]
    wide = diagnose_skills(bank, X, SKILLS, 0.35, 2.0)[0]
    assert narrow.skill_se == pytest.approx(reference(0.35, 0.1, RECORDS, X, [0, 1, 4])[5], abs=2e-4)
    assert wide.skill_se == pytest.approx(reference(0.35, 2.0, RECORDS, X, [0, 1, 4])[5], abs=2e-4)
    assert wide.skill_se > narrow.skill_se + 0.1


def test_theta_is_the_prior_mean_of_the_skill_ability():
    bank = ItemParameters.dichotomous([1.0, 1.0], [0.0, 0.0])
    x = np.array([1.0, 0.0])
    # one right and one wrong at equal difficulty: the likelihood is symmetric about b = 0, so the
    # posterior mean sits between b and theta, and moves with theta
    low = diagnose_skills(bank, x, [["s"], ["s"]], -1.0, 0.2)[0]
    high = diagnose_skills(bank, x, [["s"], ["s"]], 1.0, 0.2)[0]
    assert low.skill_theta == pytest.approx(-high.skill_theta, abs=1e-9)
    assert -1.0 < low.skill_theta < -0.3


def test_a_single_informative_item_is_still_insufficient_evidence():
    bank = ItemParameters.dichotomous([1.0, 1.0], [0.0, 0.0])
    d = diagnose_skills(bank, np.array([1.0, np.nan]), [["s"], ["s"]], 0.0, 0.0)[0]
    # P = 0.5: variance 0.25 is enough, one item is not
    assert d.n_items == 1 and d.residual == pytest.approx(1.0) and d.verdict == "insufficient-evidence"


def test_items_far_too_easy_give_zero_variance_and_a_zero_residual():
    bank = ItemParameters.dichotomous([2.0, 2.0], [-30.0, -29.0])
    d = diagnose_skills(bank, np.array([1.0, 1.0]), [["s"], ["s"]], 0.0, 0.5)[0]
    assert d.residual == 0.0 and d.verdict == "insufficient-evidence"
    assert d.expected == 2.0 and d.observed == 2.0


def test_small_variance_still_gives_the_residual():
    # two hard items: total variance below 1 (but above the minimum): z = (O - E)/sqrt(V)
    records = [{"item": "h1", "model": "2pl", "a": 1.0, "b": 1.5}, {"item": "h2", "model": "2pl", "a": 1.0, "b": 2.0}]
    bank = ItemParameters.from_records(records)
    x = np.array([1.0, 1.0])
    d = diagnose_skills(bank, x, [["s"], ["s"]], 0.0, 0.3)[0]
    ref = reference(0.0, 0.3, records, x, [0, 1])
    assert d.residual == pytest.approx(ref[3], rel=1e-7) and d.residual > Z_CRITICAL
    assert d.verdict == "strength"


def test_variance_exactly_at_the_minimum_is_enough():
    # two hard 2PL items whose score variances add up to 0.15 exactly in floating point (found
    # by bisection on the second difficulty): "below the minimum" is strict
    bank = ItemParameters.dichotomous([1.0, 1.0], [2.7297436514476705, 2.162711583321516])
    p = category_probabilities(bank, 0.0)[0]
    k = np.arange(2.0)
    assert float(np.maximum(p @ (k * k) - (p @ k) ** 2, 0.0).sum()) == MIN_SKILL_VARIANCE
    d = diagnose_skills(bank, np.array([0.0, 0.0]), [["s"], ["s"]], 0.0, 0.1)[0]
    assert d.verdict == "on-par" and abs(d.residual) < 1


BANK8 = ItemParameters.dichotomous(np.full(8, 1.5), np.linspace(-1, 1, 8))


def test_residual_exactly_at_the_critical_value_is_a_strength():
    # se chosen (by bisection over se) so that z is exactly +1.645 in floating point
    x = np.array([1, 1, 1, 1, 1, 1, 0, 0.0])
    d = diagnose_skills(BANK8, x, [["s"]] * 8, -0.1, 0.20175448990532574)[0]
    assert d.residual == Z_CRITICAL
    assert d.verdict == "strength"


def test_residual_exactly_at_minus_the_critical_value_is_a_weakness():
    x = np.array([1, 1, 0, 0, 0, 0, 0, 0.0])
    d = diagnose_skills(BANK8, x, [["s"]] * 8, 0.1, 0.20175448990532577)[0]
    assert d.residual == -Z_CRITICAL
    assert d.verdict == "weakness"


def test_zero_section_se_is_accepted():
    d = diagnose_skills(BANK8, np.ones(8), [["s"]] * 8, 0.0, 0.0)[0]
    assert d.verdict == "strength" and d.skill_theta > 0


@pytest.mark.parametrize("theta, se, shown", [(np.nan, 0.3, "nan, 0.3"), (np.inf, 0.3, "inf, 0.3"),
                                              (0.0, np.inf, "0.0, inf"), (0.0, -0.1, "0.0, -0.1"),
                                              (0.0, np.nan, "0.0, nan")])
def test_bad_theta_or_se_is_refused(theta, se, shown):
    with pytest.raises(ValueError, match="^" + re.escape(f"theta must be finite and se >= 0, got {shown}") + "$"):
        diagnose_skills(BANK8, np.ones(8), [["s"]] * 8, theta, se)


def test_more_than_one_person_is_refused():
    with pytest.raises(ValueError, match="^" + re.escape(
            "diagnose_skills takes the responses of one person (a 1-D vector)") + "$"):
        diagnose_skills(BANK8, np.ones((2, 8)), [["s"]] * 8, 0.0, 0.3)


@pytest.mark.parametrize("theta, se, shown", [(None, 0.3, "nan, 0.3"), (0.5, None, "0.5, nan")])
def test_a_missing_theta_or_se_is_refused_like_nan(theta, se, shown):
    # None is read as NaN (a float conversion), so the refusal is the same ValueError
    with pytest.raises(ValueError, match="^" + re.escape(f"theta must be finite and se >= 0, got {shown}") + "$"):
        diagnose_skills(BANK8, np.ones(8), [["s"]] * 8, theta, se)


def test_theta_and_se_given_as_one_element_arrays():
    as_arrays = diagnose_skills(BANK8, np.ones(8), [["s"]] * 8, np.array([0.2]), np.array([[0.3]]))[0]
    as_floats = diagnose_skills(BANK8, np.ones(8), [["s"]] * 8, 0.2, 0.3)[0]
    assert as_arrays == as_floats
