"""Calibration's iterations (assessment/scoring/calibration.py): SQUAREM's extrapolation (kept only
when the log-posterior does not fall, never shorter than plain EM, one cycle for a linear
contraction), iteration counts and the convergence rule. Split from test_calibration_mutants.py;
the reference log-likelihood is tests/scoring/calibration_reference.py's."""
import math

import numpy as np
import pytest
from calibration_reference import (
    _loglik,
    _nodes,
)

import assessment.scoring.calibration as calibration
from assessment.scoring import ItemParameters
from assessment.scoring.calibration import (
    _Data,
    _e_step,
    calibrate,
)
from assessment.scoring.maximization import ItemState, log_probability_table
from assessment.scoring.simulation import simulate_responses


def _linear_em(monkeypatch, target, lam):
    """Replace the M-step by x -> target + lam (x - target) on (alpha, D_1) of 2PL items."""
    def step(state, r, nodes, table):
        state.alpha[:] = target[0] + lam * (state.alpha - target[0])
        state.D[:, 1] = target[1] + lam * (state.D[:, 1] - target[1])
    monkeypatch.setattr(calibration, "update_divide_by_total", step)


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
