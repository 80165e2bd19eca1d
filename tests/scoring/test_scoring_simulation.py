"""Synthetic data and the vectorized CAT simulator."""
import numpy as np
import pytest

from assessment.scoring import expected_score
from assessment.scoring.simulation import simulate_bank, simulate_cat, simulate_multistage, simulate_responses


def test_responses_follow_the_model(rng):
    bank = simulate_bank(5, "3pl", rng)
    theta = np.full(20000, 0.5)
    x = simulate_responses(bank, theta, rng)
    np.testing.assert_allclose(x.mean(axis=0), expected_score(bank, [0.5])[0], atol=0.015)


def test_gpcm_categories_follow_the_model(rng):
    bank = simulate_bank(3, "gpcm", rng, n_categories=4)
    x = simulate_responses(bank, np.zeros(20000), rng)
    assert set(np.unique(x)) <= {0, 1, 2, 3}
    np.testing.assert_allclose(x.mean(axis=0), expected_score(bank, [0.0])[0], atol=0.04)


def test_missing_rate_and_mask(rng):
    bank = simulate_bank(10, "2pl", rng)
    x = simulate_responses(bank, rng.normal(size=5000), rng, missing=0.3)
    assert np.isnan(x).mean() == pytest.approx(0.3, abs=0.01)
    theta = rng.normal(size=300)
    mask = rng.random((300, 10)) < 0.5
    x = simulate_responses(bank, theta, rng, mask)
    np.testing.assert_array_equal(np.isnan(x), mask)
    with pytest.raises(ValueError):
        simulate_responses(bank, theta, rng, missing=1.5)


def test_simulated_cat_reaches_se_target(rng):
    bank = simulate_bank(300, "2pl", rng)
    theta = rng.normal(size=400)
    sim = simulate_cat(bank, theta, rng, max_items=40, se_target=0.3)
    stopped = sim.reason == "se-target"
    assert stopped.mean() > 0.9
    assert np.all(sim.se[stopped] < 0.3)
    assert np.all(sim.n_items[~stopped] == 40)
    np.testing.assert_array_equal((~np.isnan(sim.responses)).sum(axis=1), sim.n_items)
    assert sim.n_items.mean() < 30
    assert np.sqrt(np.mean((sim.theta - theta) ** 2)) < 0.35


def test_simulated_cat_is_reproducible_with_seed():
    bank = simulate_bank(100, "2pl", np.random.default_rng(1))
    theta = np.random.default_rng(2).normal(size=50)
    a = simulate_cat(bank, theta, np.random.default_rng(3), randomesque=3)
    b = simulate_cat(bank, theta, np.random.default_rng(3), randomesque=3)
    np.testing.assert_array_equal(a.responses, b.responses)


def test_multistage_design_targets_items_near_the_ability(rng):
    bank = simulate_bank(200, "2pl", rng)
    theta = rng.normal(size=500)
    x = simulate_multistage(bank, theta, rng, n_per_person=12, n_stages=3, spread=0.5)
    given = ~np.isnan(x)
    np.testing.assert_array_equal(given.sum(axis=1), 12)
    gap = np.abs(np.where(given, bank.b[None, :] - theta[:, None], np.nan))
    random_gap = np.abs(bank.b[None, :] - theta[:, None]).mean()
    assert np.nanmean(gap) < 0.85 * random_gap
