"""Infit, outfit and reliability (assessment/scoring/fit.py) against hand-computed values.

The reference below computes every cell's expected score and variance with plain ``math`` (the
3PL and GPCM formulas written out), independently of the engine's vectorized code.
"""
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit as _expit

from assessment.scoring import ItemParameters
from assessment.scoring.fit import FIT_RANGE, MIN_VARIANCE, item_fit, item_fit_cells, reliability


def _moments(model, a, b, c, steps, theta):
    """Expected score and variance of one response (Wright & Masters' E and W)."""
    if model == "gpcm":
        z = [0.0]
        for s in steps:
            z.append(z[-1] + a * (theta - s))
        e = [math.exp(v) for v in z]
        p = [v / sum(e) for v in e]
        mean = sum(k * pk for k, pk in enumerate(p))
        return mean, sum(k * k * pk for k, pk in enumerate(p)) - mean * mean
    p = c + (1 - c) / (1 + math.exp(-a * (theta - b)))
    return p, p * (1 - p)


def _reference(items, cells, theta, n_items):
    """Per item: n, mean score / max score, outfit, infit, from (person, item, score) cells."""
    out = []
    for j in range(n_items):
        model, a, b, c, steps = items[j]
        mine = [(p, x) for p, i, x in cells if i == j]
        top = len(steps) if model == "gpcm" else 1
        sq, var, ratios = 0.0, 0.0, []
        for p, x in mine:
            e, v = _moments(model, a, b, c, steps, theta[p])
            sq += (x - e) ** 2
            var += v
            if v > 1e-6:
                ratios.append((x - e) ** 2 / v)
        n = len(mine)
        out.append((n, sum(x for _, x in mine) / n / top if n else math.nan,
                    sum(ratios) / len(ratios) if ratios else math.nan, sq / var if var else math.nan))
    return out


def _bank(items):
    recs = []
    for k, (model, a, b, c, steps) in enumerate(items):
        rec = {"item": f"q{k}", "model": model, "a": a}
        if model == "gpcm":
            rec["thresholds"] = list(steps)
        else:
            rec["b"] = b
            if model == "3pl":
                rec["c"] = c
        recs.append(rec)
    return ItemParameters.from_records(recs)


def _check(items, cells, theta):
    bank = _bank(items)
    rows, cols, obs = (np.array([cell[k] for cell in cells]) for k in range(3))
    got = item_fit_cells(bank, rows, cols, obs, np.asarray(theta).reshape(-1, 1))
    want = np.array(_reference(items, cells, theta, len(items)), dtype=float)
    assert list(got.columns) == ["n", "mean_score", "outfit", "infit", "misfit"]
    assert got.index.name == "item" and list(got.index) == list(bank.ids)
    np.testing.assert_array_equal(got["n"].to_numpy(), want[:, 0])
    np.testing.assert_allclose(got[["mean_score", "outfit", "infit"]].to_numpy(), want[:, 1:],
                               rtol=1e-10)
    return got


def test_constants_are_linacres_range_and_the_variance_floor():
    assert FIT_RANGE == (0.5, 1.5)
    assert MIN_VARIANCE == 1e-6


def test_dichotomous_mean_squares_match_the_hand_computation():
    items = [("2pl", 1.3, 0.4, 0.0, ()), ("3pl", 0.9, -0.7, 0.25, ()), ("1pl", 1.0, 1.1, 0.0, ())]
    theta = [-1.2, 0.3, 0.8, 2.0, -0.1]
    cells = [(0, 0, 0.0), (1, 0, 1.0), (2, 0, 1.0), (3, 0, 0.0), (4, 0, 1.0),
             (0, 1, 1.0), (2, 1, 0.0), (3, 1, 1.0), (4, 1, 1.0),
             (1, 2, 0.0), (2, 2, 1.0), (3, 2, 1.0)]
    got = _check(items, cells, theta)
    assert list(got["n"]) == [5, 4, 3]
    assert got["mean_score"].tolist() == pytest.approx([3 / 5, 3 / 4, 2 / 3])


def test_polytomous_mean_squares_use_the_category_moments_and_the_item_maximum():
    items = [("gpcm", 0.8, 0.0, 0.0, (-1.0, 0.0, 1.5)), ("2pl", 1.2, 0.0, 0.0, ()),
             ("gpcm", 1.4, 0.0, 0.0, (0.5,)), ("3pl", 1.0, -0.5, 0.2, ())]
    theta = [-1.5, -0.2, 0.4, 1.7]
    cells = [(0, 0, 0.0), (1, 0, 3.0), (2, 0, 2.0), (3, 0, 1.0),
             (0, 1, 1.0), (1, 1, 0.0), (3, 1, 1.0),
             (0, 2, 1.0), (2, 2, 0.0), (3, 2, 1.0),
             (1, 3, 1.0), (2, 3, 0.0), (3, 3, 0.0)]
    got = _check(items, cells, theta)
    # scores over the item's own maximum: 6 of 4 * 3 on the 4-category item
    assert got["mean_score"].tolist() == pytest.approx([0.5, 2 / 3, 2 / 3, 1 / 3])


def test_item_fit_reads_the_answered_cells_of_the_matrix():
    bank = ItemParameters.dichotomous([1.0, 1.5], [0.0, -0.5])
    x = np.array([[1.0, np.nan], [0.0, 1.0], [np.nan, 0.0]])
    theta = np.array([[0.5], [-0.5], [1.0]])
    got = item_fit(bank, x, theta)
    cells = [(0, 0, 1.0), (1, 0, 0.0), (1, 1, 1.0), (2, 1, 0.0)]
    want = _reference([("2pl", 1.0, 0.0, 0.0, ()), ("2pl", 1.5, -0.5, 0.0, ())], cells,
                      [0.5, -0.5, 1.0], 2)
    np.testing.assert_allclose(got[["n", "mean_score", "outfit", "infit"]].to_numpy(), want,
                               rtol=1e-12)
    with pytest.raises(ValueError, match=r"^responses must be \(n_persons=2, n_items=2\)$"):
        item_fit(bank, x, theta[:2])
    with pytest.raises(ValueError, match=r"n_persons=3, n_items=2"):
        item_fit(bank, x[:, :1], theta)


def test_near_certain_cells_leave_outfit_but_not_infit():
    # theta 12 above b with a = 2: P = 1 - 4e-11, variance 4e-11 < MIN_VARIANCE; a wrong answer
    # there would put 2.6e10 into the outfit mean
    items = [("2pl", 2.0, 0.0, 0.0, ())]
    theta = [12.0, 0.0, 0.0]
    got = _check(items, [(0, 0, 0.0), (1, 0, 1.0), (2, 0, 0.0)], theta)
    assert got["outfit"].iloc[0] == pytest.approx(1.0)  # the two cells at P = 0.5
    assert got["infit"].iloc[0] == pytest.approx((1.0 + 0.25 + 0.25) / 0.5, rel=1e-9)
    # a variance of 0.25 (P = 0.5) is far above the floor: kept
    got = _check(items, [(1, 0, 1.0), (2, 0, 1.0)], theta)
    assert got["outfit"].iloc[0] == pytest.approx(1.0)
    # only near-certain cells: no outfit at all (NaN, not flagged)
    # (infit is then (1 - P) / P = 4e-11: flagged as over-fit)
    got = item_fit_cells(_bank(items), [0], [0], [1.0], [12.0])
    assert np.isnan(got["outfit"].iloc[0])
    assert got["infit"].iloc[0] == pytest.approx(math.exp(-24.0), rel=1e-6)
    assert got["misfit"].iloc[0]


def _cells_at_half(ratios):
    """Cells at P = 0.5 (variance 1/4) whose squared residual over the variance is each ratio."""
    return [(0, 0, 0.5 + math.sqrt(r) / 2) for r in ratios]


@pytest.mark.parametrize("ratios, misfit", [
    ([1.0, 0.0], False),              # outfit = infit = 0.5 exactly: inside the closed range
    ([1.0, 1.0, 4.0, 0.0], False),    # 1.5 exactly
    ([0.25, 0.25, 0.25, 0.25], True),  # 0.25: over-fit
    ([4.0, 1.0], True),               # 2.5: noise
])
def test_flag_at_and_beyond_both_ends_of_the_range(ratios, misfit):
    bank = ItemParameters.dichotomous([1.0], [0.0])
    cells = _cells_at_half(ratios)
    got = item_fit_cells(bank, [0] * len(cells), [0] * len(cells), [c[2] for c in cells],
                         np.zeros(1))
    assert got["outfit"].iloc[0] == got["infit"].iloc[0] == sum(ratios) / len(ratios)
    assert bool(got["misfit"].iloc[0]) is misfit


def _logit(p):
    return math.log(p / (1 - p))


@pytest.mark.parametrize("cells, out_of_range", [
    # one surprise at P = 0.95 among ten cells at P = 0.5: outfit (19 + 10) / 11 = 2.6,
    # infit (0.9025 + 2.5) / (0.0475 + 2.5) = 1.34
    ([(0.95, 0.0)] + [(0.5, 1.0)] * 10, "outfit high"),
    # six expected answers at P = 0.98 (ratio 0.02) and two cells at P = 0.5: outfit 0.27,
    # infit (0.5 + 0.0024) / (0.5 + 0.1176) = 0.81
    ([(0.98, 1.0)] * 6 + [(0.5, 1.0)] * 2, "outfit low"),
    # a surprise at P = 0.8 (ratio 4) and three cells at P = 0.99 (ratio 0.01): outfit 1.0,
    # infit (0.64 + 3e-4) / (0.16 + 0.0297) = 3.4
    ([(0.8, 0.0)] + [(0.99, 1.0)] * 3, "infit high"),
    # four scores of exactly 0.5 at P = 0.5 (ratio 0) and one cell at P = 0.99 with ratio 5:
    # outfit 1.0, infit 0.0495 / 1.0099 = 0.05 (a score between categories, as the formulas allow)
    ([(0.5, 0.5)] * 4 + [(0.99, 0.99 - math.sqrt(5 * 0.99 * 0.01))], "infit low"),
])
def test_each_bound_flags_on_its_own(cells, out_of_range):
    bank = ItemParameters.dichotomous([1.0], [0.0])
    theta = [_logit(p) for p, _ in cells]
    obs = [o for _, o in cells]
    n = len(obs)
    got = item_fit_cells(bank, np.arange(n), np.zeros(n, dtype=int), obs, theta)
    ref = _reference([("2pl", 1.0, 0.0, 0.0, ())], [(p, 0, o) for p, o in enumerate(obs)], theta, 1)[0]
    out, inf = got["outfit"].iloc[0], got["infit"].iloc[0]
    assert (out, inf) == pytest.approx(ref[2:], rel=1e-10)
    flagged = {"outfit high": out > 1.5, "outfit low": out < 0.5,
               "infit high": inf > 1.5, "infit low": inf < 0.5}
    assert [k for k, v in flagged.items() if v] == [out_of_range]
    assert got["misfit"].iloc[0]


def test_an_item_without_answers_gets_no_statistics_and_no_warning():
    bank = ItemParameters.dichotomous([1.0, 1.0], [0.0, 0.0])
    got = item_fit_cells(bank, [0, 1], [0, 0], [1.0, 0.0], [0.0, 0.0])
    assert got["n"].tolist() == [2, 0]
    assert got.loc["i2", ["mean_score", "outfit", "infit"]].isna().all()
    assert not got.loc["i2", "misfit"]
    assert got.loc["i1", "outfit"] == pytest.approx(1.0)


def test_reliability_is_the_share_of_variance_that_is_not_error():
    # var(theta) uses n in the denominator: var([1, -1, 0, 0]) = 0.5; mean se^2 = 1
    assert reliability([1.0, -1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]) == pytest.approx(1 / 3)
    assert reliability([2.0, 0.0], [1.0, 0.0]) == pytest.approx(1.0 / 1.5)
    assert reliability(np.array([[3.0, 1.0]]), np.array([0.0, 0.0])) == 1.0
    with pytest.raises(ValueError, match="^reliability needs at least two persons$"):
        reliability([0.3], [0.2])


def test_a_cell_exactly_at_the_variance_floor_is_left_out_of_outfit():
    # 3PL, a = 1, b = 14, a person at theta = 0: P = c + (1 - c) logistic(-14). Find the c
    # (near 1.68e-7) whose P(1 - P) rounds to exactly MIN_VARIANCE, the same arithmetic as the
    # engine's; that cell is near-certain ("below or at the floor") and stays out of outfit.
    s = 1 / (1 + math.exp(14.0))
    target = 1e-6 + 1e-12 + 2e-18  # P with P(1 - P) = 1e-6
    c0 = (target - s) / (1 - s)
    floor_c = None
    for k in range(400):
        for c in (c0 + k * np.spacing(c0), c0 - k * np.spacing(c0)):
            p = c + (1 - c) * float(_expit(np.array([-14.0]))[0])
            if p * (1 - p) == MIN_VARIANCE:
                floor_c = c
                break
        if floor_c is not None:
            break
    assert floor_c is not None
    bank = ItemParameters.dichotomous([1.0], [14.0], [floor_c])
    got = item_fit_cells(bank, [0, 1], [0, 0], [1.0, 1.0], [0.0, 14.0])
    p_mid = floor_c + (1 - floor_c) * 0.5
    assert got["outfit"].iloc[0] == pytest.approx((1 - p_mid) / p_mid)  # the second cell alone


def test_a_certain_wrong_answer_gives_infinite_infit_without_a_warning():
    # P rounds to 1 at theta - b = 50: variance 0, residual 1
    bank = ItemParameters.dichotomous([1.0, 1.0], [0.0, 0.0])
    got = item_fit_cells(bank, [0, 1, 1], [0, 1, 1], [0.0, 1.0, 0.0], [50.0, 0.0, 0.0])
    assert got.loc["i1", "infit"] == math.inf and np.isnan(got.loc["i1", "outfit"])
    assert got.loc["i1", "misfit"] and got.loc["i2", "outfit"] == pytest.approx(1.0)


def test_three_category_items_use_the_polytomous_moments():
    items = [("gpcm", 1.2, 0.0, 0.0, (-0.4, 0.9)), ("2pl", 0.8, 0.3, 0.0, ())]
    theta = [-1.0, 0.2, 1.4]
    cells = [(0, 0, 0.0), (1, 0, 2.0), (2, 0, 1.0), (0, 1, 1.0), (1, 1, 0.0), (2, 1, 1.0)]
    got = _check(items, cells, theta)
    assert got["mean_score"].tolist() == pytest.approx([0.5, 2 / 3])


def test_responses_as_lists_with_none_for_not_administered():
    bank = ItemParameters.dichotomous([1.0, 1.5], [0.0, -0.5])
    got = item_fit(bank, [[1, None], [0, 1], [None, 0]], [0.5, -0.5, 1.0])
    want = item_fit(bank, np.array([[1.0, np.nan], [0.0, 1.0], [np.nan, 0.0]]), np.array([0.5, -0.5, 1.0]))
    pd.testing.assert_frame_equal(got, want)
    assert got["n"].tolist() == [2, 2]


def test_cell_indices_given_as_floats_are_used_as_positions():
    # e.g. person and item columns of a long table read as floats
    bank = ItemParameters.dichotomous([1.0, 1.5], [0.0, -0.5])
    got = item_fit_cells(bank, np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0]), [1.0, 0.0, 1.0],
                         [0.5, -0.5])
    want = item_fit_cells(bank, [0, 1, 1], [0, 0, 1], [1.0, 0.0, 1.0], [0.5, -0.5])
    pd.testing.assert_frame_equal(got, want)


def test_reliability_squares_the_standard_errors():
    # var([3, -1]) = 4, se^2 = 4: reliability 1/2 (se^3 = 8 would give 1/3)
    assert reliability([3.0, -1.0], [2.0, 2.0]) == pytest.approx(0.5)
