"""Plain marginal ML (prior='none') against the estimates R's ltm and mirt publish for the two
LSAT data sets of Bock & Lieberman (1970), rebuilt from their response-pattern counts in
tests/scoring/data/.

Published values:
- ltm: `summary(ltm(LSAT ~ z1, IRT.param = TRUE))` on LSAT (section 6), log.Lik -2466.653,
  Gauss-Hermite 21 points, SEs from the numerical Hessian.
- mirt: `mirt(expand.table(LSAT7), 1)`: log-likelihood -2658.805, slopes and intercepts from
  `coef(mod)`; SEs from `SE.type = 'Richardson'` (its tests print the 95% CIs: SE = half-width
  / 1.96); `itemfit(mod)` S-X2 and `M2(mod)` (mirt's tests/testthat/test-01-mirtOne.R);
  `M2` of the equal-slope model on LSAT6: 5.2926 on 9 df.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from assessment.cli.irt import irt
from assessment.scoring import calibrate

DATA = Path(__file__).parent / "data"


def lsat(name: str) -> np.ndarray:
    table = pd.read_csv(DATA / f"{name}_patterns.csv", comment="#", dtype={"pattern": str})
    x = np.array([[int(c) for c in p] for p in table["pattern"]], dtype=float)
    return x.repeat(table["count"].to_numpy(), axis=0)


@pytest.fixture(scope="module")
def lsat6_fit():
    return calibrate(lsat("lsat6"), "2pl", prior="none", tol=1e-7, max_iter=5000)


@pytest.fixture(scope="module")
def lsat7_fit():
    return calibrate(lsat("lsat7"), "2pl", prior="none", n_quadrature=61, tol=1e-7,
                     max_iter=5000)


def test_pattern_tables_rebuild_the_published_data():
    x6, x7 = lsat("lsat6"), lsat("lsat7")
    assert x6.shape == x7.shape == (1000, 5)
    np.testing.assert_allclose(x6.mean(axis=0), [0.924, 0.709, 0.553, 0.763, 0.870])
    np.testing.assert_allclose(x7.mean(axis=0), [0.828, 0.658, 0.772, 0.606, 0.843])


def test_plain_ml_matches_ltm_on_lsat(lsat6_fit):
    res = lsat6_fit
    assert res.converged and res.prior == "none"
    np.testing.assert_allclose(res.params.a, [0.8254, 0.7229, 0.8905, 0.6886, 0.6575], atol=0.003)
    np.testing.assert_allclose(res.params.b, [-3.3597, -1.3696, -0.2799, -1.8659, -3.1236],
                               atol=0.003)
    assert res.loglik == pytest.approx(-2466.653, abs=0.01)
    # full-information standard errors within 3% of ltm's
    np.testing.assert_allclose(res.se["se_a"], [0.2581, 0.1867, 0.2326, 0.1852, 0.2100], rtol=0.03)
    np.testing.assert_allclose(res.se["se_b"], [0.8669, 0.3073, 0.0997, 0.4341, 0.8700], rtol=0.03)


def test_plain_ml_matches_mirt_on_lsat7(lsat7_fit):
    res = lsat7_fit
    a = res.params.a
    np.testing.assert_allclose(a, [0.988, 1.081, 1.706, 0.765, 0.736], atol=0.003)
    np.testing.assert_allclose(-a * res.params.b, [1.856, 0.808, 1.804, 0.486, 1.855], atol=0.003)
    assert res.loglik == pytest.approx(-2658.805, abs=0.01)
    half_widths = np.array([1.3354 - 0.6406, 1.4119 - 0.7501, 2.334 - 1.0779, 1.028 - 0.5022,
                            1.032 - 0.4395]) / 2
    np.testing.assert_allclose(res.se["se_a"], half_widths / 1.959964, rtol=0.03)


def test_block_standard_errors_are_the_optimistic_approximation(lsat7_fit):
    block = calibrate(lsat("lsat7"), "2pl", prior="none", n_quadrature=61, tol=1e-7,
                      max_iter=5000, se="block")
    np.testing.assert_allclose(block.params.a, lsat7_fit.params.a)
    ratio = block.se["se_a"] / lsat7_fit.se["se_a"]
    assert ratio.between(0.7, 1.1).all() and not np.allclose(ratio, 1.0, atol=1e-3)


def test_default_prior_moves_the_estimates(lsat6_fit):
    res = calibrate(lsat("lsat6"), "2pl")
    assert res.prior == "default"
    shift = np.abs(res.params.b - lsat6_fit.params.b).max()
    assert 0.02 < shift < 0.2          # the prior pulls the easy items' b toward 0
    assert res.loglik < lsat6_fit.loglik


def test_sx2_and_m2_match_mirt_on_lsat7(lsat7_fit):
    fit = lsat7_fit.item_fit
    np.testing.assert_allclose(fit["sx2"], [4.749440, 14.451071, 1.270381, 5.237400, 0.941125],
                               rtol=0.02)
    assert list(fit["sx2_df"]) == [2] * 5
    assert fit["sx2_p"].between(0, 1).all() and fit["sx2_p"].iloc[1] < 0.001
    m2 = lsat7_fit.m2
    assert m2.m2 == pytest.approx(11.93841, rel=0.02) and m2.df == 5
    assert m2.p == pytest.approx(0.0357, abs=0.002)
    assert m2.rmsea == pytest.approx(np.sqrt((m2.m2 / 5 - 1) / 999))


def test_m2_of_the_equal_slope_model_matches_mirt_on_lsat6():
    res = calibrate(lsat("lsat6"), "1pl", common_a=True, prior="none", tol=1e-7, max_iter=5000)
    assert res.m2.m2 == pytest.approx(5.2926, rel=0.02) and res.m2.df == 9
    assert res.m2.rmsea == 0.0


def test_cli_prior_none_writes_fit_columns_and_prints_m2(tmp_path):
    x = lsat("lsat7")
    path = tmp_path / "lsat7.csv"
    pd.DataFrame(x.astype(int), columns=[f"item{i}" for i in range(1, 6)]).to_csv(path, index=False)
    out = tmp_path / "items.csv"
    runner = CliRunner()
    res = runner.invoke(irt, ["calibrate", str(path), "--prior", "none", "--quadrature", "61",
                              "--tol", "1e-7", "--max-iter", "5000", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "loglik: -2658.80" in res.output and "prior: none" in res.output
    line = next(s for s in res.output.splitlines() if s.startswith("M2: "))
    value, df = line.split()[1], line.split()[3]
    assert float(value) == pytest.approx(11.938, rel=0.02) and df == "5"
    assert "p: " in line and "RMSEA: " in line
    items = pd.read_csv(out)
    assert {"sx2", "sx2_df", "sx2_p"} <= set(items.columns)
    np.testing.assert_allclose(items["sx2"], [4.749, 14.451, 1.270, 5.237, 0.941], rtol=0.02)
    help_text = runner.invoke(irt, ["calibrate", "--help"]).output
    assert "--prior [default|none]" in help_text and "N(0, 5^2)" in help_text
    bad = runner.invoke(irt, ["calibrate", str(path), "--prior", "flat", "--out", str(out)])
    assert bad.exit_code != 0 and "flat" in bad.output
