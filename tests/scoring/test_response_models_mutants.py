"""Response models against closed forms computed here with plain ``math`` (no numpy model code).

Written for the survivors of the mutation run of ``assessment/scoring/response_models.py``:
3PL probability and information, GPCM probabilities and information (``a^2 Var``), the bank-level
functions on a column selection, the pairwise form, score variance, validation messages word
for word and the one-hot response indicator.
"""
import math
import re

import numpy as np
import pytest

from assessment.scoring import ItemParameters
from assessment.scoring.response_models import (
    category_probabilities,
    check_responses,
    expected_score,
    gpcm_information,
    gpcm_log_probabilities,
    gpcm_probabilities,
    info_3pl,
    item_information,
    log_category_probabilities,
    log_likelihood,
    pairwise_log_probabilities,
    prob_3pl,
    response_indicator,
    score_variance,
)
from assessment.scoring.response_models import test_information as total_information

RECORDS = [
    {"item": "q1", "model": "2pl", "a": 1.2, "b": 0.3},
    {"item": "q2", "model": "3pl", "a": 0.9, "b": -0.5, "c": 0.2},
    {"item": "q3", "model": "gpcm", "a": 0.8, "thresholds": [-1.0, 0.2, 1.5]},
    {"item": "q4", "model": "1pl", "b": 1.0},
    {"item": "q5", "model": "gpcm", "a": 1.4, "thresholds": [0.5]},
]


@pytest.fixture
def bank():
    return ItemParameters.from_records(RECORDS)


def p3(t, a, b, c=0.0):
    return c + (1 - c) / (1 + math.exp(-a * (t - b)))


def info3(t, a, b, c=0.0):
    p = p3(t, a, b, c)
    return a * a * (p - c) ** 2 * (1 - p) / ((1 - c) ** 2 * p)


def gpcm(t, a, steps):
    """Category probabilities from the definition: exp of cumulative sums, normalised."""
    nums = [1.0]
    s = 0.0
    for b in steps:
        s += a * (t - b)
        nums.append(math.exp(s))
    total = sum(nums)
    return [n / total for n in nums]


def ginfo(t, a, steps):
    p = gpcm(t, a, steps)
    mean = sum(k * pk for k, pk in enumerate(p))
    return a * a * sum((k - mean) ** 2 * pk for k, pk in enumerate(p))


def reference(t, rec):
    """(probabilities padded to 4 categories, information) of one record at theta t."""
    if rec["model"] == "gpcm":
        p, i = gpcm(t, rec["a"], rec["thresholds"]), ginfo(t, rec["a"], rec["thresholds"])
    else:
        a, c = rec.get("a", 1.0), rec.get("c", 0.0)
        q = p3(t, a, rec["b"], c)
        p, i = [1 - q, q], info3(t, a, rec["b"], c)
    return p + [0.0] * (4 - len(p)), i


THETAS = [-2.3, -0.4, 0.0, 0.9, 2.6]


def test_3pl_probability_and_information_closed_forms():
    t = np.array(THETAS)
    np.testing.assert_allclose(prob_3pl(t, [1.3, 0.7], [0.2, -1.0], [0.25, 0.0]),
                               [[p3(x, 1.3, 0.2, 0.25), p3(x, 0.7, -1.0)] for x in THETAS], rtol=1e-12)
    np.testing.assert_allclose(prob_3pl(t, 1.3, 0.2)[:, 0], [p3(x, 1.3, 0.2) for x in THETAS], rtol=1e-12)
    np.testing.assert_allclose(info_3pl(t, [1.3, 0.7], [0.2, -1.0], [0.25, 0.1]),
                               [[info3(x, 1.3, 0.2, 0.25), info3(x, 0.7, -1.0, 0.1)] for x in THETAS],
                               rtol=1e-10)
    np.testing.assert_allclose(info_3pl(t, 1.3, 0.2)[:, 0], [info3(x, 1.3, 0.2) for x in THETAS], rtol=1e-10)
    assert info_3pl(0.0, 1.0, 0.0).shape == (1, 1)


def test_3pl_information_far_below_the_difficulty_is_zero_not_nan():
    info = info_3pl([-900.0, -800.0], [1.0, 1.0], [0.0, 0.0], [0.0, 0.2])
    assert np.isfinite(info).all() and np.all(info == 0.0)
    # in the 2PL the ratio P*/P is 1 even where both underflow: a^2 P(1 - P) ~ a^2 e^z
    np.testing.assert_allclose(info_3pl(-700.0, 2.0, 0.0), [[4.0 * math.exp(-1400.0)]], rtol=1e-6, atol=0)


def test_theta_must_be_at_most_one_dimensional():
    with pytest.raises(ValueError, match=re.escape("theta must be a scalar or 1-D (n_persons,), got shape (2, 1)")):
        prob_3pl(np.zeros((2, 1)), 1.0, 0.0)


def test_gpcm_probabilities_and_information_closed_forms():
    steps = np.array([[-1.0, 0.2, 1.5], [0.5, np.nan, np.nan], [-0.3, 0.4, np.nan]])
    a = [0.8, 1.4, 1.1]
    p = gpcm_probabilities(THETAS, a, steps)
    info = gpcm_information(THETAS, a, steps)
    assert p.shape == (5, 3, 4) and info.shape == (5, 3)
    for i, t in enumerate(THETAS):
        np.testing.assert_allclose(p[i, 0], gpcm(t, 0.8, [-1.0, 0.2, 1.5]), rtol=1e-12)
        np.testing.assert_allclose(p[i, 1], gpcm(t, 1.4, [0.5]) + [0, 0], rtol=1e-12, atol=0)
        np.testing.assert_allclose(p[i, 2], gpcm(t, 1.1, [-0.3, 0.4]) + [0], rtol=1e-12, atol=0)
        np.testing.assert_allclose(info[i], [ginfo(t, 0.8, [-1.0, 0.2, 1.5]), ginfo(t, 1.4, [0.5]),
                                             ginfo(t, 1.1, [-0.3, 0.4])], rtol=1e-10)
    logp = gpcm_log_probabilities(THETAS, a, steps)
    assert np.all(logp[:, 1, 2:] == -np.inf) and np.all(logp[:, 2, 3] == -np.inf)


def test_gpcm_steps_given_as_a_vector_are_one_step_per_item():
    p = gpcm_probabilities([0.7], [1.2, 0.6], [0.1, -0.4])
    assert p.shape == (1, 2, 2)
    np.testing.assert_allclose(p[0, :, 1], [p3(0.7, 1.2, 0.1), p3(0.7, 0.6, -0.4)], rtol=1e-12)


def test_gpcm_information_is_never_negative_where_the_variance_vanishes():
    info = gpcm_information([60.0, -60.0], [3.0], np.array([[-0.5, 0.5]]))
    assert np.all(info >= 0) and np.all(info < 1e-60)


def test_bank_functions_match_the_definitions(bank):
    lp = log_category_probabilities(bank, THETAS)
    p = category_probabilities(bank, THETAS)
    e = expected_score(bank, THETAS)
    v = score_variance(bank, THETAS)
    info = item_information(bank, THETAS)
    assert lp.shape == p.shape == (5, 5, 4)
    for i, t in enumerate(THETAS):
        for j, rec in enumerate(RECORDS):
            ref, ref_info = reference(t, rec)
            np.testing.assert_allclose(p[i, j], ref, rtol=1e-12, atol=0)
            mean = sum(k * q for k, q in enumerate(ref))
            assert e[i, j] == pytest.approx(mean, rel=1e-12)
            assert v[i, j] == pytest.approx(sum((k - mean) ** 2 * q for k, q in enumerate(ref)), rel=1e-10)
            assert info[i, j] == pytest.approx(ref_info, rel=1e-10)
    assert np.all(lp[:, [0, 1, 3, 4], 2:] == -np.inf) and np.all(lp[:, 2] > -np.inf)


def test_score_variance_is_p_times_one_minus_p_for_dichotomous_items():
    bank = ItemParameters.dichotomous([1.0, 2.0], [0.0, 1.0], [0.0, 0.25])
    q = np.array([[p3(t, 1.0, 0.0), p3(t, 2.0, 1.0, 0.25)] for t in THETAS])
    np.testing.assert_allclose(score_variance(bank, THETAS), q * (1 - q), rtol=1e-12)
    np.testing.assert_allclose(expected_score(bank, THETAS), q, rtol=1e-12)


def test_all_dichotomous_bank_information_and_log_probabilities():
    bank = ItemParameters.dichotomous([1.0, 2.0], [0.0, 1.0], [0.0, 0.25])
    info = item_information(bank, THETAS)
    np.testing.assert_allclose(info, [[info3(t, 1.0, 0.0), info3(t, 2.0, 1.0, 0.25)] for t in THETAS], rtol=1e-10)
    lp = log_category_probabilities(bank, THETAS, items=[1])
    assert lp.shape == (5, 1, 2)
    np.testing.assert_allclose(np.exp(lp[:, 0, 1]), [p3(t, 2.0, 1.0, 0.25) for t in THETAS], rtol=1e-12)


def test_item_information_of_an_all_gpcm_bank():
    bank = ItemParameters.from_records([RECORDS[2], RECORDS[4]])
    np.testing.assert_allclose(item_information(bank, THETAS),
                               [[ginfo(t, 0.8, [-1.0, 0.2, 1.5]), ginfo(t, 1.4, [0.5])] for t in THETAS],
                               rtol=1e-10)


@pytest.mark.parametrize("items", [[4, 0, 2], [2], [1, 3], np.array([[3], [2]])])
def test_log_probabilities_of_selected_columns(bank, items):
    full = log_category_probabilities(bank, THETAS)
    picked = log_category_probabilities(bank, THETAS, items=items)
    cols = np.asarray(items).reshape(-1)
    assert picked.shape == (5, cols.size, 4)
    np.testing.assert_array_equal(picked, full[:, cols])


def test_log_probabilities_of_a_selection_of_short_gpcm_items():
    bank = ItemParameters.from_records([RECORDS[0], RECORDS[2], RECORDS[4]])
    lp = log_category_probabilities(bank, [0.3], items=[2, 0])
    assert lp.shape == (1, 2, 4)
    np.testing.assert_allclose(np.exp(lp[0, 0, :2]), gpcm(0.3, 1.4, [0.5]), rtol=1e-12)
    assert np.all(lp[0, :, 2:] == -np.inf)


def test_log_probabilities_stay_finite_at_extreme_abilities(bank):
    lp = log_category_probabilities(bank, [-60.0, 60.0])
    real = np.isfinite(lp)
    assert real[:, [0, 1, 3, 4], :2].all() and real[:, 2].all()
    # log P(0) of the 2PL far above the difficulty is -a(theta - b), not log(0)
    assert lp[1, 0, 0] == pytest.approx(-1.2 * (60.0 - 0.3), rel=1e-9)
    assert lp[0, 0, 1] == pytest.approx(1.2 * (-60.0 - 0.3), rel=1e-9)
    # the 3PL's floor: log P(1) -> log c far below, and log P(0) -> log(1 - c) + log(1 - P*)
    assert lp[0, 1, 1] == pytest.approx(math.log(0.2), rel=1e-9)
    assert lp[1, 1, 0] == pytest.approx(math.log(0.8) - 0.9 * (60.0 + 0.5), rel=1e-9)


def test_pairwise_log_probabilities_match_the_outer_product(bank):
    theta = np.array([-1.5, 0.2, 0.2, 2.0, -0.7, 1.1])
    items = np.array([2, 0, 4, 1, 3, 2])
    pairs = pairwise_log_probabilities(bank, theta, items)
    assert pairs.shape == (6, 4)
    for n, (t, j) in enumerate(zip(theta, items)):
        ref, _ = reference(t, RECORDS[j])
        np.testing.assert_allclose(np.exp(pairs[n]), ref, rtol=1e-12, atol=0)
    assert np.all(pairs[[1, 2, 3, 4], 2:] == -np.inf)
    # columns as (n, 1) inputs are flattened
    np.testing.assert_array_equal(pairwise_log_probabilities(bank, theta[:, None], items[:, None]), pairs)
    with pytest.raises(ValueError, match="^theta and items must have the same length$"):
        pairwise_log_probabilities(bank, theta[:3], items)


def test_pairwise_for_dichotomous_only_and_gpcm_only_pairs(bank):
    dich = pairwise_log_probabilities(bank, [0.4, -0.6], [1, 0])
    np.testing.assert_allclose(np.exp(dich[:, :2]), [[1 - p3(0.4, 0.9, -0.5, 0.2), p3(0.4, 0.9, -0.5, 0.2)],
                                                     [1 - p3(-0.6, 1.2, 0.3), p3(-0.6, 1.2, 0.3)]], rtol=1e-12)
    poly = pairwise_log_probabilities(bank, [0.4], [2])
    np.testing.assert_allclose(np.exp(poly[0]), gpcm(0.4, 0.8, [-1.0, 0.2, 1.5]), rtol=1e-12)
    small = ItemParameters.dichotomous([1.0], [0.0])
    assert pairwise_log_probabilities(small, [0.0], [0]).shape == (1, 2)
    np.testing.assert_allclose(pairwise_log_probabilities(small, [0.0], [0]), np.log([[0.5, 0.5]]))


def test_test_information_over_a_per_person_mask(bank):
    info = item_information(bank, [0.3, -1.0])
    mask = np.array([[True, False, True, False, True], [False, True, False, True, False]])
    np.testing.assert_allclose(total_information(bank, [0.3, -1.0], mask),
                               [info[0, [0, 2, 4]].sum(), info[1, [1, 3]].sum()], rtol=1e-12)
    np.testing.assert_allclose(total_information(bank, [0.3, -1.0], mask.astype(int)),
                               [info[0, [0, 2, 4]].sum(), info[1, [1, 3]].sum()], rtol=1e-12)
    np.testing.assert_allclose(total_information(bank, [0.3]), [info[0].sum()], rtol=1e-12)


# ---------------------------------------------------------------------- check_responses
def test_check_responses_accepts_categories_and_gaps(bank):
    x = check_responses(bank, [1, 0, 3, np.nan, 1])
    assert x.shape == (1, 5) and x.dtype == float
    np.testing.assert_array_equal(x[0, :3], [1, 0, 3])
    given = [[0, 1, 0, 1, 0], [np.nan] * 5]
    y = check_responses(bank, given)
    assert y.shape == (2, 5)
    y[0, 0] = 7.0                       # a copy: the caller's data is not touched
    assert given[0][0] == 0


@pytest.mark.parametrize("row, j, cell, expected", [
    (0, 0, 2.0, "0..1"), (0, 2, 4.0, "0..3"), (1, 2, 1.5, "0..3"), (1, 4, -1.0, "0..1"), (0, 4, 2.0, "0..1"),
])
def test_check_responses_names_the_first_bad_cell(bank, row, j, cell, expected):
    x = np.zeros((2, 5))
    x[row, j] = cell
    message = f"row {row}, item 'q{j + 1}': invalid response {cell:g} (expected {expected} or empty)"
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        check_responses(bank, x)


@pytest.mark.parametrize("cell", [2.0, -1.0, 0.5, np.inf])
def test_check_responses_of_a_dichotomous_bank(cell):
    small = ItemParameters.dichotomous([1.0, 1.0], [0.0, 0.5])
    np.testing.assert_array_equal(check_responses(small, [[1, 0], [0, np.nan]])[0], [1, 0])
    with pytest.raises(ValueError, match="^" + re.escape(f"row 1, item 'i2': invalid response {cell:g} "
                                                         "(expected 0..1 or empty)") + "$"):
        check_responses(small, [[1, 0], [0, cell]])


def test_check_responses_shape_message(bank):
    with pytest.raises(ValueError, match="^" + re.escape("responses must be (n_persons, n_items=5), got (1, 4)")):
        check_responses(bank, [1, 0, 1, 0])
    # three axes with n_items in the second place are refused too
    with pytest.raises(ValueError, match="^" + re.escape("responses must be (n_persons, n_items=5), got (2, 5, 5)")):
        check_responses(bank, np.zeros((2, 5, 5)))


def test_check_responses_returns_floats_for_integer_input(bank):
    x = check_responses(bank, [[1, 0, 3, 1, 1]])
    assert x.dtype == float and x.shape == (1, 5)


def test_check_responses_with_three_categories_at_most():
    bank = ItemParameters.from_records([RECORDS[0], {"item": "g", "model": "gpcm", "a": 1.0,
                                                     "thresholds": [-0.5, 0.5]}])
    assert bank.max_categories == 3
    np.testing.assert_array_equal(check_responses(bank, [[1, 2], [0, 1]]), [[1, 2], [0, 1]])
    with pytest.raises(ValueError, match=re.escape("row 0, item 'q1': invalid response 2 (expected 0..1 or empty)")):
        check_responses(bank, [[2, 2]])
    with pytest.raises(ValueError, match=re.escape("row 1, item 'g': invalid response 3 (expected 0..2 or empty)")):
        check_responses(bank, [[1, 2], [0, 3]])


# ---------------------------------------------------------------------- indicator / likelihood
def test_response_indicator_is_one_hot_per_answered_cell():
    x = np.array([[1.0, np.nan, 2.0], [0.0, 1.0, np.nan]])
    y = response_indicator(x, 3)
    assert y.shape == (2, 9)
    dense = np.zeros((2, 9))
    dense[0, 0 * 3 + 1] = dense[0, 2 * 3 + 2] = 1
    dense[1, 0 * 3 + 0] = dense[1, 1 * 3 + 1] = 1
    np.testing.assert_array_equal(y.toarray(), dense)


def test_log_likelihood_sums_the_chosen_categories(bank):
    x = np.array([[1, 0, 3, np.nan, 1], [0, 1, 0, 1, np.nan]])
    theta = [0.4, -1.1]
    ll = log_likelihood(bank, theta, x)
    expected = []
    for t, row in zip(theta, x):
        expected.append(sum(math.log(reference(t, rec)[0][int(v)]) for rec, v in zip(RECORDS, row) if v == v))
    np.testing.assert_allclose(ll, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="^theta has 1 values for 2 persons$"):
        log_likelihood(bank, [0.4], x)


def test_response_indicator_has_every_column_even_when_the_last_ones_are_empty():
    # nobody answered the second item, nor category 2 of the first: still 2 x (2 * 3) columns
    y = response_indicator(np.array([[1.0, np.nan], [0.0, np.nan]]), 3)
    assert y.shape == (2, 6)
    np.testing.assert_array_equal(y.toarray(), [[0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]])


def test_thresholds_wider_than_the_longest_item():
    # a bank built directly may pad the steps with more NaN columns than it needs
    bank = ItemParameters(ids=("g", "d"), model=np.array(["gpcm", "2pl"]), a=np.array([0.9, 1.2]),
                          b=np.array([0.0, 0.3]), c=np.zeros(2),
                          thresholds=np.array([[-0.5, 0.8, np.nan, np.nan], [np.nan] * 4]),
                          n_categories=np.array([3, 2]))
    assert bank.max_categories == 3
    pairs = pairwise_log_probabilities(bank, [0.4, -0.2], [0, 1])
    assert pairs.shape == (2, 3)
    np.testing.assert_allclose(np.exp(pairs[0]), gpcm(0.4, 0.9, [-0.5, 0.8]), rtol=1e-12)
    np.testing.assert_allclose(np.exp(pairs[1, :2]), [1 - p3(-0.2, 1.2, 0.3), p3(-0.2, 1.2, 0.3)], rtol=1e-12)
    np.testing.assert_allclose(item_information(bank, [0.4])[0], [ginfo(0.4, 0.9, [-0.5, 0.8]), info3(0.4, 1.2, 0.3)],
                               rtol=1e-10)


def test_empty_selections(bank):
    # no columns selected, no pairs: empty results of the right shape, not an indexing error
    assert log_category_probabilities(bank, [0.1, 0.2], items=[]).shape == (2, 0, 4)
    assert pairwise_log_probabilities(bank, [], []).shape == (0, 4)
