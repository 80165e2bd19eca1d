"""Ability estimation: EAP against brute-force integration, MAP/MLE, extreme patterns."""
import numpy as np
import pytest
from scipy import integrate, optimize, stats

from assessment.scoring import estimate_ability, log_likelihood
from irt_factories import make_bank


def _brute_force_eap(params, x, mean=0.0, sd=1.0):
    grid = np.linspace(mean - 10 * sd, mean + 10 * sd, 2001)
    shift = np.max(log_likelihood(params, grid, np.tile(x, (grid.size, 1))))

    def post(t):  # rescaled so that quad's absolute tolerance is meaningful
        return np.exp(log_likelihood(params, [t], x[None, :])[0] - shift) * stats.norm.pdf(t, mean, sd)
    lo, hi = mean - 10 * sd, mean + 10 * sd
    opts = {"limit": 200, "epsabs": 0.0, "epsrel": 1e-11}
    z = integrate.quad(post, lo, hi, **opts)[0]
    m = integrate.quad(lambda t: t * post(t), lo, hi, **opts)[0] / z
    v = integrate.quad(lambda t: (t - m) ** 2 * post(t), lo, hi, **opts)[0] / z
    return m, np.sqrt(v)


def test_eap_matches_quad_integration_on_mixed_items(mixed_bank):
    patterns = np.array([[1, 0, 2, np.nan, 1, 1],
                         [0, 1, 0, 0, np.nan, 0],
                         [1, 1, 3, 1, 1, 1]], dtype=float)
    est = estimate_ability(mixed_bank, patterns)
    for p, x in enumerate(patterns):
        m, s = _brute_force_eap(mixed_bank, x)
        assert est.theta[p] == pytest.approx(m, abs=1e-6)
        assert est.se[p] == pytest.approx(s, abs=1e-6)


def test_eap_matches_quad_with_long_test_and_informative_prior(rng):
    bank = make_bank(rng, 40, "3pl")
    x = (rng.random(40) < 0.6).astype(float)
    est = estimate_ability(bank, x, prior_mean=0.5, prior_sd=0.8)
    m, s = _brute_force_eap(bank, x, 0.5, 0.8)
    assert est.theta.shape == (1,)
    assert est.theta[0] == pytest.approx(m, abs=1e-6)
    assert est.se[0] == pytest.approx(s, abs=1e-6)


def test_no_responses_returns_prior(mixed_bank):
    x = np.full((2, 6), np.nan)
    for method in ("eap", "map", "mle"):
        est = estimate_ability(mixed_bank, x, method, prior_mean=0.3, prior_sd=1.4)
        np.testing.assert_array_equal(est.theta, [0.3, 0.3])
        np.testing.assert_array_equal(est.se, [1.4, 1.4])


def test_map_is_the_posterior_mode(mixed_bank):
    x = np.array([1, 0, 2, 1, np.nan, 1.0])
    est = estimate_ability(mixed_bank, x, "map")

    def neg(t):
        return -log_likelihood(mixed_bank, [t], x[None])[0] + 0.5 * t * t
    res = optimize.minimize_scalar(neg, bounds=(-5, 5), method="bounded",
                                   options={"xatol": 1e-9})
    assert est.theta[0] == pytest.approx(res.x, abs=1e-6)


def test_mle_is_the_likelihood_mode_with_inverse_information_se(rng):
    bank = make_bank(rng, 30)
    x = (rng.random(30) < 0.5).astype(float)
    est = estimate_ability(bank, x, "mle")
    res = optimize.minimize_scalar(lambda t: -log_likelihood(bank, [t], x[None])[0],
                                   bounds=(-5, 5), method="bounded", options={"xatol": 1e-9})
    assert est.theta[0] == pytest.approx(res.x, abs=1e-6)
    p = 1 / (1 + np.exp(-bank.a * (est.theta[0] - bank.b)))
    assert est.se[0] == pytest.approx(1 / np.sqrt(np.sum(bank.a**2 * p * (1 - p))), rel=1e-6)
    assert not est.fallback[0]


def test_mle_extreme_patterns_fall_back_to_map(mixed_bank):
    x = np.array([[1, 1, 3, 1, 1, 1], [0, 0, 0, 0, 0, 0], [1, 1, 3, np.nan, np.nan, np.nan]],
                 dtype=float)
    mle = estimate_ability(mixed_bank, x, "mle")
    map_ = estimate_ability(mixed_bank, x, "map")
    np.testing.assert_allclose(mle.theta, map_.theta)
    assert mle.fallback.all()
    assert mle.theta[0] > 0.5 and mle.theta[1] < -0.5
    assert np.all(np.isfinite(mle.se))


def test_estimates_recover_ability_and_se_is_calibrated(rng):
    bank = make_bank(rng, 60)
    theta = rng.normal(size=2000)
    p = 1 / (1 + np.exp(-bank.a * (theta[:, None] - bank.b)))
    x = (rng.random(p.shape) < p).astype(float)
    for method in ("eap", "map", "mle"):
        est = estimate_ability(bank, x, method)
        z = (est.theta - theta) / est.se
        assert np.corrcoef(est.theta, theta)[0, 1] > 0.93
        assert 0.8 < np.std(z) < 1.2, method


def test_eap_is_monotone_in_number_correct_for_rasch():
    from assessment.scoring import ItemParameters
    bank = ItemParameters.dichotomous(np.ones(10), np.linspace(-2, 2, 10), model="1pl")
    x = np.tril(np.ones((11, 10)), -1)[:, ::-1]  # 0..10 correct
    est = estimate_ability(bank, x)
    assert np.all(np.diff(est.theta) > 0)


def test_bad_input_raises(mixed_bank):
    with pytest.raises(ValueError, match="unknown method"):
        estimate_ability(mixed_bank, np.zeros(6), "wle")
    with pytest.raises(ValueError, match="n_items=6"):
        estimate_ability(mixed_bank, np.zeros(5))
    with pytest.raises(ValueError, match="prior"):
        estimate_ability(mixed_bank, np.zeros(6), prior_sd=0)


def test_dense_and_sparse_paths_agree(mixed_bank, rng, monkeypatch):
    import assessment.scoring.estimation as estimation
    x = rng.integers(0, 2, size=(40, 6)).astype(float)
    x[:, 2] = rng.integers(0, 4, size=40)
    x[rng.random(x.shape) < 0.3] = np.nan
    dense = estimate_ability(mixed_bank, x)
    monkeypatch.setattr(estimation, "DENSE_CELLS", 0)
    sparse = estimate_ability(mixed_bank, x)
    np.testing.assert_allclose(dense.theta, sparse.theta, atol=1e-12)
    np.testing.assert_allclose(dense.se, sparse.se, atol=1e-12)
