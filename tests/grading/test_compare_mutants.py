"""compare.py: the verdicts and reasons the mutation run of assessment/grading/compare.py left untested.

Rules from the module docstring and sections/README.md ("expected is compared with the returned
value"): exact for ints, strings, bools, None and containers of them; floats and numpy arrays within
``tol`` (absolute + relative); arrays also in shape; pandas by value within ``tol``; ``unordered``
compares lists as multisets.  Reasons are short (at most 300 characters, reprs cut at 200).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessment.grading.compare import compare


def _nest(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def _object_array(*items):
    arr = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        arr[i] = item
    return arr


@pytest.mark.parametrize("size, shown", [
    (198, "'" + "a" * 198 + "'"),          # repr of 200 characters: shown whole
    (199, "'" + "a" * 196 + "..."),        # 201 characters: cut to 197 + "..." (200 in all)
    (400, "'" + "a" * 196 + "..."),
])
def test_long_values_are_cut_to_200_characters(size, shown):
    assert compare("b", "a" * size) == f"expected {shown}, got 'b'"


def test_a_value_that_cannot_be_compared_is_a_mismatch_with_a_capped_reason():
    # a huge int where a float is expected: float() overflows, the verdict is still a reason
    assert compare(10 ** 400, 1.0) == "cannot compare: OverflowError: int too large to convert to float"

    class Hostile(int):
        def __eq__(self, other):
            raise ValueError("x" * 1000)

        __hash__ = int.__hash__

    reason = compare(Hostile(3), 3)
    assert reason == ("cannot compare: ValueError: " + "x" * 1000)[:300]
    assert len(reason) == 300


@pytest.mark.parametrize("got, expected, reason", [
    ("b", "a", "expected 'a', got 'b'"),
    (1, True, "expected True, got 1"),                 # bools are not ints
    (0, False, "expected False, got 0"),
    (1.0, True, "expected True, got 1.0"),
    (0, None, "expected None, got 0"),
    (complex(1, 3), complex(1, 2), "expected (1+2j), got (1+3j)"),
    (3, [3], "expected a list, got int"),
    ((3,), {"a": 3}, "expected a dict, got tuple"),
    ({1, 3}, {1, 2}, "expected {1, 2}, got {1, 3}"),   # a set with other members is not equal
    ({"a": 1, "b": 2}, {"a": 1}, "expected keys [\"'a'\"], got [\"'a'\", \"'b'\"]"),
    ({2: 1}, {1: 1}, "expected keys ['1'], got ['2']"),
    (range(3), range(3), "unsupported expected type range"),
    (np.array(["1", "2"]), np.array([1, 2]), "values differ"),   # strings are not numbers
    ([1, 2], pd.Series([1, 2]), "expected a Series, got list"),
    (pd.Series([1.0]), 1.0, "expected a float, got Series"),
    (pd.DataFrame({"a": [1]}), [1], "expected a list, got DataFrame"),
])
def test_mismatch_reasons(got, expected, reason):
    assert compare(got, expected) == reason


def test_numpy_values_against_plain_ones():
    # an array returned where a list is expected is compared as an array (within the tolerance)
    assert compare(np.array([1.0, 2.0 + 1e-9]), [1.0, 2.0]) is None
    assert compare(np.array([1.0, 2.5]), [1.0, 2.0]) is not None
    # a one-item array is not the scalar expected
    assert compare(np.array([3]), 3) is not None
    assert compare([3], np.int64(3)) is not None
    assert compare(np.array([3]), np.int64(3)) is not None
    # a 0-d array is the scalar it holds
    assert compare(np.array(3.0), np.float64(3.0)) is None
    assert compare(np.array(3), np.int64(3)) is None
    # a masked array (module numpy.ma) is a numpy array too
    assert compare(np.ma.array([1.0, 2.0 + 1e-9]), np.ma.array([1.0, 2.0])) is None


def test_integer_arrays_are_exact_whatever_the_tolerance():
    # 1e9 + 1 is within 1e-6 relative of 1e9: only the integer rule refuses it
    assert compare(np.array([10 ** 9 + 1]), np.array([10 ** 9])) is not None
    assert compare(np.array([10 ** 9]), np.array([10 ** 9])) is None
    # a float array against an int one uses the tolerance
    assert compare(np.array([1e9 + 100.0]), np.array([10 ** 9])) is None


def test_float_arrays_use_tol_both_absolute_and_relative():
    # relative part: 1000 * 1e-6 = 1e-3; 5e-3 is outside (numpy's default rtol 1e-5 would accept)
    assert compare(np.array([1000.005]), np.array([1000.0])) is not None
    assert compare(np.array([1000.0009]), np.array([1000.0])) is None
    # absolute part: 5e-7 from 0 is inside tol 1e-6 (numpy's default atol 1e-8 would refuse)
    assert compare(np.array([5e-7]), np.array([0.0])) is None
    assert compare(np.array([5e-6]), np.array([0.0])) is not None


@pytest.mark.parametrize("got, expected, index", [
    ([1000.005, 5.0], [1000.0, 6.0], "(0,)"),    # index 0 is out by the relative rule
    ([5e-7, 5.0], [0.0, 6.0], "(1,)"),           # index 0 is in by the absolute rule
    ([math.nan, 5.0], [math.nan, 6.0], "(1,)"),  # NaN matches NaN
])
def test_first_differing_index_follows_the_same_rule(got, expected, index):
    assert compare(np.array(got), np.array(expected)).startswith(f"values differ (first at index {index}:")


def test_first_difference_shows_both_values():
    assert compare(np.array([1.0, 2.0]), np.array([1.0, 5.0])) == \
        f"values differ (first at index (1,): expected {np.float64(5.0)!r}, got {np.float64(2.0)!r}; tol 1e-06)"


def test_object_arrays_compare_item_by_item():
    floats = np.array([1.5, 2.5], dtype=object)
    assert compare(np.array([1.5, 2.5 + 1e-9]), floats) is None            # tolerance per item
    assert compare(np.array([1.5, 2.7]), floats) == "flat index 1: expected 2.5 (tol 1e-06), got 2.7"
    assert compare(np.array([1, "a"], dtype=object), np.array([1, "b"], dtype=object)) == \
        "flat index 1: expected 'b', got 'a'"
    two_d = np.array([[1.5, "a"], [2.5, "b"]], dtype=object)
    assert compare(two_d.copy(), two_d) is None
    assert compare(np.array([[1.5, "a"], [2.5, "c"]], dtype=object), two_d) == \
        "flat index 3: expected 'b', got 'c'"
    # lists inside an object array keep their order (unordered is for the top-level list)
    assert compare(_object_array([2, 1]), _object_array([1, 2])) is not None
    assert compare(_object_array([1, 2]), _object_array([1, 2])) is None
    zero_d = np.empty((), dtype=object)
    zero_d[()] = [1, 2]
    assert compare([2, 1], zero_d) is not None
    assert compare([1, 2], zero_d) is None


def test_unordered_reaches_lists_inside_dicts():
    assert compare({"a": [2, 1]}, {"a": [1, 2]}, unordered=True) is None
    assert compare({"a": [2, 1]}, {"a": [1, 2]}) is not None


@pytest.mark.parametrize("wrap", [
    lambda v: {"k": v},
    lambda v: [v],                      # unordered below: the item is one level down as well
    lambda v: _object_array(v),
])
def test_the_nesting_limit_counts_every_container_the_same(wrap):
    # a value at depth 1 inside any container is as deep as inside a one-item list
    verdicts = [compare([_nest(n)], [_nest(n)]) is None for n in range(58, 70)]
    assert True in verdicts and False in verdicts
    for n, plain in zip(range(58, 70), verdicts):
        kw = {"unordered": True} if isinstance(wrap(0), list) else {}
        assert (compare(wrap(_nest(n)), wrap(_nest(n)), **kw) is None) == plain, n


def test_the_nesting_limit_inside_a_0d_object_array():
    verdicts = [compare([_nest(n)], [_nest(n)]) is None for n in range(58, 70)]
    for n, plain in zip(range(58, 70), verdicts):
        zero_d = np.empty((), dtype=object)
        zero_d[()] = _nest(n)
        assert (compare(_nest(n), zero_d) is None) == plain, n


def test_pandas_integers_are_compared_within_tol():
    # "pandas objects are compared by value with tol", integer columns included
    assert compare(pd.Series([1_000_001]), pd.Series([1_000_000])) is None
    assert compare(pd.Series([1_000_003]), pd.Series([1_000_000])) is not None


def test_pandas_reasons_are_capped_at_300_characters():
    reason = compare(pd.Series(range(200)), pd.Series(range(1, 201)))
    assert len(reason) == 300
    assert "values are different" in reason


def test_pandas_index_values_are_compared_within_tol():
    # assert_index_equal alone would default to exact values
    assert compare(pd.Index([1.0, 2.0 + 1e-9]), pd.Index([1.0, 2.0])) is None
    assert compare(pd.Index([1.0, 2.1]), pd.Index([1.0, 2.0])) is not None


def test_a_numpy_scalar_expected_accepts_the_plain_value():
    # an expected value computed with numpy (np.sqrt(2), np.mean(...)) is a numpy scalar; the
    # candidate's math.sqrt(2) is the same answer (was refused: "expected an array, got float")
    assert compare(math.sqrt(2), np.sqrt(2.0)) is None
    assert compare(1.5 + 1e-9, np.float64(1.5)) is None
    assert compare(1.6, np.float64(1.5)) == "expected 1.5 (tol 1e-06), got 1.6"
    assert compare(4, np.int64(4)) is None
    assert compare(4.0, np.int64(4)) is not None          # ints stay exact, in type too
    assert compare("a", np.str_("a")) is None
    assert compare(True, np.bool_(True)) is None
    assert compare(1, np.bool_(True)) is not None
    assert compare([1.5, 2], [np.float64(1.5), np.int64(2)]) is None
    # the same inside arrays of objects: items of a float array are numpy scalars
    assert compare(np.array([1.5, 2.5 + 1e-9], dtype=object), np.array([1.5, 2.5])) is None
    assert compare(np.array([1.5, 2.7], dtype=object), np.array([1.5, 2.5])) == \
        "flat index 1: expected 2.5 (tol 1e-06), got 2.7"
    assert compare(np.array(["a", "b"], dtype=object), np.array(["a", "b"])) is None


def test_a_0d_object_array_holding_a_dict():
    zero_d = np.empty((), dtype=object)
    zero_d[()] = {"a": [1, 2]}
    assert compare({"a": [1, 2]}, zero_d) is None
    assert compare({"a": [2, 1]}, zero_d) is not None     # order kept: unordered was not asked
    verdicts = [compare([{"k": _nest(n)}], [{"k": _nest(n)}]) is None for n in range(56, 68)]
    assert True in verdicts and False in verdicts
    for n, plain in zip(range(56, 68), verdicts):
        zero_d[()] = {"k": _nest(n)}
        assert (compare({"k": _nest(n)}, zero_d) is None) == plain, n
