"""Ability estimation: the cases the mutation run of estimation.py left open (docs/testing.md).

References are plain sums over items and brute-force grids; the guessing example is a pattern
whose likelihood keeps rising towards the lowest abilities (a hard 3PL item right, an easy one
wrong: below both items the likelihood tends to ``c_hard (1 - c_easy)``, its supremum).
"""
import numpy as np
import pytest
from scipy.special import logsumexp

import assessment.scoring.estimation as estimation
from assessment.scoring import ItemParameters, estimate_ability
from assessment.scoring.estimation import THETA_BOUNDS, grid_log_likelihood, quadrature
from assessment.scoring.response_models import log_category_probabilities

GUESSING = ItemParameters.from_records([
    {"item": "hard", "model": "3pl", "a": 2.0, "b": 2.5, "c": 0.25},
    {"item": "easy", "model": "3pl", "a": 2.0, "b": -2.5, "c": 0.25},
])


def test_an_interior_pattern_whose_likelihood_rises_to_the_bound_is_clamped_there():
    x = np.array([[1, 0], [0, 1], [1, 1], [np.nan, np.nan]])
    found = estimate_ability(GUESSING, x, "mle")
    assert found.theta[0] == THETA_BOUNDS[0] == -6.0
    assert found.fallback.tolist() == [True, False, True, False]
    assert THETA_BOUNDS[0] < found.theta[1] < THETA_BOUNDS[1]
    # the SE is the inverse root of the (tiny) information at the bound
    p = np.exp(log_category_probabilities(GUESSING, [-6.0])[0, :, 1])
    star = (p - 0.25) / 0.75
    info = np.sum(4.0 * 0.75 * star**2 * (1 - star) / p)
    assert found.se[0] == pytest.approx(info**-0.5, rel=1e-6)
    assert found.n_responses.tolist() == [2, 2, 2, 0]
    for method in ("eap", "map"):
        assert not estimate_ability(GUESSING, x, method).fallback.any()


def test_quadrature_nodes_and_weights():
    nodes, log_w = quadrature(7, 0.5, 2.0)
    np.testing.assert_allclose(nodes, 0.5 + 2.0 * np.linspace(-6, 6, 7))
    z = np.linspace(-6, 6, 7)
    np.testing.assert_allclose(log_w, -0.5 * z**2 - logsumexp(-0.5 * z**2), rtol=1e-12)
    assert logsumexp(log_w) == pytest.approx(0.0, abs=1e-12)
    nodes, _ = quadrature()
    np.testing.assert_allclose(nodes, np.linspace(-6, 6, 61))
    assert quadrature(5)[0].size == 5
    with pytest.raises(ValueError, match=r"^n_quadrature must be >= 5, got 4$"):
        quadrature(4)
    for mean, sd in ((0.0, 0.0), (0.0, -1.0), (0.0, np.inf), (np.nan, 1.0), (np.inf, 1.0), (0.0, np.nan)):
        with pytest.raises(ValueError, match=rf"^prior must have a finite mean and sd > 0, got {mean}, {sd}$"):
            quadrature(11, mean, sd)


def _plain_grid_log_likelihood(params, x, nodes):
    logp = log_category_probabilities(params, nodes)          # (Q, J, K)
    out = np.zeros((x.shape[0], nodes.size))
    for p in range(x.shape[0]):
        for j in range(x.shape[1]):
            if not np.isnan(x[p, j]):
                out[p] += logp[:, j, int(x[p, j])]
    return out


@pytest.mark.parametrize("dense_cells", [4_000_000, 0])
def test_grid_log_likelihood_is_the_sum_over_answered_items(mixed_bank, monkeypatch, dense_cells):
    monkeypatch.setattr(estimation, "DENSE_CELLS", dense_cells)
    nodes = np.linspace(-3, 3, 13)
    rng = np.random.default_rng(71)
    x = rng.integers(0, 2, size=(9, 6)).astype(float)
    x[:, 2] = rng.integers(0, 4, size=9)
    x[:, 4] = rng.integers(0, 2, size=9)
    x[rng.random(x.shape) < 0.3] = np.nan
    x[:, 3] = np.nan                                          # an item nobody answered
    np.testing.assert_allclose(grid_log_likelihood(mixed_bank, x, nodes), _plain_grid_log_likelihood(mixed_bank, x, nodes),
                               rtol=1e-12, atol=1e-12)
    dich = mixed_bank.subset([0, 1, 3, 5])
    xd = x[:, [0, 1, 3, 5]]
    np.testing.assert_allclose(grid_log_likelihood(dich, xd, nodes), _plain_grid_log_likelihood(dich, xd, nodes),
                               rtol=1e-12, atol=1e-12)
    full = rng.integers(0, 2, size=(5, 4)).astype(float)      # complete dichotomous data
    np.testing.assert_allclose(grid_log_likelihood(dich, full, nodes), _plain_grid_log_likelihood(dich, full, nodes),
                               rtol=1e-12, atol=1e-12)
    empty = np.full((3, 6), np.nan)
    np.testing.assert_array_equal(grid_log_likelihood(mixed_bank, empty, nodes), np.zeros((3, 13)))


def test_methods_are_read_in_any_case_and_flag_no_fallback(mixed_bank):
    x = np.array([[1, 0, 2, 1, np.nan, 1.0], [0, 0, 0, 0, 0, 0]])
    lower = estimate_ability(mixed_bank, x, "map", prior_mean=0.2, prior_sd=1.3, n_quadrature=31)
    upper = estimate_ability(mixed_bank, x, "MAP", prior_mean=0.2, prior_sd=1.3, n_quadrature=31)
    np.testing.assert_array_equal(lower.theta, upper.theta)
    assert upper.method == "map" and not upper.fallback.any() and upper.fallback.dtype == bool


def test_grid_log_likelihood_with_one_answered_item_and_three_categories():
    nodes = np.linspace(-3, 3, 13)
    three = ItemParameters.from_records([
        {"item": "s", "model": "gpcm", "a": 1.1, "thresholds": [-0.5, 0.7]},
        {"item": "d", "model": "2pl", "a": 0.9, "b": 0.2},
    ])
    x = np.array([[2, np.nan], [0, 1], [1, 0], [np.nan, 1]])
    np.testing.assert_allclose(grid_log_likelihood(three, x, nodes), _plain_grid_log_likelihood(three, x, nodes),
                               rtol=1e-12, atol=1e-12)
    one = np.array([[np.nan, 1], [np.nan, 0]])
    np.testing.assert_allclose(grid_log_likelihood(three, one, nodes), _plain_grid_log_likelihood(three, one, nodes),
                               rtol=1e-12, atol=1e-12)
    assert np.all(grid_log_likelihood(three, one, nodes) < 0)


def test_map_se_is_the_inverse_root_of_information_plus_prior_precision(mixed_bank):
    from assessment.scoring import item_information

    x = np.array([[1, 0, 2, np.nan, 1, 1], [0, 1, 1, 0, np.nan, np.nan], [1, 1, 0, 1, 0, 0]])
    found = estimate_ability(mixed_bank, x, "map", prior_mean=0.3, prior_sd=1.4)
    for p in range(3):
        info = item_information(mixed_bank, [found.theta[p]])[0]
        total = np.sum(np.where(np.isnan(x[p]), 0.0, info))
        assert found.se[p] == pytest.approx((total + 1 / 1.4**2) ** -0.5, rel=1e-9)
    mle = estimate_ability(mixed_bank, x[2:], "mle")
    info = item_information(mixed_bank, [mle.theta[0]])[0].sum()
    assert mle.se[0] == pytest.approx(info**-0.5, rel=1e-9) and not mle.fallback[0]


def test_map_with_little_information_still_reaches_the_mode():
    weak = ItemParameters.dichotomous([0.1, 0.12, 0.15], [0.5, -0.4, 1.2])
    grid = np.linspace(-60, 60, 1_200_001)
    logp = log_category_probabilities(weak, grid)
    for pattern in ([1, 0, 1], [0, 0, 1]):
        log_post = sum(logp[:, j, v] for j, v in enumerate(pattern)) - 0.5 * ((grid - 0.2) / 8.0) ** 2
        found = estimate_ability(weak, np.array([pattern], float), "map", prior_mean=0.2, prior_sd=8.0)
        assert found.theta[0] == pytest.approx(grid[np.argmax(log_post)], abs=2e-4)


def test_no_persons_gives_no_estimates(mixed_bank):
    for method in ("eap", "map", "mle"):
        found = estimate_ability(mixed_bank, np.empty((0, 6)), method)
        assert found.theta.shape == found.se.shape == found.fallback.shape == (0,)


def test_the_default_grid_has_61_nodes():
    sharp = ItemParameters.from_records(
        [{"item": "sharp", "model": "gpcm", "a": 6.0, "thresholds": np.linspace(-3, 3, 24).tolist()}])
    x = np.array([[11.0], [3.0]])
    default = estimate_ability(sharp, x)
    np.testing.assert_array_equal(default.theta, estimate_ability(sharp, x, n_quadrature=61).theta)
    assert np.abs(default.theta - estimate_ability(sharp, x, n_quadrature=62).theta).max() > 1e-6


def test_eap_of_a_long_test_beside_an_empty_row_stays_finite():
    flat = ItemParameters.from_records([{"item": f"g{k}", "model": "gpcm", "a": 0.05,
                                         "thresholds": np.linspace(-1, 1, 24).tolist()} for k in range(300)])
    rng = np.random.default_rng(72)
    x = np.vstack([rng.integers(0, 25, size=(2, 300)).astype(float), np.full((1, 300), np.nan)])
    found = estimate_ability(flat, x)
    assert np.all(np.isfinite(found.theta)) and np.all(np.isfinite(found.se))
    nodes, log_w = quadrature()
    for p in range(2):
        lp = _plain_grid_log_likelihood(flat, x[p:p + 1], nodes)[0] + log_w
        assert lp.max() < -800                                # far below the empty row's posterior
        w = np.exp(lp - lp.max())
        assert found.theta[p] == pytest.approx(np.sum(w * nodes) / np.sum(w), abs=1e-9)
    assert found.theta[2] == 0.0 and found.se[2] == 1.0


def test_fallback_has_one_flag_per_person(mixed_bank):
    x = np.array([[1, 0, 2, 1, np.nan, 1.0], [0, 0, 0, 0, 0, 0]])
    for method in ("eap", "map", "mle"):
        assert estimate_ability(mixed_bank, x, method).fallback.shape == (2,)
