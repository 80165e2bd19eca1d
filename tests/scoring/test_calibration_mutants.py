"""Calibration (assessment/scoring/calibration.py) against independent references, on small data.

The reference here writes the marginal likelihood out (41 normalized N(0, 1) weights on
[-5, 5], the category probabilities of each model from their formulas) and maximizes it with
scipy's general-purpose optimizer; the EM's estimates, log-likelihood, standard errors (an
inverse numerical Hessian) and person posteriors must agree with it. Small data sets keep every
test well under a second.
"""
import math

import numpy as np
import pandas as pd
import pytest
from calibration_reference import (
    _inverse_hessian,
    _items_of,
    _log_prior,
    _loglik,
    _natural_hessian_se,
    _nodes,
    _posterior,
    _reference_fit,
)
from scipy.optimize import minimize
from scipy.special import logsumexp

import assessment.scoring.calibration as calibration
from assessment.scoring import ItemParameters
from assessment.scoring.calibration import (
    QUADRATURE_RANGE,
    SparseResponses,
    _Data,
    _e_step,
    calibrate,
    marginal_log_likelihood,
)
from assessment.scoring.fit import item_fit, reliability
from assessment.scoring.maximization import ItemState, log_probability_table
from assessment.scoring.model_fit import m2_statistic, sx2_item_fit
from assessment.scoring.simulation import simulate_responses
from irt_factories import binary_responses, gpcm_and_two_2pl


def _with_held_3pl_and_gpcm(*more):
    """A 3PL item 'h3' and a three-category GPCM item 'hg' (to be held), then ``more``."""
    return ItemParameters.from_records([
        {"item": "h3", "model": "3pl", "a": 1.2, "b": 0.3, "c": 0.15},
        {"item": "hg", "model": "gpcm", "a": 0.9, "thresholds": [-0.5, 0.8]}, *more])


# ----------------------------------------------------------------------------- the E-step
def _brute_e_step(x, table, log_w):
    P, J = x.shape
    w = np.zeros((P, log_w.size))
    ll = 0.0
    for p in range(P):
        lp = log_w.copy()
        for j in range(J):
            if not np.isnan(x[p, j]):
                lp = lp + table[j, int(x[p, j])]
        ll += logsumexp(lp)
        w[p] = np.exp(lp - logsumexp(lp))
    J, K, Q = table.shape
    r = np.zeros((J, K, Q))
    for p in range(P):
        for j in range(J):
            if not np.isnan(x[p, j]):
                r[j, int(x[p, j])] += w[p]
    return w, r, ll


# ----------------------------------------------------------------------------- the estimates
def test_2pl_without_prior_is_the_maximum_of_the_marginal_likelihood(two_pl):
    bank, x = two_pl
    res = calibrate(x, "2pl", prior="none", tol=1e-7, max_iter=2000)
    models = [("2pl", 2)] * 4
    _, want = _reference_fit(models, x, np.zeros(8))
    assert res.converged and res.prior == "none"
    np.testing.assert_allclose(res.params.a, [w[1] for w in want], rtol=2e-4)
    np.testing.assert_allclose(res.params.b, [w[2] for w in want], atol=2e-4)
    assert res.loglik == pytest.approx(_loglik(want, x), abs=1e-6)
    assert res.loglik == pytest.approx(_loglik(_items_of(res.params), x), rel=1e-12)
    # standard errors: the inverse observed information of the marginal likelihood
    np.testing.assert_allclose(res.se[["se_a", "se_b"]].to_numpy(), _natural_hessian_se(want, x),
                               rtol=2e-3)
    # person posteriors at the estimates
    mean, sd = _posterior(_items_of(res.params), x)
    np.testing.assert_allclose(res.theta, mean, atol=1e-10)
    np.testing.assert_allclose(res.theta_se, sd, atol=1e-10)
    assert res.reliability == pytest.approx(reliability(mean, sd), rel=1e-10)
    # item fit at those abilities, S-X2 and M2 of the estimates
    fit = item_fit(res.params, x, mean)
    pd.testing.assert_frame_equal(res.item_fit[list(fit.columns)], fit, rtol=1e-8)
    sx2 = sx2_item_fit(res.params, x)
    pd.testing.assert_frame_equal(res.item_fit[list(sx2.columns)], sx2)
    assert res.m2 == m2_statistic(res.params, x)


def test_2pl_with_the_default_prior_is_the_posterior_mode(two_pl):
    bank, x = two_pl
    res = calibrate(x, "2pl", tol=1e-7, max_iter=2000)
    models = [("2pl", 2)] * 4
    _, want = _reference_fit(models, x, np.zeros(8), prior=True)
    assert res.prior == "default"
    np.testing.assert_allclose(res.params.a, [w[1] for w in want], rtol=2e-4)
    np.testing.assert_allclose(res.params.b, [w[2] for w in want], atol=2e-4)
    # the reported log-likelihood leaves the prior out
    assert res.loglik == pytest.approx(_loglik(want, x), abs=1e-5)


def test_gpcm_and_3pl_items_with_the_default_prior():
    rng = np.random.default_rng(11)
    bank = ItemParameters.from_records([
        {"item": "g1", "model": "gpcm", "a": 1.1, "thresholds": [-0.7, 0.6]},
        {"item": "d1", "model": "3pl", "a": 1.5, "b": 0.2, "c": 0.2},
        {"item": "d2", "model": "2pl", "a": 1.0, "b": -0.5},
        {"item": "d3", "model": "1pl", "b": 0.4},
    ])
    x = simulate_responses(bank, rng.normal(size=400), rng)
    res = calibrate(x, list(bank.model), item_ids=bank.ids, tol=1e-7, max_iter=3000)
    models = [("gpcm", 3), ("3pl", 2), ("2pl", 2), ("1pl", 2)]
    start = np.array([0, 0, 0, 0, 0, -1.2, 0, 0, 0])
    _, want = _reference_fit(models, x, start, prior=True)
    got = _items_of(res.params)
    assert list(res.params.model) == ["gpcm", "3pl", "2pl", "1pl"]
    np.testing.assert_allclose([g[1] for g in got], [w[1] for w in want], rtol=1e-3)
    np.testing.assert_allclose(got[0][4], want[0][4], atol=1e-3)
    np.testing.assert_allclose([g[2] for g in got[1:]], [w[2] for w in want[1:]], atol=1e-3)
    assert got[1][3] == pytest.approx(want[1][3], abs=1e-3)
    assert res.params.b[0] == pytest.approx(np.mean(res.params.thresholds[0, :2]), rel=1e-12)
    assert res.params.c[0] == 0.0 and res.params.c[2] == 0.0
    assert res.params.a[3] == 1.0
    assert np.isnan(res.params.thresholds[1:]).all()
    assert list(res.params.n_categories) == [3, 2, 2, 2]
    assert res.loglik == pytest.approx(_loglik(want, x), abs=1e-4)


def test_rasch_items_share_an_estimated_slope_with_common_a():
    rng = np.random.default_rng(5)
    bank = ItemParameters.dichotomous(np.full(4, 1.6), [-0.6, 0.0, 0.5, 1.0], model="1pl")
    x = simulate_responses(bank, rng.normal(size=300), rng)

    def fit(u, shared):
        a = math.exp(u[0]) if shared else 1.0
        d = u[1:] if shared else u
        return [("2pl", a, -dj / a, 0.0, ()) for dj in d]

    for shared in (False, True):
        res = calibrate(x, "rasch", common_a=shared, prior="none", tol=1e-7, max_iter=2000)
        n = 5 if shared else 4
        opt = minimize(lambda u: -_loglik(fit(u, shared), x), np.zeros(n), method="BFGS",
                       options={"gtol": 1e-7})
        want = fit(opt.x, shared)
        np.testing.assert_allclose(res.params.a, [w[1] for w in want], rtol=2e-4)
        np.testing.assert_allclose(res.params.b, [w[2] for w in want], atol=2e-4)
        assert list(res.params.model) == ["1pl"] * 4


def test_held_items_keep_their_parameters_and_inform_the_others():
    rng = np.random.default_rng(9)
    bank = _with_held_3pl_and_gpcm({"item": "e1", "model": "2pl", "a": 1.4, "b": -0.3},
                                   {"item": "e2", "model": "2pl", "a": 0.7, "b": 0.6})
    x = simulate_responses(bank, rng.normal(size=300), rng)
    held = bank.subset([1, 0])  # in another order than the columns
    res = calibrate(x, ["2pl", "gpcm", "2pl", "2pl"], item_ids=bank.ids, fixed=held, prior="none",
                    tol=1e-7, max_iter=2000)
    assert list(res.params.model) == ["3pl", "gpcm", "2pl", "2pl"]
    np.testing.assert_allclose(res.params.a[:2], [1.2, 0.9], rtol=1e-12)
    assert res.params.b[0] == pytest.approx(0.3, rel=1e-12)
    assert res.params.c[0] == pytest.approx(0.15, rel=1e-9)
    np.testing.assert_allclose(res.params.thresholds[1, :2], [-0.5, 0.8], rtol=1e-12)
    assert res.se.loc[["h3", "hg"]].isna().all().all()
    assert res.se.loc[["e1", "e2"], ["se_a", "se_b"]].notna().all().all()

    def fit(u):
        return _items_of(bank.subset([0, 1])) + [("2pl", math.exp(u[0]), -u[1] / math.exp(u[0]), 0.0, ()),
                                                   ("2pl", math.exp(u[2]), -u[3] / math.exp(u[2]), 0.0, ())]

    opt = minimize(lambda u: -_loglik(fit(u), x), np.zeros(4), method="BFGS", options={"gtol": 1e-7})
    want = fit(opt.x)
    np.testing.assert_allclose(res.params.a[2:], [want[2][1], want[3][1]], rtol=2e-4)
    np.testing.assert_allclose(res.params.b[2:], [want[2][2], want[3][2]], atol=2e-4)


@pytest.mark.parametrize("case", ["binary complete", "binary missing", "dense", "sparse",
                                  "sparse binary", "long"])
def test_e_step_against_a_loop_over_persons(case, monkeypatch):
    rng = np.random.default_rng(3)
    K = 2 if "binary" in case or case == "long" else 3
    x = rng.integers(0, K, size=(12, 5)).astype(float)
    if case != "binary complete":
        x[rng.random(x.shape) < 0.3] = np.nan
    if case == "sparse binary":
        monkeypatch.setattr(calibration, "DENSE_LIMIT", 0)
    models = np.array(["gpcm" if K == 3 else "2pl"] * 5)
    state = ItemState(models, np.full(5, K), K, False)
    state.alpha[:] = rng.normal(0, 0.3, 5)
    state.D[:, 1:] = rng.normal(0, 1, (5, K - 1))
    if K == 2:
        models[2] = "3pl"
        state = ItemState(models, np.full(5, 2), 2, False)
        state.alpha[:] = rng.normal(0, 0.3, 5)
        state.D[:, 1] = rng.normal(0, 1, 5)
    nodes, log_w = _nodes(9)
    table = log_probability_table(state, nodes)
    if case == "long":
        rows, cols = np.nonzero(~np.isnan(x))
        data = _Data(None, K, cells=(rows, cols, x[rows, cols], x.shape))
    else:
        if case == "sparse":
            monkeypatch.setattr(calibration, "DENSE_LIMIT", 0)
        data = _Data(x, K)
    want_mode = {"binary complete": "binary", "binary missing": "binary", "dense": "dense"}.get(case, "sparse")
    assert data.mode == want_mode
    w, r, ll = _e_step(data, table, log_w)
    bw, br, bll = _brute_e_step(x, table, log_w)
    np.testing.assert_allclose(w, bw, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(r, br, rtol=1e-10, atol=1e-12)
    assert ll == pytest.approx(bll, rel=1e-12)


def test_the_design_follows_the_cell_count_and_the_filled_share(monkeypatch):
    x = np.full((10, 5), np.nan)
    x[:, 0] = [0, 1] * 5           # 10 of 50 cells filled: 20 %
    assert _Data(x, 2).mode == "binary" and not _Data(x, 2).complete
    np.testing.assert_array_equal(_Data(x, 2).M, ~np.isnan(x))
    np.testing.assert_array_equal(_Data(x, 2).X, np.nan_to_num(x))
    x[0, 0] = np.nan                # 9 of 50: below 20 %
    assert _Data(x, 2).mode == "sparse"
    full = np.ones((10, 5))
    assert _Data(full, 2).complete and _Data(full, 2).M is None
    assert _Data(full, 3).mode == "dense"
    monkeypatch.setattr(calibration, "DENSE_LIMIT", 150)  # 10 x 5 x 3 = 150: still dense
    assert _Data(full, 3).mode == "dense"
    monkeypatch.setattr(calibration, "DENSE_LIMIT", 149)
    assert _Data(full, 3).mode == "sparse"
    assert _Data(full, 2).mode == "binary"
    monkeypatch.setattr(calibration, "DENSE_LIMIT", 99)
    assert _Data(full, 2).mode == "sparse"


# ----------------------------------------------------------------------------- loglik
def test_marginal_log_likelihood_is_the_quadrature_sum(mixed_bank):
    rng = np.random.default_rng(2)
    x = simulate_responses(mixed_bank, rng.normal(size=25), rng, missing=0.2)
    items = _items_of(mixed_bank)
    assert marginal_log_likelihood(mixed_bank, x) == pytest.approx(_loglik(items, x), rel=1e-12)
    assert marginal_log_likelihood(mixed_bank, x, n_quadrature=15) == pytest.approx(
        _loglik(items, x, 15), rel=1e-12)
    assert QUADRATURE_RANGE == 5.0


def test_marginal_log_likelihood_of_persons_far_apart():
    # an erratic person (right on 100 hard items, wrong on 100 easy ones) is thousands of log
    # units less likely than a consistent one: each person's log-sum-exp needs its own maximum
    bank = ItemParameters.dichotomous(np.full(200, 5.0), np.r_[np.full(100, 4.0), np.full(100, -4.0)])
    x = np.vstack([np.r_[np.zeros(100), np.ones(100)], np.r_[np.ones(100), np.zeros(100)]])
    items = _items_of(bank)
    want = _loglik(items, x)
    assert want < -2000
    assert marginal_log_likelihood(bank, x) == pytest.approx(want, rel=1e-12)


def test_dichotomous_estimates_have_the_layout_of_a_dichotomous_bank(two_pl):
    _, x = two_pl
    res = calibrate(x, "2pl", max_iter=4, se="block")
    assert res.params.thresholds.shape == ItemParameters.dichotomous(np.ones(4), np.zeros(4)).thresholds.shape
    assert np.isnan(res.params.thresholds).all()


def test_held_items_of_every_kind_in_a_four_category_bank():
    # held: a 3PL, a 2PL and GPCM items of three and four categories (the held bank's
    # thresholds are four wide); estimated: one 2PL item
    rng = np.random.default_rng(12)
    bank = _with_held_3pl_and_gpcm({"item": "h2", "model": "2pl", "a": 1.1, "b": -0.4},
                                   {"item": "g4", "model": "gpcm", "a": 1.0, "thresholds": [-1.0, 0.0, 1.0]},
                                   {"item": "e1", "model": "2pl", "a": 1.4, "b": -0.3})
    x = simulate_responses(bank, rng.normal(size=300), rng)
    held = bank.subset([3, 2, 1, 0])
    res = calibrate(x, ["3pl", "gpcm", "2pl", "gpcm", "2pl"], item_ids=bank.ids, fixed=held,
                    prior="none", tol=1e-7, max_iter=2000)
    assert res.converged
    np.testing.assert_allclose(res.params.a[:4], [1.2, 0.9, 1.1, 1.0], rtol=1e-12)
    np.testing.assert_allclose(res.params.b[[0, 2]], [0.3, -0.4], rtol=1e-12)
    np.testing.assert_allclose(res.params.thresholds[1, :2], [-0.5, 0.8], rtol=1e-12)
    np.testing.assert_allclose(res.params.thresholds[3], [-1.0, 0.0, 1.0], rtol=1e-12, atol=1e-12)

    def fit(u):
        return _items_of(bank.subset([0, 1, 2, 3])) + [("2pl", math.exp(u[0]), -u[1] / math.exp(u[0]), 0.0, ())]

    opt = minimize(lambda u: -_loglik(fit(u), x), np.zeros(2), method="BFGS", options={"gtol": 1e-7})
    want = fit(opt.x)
    assert res.params.a[4] == pytest.approx(want[4][1], rel=2e-4)
    assert res.params.b[4] == pytest.approx(want[4][2], abs=2e-4)


def test_standard_errors_with_the_prior_come_from_the_log_posterior(two_pl):
    _, x = two_pl
    res = calibrate(x, "2pl", tol=1e-7, max_iter=2000)
    items = _items_of(res.params)
    models = [("2pl", 2)] * 4

    def post(vec):
        u = np.array([v for j in range(4) for v in (math.log(vec[2 * j]), -vec[2 * j] * vec[2 * j + 1])])
        return _loglik([("2pl", vec[2 * j], vec[2 * j + 1], 0.0, ()) for j in range(4)], x) + _log_prior(models, u)

    v = np.array([p for _, a, b, _, _ in items for p in (a, b)])
    want = np.sqrt(np.diag(_inverse_hessian(post, v))).reshape(-1, 2)
    np.testing.assert_allclose(res.se[["se_a", "se_b"]].to_numpy(), want, rtol=2e-3)


def test_shared_slope_standard_errors_and_m2():
    rng = np.random.default_rng(5)
    bank = ItemParameters.dichotomous(np.full(4, 1.6), [-0.6, 0.0, 0.5, 1.0], model="1pl")
    x = simulate_responses(bank, rng.normal(size=300), rng)
    full = calibrate(x, "1pl", common_a=True, prior="none", tol=1e-7, max_iter=2000)
    block = calibrate(x, "1pl", common_a=True, prior="none", tol=1e-7, max_iter=2000, se="block")
    a = full.params.a[0]

    def f(vec):  # (a, b_1..b_4)
        return _loglik([("2pl", vec[0], bj, 0.0, ()) for bj in vec[1:]], x)

    se_a = math.sqrt(_inverse_hessian(f, np.r_[a, full.params.b])[0, 0])
    np.testing.assert_allclose(full.se["se_a"], se_a, rtol=2e-3)
    np.testing.assert_allclose(block.se["se_a"], se_a, rtol=0.25)
    # M2 counts one shared slope, not four (nor none)
    assert full.m2 == m2_statistic(full.params, x, common_a=True)
    assert full.m2.df == m2_statistic(full.params, x).df - 1


def test_block_errors_include_the_sampling_variance_of_the_scale():
    # a very steep item among fifteen measures b to within the scale's own uncertainty: the
    # block method's variances never drop below (1 + b^2/2) / P for locations and a^2 / (2P)
    # for slopes (the steep item's cross-product part alone is about 0.7 of that floor here)
    rng = np.random.default_rng(8)
    bank = ItemParameters.dichotomous(np.r_[8.0, np.full(14, 1.5)], np.r_[0.0, np.linspace(-1.5, 1.5, 14)])
    P = 400
    x = simulate_responses(bank, rng.normal(size=P), rng)
    res = calibrate(x, "2pl", se="block", tol=1e-5)
    a, b = res.params.a, res.params.b
    assert a[0] > 5
    assert np.all(res.se["se_b"] ** 2 >= (1 + b**2 / 2) / P)
    assert np.all(res.se["se_a"] ** 2 >= a**2 / (2 * P))


def test_long_form_fit_columns_are_numbers():
    x = binary_responses()
    rows, cols = np.nonzero(~np.isnan(x))
    long = calibrate(SparseResponses(rows, cols, x[rows, cols], x.shape), "2pl", max_iter=2, se="block")
    assert long.item_fit["sx2"].dtype == float and long.item_fit["sx2_p"].dtype == float
    assert not (long.item_fit["sx2_p"] < 0.01).any()


def test_persons_without_responses_at_the_end(monkeypatch):
    x = gpcm_and_two_2pl(13)
    x = np.vstack([x, np.full((2, 3), np.nan)])
    models = ["gpcm", "2pl", "2pl"]
    dense = calibrate(x, models, max_iter=6, se="block")
    rows, cols = np.nonzero(~np.isnan(x))
    long = calibrate(SparseResponses(rows, cols, x[rows, cols], x.shape), models, max_iter=6, se="block")
    monkeypatch.setattr(calibration, "DENSE_LIMIT", 0)
    sparse = calibrate(x, models, max_iter=6, se="block")
    for other in (long, sparse):
        np.testing.assert_allclose(other.params.a, dense.params.a, rtol=1e-10)
        np.testing.assert_allclose(other.theta, dense.theta, rtol=1e-10, atol=1e-12)
    assert dense.theta.shape == (62,) and dense.theta[-1] == pytest.approx(0.0, abs=1e-12)
