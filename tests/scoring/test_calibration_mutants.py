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
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logsumexp

import assessment.scoring.calibration as calibration
from assessment.scoring import ItemParameters
from assessment.scoring.calibration import (
    MIN_PERSONS,
    QUADRATURE_RANGE,
    CalibrationResult,
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


# ----------------------------------------------------------------------------- the reference
def _nodes(n=41):
    nodes = np.linspace(-5.0, 5.0, n)
    w = np.exp(-0.5 * nodes**2)
    return nodes, np.log(w / w.sum())


def _log_probs(model, a, b, c, steps, nodes):
    """log P(X = k | theta_q), shape (Q, categories), from the model's formula."""
    if model == "gpcm":
        z = np.cumsum(a * (nodes[:, None] - np.asarray(steps)[None, :]), axis=1)
        z = np.column_stack([np.zeros(nodes.size), z])
        return z - logsumexp(z, axis=1, keepdims=True)
    z = a * (nodes - b)
    if c == 0.0:
        return np.column_stack([log_expit(-z), log_expit(z)])
    return np.column_stack([math.log1p(-c) + log_expit(-z),
                            np.logaddexp(math.log(c), math.log1p(-c) + log_expit(z))])


def _person_grid(items, x, nodes):
    """log P(responses of person p | theta_q), shape (P, Q)."""
    lp = np.zeros((x.shape[0], nodes.size))
    for j, item in enumerate(items):
        table = _log_probs(*item, nodes)
        seen = ~np.isnan(x[:, j])
        lp[seen] += table[:, x[seen, j].astype(int)].T
    return lp


def _loglik(items, x, n=41):
    nodes, log_w = _nodes(n)
    return float(logsumexp(_person_grid(items, x, nodes) + log_w, axis=1).sum())


def _posterior(items, x):
    nodes, log_w = _nodes()
    lp = _person_grid(items, x, nodes) + log_w
    w = np.exp(lp - logsumexp(lp, axis=1, keepdims=True))
    mean = w @ nodes
    return mean, np.sqrt(w @ nodes**2 - mean**2)


def _unpack(models, u):
    """Internal parameters (alpha, intercepts[, gamma]) to (model, a, b, c, steps) per item."""
    items, i = [], 0
    for m, k in models:
        a = 1.0 if m == "1pl" else math.exp(u[i])
        i += m != "1pl"
        if m == "gpcm":
            D = np.concatenate([[0.0], u[i:i + k - 1]])
            i += k - 1
            items.append((m, a, 0.0, 0.0, -np.diff(D) / a))
        elif m == "3pl":
            items.append((m, a, -u[i] / a, float(expit(u[i + 1])), ()))
            i += 2
        else:
            items.append((m, a, -u[i] / a, 0.0, ()))
            i += 1
    return items


def _log_prior(models, u):
    """The documented default priors on the internal parameters (up to a constant)."""
    total, i = 0.0, 0
    all3 = all(m == "3pl" for m, _ in models)
    for m, k in models:
        if m != "1pl":
            sd = 0.5 if (m == "3pl" or all3) else 1.0
            total -= 0.5 * (u[i] / sd) ** 2
            i += 1
        n_d = k - 1 if m == "gpcm" else 1
        total -= 0.5 * float(np.sum(np.asarray(u[i:i + n_d]) ** 2)) / 25.0
        i += n_d
        if m == "3pl":
            c = expit(u[i])
            total += 4.0 * math.log(c) + 16.0 * math.log1p(-c)
            i += 1
    return total


def _reference_fit(models, x, start, prior=False):
    def objective(u):
        value = _loglik(_unpack(models, u), x)
        return -(value + (_log_prior(models, u) if prior else 0.0))

    res = minimize(objective, start, method="BFGS", options={"gtol": 1e-7})
    return res.x, _unpack(models, res.x)


def _items_of(params):
    out = []
    for j in range(params.n_items):
        m = str(params.model[j])
        steps = params.thresholds[j, : params.n_categories[j] - 1] if m == "gpcm" else ()
        out.append((m, float(params.a[j]), float(params.b[j]), float(params.c[j]), steps))
    return out


def _inverse_hessian(f, v, h=1e-4):
    """Inverse of minus the central-difference Hessian of ``f`` at ``v``."""
    n = v.size
    hess = np.zeros((n, n))
    for i in range(n):
        for k in range(i, n):
            e_i, e_k = np.eye(n)[i] * h, np.eye(n)[k] * h
            hess[i, k] = hess[k, i] = (f(v + e_i + e_k) - f(v + e_i - e_k) - f(v - e_i + e_k)
                                       + f(v - e_i - e_k)) / (4 * h * h)
    return np.linalg.inv(-hess)


def _natural_hessian_se(items, x):
    """SEs of a, b (2PL items) from the inverse numerical Hessian of the reference loglik."""
    v = np.array([p for _, a, b, _, _ in items for p in (a, b)])

    def f(vec):
        return _loglik([("2pl", vec[2 * j], vec[2 * j + 1], 0.0, ()) for j in range(len(items))], x)

    return np.sqrt(np.diag(_inverse_hessian(f, v))).reshape(-1, 2)


@pytest.fixture(scope="module")
def two_pl():
    rng = np.random.default_rng(7)
    bank = ItemParameters.dichotomous([0.8, 1.3, 1.0, 1.8], [-0.8, 0.2, 0.9, -0.1])
    return bank, simulate_responses(bank, rng.normal(size=300), rng)


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


def _with_held_3pl_and_gpcm(*more):
    """A 3PL item 'h3' and a three-category GPCM item 'hg' (to be held), then ``more``."""
    return ItemParameters.from_records([
        {"item": "h3", "model": "3pl", "a": 1.2, "b": 0.3, "c": 0.15},
        {"item": "hg", "model": "gpcm", "a": 0.9, "thresholds": [-0.5, 0.8]}, *more])


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


def test_max_iter_zero_returns_the_documented_start():
    # intercepts from the observed proportions (+ 0.5 per cell), a = 1; 3PL: c at the prior
    # mean 5/22 and the intercept of (p - c) / (1 - c) clipped to [0.05, 0.95]
    x = np.zeros((40, 4))
    x[:30, 0] = 1          # 30 of 40: D = log(30.5 / 10.5)
    x[:39, 1] = 1          # 3PL, p = 39.5 / 41: clipped at 0.95
    x[:2, 2] = 1           # 3PL, p = 2.5 / 41 < c: clipped at 0.05
    x[:25, 3] = 1          # 3PL inside the clip
    res = calibrate(x, ["2pl", "3pl", "3pl", "3pl"], max_iter=0)
    assert res.n_iter == 0 and not res.converged
    np.testing.assert_array_equal(res.params.a, 1.0)
    assert res.params.b[0] == pytest.approx(-math.log(30.5 / 10.5), rel=1e-12)
    c0 = 5 / 22
    np.testing.assert_allclose(res.params.c, [0.0, c0, c0, c0], rtol=1e-12)
    p = 25.5 / 41
    want_d = [math.log(0.95 / 0.05), math.log(0.05 / 0.95), math.log((p - c0) / (1 - p))]
    np.testing.assert_allclose(res.params.b[1:], -np.array(want_d), rtol=1e-10)

    g = np.array([[0] * 5 + [1] * 10 + [2] * 25 + [3] * 0]).T.astype(float)
    g = np.column_stack([g, (np.arange(40) % 3 == 0).astype(float)])
    res = calibrate(g, ["gpcm", "2pl"], max_iter=0)
    # D_k = log((n_k + 0.5) / (n_0 + 0.5)); steps -(D_k - D_{k-1})
    np.testing.assert_allclose(res.params.thresholds[0], [-math.log(10.5 / 5.5), -math.log(25.5 / 10.5)],
                               rtol=1e-12)
    assert list(res.params.n_categories) == [3, 2]


def test_squarem_takes_fewer_iterations_than_plain_em_to_the_same_point(two_pl, monkeypatch):
    bank, x = two_pl
    res = calibrate(x, "2pl", prior="none", tol=1e-6, max_iter=2000)
    # plain EM with the same M-step: every iteration one E-step and one Fisher-scoring step
    import assessment.scoring.maximization as maximization
    state = ItemState(np.array(["2pl"] * 4), np.full(4, 2), 2, False, "none")
    state.D[:, 1] = np.log((np.nansum(x, axis=0) + 0.5) / ((x == 0).sum(axis=0) + 0.5))
    nodes, log_w = _nodes()
    data = _Data(x, 2)
    plain = 0
    while True:
        before = state.vector()
        table = log_probability_table(state, nodes)
        _, r, _ = _e_step(data, table, log_w)
        maximization.update_divide_by_total(state, r, nodes, table)
        plain += 1
        if np.max(np.abs(state.vector() - before)) < 1e-6:
            break
    np.testing.assert_allclose(res.params.a, np.exp(state.alpha), rtol=1e-4)
    assert res.converged and res.n_iter < 0.7 * plain

    # every counted iteration is one M-step; max_iter bounds them (one over at most)
    calls = []
    real = calibration.update_divide_by_total
    monkeypatch.setattr(calibration, "update_divide_by_total", lambda *a: (calls.append(1), real(*a)))
    for limit in (1, 2, 3, 4, 7):
        calls.clear()
        out = calibrate(x, "2pl", prior="none", max_iter=limit, se="block")
        assert out.n_iter == len(calls)
        assert limit <= out.n_iter <= limit + 1 and not out.converged
    assert len(calls) == 8  # 7: two EM steps, an extrapolation's, twice, then two more


def test_a_huge_tolerance_stops_after_the_first_pair_of_steps(two_pl):
    _, x = two_pl
    res = calibrate(x, "2pl", tol=10.0, se="block")
    assert res.converged and res.n_iter == 2


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


# ----------------------------------------------------------------------------- inputs
def _binary(n=20, j=3, seed=1):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, j)) < 0.5).astype(float)
    x[0], x[1] = 0.0, 1.0
    return x


@pytest.mark.parametrize("kwargs, message", [
    ({"prior": "flat"}, "prior must be one of default, none, got 'flat'"),
    ({"se": "sandwich"}, "se must be one of full, block, got 'sandwich'"),
    ({"item_ids": ["a", "b"]}, "2 item ids for 3 columns"),
    ({"model": "4pl"}, "model must be one of 1pl, 2pl, 3pl, gpcm (or one per item)"),
    ({"model": ["2pl", "2pl"]}, "model must be one of 1pl, 2pl, 3pl, gpcm (or one per item)"),
    ({"model": "gpcm-typo"}, "model must be one of 1pl, 2pl, 3pl, gpcm (or one per item)"),
    ({"model": ["2pl", "2pl", "2plx"]}, "model must be one of 1pl, 2pl, 3pl, gpcm (or one per item)"),
    ({"n_categories": [2, 2]}, "n_categories has 2 values for 3 items"),
    ({"n_categories": [2, 3, 2]}, "item 'i2': n_categories 3 does not fit its model and responses "
                                  "(highest category 1)"),
])
def test_argument_errors_word_for_word(kwargs, message):
    with pytest.raises(ValueError) as err:
        calibrate(_binary(), **kwargs)
    assert str(err.value) == message


def test_models_are_read_case_blind_and_rasch_is_1pl():
    res = calibrate(_binary(), ["RASCH", "2PL", " 1pl".strip()], max_iter=0, se="block")
    assert list(res.params.model) == ["1pl", "2pl", "1pl"]
    res = calibrate(pd.DataFrame(_binary(), columns=["x", "y", "z"]), "2pl", max_iter=0, se="block")
    assert list(res.params.ids) == ["x", "y", "z"]
    res = calibrate(pd.DataFrame(_binary(), columns=["x", "y", "z"]), "2pl", item_ids=[7, 8, 9],
                    max_iter=0, se="block")
    assert list(res.params.ids) == ["7", "8", "9"]


def test_person_counts_at_the_minimum():
    assert MIN_PERSONS == 10
    calibrate(_binary(10), "2pl", max_iter=0, se="block")
    with pytest.raises(ValueError) as err:
        calibrate(_binary(9), "2pl")
    assert str(err.value) == "too few persons to calibrate: 9 (need at least 10)"
    x = np.full((12, 3), np.nan)
    x[:9] = _binary(9)
    with pytest.raises(ValueError) as err:
        calibrate(x, "2pl")
    assert str(err.value) == "too few persons answered the items to estimate (need 10)"
    x[9] = [1, 0, 1]
    calibrate(x, "2pl", max_iter=0, se="block")


@pytest.mark.parametrize("edit, model, message", [
    (lambda x: x.__setitem__((3, 1), 0.5), "2pl", "item 'i2', row 3: invalid response 0.5 (expected 0 or 1 or empty)"),
    (lambda x: x.__setitem__((4, 0), -1.0), "2pl", "item 'i1', row 4: invalid response -1 (expected 0 or 1 or empty)"),
    (lambda x: x.__setitem__((5, 2), 2.0), "2pl", "item 'i3', row 5: invalid response 2 (expected 0 or 1 or empty)"),
    (lambda x: x.__setitem__((6, 2), 1.5), "gpcm",
     "item 'i3', row 6: invalid response 1.5 (expected a category 0, 1, 2, ... or empty)"),
    (lambda x: x.__setitem__((slice(None), 1), 0.0), "2pl",
     "item 'i2': every response is 0; a constant column carries no information about the item"),
    (lambda x: x.__setitem__((slice(None), 2), np.nan), "2pl", "item 'i3': no responses"),
])
def test_response_errors_word_for_word(edit, model, message):
    x = _binary()
    x[2, :] = np.nan
    edit(x)
    with pytest.raises(ValueError) as err:
        calibrate(x, model)
    assert str(err.value) == message
    # the same checks on long-form input name the person instead of the row
    rows, cols = np.nonzero(~np.isnan(x))
    with pytest.raises(ValueError) as err:
        calibrate(SparseResponses(rows, cols, x[rows, cols], x.shape), model)
    assert str(err.value) == message.replace("row", "person").split(" (expected")[0]


def test_long_form_shape_errors():
    x = _binary()
    rows, cols = np.nonzero(~np.isnan(x))
    with pytest.raises(ValueError) as err:
        calibrate(SparseResponses(rows, cols[:-1], x[rows, cols], x.shape))
    assert str(err.value) == "person, item and score must have the same length"
    for r, c in ((rows - 1, cols), (rows + 1, cols), (rows, cols - 1), (rows, cols + 1)):
        with pytest.raises(ValueError) as err:
            calibrate(SparseResponses(r, c, x[rows, cols], x.shape))
        assert str(err.value) == "person/item index out of range for shape (20, 3)"
    long = calibrate(SparseResponses(rows, cols, x[rows, cols], (20, 3)), "2pl", se="block")
    assert long.m2 is None
    assert long.item_fit["sx2"].isna().all() and (long.item_fit["sx2_df"] == 0).all()
    assert long.item_fit["sx2_p"].isna().all()
    dense = calibrate(x, "2pl", se="block")
    np.testing.assert_allclose(long.params.b, dense.params.b, rtol=1e-10)


def test_prior_none_refuses_an_unreached_category():
    x = np.tile([[0.0], [1.0]], (10, 2))
    x[:, 1] = np.arange(20) % 2
    with pytest.raises(ValueError) as err:
        calibrate(x, "gpcm", n_categories=[3, 2], prior="none")
    assert str(err.value) == ("item 'i1': nobody scored category 2, which has no finite "
                              "maximum-likelihood estimate without a prior (use prior 'default')")
    res = calibrate(x, "gpcm", n_categories=[3, 2], max_iter=20, se="block")
    assert np.isfinite(res.params.thresholds[0, :2]).all()


def test_fixed_items_must_be_columns():
    held = ItemParameters.dichotomous([1.0], [0.0], ids=["zz"])
    with pytest.raises(ValueError) as err:
        calibrate(_binary(), "2pl", fixed=held)
    assert str(err.value) == "fixed item 'zz' is not a column of the responses"
    # a held item may have no responses and a constant column
    x = _binary()
    x[:, 0] = np.nan
    x[:, 1] = 1.0
    held = ItemParameters.dichotomous([1.0, 1.2], [0.0, 0.5], ids=["i1", "i2"])
    res = calibrate(x, "2pl", fixed=held, max_iter=4, se="block")
    np.testing.assert_allclose(res.params.a[:2], [1.0, 1.2])
    rows, cols = np.nonzero(~np.isnan(x))
    res = calibrate(SparseResponses(rows, cols, x[rows, cols], x.shape), "2pl", fixed=held,
                    max_iter=4, se="block")
    np.testing.assert_allclose(res.params.b[:2], [0.0, 0.5])


def test_results_are_frozen():
    res = calibrate(_binary(), "2pl", max_iter=0, se="block")
    assert isinstance(res, CalibrationResult)
    with pytest.raises(AttributeError):
        res.loglik = 0.0
    with pytest.raises(AttributeError):
        SparseResponses([0], [0], [1.0], (1, 1)).shape = (2, 2)


def test_a_held_gpcm_item_keeps_its_model_under_a_short_model_name():
    # the model string names the estimated items ("2pl", three letters); the held item brings
    # its own model ("gpcm", four letters) and its three categories, of which only 0 and 1 occur
    rng = np.random.default_rng(4)
    x = (rng.random((40, 3)) < 0.5).astype(float)
    held = ItemParameters.from_records([{"item": "i1", "model": "gpcm", "a": 0.9, "thresholds": [-0.5, 0.8]}])
    res = calibrate(x, "2pl", fixed=held, max_iter=4, se="block")
    assert list(res.params.model) == ["gpcm", "2pl", "2pl"]
    assert list(res.params.n_categories) == [3, 2, 2]
    np.testing.assert_allclose(res.params.thresholds[0, :2], [-0.5, 0.8], rtol=1e-12)


def _gpcm_and_two_2pl(seed):
    """60 persons, a three-category GPCM item and two 2PL items, a fifth of the cells empty."""
    rng = np.random.default_rng(seed)
    bank = ItemParameters.from_records([
        {"item": "g", "model": "gpcm", "a": 1.0, "thresholds": [-0.5, 0.5]},
        {"item": "d", "model": "2pl", "a": 1.2, "b": 0.0},
        {"item": "e", "model": "2pl", "a": 0.8, "b": 0.5},
    ])
    return simulate_responses(bank, rng.normal(size=60), rng, missing=0.2)


def test_long_form_input_takes_column_vectors_floats_ids_and_gpcm_scores():
    x = _gpcm_and_two_2pl(6)
    rows, cols = np.nonzero(~np.isnan(x))
    vals = x[rows, cols]
    dense = calibrate(x, ["gpcm", "2pl", "2pl"], item_ids=["g", "d", "e"], max_iter=6, se="block")
    for person, item, score in ((rows, cols, vals),
                                (rows[:, None], cols[:, None], vals[:, None]),   # column vectors
                                (rows.astype(float), cols.astype(float), vals)):  # indices as floats
        long = calibrate(SparseResponses(person, item, score, x.shape), ["gpcm", "2pl", "2pl"],
                         item_ids=["g", "d", "e"], max_iter=6, se="block")
        assert long.params.ids == ("g", "d", "e")
        np.testing.assert_allclose(long.params.a, dense.params.a, rtol=1e-10)
        np.testing.assert_allclose(long.params.thresholds[0], dense.params.thresholds[0], rtol=1e-10)


def test_responses_as_lists_with_none_and_one_dimensional_input():
    x = _binary()
    listed = [[None if np.isnan(v) else int(v) for v in row] for row in x]
    listed[3][1] = None
    y = x.copy()
    y[3, 1] = np.nan
    a = calibrate(listed, "2pl", max_iter=4, se="block")
    b = calibrate(y, "2pl", max_iter=4, se="block")
    np.testing.assert_array_equal(a.params.b, b.params.b)
    with pytest.raises(ValueError) as err:
        calibrate(x[:, 0], "2pl")
    assert str(err.value) == "responses must be 2-D (n_persons, n_items), got shape (20,)"


def test_an_empty_held_column_does_not_end_the_checks_of_the_others():
    x = _binary()
    x[:, 0] = np.nan
    x[5, 2] = 3.0
    held = ItemParameters.dichotomous([1.0], [0.0], ids=["i1"])
    with pytest.raises(ValueError) as err:
        calibrate(x, "2pl", fixed=held)
    assert str(err.value) == "item 'i3', row 5: invalid response 3 (expected 0 or 1 or empty)"


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


def test_a_column_answered_once_is_constant():
    x = _binary()
    x[1:, 2] = np.nan
    with pytest.raises(ValueError) as err:
        calibrate(x, "2pl")
    assert str(err.value) == f"item 'i3': every response is {x[0, 2]:g}; a constant column carries no information about the item"


def test_declared_categories_checks():
    x = _binary()
    # one value per item, as a column or a row; 2 for dichotomous items is right
    res = calibrate(x, "2pl", n_categories=np.array([[2], [2], [2]]), max_iter=2, se="block")
    assert list(res.params.n_categories) == [2, 2, 2]
    g = x.copy()
    g[:5, 0] = 2.0
    res = calibrate(g, ["gpcm", "2pl", "2pl"], n_categories=[4, 2, 2], max_iter=2, se="block")
    assert list(res.params.n_categories) == [4, 2, 2]
    # the message names the first item that does not fit, not a GPCM item declared longer
    with pytest.raises(ValueError) as err:
        calibrate(g, ["gpcm", "2pl", "2pl"], n_categories=[4, 3, 2])
    assert str(err.value) == "item 'i2': n_categories 3 does not fit its model and responses (highest category 1)"


def test_a_last_gpcm_item_nobody_scored_zero_on():
    x = _binary()
    x[:, 2] = 1 + (np.arange(20) % 2)  # categories 1 and 2 only
    res = calibrate(x, ["2pl", "2pl", "gpcm"], max_iter=0, se="block")
    # start: D_2 - D_1 = log((n_2 + 0.5) / (n_1 + 0.5)) = 0 for ten of each
    assert res.params.thresholds[2, 1] == pytest.approx(0.0, abs=1e-12)
    assert res.params.thresholds[2, 0] == pytest.approx(-math.log(10.5 / 0.5), rel=1e-12)


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


def test_held_guessing_at_its_bounds():
    x = _binary(40, 3)
    for c, want in ((0.0, 1e-6), (1 - 1e-8, 1 - 1e-6), (0.3, 0.3)):
        held = ItemParameters.dichotomous([1.0], [0.0], [c], ids=["i1"])
        # long-form input: M2's numerical derivatives in c would step outside [0, 1) here
        rows, cols = np.nonzero(~np.isnan(x))
        res = calibrate(SparseResponses(rows, cols, x[rows, cols], x.shape), ["3pl", "2pl", "2pl"],
                        fixed=held, max_iter=6, se="block")
        assert res.params.c[0] == pytest.approx(want, rel=1e-9)


def test_the_person_minimum_counts_persons_of_the_estimated_items():
    x = np.full((30, 3), np.nan)
    x[:, 0] = np.arange(30) % 2
    x[:9, 1:] = _binary(9, 2)
    held = ItemParameters.dichotomous([1.0], [0.0], ids=["i1"])
    with pytest.raises(ValueError) as err:
        calibrate(x, "2pl", fixed=held)
    assert str(err.value) == "too few persons answered the items to estimate (need 10)"


def test_iteration_counts_follow_the_squarem_cycle(two_pl):
    # a cycle is two EM steps and the extrapolation's stabilizing step; the extrapolation is
    # tried only when that step still fits within max_iter
    _, x = two_pl
    for limit, n in ((1, 2), (2, 2), (3, 3), (4, 5), (5, 5), (6, 6), (7, 8)):
        res = calibrate(x, "2pl", prior="none", max_iter=limit, se="block")
        assert (res.n_iter, res.converged) == (n, False), limit
    # tol = 0: nothing ever moves less than nothing; the default bound of 500 steps
    res = calibrate(x, "2pl", tol=0.0, se="block")
    assert (res.n_iter, res.converged) == (500, False)


def _linear_em(monkeypatch, target, lam):
    """Replace the M-step by x -> target + lam (x - target) on (alpha, D_1) of 2PL items."""
    def step(state, r, nodes, table):
        state.alpha[:] = target[0] + lam * (state.alpha - target[0])
        state.D[:, 1] = target[1] + lam * (state.D[:, 1] - target[1])
    monkeypatch.setattr(calibration, "update_divide_by_total", step)


def test_squarem_solves_a_linear_contraction_in_one_cycle(two_pl, monkeypatch):
    # for x -> T + lam (x - T), S3's step -|r|/|v| = -1/(1 - lam) lands on T exactly
    # (Varadhan & Roland, 2008): converged after 2 + 1 + 2 steps, whatever lam in (0, 1)
    _, x = two_pl
    mle = calibrate(x, "2pl", prior="none", tol=1e-8, max_iter=2000, se="block").params
    target = (np.log(mle.a), -mle.a * mle.b)
    for lam in (0.3, 0.6, 0.9):
        _linear_em(monkeypatch, target, lam)
        res = calibrate(x, "2pl", prior="none", tol=1e-6, se="block")
        assert (res.n_iter, res.converged) == (5, True), lam
        np.testing.assert_allclose(res.params.a, mle.a, rtol=1e-7)


def test_squarem_never_steps_shorter_than_plain_em(two_pl, monkeypatch):
    # an oscillating map (lam < 0): -|r|/|v| = -1/(1 - lam) is above -1 and is raised to -1,
    # the point two plain EM steps reach; the fixed point is then approached geometrically
    _, x = two_pl
    mle = calibrate(x, "2pl", prior="none", tol=1e-8, max_iter=2000, se="block").params
    target = (np.log(mle.a), -mle.a * mle.b)
    _linear_em(monkeypatch, target, -0.5)
    res = calibrate(x, "2pl", prior="none", tol=1e-6, se="block")
    assert res.converged and res.n_iter > 8


def test_an_extrapolation_that_lowers_the_likelihood_is_dropped(two_pl, monkeypatch):
    # the map's fixed point is a poor fit (every intercept 3 above the start): the jump there
    # lowers the log-likelihood and is undone, so the map is followed step by step
    _, x = two_pl
    start = np.log((np.nansum(x, axis=0) + 0.5) / ((x == 0).sum(axis=0) + 0.5))
    target = (np.zeros(4), start + 3.0)
    _linear_em(monkeypatch, target, 0.3)
    res = calibrate(x, "2pl", prior="none", tol=1e-6, se="block")
    assert res.converged and res.n_iter > 5
    np.testing.assert_allclose(-res.params.b, target[1], atol=1e-5)


def test_squarem_needs_a_fraction_of_plain_em_steps(two_pl):
    # on this data plain EM needs 214 steps to tol 1e-6 (counted in the test above); SQUAREM
    # about a sixth: the bound of a quarter leaves room and still fails a halved speed-up
    _, x = two_pl
    res = calibrate(x, "2pl", prior="none", tol=1e-6, max_iter=2000, se="block")
    assert res.converged and res.n_iter <= 214 / 4


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
    x = _binary()
    rows, cols = np.nonzero(~np.isnan(x))
    long = calibrate(SparseResponses(rows, cols, x[rows, cols], x.shape), "2pl", max_iter=2, se="block")
    assert long.item_fit["sx2"].dtype == float and long.item_fit["sx2_p"].dtype == float
    assert not (long.item_fit["sx2_p"] < 0.01).any()


def test_persons_without_responses_at_the_end(monkeypatch):
    x = _gpcm_and_two_2pl(13)
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


def test_the_extrapolation_is_judged_by_the_log_posterior():
    # item 4 is answered at random: the likelihood hardly changes between a = 0.23 and 0.055,
    # but the prior log a ~ N(0, 1) drops by 3.2. The jump of the linear map to log a = -2.9 is
    # dropped (log posterior falls) and the map followed step by step.
    rng = np.random.default_rng(14)
    bank = ItemParameters.dichotomous([1.0, 1.4, 0.9], [-0.3, 0.4, 0.0])
    x = np.column_stack([simulate_responses(bank, rng.normal(size=300), rng),
                         (rng.random(300) < 0.5).astype(float)])
    start = np.log((np.nansum(x, axis=0) + 0.5) / ((x == 0).sum(axis=0) + 0.5))
    target = (np.array([0.0, 0.0, 0.0, -2.9]), start)
    items = [("2pl", 1.0, -start[j], 0.0, ()) for j in range(3)]

    def posterior(log_a):
        a = math.exp(log_a)
        return _loglik(items + [("2pl", a, -start[3] / a, 0.0, ())], x) - 0.5 * log_a**2

    assert posterior(-2.9) < posterior(-1.45)  # the jump from the first step's point
    with pytest.MonkeyPatch.context() as mp:
        _linear_em(mp, target, 0.5)
        res = calibrate(x, "2pl", tol=1e-6, se="block")
    assert res.converged and res.n_iter > 5
    assert math.log(res.params.a[3]) == pytest.approx(-2.9, abs=1e-5)


def test_identical_steps_leave_nothing_to_extrapolate(two_pl, monkeypatch):
    # an M-step that adds 1/8 to every log a: two equal steps (v = 0, no curvature), so no
    # extrapolation; plain steps go on up to max_iter
    _, x = two_pl

    def step(state, r, nodes, table):
        state.alpha[:] += 0.125

    monkeypatch.setattr(calibration, "update_divide_by_total", step)
    res = calibrate(x, "2pl", prior="none", max_iter=8, tol=1e-6, se="block")
    assert (res.n_iter, res.converged) == (8, False)
    np.testing.assert_allclose(res.params.a, math.e, rtol=1e-12)


def test_a_frame_of_text_columns_with_missing_values():
    x = _binary()
    x[3, 1] = np.nan
    frame = pd.DataFrame({f"c{j}": pd.array([None if np.isnan(v) else str(int(v)) for v in x[:, j]],
                                            dtype="string") for j in range(3)})
    a = calibrate(frame, "2pl", max_iter=4, se="block")
    b = calibrate(x, "2pl", max_iter=4, se="block")
    assert a.params.ids == ("c0", "c1", "c2")
    np.testing.assert_array_equal(a.params.b, b.params.b)


def test_pandas_missing_values_are_not_administered_like_nan():
    # NaN = not administered (the docstring); pandas' NA and None are the same in every column
    # type: nullable Int64 / Float64 / boolean, object columns mixing NA, None, NaN and the text
    # of numbers, and lists holding NA (float() refuses NA: these used to end in a TypeError)
    x = _binary()
    x[3, 1] = x[7, 0] = x[12, 2] = np.nan
    want = calibrate(x, "2pl", max_iter=4, se="block")
    cols = [f"c{j}" for j in range(3)]
    nullable = pd.DataFrame(x, columns=cols).astype("Int64")
    assert nullable.isna().sum().sum() == 3
    frames = [nullable] + [pd.DataFrame(x, columns=cols).astype(t) for t in ("Float64", "boolean")]
    obj = pd.DataFrame([[0 if np.isnan(v) else int(v) for v in row] for row in x], columns=cols, dtype=object)
    obj.iloc[7, 0], obj.iloc[3, 1], obj.iloc[12, 2] = pd.NA, None, np.nan
    obj.iloc[:5, 2] = [str(int(v)) for v in x[:5, 2]]
    assert obj.iloc[7, 0] is pd.NA and obj.iloc[3, 1] is None and obj.iloc[0, 2] in ("0", "1")
    frames.append(obj)
    for frame in frames:
        got = calibrate(frame, "2pl", max_iter=4, se="block")
        assert got.params.ids == tuple(cols)
        np.testing.assert_array_equal(got.params.b, want.params.b)
        np.testing.assert_array_equal(got.theta, want.theta)
    listed = [[pd.NA if np.isnan(v) else int(v) for v in row] for row in x]
    got = calibrate(listed, "2pl", max_iter=4, se="block")
    np.testing.assert_array_equal(got.params.b, want.params.b)


@pytest.mark.parametrize("model, kind", [("2pl", "0 or 1"), ("gpcm", "a category 0, 1, 2, ...")])
def test_text_that_is_no_number_is_named_by_item_and_row(model, kind):
    x = _binary()
    frame = pd.DataFrame({f"c{j}": pd.Series([int(v) for v in x[:, j]], dtype=object) for j in range(3)})
    frame.iloc[9, 2] = "yes"
    frame.iloc[4, 1] = pd.NA
    frame.iloc[6, 1] = "no"  # item c1 comes before c2, row 6 after row 4's missing value
    with pytest.raises(ValueError) as err:
        calibrate(frame, model)
    assert str(err.value) == f"item 'c1', row 6: invalid response 'no' (expected {kind} or empty)"
    with pytest.raises(ValueError) as err:
        calibrate(frame, model, item_ids=["u", "v", "w"])
    assert str(err.value) == f"item 'v', row 6: invalid response 'no' (expected {kind} or empty)"
    # a pandas text column and a list of lists without any missing value
    text = pd.DataFrame({"t": pd.array([str(int(v)) for v in x[:, 0]], dtype="string"), "u": x[:, 1]})
    text.loc[11, "t"] = ""
    with pytest.raises(ValueError) as err:
        calibrate(text, model)
    assert str(err.value) == f"item 't', row 11: invalid response '' (expected {kind} or empty)"
    listed = [[int(v) for v in row] for row in x]
    listed[2][0] = "1"  # the text of a number is read as that number
    listed[8][2] = "x1"
    with pytest.raises(ValueError) as err:
        calibrate(listed, model)
    assert str(err.value) == f"item 'i3', row 8: invalid response 'x1' (expected {kind} or empty)"


def test_convergence_needs_every_move_strictly_below_tol(two_pl):
    # "every internal parameter moves less than tol": the real EM's first two steps, recorded,
    # give the largest move; a tol equal to it to the last bit is not reached, the next float
    # above it is (converged after the first pair of steps)
    _, x = two_pl
    seen = []
    real = calibration.update_3pl

    def spy(state, *args):
        real(state, *args)
        seen.append(state.vector())

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(calibration, "update_3pl", spy)
        calibrate(x, "2pl", max_iter=1, se="block")
    assert len(seen) == 2
    move = float(np.max(np.abs(seen[1] - seen[0])))
    at = calibrate(x, "2pl", tol=move, se="block")
    assert at.n_iter > 2 and at.converged
    above = calibrate(x, "2pl", tol=float(np.nextafter(move, np.inf)), se="block")
    assert (above.n_iter, above.converged) == (2, True)


def test_an_extrapolation_whose_log_posterior_ties_is_kept(two_pl, monkeypatch):
    # the extrapolation is dropped only if the log posterior drops: at a tie it stays. An M-step
    # that sets every log a to the next scripted value, 0.5 twice from 0 (the second step moves
    # nothing: with tol 0 that is not convergence) puts the extrapolation (step -1,
    # x0 + 2r + v with r = 0.5, v = -0.5) on the first step's point bit for bit, so the two log
    # posteriors tie exactly; the stabilizing step from there sets 0.75, which stays
    _, x = two_pl
    script = iter([0.5, 0.5, 0.75])

    def step(state, r, nodes, table):
        state.alpha[:] = next(script)

    logliks = []
    real = calibration._e_step

    def e_step(*args):
        out = real(*args)
        logliks.append(out[2])
        return out

    monkeypatch.setattr(calibration, "update_divide_by_total", step)
    monkeypatch.setattr(calibration, "_e_step", e_step)
    res = calibrate(x, "2pl", max_iter=3, tol=0.0, se="block")
    assert (res.n_iter, res.converged) == (3, False)
    assert logliks[1] == logliks[2] and logliks[0] != logliks[1]  # at log a = 0.5 both times
    np.testing.assert_array_equal(res.params.a, np.full(4, math.exp(0.75)))


def test_numbers_are_converted_without_a_look_at_each_cell(monkeypatch):
    # the cell-by-cell check (Python, ~20x slower: 1.4 s for 100 000 x 50) is only for cells
    # numpy and pandas refuse; arrays, lists with None and nullable frames never reach it
    looked = []
    real = calibration._is_number
    monkeypatch.setattr(calibration, "_is_number", lambda cell: (looked.append(cell), real(cell))[1])
    x = _binary()
    x[3, 1] = np.nan
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    listed = [[None if np.isnan(v) else v for v in row] for row in x]
    for given in (x, listed, frame, frame.astype("Int64"), frame.astype("boolean")):
        calibrate(given, "2pl", max_iter=0, se="block")
    assert looked == []
    text = frame.astype(object)
    text.iloc[5, 2] = "?"
    with pytest.raises(ValueError, match=r"^item 'c', row 5: invalid response '\?'"):
        calibrate(text, "2pl")
    assert len(looked) == 2 * 20 + 6
