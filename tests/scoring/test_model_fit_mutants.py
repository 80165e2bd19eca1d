"""S-X2 and M2 against brute-force references (mutation testing, docs/testing.md).

The references enumerate every response pattern of a small bank on the documented grid (61
nodes over [-6, 6], normal weights): the summed-score tables of S-X2 come from the patterns
themselves (not the Lord-Wingersky recursion), and M2 uses the closed form of the weight matrix
``C2 = Xi^-1 - Xi^-1 D (D' Xi^-1 D)^-1 D' Xi^-1`` (Maydeu-Olivares & Joe, 2005), which needs no
orthogonal complement, with ``Xi`` the covariance of the margin indicators over the patterns.
"""
import itertools
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from assessment.scoring import ItemParameters, category_probabilities
from assessment.scoring.model_fit import (
    M2Result,
    _collapse,
    _summed_score_distribution,
    free_parameter_counts,
    m2_statistic,
    sx2_item_fit,
)
from assessment.scoring.simulation import simulate_responses

NODES = np.linspace(-6, 6, 61)
WEIGHTS = np.exp(-0.5 * NODES**2) / np.exp(-0.5 * NODES**2).sum()

MIXED = ItemParameters.from_records([
    {"item": "two-a", "model": "2pl", "a": 1.3, "b": -0.4},
    {"item": "guess", "model": "3pl", "a": 1.1, "b": 0.3, "c": 0.2},
    {"item": "steps", "model": "gpcm", "a": 0.9, "thresholds": [-0.7, 0.6]},
    {"item": "rasch", "model": "1pl", "b": 0.5},
    {"item": "two-b", "model": "2pl", "a": 0.8, "b": 0.9},
])


def _patterns(params):
    """Every pattern (rows) and its probability at each node, ``(patterns, Q)``."""
    probs = category_probabilities(params, NODES)                  # (Q, J, K)
    cats = [range(int(m)) for m in params.n_categories]
    pats = np.array(list(itertools.product(*cats)))
    pj = np.ones((pats.shape[0], NODES.size))
    for j in range(params.n_items):
        pj *= probs[:, j, pats[:, j]].T
    return pats, pj


# ----------------------------------------------------------------- pieces


def test_free_parameters_per_model():
    assert free_parameter_counts(MIXED).tolist() == [2, 3, 3, 1, 2]
    five = ItemParameters.from_records([{"item": "g", "model": "gpcm", "a": 1.0, "thresholds": [0, 1, 2, 3]}])
    assert free_parameter_counts(five).tolist() == [5]


def test_summed_score_distribution_is_the_pattern_sum():
    probs = np.transpose(category_probabilities(MIXED, NODES), (1, 2, 0))
    dist = _summed_score_distribution(probs, range(MIXED.n_items))
    pats, pj = _patterns(MIXED)
    ref = np.zeros((6 + 1, NODES.size))
    np.add.at(ref, pats.sum(axis=1), pj)
    assert dist.shape == ref.shape
    np.testing.assert_allclose(dist, ref, atol=1e-14)
    without = _summed_score_distribution(probs, [0, 1, 3, 4])
    sub = pats[pats[:, 2] == 0]
    ref = np.zeros((4 + 1, NODES.size))
    np.add.at(ref, np.delete(sub, 2, axis=1).sum(axis=1), _patterns(MIXED.subset([0, 1, 3, 4]))[1])
    np.testing.assert_allclose(without, ref, atol=1e-14)


def test_collapse_drops_empty_groups_and_folds_single_persons_forward():
    observed = np.array([[0, 0], [2, 1], [1, 0], [3, 3], [4, 2]], float)
    expected = np.array([[0.1, 0.1], [1.5, 1.5], [0.6, 0.4], [3, 3], [3, 3]])
    o, e = _collapse(observed, expected, 1.0)
    np.testing.assert_array_equal(o, [[2, 1], [4, 3], [4, 2]])
    np.testing.assert_allclose(e, [[1.5, 1.5], [3.6, 3.4], [3, 3]])
    # a last group of one person goes back into the one before
    o, e = _collapse(np.array([[3, 2], [2, 2], [0, 1]], float), np.array([[2, 3], [2, 2], [0.4, 0.6]]), 1.0)
    np.testing.assert_array_equal(o, [[3, 2], [2, 3]])
    np.testing.assert_allclose(e, [[2, 3], [2.4, 2.6]])
    # two singles in a row: the first joins the second, which then holds two persons
    o, e = _collapse(np.array([[1, 0], [0, 1], [3, 3]], float), np.array([[1.2, 1.1], [1.3, 1.4], [3, 3]]), 0.5)
    np.testing.assert_array_equal(o, [[1, 1], [3, 3]])
    np.testing.assert_allclose(e, [[2.5, 2.5], [3, 3]])


def test_collapse_merges_low_expected_counts_into_a_neighbour():
    E_mid = np.array([[5.0, 5.0], [0.5, 3.0], [5.0, 5.0]])
    o, e = _collapse(np.array([[5, 5], [2, 2], [6, 6]], float), E_mid.copy(), 1.0)   # the smaller neighbour: before
    np.testing.assert_array_equal(o, [[7, 7], [6, 6]])
    np.testing.assert_allclose(e, [[5.5, 8.0], [5, 5]])
    o, e = _collapse(np.array([[6, 6], [2, 2], [6, 6]], float), E_mid.copy(), 1.0)   # a tie: before
    np.testing.assert_array_equal(o, [[8, 8], [6, 6]])
    o, e = _collapse(np.array([[7, 6], [2, 2], [6, 6]], float), E_mid.copy(), 1.0)   # the smaller: after
    np.testing.assert_array_equal(o, [[7, 6], [8, 8]])
    np.testing.assert_allclose(e, [[5, 5], [5.5, 8.0]])
    o, e = _collapse(np.array([[2, 2], [5, 5], [6, 6]], float), np.array([[0.9, 3], [5, 5], [5, 5]]), 1.0)
    np.testing.assert_array_equal(o, [[7, 7], [6, 6]])                               # the first: into the second
    np.testing.assert_allclose(e, [[5.9, 8], [5, 5]])
    o, e = _collapse(np.array([[5, 5], [6, 6], [2, 2]], float), np.array([[5, 5], [5, 5], [3, 0.9]]), 1.0)
    np.testing.assert_array_equal(o, [[5, 5], [8, 8]])                               # the last: into the one before
    np.testing.assert_allclose(e, [[5, 5], [8, 5.9]])
    # the bound is mincell itself (below, not at), an expected count of 0 is not low, one group stays
    o, _ = _collapse(np.array([[5, 5], [2, 2]], float), np.array([[1.0, 5], [0.0, 5]]), 1.0)
    assert o.shape == (2, 2)
    o, _ = _collapse(np.array([[5, 5], [2, 2]], float), np.array([[1.0, 5], [5, 5]]), 1.5)
    assert o.shape == (1, 2)
    o, e = _collapse(np.array([[4, 3]], float), np.array([[0.2, 0.3]]), 1.0)
    np.testing.assert_array_equal(o, [[4, 3]])
    # merging repeats until no low cell is left
    o, _ = _collapse(np.array([[3, 3], [2, 2], [2, 2], [9, 9]], float),
                     np.array([[0.5, 3], [0.5, 2], [0.2, 2], [9, 9]]), 1.0)
    np.testing.assert_array_equal(o, [[7, 7], [9, 9]])


# ----------------------------------------------------------------- S-X2


def _score_tables(params, x, j):
    """Observed and expected counts of item j's categories in the score groups 1..top-1, the
    expected ones by pattern enumeration."""
    pats, pj = _patterns(params)
    mass = pj @ WEIGHTS
    scores = pats.sum(axis=1)
    top = int((params.n_categories - 1).sum())
    total = x.sum(axis=1).astype(int)
    K = int(params.n_categories[j])
    obs, exp = np.zeros((top - 1, K)), np.zeros((top - 1, K))
    for s in range(1, top):
        n_s = np.sum(total == s)
        for k in range(K):
            obs[s - 1, k] = np.sum((total == s) & (x[:, j] == k))
            exp[s - 1, k] = n_s * mass[(scores == s) & (pats[:, j] == k)].sum() / mass[scores == s].sum()
    return obs, exp


def _reference_sx2(params, x, n_free):
    """S-X2 by pattern enumeration, on data where no score group needs collapsing."""
    rows = []
    for j in range(params.n_items):
        obs, exp = _score_tables(params, x, j)
        kept = obs.sum(axis=1) > 0
        obs, exp = obs[kept], exp[kept]
        assert np.all(obs.sum(axis=1) > 1) and np.all((exp == 0) | (exp >= 1.0))
        cells = exp > 0
        value = float(np.sum((obs[cells] - exp[cells]) ** 2 / exp[cells]))
        df = int(cells.sum()) - obs.shape[0] - n_free[j]
        rows.append((value, df, stats.chi2.sf(value, df)))
    return np.array(rows)


def test_sx2_matches_pattern_enumeration_on_mixed_items():
    rng = np.random.default_rng(51)
    x = simulate_responses(MIXED, rng.normal(0.2, 1.1, 4000), rng)
    ref = _reference_sx2(MIXED, x, [2, 3, 3, 1, 2])
    x_gaps = np.vstack([x, [[1, np.nan, 2, 0, 1]], [[np.nan] * 5]])   # incomplete rows are left out
    fit = sx2_item_fit(MIXED, x_gaps)
    assert list(fit.index) == list(MIXED.ids) and fit.index.name == "item"
    np.testing.assert_allclose(fit["sx2"], ref[:, 0], rtol=1e-9)
    assert fit["sx2_df"].tolist() == ref[:, 1].astype(int).tolist()
    assert fit["sx2_df"].dtype.kind == "i"
    np.testing.assert_allclose(fit["sx2_p"], ref[:, 2], rtol=1e-8)
    # free parameters given explicitly change only the degrees of freedom
    given = sx2_item_fit(MIXED, x, n_free=[1, 1, 1, 1, 1])
    np.testing.assert_allclose(given["sx2"], ref[:, 0], rtol=1e-9)
    assert given["sx2_df"].tolist() == (ref[:, 1].astype(int) + [1, 2, 2, 0, 1]).tolist()


def test_sx2_collapses_with_the_mincell_given():
    rng = np.random.default_rng(52)
    x = simulate_responses(MIXED, rng.normal(size=150), rng)
    loose, strict = sx2_item_fit(MIXED, x), sx2_item_fit(MIXED, x, mincell=4.0)
    assert (strict["sx2_df"] <= loose["sx2_df"]).all() and (strict["sx2_df"] < loose["sx2_df"]).any()


def test_sx2_without_complete_rows_or_degrees_of_freedom_is_nan():
    three = ItemParameters.dichotomous([1.0, 1.2, 0.8], [-0.5, 0.0, 0.5])
    rng = np.random.default_rng(53)
    x = simulate_responses(three, rng.normal(size=500), rng)
    fit = sx2_item_fit(three, x)                    # 2 groups x 2 cells - 2 groups - 2 parameters = 0
    assert fit["sx2"].isna().all() and fit["sx2_df"].tolist() == [0, 0, 0] and fit["sx2_p"].isna().all()
    fit = sx2_item_fit(three, x, n_free=[1, 1, 1])  # df 1: reported
    assert fit["sx2"].notna().all() and fit["sx2_df"].tolist() == [1, 1, 1]
    x[:, 1] = np.nan
    assert sx2_item_fit(three, x)["sx2"].isna().all()
    one = ItemParameters.dichotomous([1.0], [0.0])
    lone = sx2_item_fit(one, np.array([[1.0], [0.0], [1.0]]))
    assert lone["sx2"].isna().all() and lone["sx2_df"].tolist() == [0]


# ----------------------------------------------------------------- M2


def _margins(params):
    """First- and second-order margins by pattern enumeration, and the pattern table."""
    pats, pj = _patterns(params)
    mass = pj @ WEIGHTS
    J = params.n_items
    iu = np.triu_indices(J, 1)
    y = np.hstack([pats, pats[:, iu[0]] * pats[:, iu[1]]]).astype(float)   # margin indicators
    return y.T @ mass, y, mass


def _reference_m2(params, x, *, common_a=False):
    pi, y, mass = _margins(params)
    xi = (y * mass[:, None]).T @ y - np.outer(pi, pi)
    h = 1e-5
    columns = []
    for j in range(params.n_items):
        names = {"1pl": ["b"], "2pl": ["a", "b"], "3pl": ["a", "b", "c"]}[params.model[j]]
        for name in names:
            shifted = []
            for sign in (1, -1):
                values = getattr(params, name).copy()
                values[j] += sign * h
                shifted.append(_margins(replace(params, **{name: values}))[0])
            columns.append((shifted[0] - shifted[1]) / (2 * h))
    if common_a:
        up = _margins(replace(params, a=params.a + h))[0]
        down = _margins(replace(params, a=params.a - h))[0]
        columns.append((up - down) / (2 * h))
    D = np.column_stack(columns)
    xi_inv = np.linalg.inv(xi)
    c2 = xi_inv - xi_inv @ D @ np.linalg.solve(D.T @ xi_inv @ D, D.T @ xi_inv)
    complete = x[~np.isnan(x).any(axis=1)]
    J = params.n_items
    iu = np.triu_indices(J, 1)
    p = np.concatenate([complete.mean(axis=0), (complete[:, iu[0]] * complete[:, iu[1]]).mean(axis=0)])
    N = complete.shape[0]
    m2 = N * (p - pi) @ c2 @ (p - pi)
    df = pi.size - D.shape[1]
    return m2, df, N


def _bank6():
    return ItemParameters.from_records([
        {"item": "g1", "model": "3pl", "a": 1.4, "b": -0.2, "c": 0.18},
        {"item": "g2", "model": "3pl", "a": 0.9, "b": 0.6, "c": 0.22},
        {"item": "t1", "model": "2pl", "a": 1.1, "b": -0.9},
        {"item": "t2", "model": "2pl", "a": 0.7, "b": 0.4},
        {"item": "r1", "model": "1pl", "b": -0.3},
        {"item": "r2", "model": "1pl", "b": 1.1},
    ])


def test_m2_matches_the_closed_form_on_3pl_2pl_and_1pl_items():
    bank = _bank6()
    rng = np.random.default_rng(61)
    truth = replace(bank, a=bank.a * np.array([1.6, 0.6, 1.5, 1.4, 0.5, 1.8]))   # data from other slopes
    x = simulate_responses(truth, rng.normal(size=700), rng)
    x[:5, 2] = np.nan
    m2, df, N = _reference_m2(bank, x)
    res = m2_statistic(bank, x)
    assert isinstance(res, M2Result) and res.n == N == 695 and res.df == df == 21 - 12
    assert res.m2 == pytest.approx(m2, rel=1e-5)
    assert res.p == pytest.approx(stats.chi2.sf(m2, df), rel=1e-4)
    assert res.rmsea == pytest.approx(np.sqrt((m2 / df - 1) / (N - 1)), rel=1e-5) and res.rmsea > 0
    assert res.line() == f"M2: {res.m2:.4f} df: {res.df} p: {res.p:.4f} RMSEA: {res.rmsea:.4f}"
    assert res.line().startswith("M2: ") and " df: 9 p: " in res.line()


def test_m2_of_a_shared_slope_counts_one_more_parameter():
    bank = ItemParameters.dichotomous([1.3] * 5, [-1.0, -0.4, 0.0, 0.5, 1.2], model="1pl")
    rng = np.random.default_rng(62)
    x = simulate_responses(bank, rng.normal(size=400), rng)
    m2, df, N = _reference_m2(bank, x, common_a=True)
    res = m2_statistic(bank, x, common_a=True)
    assert res.df == df == 15 - 6 and res.m2 == pytest.approx(m2, rel=1e-5)
    plain = m2_statistic(bank, x)
    ref_plain, df_plain, _ = _reference_m2(bank, x)
    assert plain.df == df_plain == 10 and plain.m2 == pytest.approx(ref_plain, rel=1e-5)
    # the model fits its own data: no misfit beyond chance
    assert res.rmsea == pytest.approx(np.sqrt(max(m2 / df - 1, 0) / (N - 1)), abs=1e-9)


def test_m2_is_not_defined_for_these():
    rng = np.random.default_rng(63)
    three = ItemParameters.dichotomous([1.0, 1.2, 0.8], [-0.5, 0.0, 0.5])
    x3 = simulate_responses(three, rng.normal(size=200), rng)
    assert m2_statistic(three, x3) is None                       # 6 margins - 6 parameters: df 0
    rasch3 = replace(three, model=np.full(3, "1pl"), a=np.ones(3))
    ok = m2_statistic(rasch3, x3)
    assert ok is not None and ok.df == 3 and ok.n == 200
    assert m2_statistic(rasch3, x3[:2]).n == 2                   # two complete rows are enough
    assert m2_statistic(rasch3, x3[:1]) is None
    gaps = x3.copy()
    gaps[1:, 0] = np.nan
    assert m2_statistic(rasch3, gaps) is None                    # one complete row
    assert m2_statistic(rasch3.subset([0, 1]), x3[:, :2]) is None
    assert m2_statistic(MIXED, np.zeros((10, 5))) is None        # a polytomous item


# ----------------------------------------------------------------- the first re-run's survivors


def test_collapse_single_persons_next_to_the_end():
    low = 0.1                                      # no cell is low: only the single-person rule acts
    o, _ = _collapse(np.array([[3, 3], [1, 0], [4, 4]], float), np.array([[3, 3], [0.6, 0.4], [4, 4]]), low)
    np.testing.assert_array_equal(o, [[3, 3], [5, 4]])                 # the one before the last: forward
    o, e = _collapse(np.array([[3, 3], [0, 1]], float), np.array([[3, 3], [0.5, 0.5]]), low)
    np.testing.assert_array_equal(o, [[3, 4]])                         # two groups, the last single: back
    np.testing.assert_allclose(e, [[3.5, 3.5]])
    o, _ = _collapse(np.array([[3, 3], [2, 2], [0, 1]], float), np.array([[3, 3], [2, 2], [0.5, 0.5]]), low)
    np.testing.assert_array_equal(o, [[3, 3], [2, 3]])
    o, _ = _collapse(np.array([[3, 3], [1, 1], [2, 0]], float), np.array([[3, 3], [1, 1], [1, 1]]), low)
    np.testing.assert_array_equal(o, [[3, 3], [1, 1], [2, 0]])         # a last group of two stays
    o, e = _collapse(np.array([[1, 0]], float), np.array([[0.6, 0.4]]), 1.0)
    np.testing.assert_array_equal(o, [[1, 0]])                         # a single group of one stays


def _reference_sx2_collapsed(params, x, n_free, mincell):
    """S-X2 by pattern enumeration with the score groups merged by ``_collapse`` (pinned above)."""
    rows = []
    for j in range(params.n_items):
        obs, exp = _collapse(*_score_tables(params, x, j), mincell)
        cells = exp > 0
        value = float(np.sum((obs[cells] - exp[cells]) ** 2 / exp[cells]))
        rows.append((value, int(cells.sum() - obs.shape[0] - n_free[j])))
    return rows


def test_sx2_with_a_small_mincell_and_two_partial_credit_items():
    rng = np.random.default_rng(54)
    x = simulate_responses(MIXED, rng.normal(size=40), rng)            # expected counts below 1 are kept
    fit = sx2_item_fit(MIXED, x, mincell=0.05, n_free=[2, 3, 3, 1, 0])
    assert list(fit.columns) == ["sx2", "sx2_df", "sx2_p"]
    ref = _reference_sx2_collapsed(MIXED, x, [2, 3, 3, 1, 0], 0.05)
    assert max(df for _, df in ref) > 0
    for j, (value, df) in enumerate(ref):
        assert fit["sx2_df"].iloc[j] == max(df, 0)
        if df > 0:
            assert fit["sx2"].iloc[j] == pytest.approx(value, rel=1e-9)
    two = ItemParameters.from_records([
        {"item": "p1", "model": "gpcm", "a": 1.2, "thresholds": [-1.0, 0.0, 1.0]},
        {"item": "p2", "model": "gpcm", "a": 0.8, "thresholds": [-0.5, 0.5, 1.5]},
    ])
    x2 = simulate_responses(two, rng.normal(size=3000), rng)
    fit2 = sx2_item_fit(two, x2)
    ref = _reference_sx2_collapsed(two, x2, [4, 4], 1.0)
    assert fit2["sx2_df"].tolist() == [r[1] for r in ref] and min(r[1] for r in ref) > 0
    np.testing.assert_allclose(fit2["sx2"], [r[0] for r in ref], rtol=1e-9)


def test_m2_with_one_degree_of_freedom():
    bank = ItemParameters.from_records([
        {"item": "g1", "model": "3pl", "a": 1.2, "b": -0.3, "c": 0.2},
        {"item": "g2", "model": "3pl", "a": 0.9, "b": 0.5, "c": 0.15},
        {"item": "t1", "model": "2pl", "a": 1.6, "b": 0.2},
        {"item": "r1", "model": "1pl", "b": -0.6},
    ])
    rng = np.random.default_rng(64)
    x = simulate_responses(bank, rng.normal(size=600), rng)
    m2, df, N = _reference_m2(bank, x)
    res = m2_statistic(bank, x)
    assert df == 1 and res is not None and res.df == 1 and res.n == N
    assert res.m2 == pytest.approx(m2, rel=1e-5)


def test_m2_stays_finite_with_a_step_like_item():
    bank = ItemParameters.from_records([
        {"item": "g1", "model": "2pl", "a": 1.2, "b": -0.3},
        {"item": "g2", "model": "2pl", "a": 0.9, "b": 0.5},
        {"item": "t1", "model": "2pl", "a": 200.0, "b": 0.2},       # P(correct) < 1e-300 below theta = -3.5
        {"item": "r1", "model": "1pl", "b": -0.6},
        {"item": "r2", "model": "1pl", "b": 0.6},
    ])
    assert category_probabilities(bank, [-6.0])[0, 2, 1] == 0.0
    rng = np.random.default_rng(65)
    res = m2_statistic(bank, simulate_responses(bank, rng.normal(size=600), rng))
    assert res.df == 15 - 8 and np.isfinite(res.m2) and res.m2 > 0 and 0 < res.p <= 1
