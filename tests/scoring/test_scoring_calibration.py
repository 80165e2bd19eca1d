"""Seeded parameter recovery for every model, sparse CAT-like data, errors, fit, reliability."""
import numpy as np
import pytest

from assessment.scoring import ItemParameters
from assessment.scoring.calibration import calibrate, marginal_log_likelihood
from assessment.scoring.fit import item_fit
from assessment.scoring.simulation import simulate_bank, simulate_cat, simulate_multistage, simulate_responses


def rmse(x, y):
    return float(np.sqrt(np.nanmean((np.asarray(x) - np.asarray(y)) ** 2)))


def test_2pl_recovery_loglik_and_standard_errors(rng):
    bank = simulate_bank(30, "2pl", rng)
    theta = rng.normal(size=3000)
    x = simulate_responses(bank, theta, rng)
    res = calibrate(x, "2pl")
    assert res.converged
    assert rmse(res.params.a, bank.a) < 0.12
    assert rmse(res.params.b, bank.b) < 0.13
    # the MML estimate beats the true parameters on its own criterion
    assert res.loglik >= marginal_log_likelihood(bank, x) - 1e-6
    assert res.loglik == pytest.approx(marginal_log_likelihood(res.params, x))
    # standard errors are of the right size: squared standardized errors ~ chi2(1), median 0.45
    z_b = (res.params.b - bank.b) / res.se["se_b"].to_numpy()
    z_a = (res.params.a - bank.a) / res.se["se_a"].to_numpy()
    assert 0.1 < np.median(z_b**2) < 1.2 and 0.1 < np.median(z_a**2) < 1.2
    assert list(res.se.columns) == ["se_a", "se_b"]
    assert res.reliability > 0.8
    assert not res.item_fit["misfit"].any()
    np.testing.assert_allclose(res.item_fit["infit"], 1.0, atol=0.15)


def test_3pl_recovery_with_priors(rng):
    bank = simulate_bank(30, "3pl", rng)
    theta = rng.normal(size=4000)
    res = calibrate(simulate_responses(bank, theta, rng), "3pl")
    assert res.converged
    assert rmse(res.params.a, bank.a) < 0.25
    assert rmse(res.params.b, bank.b) < 0.25
    assert rmse(res.params.c, bank.c) < 0.07
    assert np.all((res.params.c > 0) & (res.params.c < 0.5))
    assert {"se_a", "se_b", "se_c"} <= set(res.se.columns)


def test_rasch_fixed_and_common_a(rng):
    b = rng.normal(size=25)
    theta = rng.normal(size=3000)
    rasch = ItemParameters.dichotomous(np.ones(25), b, model="1pl")
    res = calibrate(simulate_responses(rasch, theta, rng), "1pl")
    np.testing.assert_array_equal(res.params.a, 1.0)
    assert rmse(res.params.b, b) < 0.08
    assert np.all(res.se["se_a"] == 0)

    steep = ItemParameters.dichotomous(np.full(25, 1.6), b, model="1pl")
    res = calibrate(simulate_responses(steep, theta, rng), "1pl", common_a=True)
    assert np.ptp(res.params.a) == 0
    assert res.params.a[0] == pytest.approx(1.6, abs=0.08)
    assert rmse(res.params.b, b) < 0.08
    assert 0 < res.se["se_a"].iloc[0] < 0.08


def test_gpcm_recovery(rng):
    bank = simulate_bank(15, "gpcm", rng, n_categories=4)
    theta = rng.normal(size=2500)
    res = calibrate(simulate_responses(bank, theta, rng), "gpcm")
    assert res.converged
    assert rmse(res.params.a, bank.a) < 0.1
    assert rmse(res.params.thresholds, bank.thresholds) < 0.15
    assert {"se_t1", "se_t2", "se_t3"} <= set(res.se.columns)
    assert np.all(res.se[["se_t1", "se_t2", "se_t3"]].to_numpy() > 0)


def test_mixed_models_per_item(rng):
    dich = simulate_bank(10, "2pl", rng)
    poly = simulate_bank(4, "gpcm", rng, n_categories=3)
    recs = dich.to_records() + [dict(r, item=f"p{k}") for k, r in enumerate(poly.to_records())]
    bank = ItemParameters.from_records(recs)
    theta = rng.normal(size=2500)
    res = calibrate(simulate_responses(bank, theta, rng), list(bank.model), item_ids=bank.ids)
    assert list(res.params.model) == list(bank.model)
    assert rmse(res.params.a, bank.a) < 0.12
    assert rmse(res.params.b, bank.b) < 0.12


def test_sparse_cat_like_data(rng):
    bank = simulate_bank(200, "2pl", rng)
    theta = rng.normal(size=4000)
    x = simulate_multistage(bank, theta, rng, n_per_person=25)
    assert np.isnan(x).mean() > 0.85
    res = calibrate(x, "2pl")
    assert res.converged
    assert np.corrcoef(res.params.b, bank.b)[0, 1] > 0.95
    assert np.median(np.abs(res.params.b - bank.b)) < 0.15
    assert np.median(np.abs(res.params.a - bank.a)) < 0.15
    # no systematic shrinkage of discrimination on adaptive (MAR) data, and honest SEs
    assert abs(np.median(res.params.a - bank.a)) < 0.05
    for p in ("a", "b"):
        z = (getattr(res.params, p) - getattr(bank, p)) / res.se[f"se_{p}"].to_numpy()
        assert 0.2 < np.median(z**2) < 1.0, p  # median of chi2(1) is 0.45


def test_item_fit_flags_a_reverse_keyed_item(rng):
    bank = ItemParameters.dichotomous(np.full(20, 1.5), rng.normal(0, 0.8, 20))
    theta = rng.normal(size=2000)
    x = simulate_responses(bank, theta, rng)
    x[:, 3] = 1 - x[:, 3]
    fit = item_fit(bank, x, theta)
    assert fit.loc[bank.ids[3], "misfit"]
    assert fit.loc[bank.ids[3], "outfit"] > 1.5
    assert fit.drop(index=bank.ids[3])["infit"].between(0.8, 1.2).all()


@pytest.mark.parametrize("mutate, message", [
    (lambda x: x.__setitem__((slice(None), 2), 1.0), r"item 'i3': every response is 1"),
    (lambda x: x.__setitem__((5, 1), 2.0), r"item 'i2', row 5: invalid response 2"),
    (lambda x: x.__setitem__((slice(None), 0), np.nan), r"item 'i1': no responses"),
])
def test_bad_input_names_the_item(rng, mutate, message):
    x = (rng.random((50, 4)) < 0.5).astype(float)
    mutate(x)
    with pytest.raises(ValueError, match=message):
        calibrate(x, "2pl")


def test_too_few_persons_and_unknown_model(rng):
    with pytest.raises(ValueError, match="too few persons"):
        calibrate(np.array([[0, 1], [1, 0]], dtype=float), "2pl")
    with pytest.raises(ValueError, match="model"):
        calibrate((rng.random((50, 3)) < 0.5).astype(float), "4pl")


def test_declared_categories_keep_an_unreached_top_category(rng):
    bank = simulate_bank(6, "gpcm", rng, n_categories=3)
    x = simulate_responses(bank, rng.normal(size=1500), rng)
    x[x == 2] = 1  # nobody reaches the top category of any item
    res = calibrate(x, "gpcm", n_categories=[3] * 6)
    assert list(res.params.n_categories) == [3] * 6
    assert np.all(np.isfinite(res.params.thresholds[:, :2]))
    assert np.all(res.se["se_t2"] > res.se["se_t1"])
    with pytest.raises(ValueError, match="n_categories"):
        calibrate(simulate_responses(bank, rng.normal(size=50), rng), "gpcm", n_categories=[1] * 6)


@pytest.mark.parametrize("model", ["2pl", "gpcm"])
def test_dense_and_sparse_paths_agree(rng, monkeypatch, model):
    import assessment.scoring.calibration as calibration
    import assessment.scoring.standard_errors as standard_errors
    bank = simulate_bank(8, model, rng, n_categories=3)
    x = simulate_responses(bank, rng.normal(size=600), rng, missing=0.2)
    dense = calibrate(x, model)
    monkeypatch.setattr(calibration, "DENSE_LIMIT", 0)
    monkeypatch.setattr(standard_errors, "DENSE_CELLS", 0)
    sparse = calibrate(x, model)
    assert dense.n_iter == sparse.n_iter
    np.testing.assert_allclose(dense.params.a, sparse.params.a, rtol=1e-8)
    np.testing.assert_allclose(dense.params.b, sparse.params.b, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(dense.se.to_numpy(), sparse.se.to_numpy(), rtol=1e-6)
    assert dense.loglik == pytest.approx(sparse.loglik, rel=1e-10)


def test_holding_sparse_items_instead_of_dropping_their_responses_keeps_a_unbiased():
    # adaptive data: which items a person got depended on every earlier response, so leaving
    # out the responses to some items (here the most used 40%) biases the rest; holding those
    # items at known parameters does not
    rng = np.random.default_rng(3)
    bank = simulate_bank(60, "2pl", rng)
    sim = simulate_cat(bank, rng.normal(size=3000), rng, max_items=15, se_target=None, randomesque=3)
    used = ~np.all(np.isnan(sim.responses), axis=0)
    bank, x = bank.subset(np.flatnonzero(used)), sim.responses[:, used]
    n = (~np.isnan(x)).sum(axis=0)
    constant = np.array([np.unique(c[~np.isnan(c)]).size < 2 for c in x.T])
    order = np.argsort(-n)
    heavy = np.zeros(n.size, dtype=bool)
    heavy[order[np.cumsum(n[order]) / n.sum() <= 0.4]] = True
    rest = ~heavy & ~constant & (n >= 30)
    held = bank.subset(np.flatnonzero(~rest))
    hold = calibrate(x, "2pl", item_ids=bank.ids, fixed=held, se="block")
    kept = [bank.ids[j] for j in np.flatnonzero(rest)]
    drop = calibrate(x[:, rest], "2pl", item_ids=kept, se="block")
    np.testing.assert_allclose(hold.params.a[~rest], bank.a[~rest])
    np.testing.assert_allclose(hold.params.b[~rest], bank.b[~rest])
    assert hold.se.loc[list(held.ids)].isna().all().all()
    assert hold.se.loc[kept].notna().all().all()
    assert abs(np.median(hold.params.a[rest] - bank.a[rest])) < 0.1
    assert np.median(drop.params.a - bank.a[rest]) < -0.2
    with pytest.raises(ValueError, match="not a column"):
        calibrate(x[:, rest], "2pl", item_ids=kept, fixed=held)


def test_long_form_input_gives_the_same_calibration_as_the_matrix(rng):
    from assessment.scoring import SparseResponses
    bank = simulate_bank(30, "2pl", rng)
    x = simulate_multistage(bank, rng.normal(size=1500), rng, n_per_person=10)
    rows, cols = np.nonzero(~np.isnan(x))
    dense = calibrate(x, "2pl", se="block")
    long = calibrate(SparseResponses(rows, cols, x[rows, cols], x.shape), "2pl", se="block")
    np.testing.assert_allclose(long.params.a, dense.params.a, rtol=1e-10)
    np.testing.assert_allclose(long.se.to_numpy(), dense.se.to_numpy(), rtol=1e-8)
    assert long.loglik == pytest.approx(dense.loglik, rel=1e-12) and long.m2 is None
    np.testing.assert_allclose(long.item_fit["infit"], dense.item_fit["infit"])
    with pytest.raises(ValueError, match="invalid response"):
        calibrate(SparseResponses(rows, cols, np.full(rows.size, 2.0), x.shape), "2pl")
    with pytest.raises(ValueError, match="out of range"):
        calibrate(SparseResponses(rows, cols + 1, x[rows, cols], x.shape), "2pl")


def test_m2_with_a_held_3pl_item_whose_guessing_is_at_an_end_of_its_range():
    """M2's numerical derivative used to step c outside [0, 1) for c within 1e-5 of either end:
    `calibrate` with such a held item raised "guessing c must be in [0, 1)". The step is now
    one-sided there; the margins are linear in c, so M2 stays continuous in c."""
    from assessment.scoring.model_fit import m2_statistic

    rng = np.random.default_rng(1)
    a, b = [1.2, 0.8, 1.5, 1.0, 0.9, 1.1, 1.3], [0.0, -0.5, 0.5, 1.0, -1.0, 0.3, -0.2]
    others = [0.1, 0.2, 0.15, 0.05, 0.1, 0.1]
    x = simulate_responses(ItemParameters.dichotomous(a, b, [0.0, *others]), rng.normal(size=800), rng)
    m2 = {c: m2_statistic(ItemParameters.dichotomous(a, b, [c, *others]), x) for c in (0.0, 4e-6, 2e-5, 1 - 1e-6)}
    assert all(result.df == 7 for result in m2.values())
    assert abs(m2[0.0].m2 - m2[2e-5].m2) < 1e-3 and abs(m2[0.0].m2 - m2[4e-6].m2) < 1e-4
    assert np.isfinite(m2[1 - 1e-6].m2)
    held = ItemParameters.dichotomous([1.2], [0.0], [0.0], ids=["i1"])
    result = calibrate(x, ["3pl"] + ["2pl"] * 6, fixed=held)
    assert result.converged and result.params.c[0] < 2e-6 and result.m2.df > 0 and np.isfinite(result.m2.m2)
