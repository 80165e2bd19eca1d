"""Closed forms and properties of the item models."""
import numpy as np
import pytest
from scipy.special import expit

from assessment.scoring import (
    ItemParameters,
    category_probabilities,
    expected_score,
    gpcm_information,
    gpcm_probabilities,
    info_3pl,
    item_information,
    log_category_probabilities,
    log_likelihood,
    prob_3pl,
)
from assessment.scoring import test_information as total_information

THETA = np.linspace(-4, 4, 81)


def test_2pl_probability_is_one_half_at_difficulty():
    b = np.array([-1.3, 0.0, 2.1])
    p = prob_3pl(b, a=[0.5, 1.0, 2.0], b=b)
    np.testing.assert_allclose(np.diag(p), 0.5)


def test_3pl_probability_at_difficulty_is_halfway_between_c_and_1():
    p = prob_3pl(0.7, a=1.3, b=0.7, c=0.2)
    np.testing.assert_allclose(p, 0.6)


def test_no_scaling_constant():
    np.testing.assert_allclose(prob_3pl(1.0, a=1.0, b=0.0), expit(1.0))


def test_2pl_information_peaks_at_a_squared_over_four_at_b():
    a, b = 1.7, 0.4
    grid = np.linspace(-3, 3, 6001)
    info = info_3pl(grid, a, b)[:, 0]
    assert grid[np.argmax(info)] == pytest.approx(b, abs=1e-3)
    assert info.max() == pytest.approx(a * a / 4, rel=1e-6)


def test_3pl_information_peak_is_above_b_and_lower_than_2pl():
    # Lord (1980): the 3PL maximum is at b + log((1 + sqrt(1 + 8c))/2)/a.
    a, b, c = 1.5, 0.0, 0.25
    grid = np.linspace(-3, 3, 60001)
    info = info_3pl(grid, a, b, c)[:, 0]
    peak = b + np.log((1 + np.sqrt(1 + 8 * c)) / 2) / a
    assert grid[np.argmax(info)] == pytest.approx(peak, abs=1e-3)
    assert info.max() < a * a / 4


def test_gpcm_probabilities_sum_to_one_and_match_closed_form():
    a, steps = 0.9, np.array([[-1.0, 0.2, 1.1]])
    p = gpcm_probabilities(THETA, [a], steps)[:, 0, :]
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    t = 0.5
    num = np.exp(np.concatenate([[0.0], np.cumsum(a * (t - steps[0]))]))
    np.testing.assert_allclose(gpcm_probabilities(t, [a], steps)[0, 0], num / num.sum())


def test_gpcm_adjacent_categories_cross_at_step_parameter():
    steps = np.array([[-0.8, 0.3, 1.4]])
    p = gpcm_probabilities(steps[0], [1.3], steps)[:, 0, :]
    for k in range(3):
        assert p[k, k] == pytest.approx(p[k, k + 1])


def test_gpcm_with_two_categories_is_2pl():
    p = gpcm_probabilities(THETA, [1.1], np.array([[0.3]]))[:, 0, 1]
    np.testing.assert_allclose(p, prob_3pl(THETA, 1.1, 0.3)[:, 0])
    np.testing.assert_allclose(gpcm_information(THETA, [1.1], np.array([[0.3]]))[:, 0],
                               info_3pl(THETA, 1.1, 0.3)[:, 0])


def test_bank_probabilities_sum_to_one_and_are_bounded(mixed_bank):
    p = category_probabilities(mixed_bank, THETA)
    assert p.shape == (THETA.size, 6, 4)
    np.testing.assert_allclose(p.sum(axis=2), 1.0)
    assert np.all(p >= 0) and np.all(p <= 1)
    # padded categories of dichotomous items are exactly zero
    assert np.all(p[:, 0, 2:] == 0)
    # the 3PL never goes below its guessing parameter
    assert np.all(p[:, 1, 1] >= 0.2)


def test_expected_score_increases_with_theta(mixed_bank):
    e = expected_score(mixed_bank, THETA)
    assert np.all(np.diff(e, axis=0) > 0)
    np.testing.assert_allclose(e[-1], mixed_bank.max_score, atol=0.15)
    assert np.all(e[0] <= 0.15 + mixed_bank.c)


def test_item_information_is_positive_and_matches_numerical_derivative(mixed_bank):
    info = item_information(mixed_bank, THETA)
    assert np.all(info > 0)
    # I(theta) = E[(d log P/d theta)^2]: check against finite differences of log P
    h = 1e-5
    lp = log_category_probabilities(mixed_bank, THETA)
    lp_h = log_category_probabilities(mixed_bank, THETA + h)
    p = np.exp(lp)
    finite = np.isfinite(lp)
    d = np.zeros_like(lp)
    d[finite] = (lp_h[finite] - lp[finite]) / h
    np.testing.assert_allclose((p * d * d).sum(axis=2), info, rtol=1e-3, atol=1e-7)


def test_test_information_sums_administered_items(mixed_bank):
    mask = np.array([True, False, True, False, False, True])
    full = item_information(mixed_bank, [0.3])
    assert total_information(mixed_bank, [0.3], mask)[0] == pytest.approx(full[0, mask].sum())
    assert total_information(mixed_bank, [0.3])[0] == pytest.approx(full.sum())


def test_log_likelihood_ignores_not_administered(mixed_bank):
    x = np.array([[1, 0, 2, np.nan, 1, np.nan]])
    p = category_probabilities(mixed_bank, [0.4])[0]
    expected = np.log(p[0, 1] * p[1, 0] * p[2, 2] * p[4, 1])
    assert log_likelihood(mixed_bank, [0.4], x)[0] == pytest.approx(expected)


def test_extreme_theta_gives_finite_log_likelihood(mixed_bank):
    x = np.array([[0, 0, 0, 0, 0, 0], [1, 1, 3, 1, 1, 1]], dtype=float)
    ll = log_likelihood(mixed_bank, [40.0, -40.0], x)
    assert np.all(np.isfinite(ll)) and np.all(ll < -10)


@pytest.mark.parametrize("cell", [2, -1, 0.5])
def test_invalid_response_names_row_and_item(mixed_bank, cell):
    x = np.zeros((3, 6))
    x[2, 0] = cell
    with pytest.raises(ValueError, match=r"row 2, item 'q1'"):
        log_likelihood(mixed_bank, np.zeros(3), x)


def test_item_parameters_from_records_subset_and_index(mixed_bank):
    assert mixed_bank.index_of("q3") == 2
    with pytest.raises(ValueError, match="unknown item id 'zz'"):
        mixed_bank.index_of("zz")
    sub = mixed_bank.subset([4, 0])
    assert sub.ids == ("q5", "q1")
    assert list(sub.n_categories) == [3 - 1, 2]
    assert sub.thresholds.shape == (2, 1)
    np.testing.assert_allclose(category_probabilities(sub, [0.2])[0, :, :2],
                               category_probabilities(mixed_bank, [0.2])[0, [4, 0], :2])
    assert mixed_bank.b[2] == pytest.approx(np.mean([-1.0, 0.0, 1.5]))
    assert mixed_bank.a[3] == 1.0 and mixed_bank.c[0] == 0.0
    rebuilt = ItemParameters.from_records(mixed_bank.to_records())
    np.testing.assert_allclose(rebuilt.thresholds, mixed_bank.thresholds)
    with pytest.raises(ValueError):
        mixed_bank.a[0] = 2.0


@pytest.mark.parametrize("record, message", [
    ({"item": "x", "model": "4pl", "a": 1, "b": 0}, "unknown model"),
    ({"item": "x", "model": "2pl", "a": -1, "b": 0}, "a must be"),
    ({"item": "x", "model": "3pl", "a": 1, "b": 0, "c": 1.2}, "guessing c"),
    ({"item": "x", "model": "gpcm", "a": 1}, "thresholds"),
    ({"item": "x", "model": "2pl", "a": 1}, "difficulty"),
])
def test_item_parameters_reject_bad_records(record, message):
    with pytest.raises(ValueError, match=message):
        ItemParameters.from_records([record])


def test_item_parameters_reject_duplicate_ids():
    with pytest.raises(ValueError, match="duplicate item id 'x'"):
        ItemParameters.from_records([{"item": "x", "model": "1pl", "b": 0},
                                     {"item": "x", "model": "1pl", "b": 1}])
