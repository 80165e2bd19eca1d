"""The M-step against references built from the response models (mutation testing,
docs/testing.md).

The internal parameters are turned back into item parameters by the documented
parameterization (``z_k = k e^alpha theta + D_k``; 3PL ``c + (1 - c) logistic(e^alpha theta +
d)`` with ``c = logistic(gamma)``) and evaluated with :mod:`assessment.scoring.response_models`;
derivatives are central differences of those probabilities, and one Fisher-scoring step is
``(expected information + prior precision)^-1 (gradient + prior gradient)`` shrunk so that no
parameter moves more than 1, with the documented priors: log a ~ N(0, 0.5^2) for 3PL items
(and for every item when all are 3PL), N(0, 1) for the others, intercepts N(0, 5^2), c ~
Beta(5, 17).
"""
import numpy as np
import pytest
from scipy.special import expit, logit

from assessment.scoring import ItemParameters
from assessment.scoring.maximization import (
    MAX_STEP,
    ItemState,
    _solve,
    derivatives_3pl,
    log_probability_table,
    update_3pl,
    update_divide_by_total,
)
from assessment.scoring.response_models import log_category_probabilities

NODES = np.linspace(-4, 4, 17)
MODELS = np.array(["2pl", "gpcm", "gpcm", "1pl", "3pl"])
N_CAT = np.array([2, 3, 4, 2, 2])
H = 1e-6


def make_state(models=MODELS, n_cat=N_CAT, *, common_a=False, prior="default", seed=0):
    state = ItemState(np.asarray(models), np.asarray(n_cat), int(max(n_cat)), common_a, prior)
    rng = np.random.default_rng(seed)
    J, K = state.D.shape
    state.alpha = np.where(state.free_a, rng.normal(0, 0.3, J), 0.0)
    if state.shared_a.any():
        state.alpha[state.shared_a] = 0.25
    finite = np.isfinite(state.D)
    finite[:, 0] = False
    state.D[finite] = rng.normal(0, 1.0, finite.sum())
    state.gamma = np.where(state.is3, logit(0.15), 0.0)
    return state


def reference_params(state) -> ItemParameters:
    """The item parameters the state stands for (see the module docstring)."""
    records = []
    for j, model in enumerate(state.model):
        a = float(np.exp(state.alpha[j]))
        rec = {"item": f"q{j}", "model": str(model), "a": a}
        if model == "gpcm":
            D = state.D[j, : state.n_cat[j]]
            rec["thresholds"] = list(-(D[1:] - D[:-1]) / a)
        else:
            rec["b"] = -state.D[j, 1] / a
            if model == "3pl":
                rec["c"] = float(expit(state.gamma[j]))
        records.append(rec)
    return ItemParameters.from_records(records)


def reference_log_table(state, nodes=NODES):
    """``log P(X_j = k | theta_q)``, (J, K, Q), from the response models."""
    K = state.D.shape[1]
    table = np.transpose(log_category_probabilities(reference_params(state), nodes), (1, 2, 0))
    if table.shape[1] < K:
        table = np.concatenate([table, np.full((table.shape[0], K - table.shape[1], table.shape[2]), -np.inf)], 1)
    return table


def slots(state, j, *, with_alpha=None):
    """The internal parameters of item j as ('alpha'|'D'|'gamma', index) pairs."""
    out = []
    if with_alpha if with_alpha is not None else bool(state.free_a[j]):
        out.append(("alpha", None))
    if state.is3[j]:
        return out + [("D", 1), ("gamma", None)]
    return out + [("D", k) for k in range(1, int(state.n_cat[j]))]


def get(state, j, slot):
    name, k = slot
    return state.D[j, k] if name == "D" else getattr(state, name)[j]


def put(state, j, slot, value):
    name, k = slot
    if name == "D":
        state.D[j, k] = value
    else:
        getattr(state, name)[j] = value


def log_prob_gradient(state, j, item_slots, nodes=NODES):
    """d log P(X_j = k | theta_q) / d u, (K, Q, U), by central differences."""
    out = []
    for slot in item_slots:
        x0 = get(state, j, slot)
        put(state, j, slot, x0 + H)
        up = reference_log_table(state, nodes)[j]
        put(state, j, slot, x0 - H)
        down = reference_log_table(state, nodes)[j]
        put(state, j, slot, x0)
        with np.errstate(invalid="ignore"):
            out.append(np.where(np.isfinite(up), (up - down) / (2 * H), 0.0))
    return np.stack(out, axis=-1)


def prior_terms(state, j, item_slots, prior):
    """Gradient and precision (negative Hessian) of the documented log prior of item j."""
    on = prior == "default"
    all3 = bool(state.is3.all())
    a_sd = 0.5 if state.is3[j] or all3 else 1.0
    grad, prec = [], []
    for name, _ in item_slots:
        if name == "alpha":
            grad.append(-state.alpha[j] / a_sd**2 * on)
            prec.append(1 / a_sd**2 * on)
        elif name == "D":
            grad.append(-get(state, j, (name, _)) / 25.0 * on)
            prec.append(1 / 25.0 * on)
        else:
            c = expit(state.gamma[j])
            grad.append((4 * (1 - c) - 16 * c) * on)
            prec.append(20 * c * (1 - c) * on)
    return np.array(grad), np.diag(prec)


def scoring_terms(state, j, r, item_slots, prior, *, with_prior=True):
    """Gradient and expected information of sum_kq r_jkq log P_jk(theta_q) (+ log prior)."""
    G = log_prob_gradient(state, j, item_slots)                 # (K, Q, U)
    P = np.exp(reference_log_table(state)[j])                    # (K, Q)
    n = r[j].sum(axis=0)
    grad = np.einsum("kq,kqu->u", r[j], G)
    info = np.einsum("q,kq,kqu,kqv->uv", n, P, G, G)
    if with_prior:
        g0, p0 = prior_terms(state, j, item_slots, prior)
        grad, info = grad + g0, info + p0
    return grad, info


def shrink(step):
    return step * min(1.0, 1.0 / np.abs(step).max())


def counts(state, seed):
    rng = np.random.default_rng(seed)
    r = rng.uniform(0.0, 30.0, state.D.shape + (NODES.size,))
    r[~np.isfinite(state.D)] = 0.0
    return r


# ----------------------------------------------------------------- state


def test_state_starts_at_the_documented_values():
    state = ItemState(MODELS, N_CAT, 4, False)
    assert state.prior == "default"
    np.testing.assert_array_equal(state.a_prec, [1.0, 1.0, 1.0, 1.0, 4.0])
    assert state.d_prec == pytest.approx(1 / 25) and state.c_exps == (4.0, 16.0)
    np.testing.assert_allclose(state.gamma, [0, 0, 0, 0, logit(5 / 22)])
    np.testing.assert_array_equal(state.alpha, 0.0)
    np.testing.assert_array_equal(np.isfinite(state.D), [[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1],
                                                         [1, 1, 0, 0], [1, 1, 0, 0]])
    np.testing.assert_array_equal(state.D[np.isfinite(state.D)], 0.0)
    assert not state.fixed.any() and state.fixed.dtype == bool
    assert state.free_a.tolist() == [True, True, True, False, True]
    assert not state.shared_a.any() and state.is3.tolist() == [0, 0, 0, 0, 1]
    assert state.dbt.tolist() == [1, 1, 1, 1, 0]
    assert ItemState(MODELS, N_CAT, 4, True).shared_a.tolist() == [False, False, False, True, False]
    three = ItemState(np.array(["3pl", "3pl"]), np.array([2, 2]), 2, False)
    assert three.a_prior_sd == 0.5 and three.a_prec.tolist() == [4.0, 4.0]
    two = ItemState(np.array(["2pl", "1pl"]), np.array([2, 2]), 2, True)
    assert two.a_prior_sd == 1.0 and two.a_prec.tolist() == [1.0, 1.0]
    flat = ItemState(MODELS, N_CAT, 4, False, prior="none")
    assert flat.prior == "none" and not flat.a_prec.any() and flat.d_prec == 0 and flat.c_exps == (0.0, 0.0)
    with pytest.raises(ValueError, match=r"^prior must be one of default, none, got 'flat'$"):
        ItemState(MODELS, N_CAT, 4, False, prior="flat")


def test_vector_round_trip_keeps_slopes_and_guessing_in_range():
    state = make_state()
    v = state.vector()
    assert v.size == 5 + 2 + 3 + 4 + 2 + 2 + 5
    v2 = v.copy()
    v2[:5] = [4.0, -4.0, 2.5, 0.0, -2.9]
    v2[-5:] = [7.0, 7.0, 7.0, 7.0, 20.0]
    v2[5:-5] = np.arange(13.0)
    state.set_vector(v2)
    np.testing.assert_array_equal(state.alpha, [3.0, -3.0, 2.5, 0.0, -2.9])
    np.testing.assert_array_equal(state.gamma, [0, 0, 0, 0, 12.0])
    np.testing.assert_array_equal(state.D[np.isfinite(state.D)], np.arange(13.0))
    v2[-1] = -15.0
    state.set_vector(v2)
    assert state.gamma[-1] == -12.0 and state.vector()[-1] == -12.0
    np.testing.assert_array_equal(state.vector()[5:-5], np.arange(13.0))


@pytest.mark.parametrize("common_a", [False, True])
def test_log_prior_is_the_documented_density(common_a):
    state = make_state(common_a=common_a)
    c = expit(state.gamma[4])
    D = state.D
    expected = (-0.5 * (np.sum(state.alpha[:3] ** 2) + (state.alpha[3] ** 2 if common_a else 0.0))
                - 0.5 * 4 * state.alpha[4] ** 2
                - 0.5 / 25 * (D[0, 1] ** 2 + D[1, 1] ** 2 + D[1, 2] ** 2 + np.sum(D[2, 1:] ** 2)
                              + D[3, 1] ** 2 + D[4, 1] ** 2)
                + 4 * np.log(c) + 16 * np.log(1 - c))
    assert state.log_prior() == pytest.approx(expected, rel=1e-12)
    state.alpha[3] = 0.7               # a fixed Rasch slope has no prior unless it is shared
    assert state.log_prior() == pytest.approx(expected - (0.5 * 0.49 - 0.5 * 0.0625 if common_a else 0.0),
                                              rel=1e-12)
    assert make_state(prior="none").log_prior() == 0.0
    assert make_state(MODELS[:4], N_CAT[:4]).log_prior() < 0.0


def test_log_probability_table_matches_the_response_models():
    state = make_state()
    table = log_probability_table(state, NODES)
    ref = reference_log_table(state)
    assert table.shape == (5, 4, NODES.size)
    np.testing.assert_array_equal(np.isfinite(table), np.isfinite(ref))
    np.testing.assert_allclose(table[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-10, atol=1e-12)


def test_3pl_derivatives_are_the_slopes_of_the_probability():
    state = make_state(["3pl", "3pl"], [2, 2], seed=4)
    state.gamma = np.array([-1.2, -2.0])
    idx = np.array([0, 1])
    derivs, p = derivatives_3pl(state, idx, NODES)
    np.testing.assert_allclose(p, np.exp(reference_log_table(state)[:, 1]), rtol=1e-12)
    for j in idx:
        G = log_prob_gradient(state, j, slots(state, j))[1]     # d log P_1 / du
        np.testing.assert_allclose(derivs[j].T, G * p[j][:, None], rtol=1e-6, atol=1e-9)


def test_solve_shrinks_each_item_step_to_the_largest_move():
    info = np.array([np.eye(2), np.eye(2) * 0.5, np.eye(2)])
    step = _solve(info, np.array([[0.3, -0.4], [2.0, -1.0], [0.0, 0.0]]))
    np.testing.assert_allclose(step, [[0.3, -0.4], [MAX_STEP, -0.5], [0.0, 0.0]])
    assert MAX_STEP == 1.0


# ----------------------------------------------------------------- one Fisher-scoring step


@pytest.mark.parametrize("prior", ["default", "none"])
def test_one_step_is_fisher_scoring_on_the_expected_counts(prior):
    state = make_state(prior=prior, seed=1)
    r = counts(state, seed=2)
    expected, shrunk = {}, 0
    for j in range(5):
        item_slots = slots(state, j)
        grad, info = scoring_terms(state, j, r, item_slots, prior)
        step = np.linalg.solve(info, grad)
        shrunk += np.abs(step).max() > 1
        expected[j] = [get(state, j, s) for s in item_slots] + shrink(step)
    assert shrunk >= 1                   # the step bound is exercised
    table = log_probability_table(state, NODES)
    update_divide_by_total(state, r, NODES, table)
    update_3pl(state, r, NODES, table)
    for j in range(5):
        found = [get(state, j, s) for s in slots(state, j)]
        np.testing.assert_allclose(found, expected[j], rtol=1e-5, atol=1e-6, err_msg=f"item {j}")
    assert state.alpha[3] == 0.0 and np.isneginf(state.D[0, 2:]).all() and np.isneginf(state.D[1, 3])


def test_a_shared_slope_takes_one_newton_step_with_the_intercepts_profiled_out():
    models, n_cat = np.array(["1pl", "1pl", "2pl", "1pl"]), np.array([2, 2, 2, 2])
    state = make_state(models, n_cat, common_a=True, seed=5)
    r = counts(state, seed=6)
    shared = [0, 1, 3]
    g_a, i_a = 0.0, 0.0
    expected = {}
    for j in range(4):
        if j in shared:
            grad, info = scoring_terms(state, j, r, slots(state, j, with_alpha=True), "default", with_prior=False)
            info[1:, 1:] += 1 / 25.0
            grad[1:] -= state.D[j, 1] / 25.0
            g_a += grad[0]
            i_a += info[0, 0] - info[0, 1:] @ np.linalg.solve(info[1:, 1:], info[1:, 0])
            expected[j] = state.D[j, 1] + shrink(np.linalg.solve(info[1:, 1:], grad[1:]))
        else:
            grad, info = scoring_terms(state, j, r, slots(state, j), "default")
            expected[j] = np.array([state.alpha[j], state.D[j, 1]]) + shrink(np.linalg.solve(info, grad))
    alpha = 0.25 + np.clip((g_a - 0.25 * 1.0) / (i_a + 1.0), -1, 1)
    update_divide_by_total(state, r, NODES, log_probability_table(state, NODES))
    np.testing.assert_allclose(state.alpha[shared], alpha, rtol=1e-5)
    for j in shared:
        np.testing.assert_allclose(state.D[j, 1], expected[j], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([state.alpha[2], state.D[2, 1]], expected[2], rtol=1e-5, atol=1e-6)


def test_a_shared_slope_step_is_bounded():
    r = np.zeros((2, 2, NODES.size))
    r[:, 1, NODES > 0] = 500.0           # right above 0, wrong below: a very steep slope
    r[:, 0, NODES < 0] = 500.0
    for start, data, end in [(-2.0, r, -1.0), (2.0, r[:, ::-1, :].copy(), 1.0), (0.25, r[:, ::-1, :].copy(), -0.75)]:
        state = make_state(np.array(["1pl", "1pl"]), np.array([2, 2]), common_a=True, seed=7)
        state.D[:, 1] = 0.0
        state.alpha[:] = start
        update_divide_by_total(state, data, NODES, log_probability_table(state, NODES))
        np.testing.assert_allclose(state.alpha, [end, end])


def test_updates_leave_the_other_kind_of_item_alone():
    state = make_state(np.array(["3pl", "3pl"]), np.array([2, 2]), seed=8)
    before = state.vector().copy()
    update_divide_by_total(state, counts(state, 9), NODES, log_probability_table(state, NODES))
    np.testing.assert_array_equal(state.vector(), before)
    state = make_state(np.array(["2pl", "gpcm"]), np.array([2, 3]), seed=8)
    before = state.vector().copy()
    update_3pl(state, counts(state, 9), NODES, log_probability_table(state, NODES))
    np.testing.assert_array_equal(state.vector(), before)


# ----------------------------------------------------------------- the first run's survivors


def test_log_probability_table_is_stable_for_items_of_very_different_scales():
    state = make_state(np.array(["gpcm", "2pl"]), np.array([4, 2]), seed=24)
    state.alpha[:] = [3.0, -3.0]
    state.D[0, 1:] = [30.0, 60.0, 100.0]       # z up to 3 * 20 * 12 + 100 = 820 against ~0 for the flat item
    nodes = np.linspace(-12, 12, 9)
    table = log_probability_table(state, nodes)
    ref = reference_log_table(state, nodes)
    assert np.all(np.isfinite(table[1, :2])) and np.all(table[:, :2] <= 0)
    np.testing.assert_allclose(table[1, :2], ref[1, :2], rtol=1e-10, atol=1e-12)


def _step_reference(state, r, prior="default"):
    expected = {}
    for j in range(state.alpha.size):
        item_slots = slots(state, j)
        grad, info = scoring_terms(state, j, r, item_slots, prior)
        expected[j] = [get(state, j, s) for s in item_slots] + shrink(np.linalg.solve(info, grad))
    return expected


def test_a_single_divide_by_total_item_beside_a_3pl_item_is_updated():
    state = make_state(np.array(["3pl", "gpcm"]), np.array([2, 3]), seed=25)
    r = counts(state, 26)
    expected = _step_reference(state, r)
    table = log_probability_table(state, NODES)
    update_divide_by_total(state, r, NODES, table)
    update_3pl(state, r, NODES, table)
    for j in (0, 1):
        np.testing.assert_allclose([get(state, j, s) for s in slots(state, j)], expected[j], rtol=1e-5, atol=1e-6)


def _model_counts(state, scale, seed):
    """Expected counts close to the model's own (small gradients: an unclipped step)."""
    P = np.exp(reference_log_table(state))
    rng = np.random.default_rng(seed)
    return scale * P * rng.uniform(0.8, 1.2, P.shape)


@pytest.mark.parametrize("models", [["1pl", "1pl", "2pl", "1pl"], ["2pl", "1pl"]])
@pytest.mark.parametrize("scale, prior", [(40.0, "default"), (0.002, "default"), (0.002, "none")])
def test_an_unclipped_shared_slope_step(models, scale, prior):
    state = make_state(np.array(models), np.full(len(models), 2), common_a=True, prior=prior, seed=27)
    r = _model_counts(state, scale, 28)
    shared = [j for j, m in enumerate(models) if m == "1pl"]
    prec = 1.0 if prior == "default" else 0.0
    g_a, i_a = 0.0, 0.0
    for j in shared:
        grad, info = scoring_terms(state, j, r, slots(state, j, with_alpha=True), prior, with_prior=False)
        info[1:, 1:] += prec / 25.0
        g_a += grad[0]
        i_a += info[0, 0] - info[0, 1:] @ np.linalg.solve(info[1:, 1:], info[1:, 0])
    step = (g_a - 0.25 * prec) / (i_a + prec)
    assert abs(step) < 0.9                 # not at the step bound
    update_divide_by_total(state, r, NODES, log_probability_table(state, NODES))
    np.testing.assert_allclose(state.alpha[shared], 0.25 + step, rtol=1e-6)


def test_a_3pl_item_whose_probability_rounds_to_one_takes_a_finite_step():
    state = make_state(np.array(["3pl"]), np.array([2]), seed=29)
    state.alpha[:] = 3.0                       # a = 20: P = 1 in floating point above theta = 2
    state.D[0, 1] = 0.0
    r = counts(state, 30)
    update_3pl(state, r, NODES, log_probability_table(state, NODES))
    assert np.all(np.isfinite(state.vector()))
