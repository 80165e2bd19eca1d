"""Calibration's inputs (assessment/scoring/calibration.py): argument and response errors word for
word, the forms responses come in (wide and long, lists, frames, text, pandas' missing values),
the person minimum, declared categories and held items' checks. Split from
test_calibration_mutants.py (the estimates against an independent reference)."""
import math

import numpy as np
import pandas as pd
import pytest

import assessment.scoring.calibration as calibration
from assessment.scoring import ItemParameters
from assessment.scoring.calibration import (
    MIN_PERSONS,
    CalibrationResult,
    SparseResponses,
    calibrate,
)
from irt_factories import binary_responses, gpcm_and_two_2pl


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
        calibrate(binary_responses(), **kwargs)
    assert str(err.value) == message


def test_models_are_read_case_blind_and_rasch_is_1pl():
    res = calibrate(binary_responses(), ["RASCH", "2PL", " 1pl".strip()], max_iter=0, se="block")
    assert list(res.params.model) == ["1pl", "2pl", "1pl"]
    res = calibrate(pd.DataFrame(binary_responses(), columns=["x", "y", "z"]), "2pl", max_iter=0, se="block")
    assert list(res.params.ids) == ["x", "y", "z"]
    res = calibrate(pd.DataFrame(binary_responses(), columns=["x", "y", "z"]), "2pl", item_ids=[7, 8, 9],
                    max_iter=0, se="block")
    assert list(res.params.ids) == ["7", "8", "9"]


def test_person_counts_at_the_minimum():
    assert MIN_PERSONS == 10
    calibrate(binary_responses(10), "2pl", max_iter=0, se="block")
    with pytest.raises(ValueError) as err:
        calibrate(binary_responses(9), "2pl")
    assert str(err.value) == "too few persons to calibrate: 9 (need at least 10)"
    x = np.full((12, 3), np.nan)
    x[:9] = binary_responses(9)
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
    x = binary_responses()
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
    x = binary_responses()
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
        calibrate(binary_responses(), "2pl", fixed=held)
    assert str(err.value) == "fixed item 'zz' is not a column of the responses"
    # a held item may have no responses and a constant column
    x = binary_responses()
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
    res = calibrate(binary_responses(), "2pl", max_iter=0, se="block")
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


def test_long_form_input_takes_column_vectors_floats_ids_and_gpcm_scores():
    x = gpcm_and_two_2pl(6)
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
    x = binary_responses()
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
    x = binary_responses()
    x[:, 0] = np.nan
    x[5, 2] = 3.0
    held = ItemParameters.dichotomous([1.0], [0.0], ids=["i1"])
    with pytest.raises(ValueError) as err:
        calibrate(x, "2pl", fixed=held)
    assert str(err.value) == "item 'i3', row 5: invalid response 3 (expected 0 or 1 or empty)"


def test_a_column_answered_once_is_constant():
    x = binary_responses()
    x[1:, 2] = np.nan
    with pytest.raises(ValueError) as err:
        calibrate(x, "2pl")
    assert str(err.value) == f"item 'i3': every response is {x[0, 2]:g}; a constant column carries no information about the item"


def test_declared_categories_checks():
    x = binary_responses()
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
    x = binary_responses()
    x[:, 2] = 1 + (np.arange(20) % 2)  # categories 1 and 2 only
    res = calibrate(x, ["2pl", "2pl", "gpcm"], max_iter=0, se="block")
    # start: D_2 - D_1 = log((n_2 + 0.5) / (n_1 + 0.5)) = 0 for ten of each
    assert res.params.thresholds[2, 1] == pytest.approx(0.0, abs=1e-12)
    assert res.params.thresholds[2, 0] == pytest.approx(-math.log(10.5 / 0.5), rel=1e-12)


def test_held_guessing_at_its_bounds():
    x = binary_responses(40, 3)
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
    x[:9, 1:] = binary_responses(9, 2)
    held = ItemParameters.dichotomous([1.0], [0.0], ids=["i1"])
    with pytest.raises(ValueError) as err:
        calibrate(x, "2pl", fixed=held)
    assert str(err.value) == "too few persons answered the items to estimate (need 10)"


def test_a_frame_of_text_columns_with_missing_values():
    x = binary_responses()
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
    x = binary_responses()
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
    x = binary_responses()
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


def test_numbers_are_converted_without_a_look_at_each_cell(monkeypatch):
    # the cell-by-cell check (Python, ~20x slower: 1.4 s for 100 000 x 50) is only for cells
    # numpy and pandas refuse; arrays, lists with None and nullable frames never reach it
    looked = []
    real = calibration._is_number
    monkeypatch.setattr(calibration, "_is_number", lambda cell: (looked.append(cell), real(cell))[1])
    x = binary_responses()
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
