"""Standard errors of calibrated items against plain references (mutation testing,
docs/testing.md).

Gradients are central differences of the response models' log probabilities (helpers shared
with ``test_maximization_mutants.py``); the full information is checked on a log posterior
whose Hessian is known (a quadratic); the cross-product information is summed person by
person; the delta method uses a numerical Jacobian of ``a, b, c, b_k`` in the internal
parameters, and the scale term the module docstring gives (``(1 + b^2/2)/P`` per location,
``a^2/(2P)`` per free slope).
"""
import numpy as np
import pytest
from test_maximization_mutants import (
    NODES,
    get,
    log_prob_gradient,
    make_state,
    prior_terms,
    put,
    reference_log_table,
    reference_params,
    slots,
)

import assessment.scoring.standard_errors as standard_errors
from assessment.scoring.standard_errors import (
    _get,
    _set,
    active_slots,
    block_covariance,
    full_covariance,
    log_probability_gradients,
    natural_standard_errors,
    prior_gradient,
)


def _u_index(state, slot):
    """Position of a slot in the (J, U) layout: alpha 0, D_k k, gamma 2."""
    name, k = slot
    return {"alpha": 0, "gamma": 2}.get(name, k)


# ----------------------------------------------------------------- gradients and slots


def test_log_probability_gradients_are_the_slopes_of_log_p():
    state = make_state(seed=11)
    table = reference_log_table(state)
    G = log_probability_gradients(state, table, NODES)
    assert G.shape == (5, 4, NODES.size, 4)
    for j in range(5):
        item_slots = slots(state, j, with_alpha=True)
        ref = log_prob_gradient(state, j, item_slots)
        K = int(state.n_cat[j])
        for i, slot in enumerate(item_slots):
            np.testing.assert_allclose(G[j, :K, :, _u_index(state, slot)], ref[:K, :, i], rtol=1e-5, atol=1e-7,
                                       err_msg=f"item {j} {slot}")
    np.testing.assert_array_equal(G[4, :, :, 3], 0.0)     # a 3PL item has three parameters


def test_active_slots_and_their_accessors():
    state = make_state(seed=12)
    state.fixed = np.array([False, False, False, False, False])
    np.testing.assert_array_equal(active_slots(state), [[1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1],
                                                        [0, 1, 0, 0], [1, 1, 1, 0]])
    state.fixed = np.array([False, True, False, False, False])
    assert not active_slots(state)[1].any() and active_slots(state)[2].all()
    assert _get(state, 4, 2) == state.gamma[4] and _get(state, 2, 2) == state.D[2, 2]
    assert _get(state, 1, 0) == state.alpha[1] and _get(state, 4, 1) == state.D[4, 1]
    _set(state, 4, 2, 0.5)
    _set(state, 2, 2, -0.25)
    _set(state, 1, 0, 0.125)
    _set(state, np.array([0, 3]), 0, 0.75)
    assert state.gamma[4] == 0.5 and state.D[2, 2] == -0.25 and state.alpha[1] == 0.125
    assert state.alpha[0] == state.alpha[3] == 0.75 and state.gamma[2] == 0.0


@pytest.mark.parametrize("prior, common_a", [("default", False), ("default", True), ("none", True)])
def test_prior_gradient_is_the_documented_prior(prior, common_a):
    state = make_state(common_a=common_a, prior=prior, seed=13)
    state.alpha[3] = 0.4               # a Rasch slope: no prior gradient unless shared
    g = prior_gradient(state)
    assert g.shape == (5, 4)
    for j in range(5):
        item_slots = slots(state, j, with_alpha=bool(state.free_a[j] or state.shared_a[j]))
        ref, _ = prior_terms(state, j, item_slots, prior)
        found = [g[j, _u_index(state, s)] for s in item_slots]
        np.testing.assert_allclose(found, ref, rtol=1e-12, atol=1e-15)
    assert g[3, 0] == (-0.4 if common_a and prior == "default" else 0.0)
    assert g[0, 2:].tolist() == [0.0, 0.0] and g[1, 3] == 0.0


# ----------------------------------------------------------------- full information


def _quadratic_score(state, B, centre):
    """The score of log f(u) = -(u - m)' B (u - m) / 2 over the active slots (and the shared
    slope last): -B (u - m), laid out (J, U)."""
    active = active_slots(state)
    layout = list(zip(*np.nonzero(active)))
    shared = np.flatnonzero(state.shared_a & ~state.is3 & ~state.fixed)

    def score(st):
        u = [_value(st, j, k) for j, k in layout] + ([st.alpha[shared[0]]] if shared.size else [])
        g_flat = -B @ (np.array(u) - centre)
        g = np.zeros(active.shape)
        for i, (j, k) in enumerate(layout):
            g[j, k] = g_flat[i]
        if shared.size:
            g[shared[0], 0] = g_flat[-1]
        return g

    return score, layout, shared


def _value(state, j, k):
    if k == 0:
        return state.alpha[j]
    return state.gamma[j] if state.is3[j] and k == 2 else state.D[j, k]


@pytest.mark.parametrize("common_a", [False, True])
def test_full_covariance_inverts_the_symmetrized_hessian(common_a):
    state = make_state(common_a=common_a, seed=14)
    state.fixed = np.array([False, False, False, False, True]) if common_a else state.fixed
    before = state.vector().copy()
    n = int(active_slots(state).sum()) + (1 if common_a else 0)
    rng = np.random.default_rng(15)
    L = rng.normal(size=(n, n))
    A = L @ L.T + n * np.eye(n)
    skew = rng.normal(size=(n, n)) * 0.3
    B = A + skew - skew.T                    # a numerical Hessian that is not quite symmetric
    score, layout, shared = _quadratic_score(state, B, rng.normal(size=n))
    cov, var_shared = full_covariance(state, score)
    np.testing.assert_array_equal(state.vector(), before)       # every parameter put back
    inv = np.linalg.inv(A)
    assert cov.shape == (5, 4, 4)
    expected = np.zeros((5, 4, 4))
    for j in range(5):
        pos = [(k, i) for i, (jj, k) in enumerate(layout) if jj == j]
        if common_a and state.shared_a[j]:
            pos.insert(0, (0, n - 1))
        for ka, ia in pos:
            for kb, ib in pos:
                expected[j, ka, kb] = inv[ia, ib]
    np.testing.assert_allclose(cov, expected, rtol=1e-6, atol=1e-12)
    if common_a:
        assert var_shared == pytest.approx(inv[-1, -1], rel=1e-6)
        assert not cov[4].any()                                   # a held item has no covariance
    else:
        assert var_shared is None


def test_full_covariance_of_a_flat_direction_falls_back_to_the_pseudo_inverse():
    state = make_state(np.array(["2pl", "2pl"]), np.array([2, 2]), seed=16)
    B = np.diag([2.0, 4.0, 0.0, 5.0])        # the second item's slope does not change the posterior
    score, _, _ = _quadratic_score(state, B, np.zeros(4))
    cov, var_shared = full_covariance(state, score)
    np.testing.assert_allclose(cov[0, :2, :2], np.diag([0.5, 0.25]), rtol=1e-6)
    np.testing.assert_allclose(cov[1, :2, :2], np.diag([0.0, 0.2]), rtol=1e-6, atol=1e-12)
    assert var_shared is None


# ----------------------------------------------------------------- cross-product information


def _data(state, rng, P, density):
    table = reference_log_table(state)
    J = state.D.shape[0]
    rows, cols = np.nonzero(rng.random((P, J)) < density)
    cat = np.array([rng.integers(int(state.n_cat[j])) for j in cols])
    w = rng.random((P, NODES.size)) ** 4
    w /= w.sum(axis=1, keepdims=True)
    return table, rows, cols, cat, w


def _reference_block(state, G, rows, cols, cat, w, prior):
    J, U = state.D.shape[0], G.shape[3]
    active = active_slots(state)
    info = np.zeros((J, U, U))
    scores = np.einsum("iq,iqu->iu", w[rows], G[cols, cat])
    for s, j in zip(scores, cols):
        info[j] += np.outer(s, s)
    cov = np.zeros((J, U, U))
    for j in range(J):
        item_slots = [s for s in slots(state, j) if active[j, _u_index(state, s)]]
        idx = [_u_index(state, s) for s in item_slots]
        _, prec = prior_terms(state, j, item_slots, prior)
        cov[j][np.ix_(idx, idx)] = np.linalg.inv(info[j][np.ix_(idx, idx)] + prec)
    var_shared = None
    if state.shared_a.any():
        person = np.zeros(w.shape[0])
        np.add.at(person, rows, np.where(state.shared_a[cols], scores[:, 0], 0.0))
        var_shared = 1.0 / (np.sum(person**2) + (1.0 if prior == "default" else 0.0))
    return cov, var_shared


@pytest.mark.parametrize("prior", ["default", "none"])
@pytest.mark.parametrize("common_a", [False, True])
@pytest.mark.parametrize("density, chunk", [(1.0, 50_000), (0.1, 50_000), (0.1, 7)])
def test_block_covariance_is_the_inverse_cross_product(monkeypatch, prior, common_a, density, chunk):
    monkeypatch.setattr(standard_errors, "CHUNK", chunk)
    state = make_state(common_a=common_a, prior=prior, seed=17)
    rng = np.random.default_rng(18)
    table, rows, cols, cat, w = _data(state, rng, 300, density)
    G = log_probability_gradients(state, table, NODES)
    cov, var_shared = block_covariance(state, table, G, rows, cols, cat, w)
    ref, ref_shared = _reference_block(state, G, rows, cols, cat, w, prior)
    np.testing.assert_allclose(cov, ref, rtol=1e-9, atol=1e-14)
    if common_a:
        assert var_shared == pytest.approx(ref_shared, rel=1e-9)
    else:
        assert var_shared is None


def test_block_covariance_of_dense_data_beyond_the_dense_bound(monkeypatch):
    state = make_state(seed=19)
    table, rows, cols, cat, w = _data(state, np.random.default_rng(20), 120, 1.0)
    G = log_probability_gradients(state, table, NODES)
    dense, _ = block_covariance(state, table, G, rows, cols, cat, w)
    monkeypatch.setattr(standard_errors, "DENSE_CELLS", 10)
    monkeypatch.setattr(standard_errors, "CHUNK", 11)
    chunked, _ = block_covariance(state, table, G, rows, cols, cat, w)
    np.testing.assert_allclose(chunked, dense, rtol=1e-10)
    ref, _ = _reference_block(state, G, rows, cols, cat, w, "default")
    np.testing.assert_allclose(dense, ref, rtol=1e-9, atol=1e-14)


# ----------------------------------------------------------------- delta method


def _natural(state, j):
    p = reference_params(state)
    return np.concatenate([[p.a[j], p.b[j], p.c[j]], np.nan_to_num(p.thresholds[j])[:3],
                           np.zeros(3 - min(3, p.thresholds.shape[1]))])


def _jacobian(state, j, item_slots):
    out = np.zeros((6, 4))
    for slot in item_slots:
        x0 = get(state, j, slot)
        put(state, j, slot, x0 + 1e-6)
        up = _natural(state, j)
        put(state, j, slot, x0 - 1e-6)
        down = _natural(state, j)
        put(state, j, slot, x0)
        out[:, _u_index(state, slot)] = (up - down) / 2e-6
    return out


@pytest.mark.parametrize("n_persons", [None, 250])
@pytest.mark.parametrize("common_a", [False, True])
def test_natural_standard_errors_by_the_delta_method(n_persons, common_a):
    state = make_state(common_a=common_a, seed=21)
    params = reference_params(state)
    active = active_slots(state)
    rng = np.random.default_rng(22)
    cov = np.zeros((5, 4, 4))
    for j in range(5):
        idx = np.flatnonzero(active[j] | (common_a & state.shared_a[j] & (np.arange(4) == 0)))
        L = rng.normal(size=(idx.size, idx.size)) * 0.2
        cov[j][np.ix_(idx, idx)] = L @ L.T + 0.01 * np.eye(idx.size)
    var_shared = 0.0123 if common_a else None
    out = natural_standard_errors(params, state, cov, var_shared, n_persons=n_persons)
    assert list(out.index) == list(params.ids) and out.index.name == "item"
    assert list(out.columns) == ["se_a", "se_b", "se_c", "se_t1", "se_t2", "se_t3"]
    for j in range(5):
        jac = _jacobian(state, j, slots(state, j, with_alpha=True))
        var = np.einsum("ru,uv,rv->r", jac, cov[j], jac)
        if n_persons is not None:
            P = n_persons
            if active[j, 0] or state.is3[j]:
                var[0] += params.a[j] ** 2 / (2 * P)
            var[1] += (1 + params.b[j] ** 2 / 2) / P
            steps = np.nan_to_num(params.thresholds[j])
            var[3:] += (1 + np.concatenate([steps, np.zeros(3)])[:3] ** 2 / 2) / P
        se = np.sqrt(var)
        if state.shared_a[j]:
            assert out["se_a"].iloc[j] == pytest.approx(params.a[j] * np.sqrt(0.0123), rel=1e-12)
        elif state.model[j] == "1pl":
            assert out["se_a"].iloc[j] == 0.0
        else:
            assert out["se_a"].iloc[j] == pytest.approx(se[0], rel=1e-5)
        assert out["se_b"].iloc[j] == pytest.approx(se[1], rel=1e-5)
        if state.is3[j]:
            assert out["se_c"].iloc[j] == pytest.approx(se[2], rel=1e-5)
        else:
            assert np.isnan(out["se_c"].iloc[j])
        for k in range(1, 4):
            value = out[f"se_t{k}"].iloc[j]
            if state.model[j] == "gpcm" and k < state.n_cat[j]:
                assert value == pytest.approx(se[2 + k], rel=1e-5)
            else:
                assert np.isnan(value)


def test_columns_only_for_the_models_present():
    state = make_state(np.array(["2pl", "1pl"]), np.array([2, 2]), seed=23)
    params = reference_params(state)
    cov = np.zeros((2, 3, 3))
    cov[:, 0, 0], cov[:, 1, 1] = 0.04, 0.09
    out = natural_standard_errors(params, state, cov, None)
    assert list(out.columns) == ["se_a", "se_b"]
    assert out["se_a"].iloc[1] == 0.0 and out["se_a"].iloc[0] == pytest.approx(params.a[0] * 0.2)


def test_block_covariance_with_fewer_persons_than_nodes():
    state = make_state(common_a=True, seed=24)
    table, rows, cols, cat, w = _data(state, np.random.default_rng(25), 8, 0.9)
    assert w.shape[0] < w.shape[1]
    G = log_probability_gradients(state, table, NODES)
    cov, var_shared = block_covariance(state, table, G, rows, cols, cat, w)
    ref, ref_shared = _reference_block(state, G, rows, cols, cat, w, "default")
    np.testing.assert_allclose(cov, ref, rtol=1e-9, atol=1e-14)
    assert var_shared == pytest.approx(ref_shared, rel=1e-9)
