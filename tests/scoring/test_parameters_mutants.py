"""ItemParameters: normalisation, validation messages word for word, constructors and accessors.

Written for the survivors of the mutation run of ``assessment/scoring/parameters.py``: every
value below follows from the record's definition (slope-difficulty form, GPCM ``b`` = mean of
the steps, ``c`` only for the 3PL), not from the implementation's output.
"""
import re

import numpy as np
import pytest

from assessment.scoring import ItemParameters


def _direct(ids=("i1", "i2"), model=("2pl", "2pl"), a=(1.0, 1.0), b=(0.0, 0.0), c=(0.0, 0.0),
            thresholds=None, n_categories=(2, 2)):
    if thresholds is None:
        thresholds = np.full((len(ids), 1), np.nan)
    return ItemParameters(ids=tuple(ids), model=np.array(model), a=np.array(a, dtype=float),
                          b=np.array(b, dtype=float), c=np.array(c, dtype=float),
                          thresholds=np.array(thresholds, dtype=float), n_categories=np.array(n_categories))


def _refused(message, **kwargs):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        _direct(**kwargs)


# ---------------------------------------------------------------------- model codes
def test_model_codes_are_trimmed_lower_cased_and_rasch_is_1pl():
    bank = ItemParameters.from_records([
        {"item": "r", "model": " Rasch ", "b": 0.5},
        {"item": "t", "model": "\t3PL\n", "a": 1.0, "b": 0.0, "c": 0.2},
        {"item": "g", "model": "GPCM ", "a": 1.0, "thresholds": [0.0]},
        {"item": "o", "model": "1pl", "b": 0.0},
    ])
    assert list(bank.model) == ["1pl", "3pl", "gpcm", "1pl"]
    assert bank.c[1] == 0.2 and bank.a[0] == 1.0
    direct = _direct(ids=("x", "y", "z"), model=(" RASCH ", "2PL\t", " Gpcm"), a=(1, 1, 1), b=(0, 0, 0),
                     c=(0, 0, 0), thresholds=[[np.nan], [np.nan], [0.3]], n_categories=(2, 2, 2))
    assert list(direct.model) == ["1pl", "2pl", "gpcm"]
    assert list(direct.is_polytomous) == [False, False, True]


def test_unknown_model_messages_name_the_item_and_the_accepted_codes():
    with pytest.raises(ValueError, match="^" + re.escape(
            "item 'x': unknown model '4pl'; expected one of 1pl, 2pl, 3pl, gpcm") + "$"):
        ItemParameters.from_records([{"item": "x", "model": "4pl", "a": 1, "b": 0}])
    with pytest.raises(ValueError, match="^" + re.escape("item 'x': unknown model ''; expected one of")):
        ItemParameters.from_records([{"item": "x", "a": 1, "b": 0}])   # no model given
    # in the constructor: the first unknown code, named by its item (raw codes are trimmed first)
    # the code is shown as a plain string, not as numpy's np.str_('nrm')
    _refused("item 'i2': unknown model 'nrm'; expected one of 1pl, 2pl, 3pl, gpcm", model=("2pl", " NRM "))
    with pytest.raises(ValueError, match="^" + re.escape("item 'i1': unknown model '4pl'; expected one of")):
        ItemParameters.dichotomous(1.0, [0.0], model="4pl")
    # a model array longer than the items: the extra code has no item to name
    _refused("model: unknown model 'zz'; expected one of 1pl, 2pl, 3pl, gpcm",
             ids=("a",), model=("2pl", "zz"), a=(1.0,), b=(0.0,), c=(0.0,), n_categories=(2,))


# ---------------------------------------------------------------------- shapes
def test_shape_messages():
    _refused("a has 3 values for 2 items", a=(1.0, 1.0, 1.0))
    _refused("b has 1 values for 2 items", b=(0.0,))
    _refused("c has 3 values for 2 items", c=(0.0, 0.0, 0.0))
    _refused("model has 3 values for 2 items", model=("2pl", "2pl", "2pl"))
    _refused("thresholds must have shape (n_items=2, max_steps)", thresholds=np.full((3, 1), np.nan))
    _refused("thresholds must have shape (n_items=2, max_steps)", thresholds=np.zeros(3))
    _refused("n_categories has 3 values for 2 items", n_categories=(2, 2, 2))


def test_parameters_given_as_columns_are_flattened():
    bank = _direct(a=[[1.5], [0.5]], b=[[0.2], [-0.2]], c=[[0.0], [0.0]])
    np.testing.assert_array_equal(bank.a, [1.5, 0.5])
    np.testing.assert_array_equal(bank.b, [0.2, -0.2])
    assert bank.a.shape == bank.b.shape == bank.c.shape == (2,)


def test_one_dimensional_thresholds_are_one_step_per_item():
    bank = _direct(model=("gpcm", "gpcm"), b=(np.nan, np.nan), thresholds=[-0.4, 1.0], n_categories=(2, 2))
    assert bank.thresholds.shape == (2, 1)
    np.testing.assert_array_equal(bank.thresholds[:, 0], [-0.4, 1.0])
    np.testing.assert_array_equal(bank.b, [-0.4, 1.0])     # b of a GPCM item is its steps' mean


def test_thresholds_without_columns_become_one_nan_column():
    bank = _direct(thresholds=np.zeros((2, 0)))
    assert bank.thresholds.shape == (2, 1) and np.isnan(bank.thresholds).all()


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize("a, shown", [(0.0, "0.0"), (-1.0, "-1.0"), (np.inf, "inf"), (np.nan, "nan")])
def test_discrimination_must_be_finite_and_positive(a, shown):
    _refused(f"item 'i2': discrimination a must be finite and > 0, got {shown}", a=(1.0, a))


def test_difficulty_must_be_finite_for_dichotomous_items_only():
    _refused("item 'i2': difficulty b must be finite, got inf", b=(0.0, np.inf))
    _refused("item 'i1': difficulty b must be finite, got nan", b=(np.nan, 0.0))
    gpcm = _direct(model=("gpcm", "2pl"), b=(np.nan, 0.0), thresholds=[[0.5], [np.nan]])
    assert gpcm.b[0] == 0.5


def test_dichotomous_items_have_two_categories():
    _refused("item 'i2': a dichotomous item has 2 categories", n_categories=(2, 3))
    _refused("item 'i1': a dichotomous item has 2 categories", n_categories=(1, 2))


def test_gpcm_steps_must_match_the_categories():
    kw = dict(model=("2pl", "gpcm"), b=(0.0, np.nan))
    need = "item 'i2': a GPCM item needs n_categories-1 >= 1 finite thresholds"
    _refused(need, thresholds=[[np.nan, np.nan], [0.0, 1.0]], n_categories=(2, 4), **kw)   # 3 steps, width 2
    _refused(need, thresholds=[[np.nan, np.nan], [0.0, np.nan]], n_categories=(2, 3), **kw)  # a step missing
    _refused(need, thresholds=[[np.nan], [np.nan]], n_categories=(2, 1), **kw)
    _refused("item 'i2': more thresholds than n_categories-1",
             thresholds=[[np.nan, np.nan], [0.0, 1.0]], n_categories=(2, 2), **kw)
    # exactly n_categories-1 steps filling the width, and the smallest GPCM (2 categories), pass
    full = _direct(thresholds=[[np.nan, np.nan], [-0.5, 1.5]], n_categories=(2, 3), **kw)
    assert full.b[1] == 0.5 and full.max_score[1] == 2
    two = _direct(thresholds=[[np.nan], [0.25]], n_categories=(2, 2), **kw)
    assert two.n_categories[1] == 2 and two.b[1] == 0.25


def test_guessing_is_kept_for_3pl_only_and_must_be_below_one():
    bank = _direct(ids=("t", "u", "v", "w"), model=("3pl", "2pl", "3pl", "1pl"), a=(1, 1, 1, 1), b=(0, 0, 0, 0),
                   c=(0.25, 0.3, np.nan, 0.4), n_categories=(2, 2, 2, 2))
    np.testing.assert_array_equal(bank.c, [0.25, 0.0, 0.0, 0.0])
    zero = _direct(model=("3pl", "3pl"), c=(0.0, 0.999))
    np.testing.assert_array_equal(zero.c, [0.0, 0.999])
    _refused("item 'i2': guessing c must be in [0, 1), got 1.0", model=("3pl", "3pl"), c=(0.1, 1.0))
    _refused("item 'i1': guessing c must be in [0, 1), got -0.1", model=("3pl", "3pl"), c=(-0.1, 0.1))


def test_thresholds_of_dichotomous_items_are_dropped():
    bank = _direct(model=("2pl", "gpcm"), b=(0.3, 9.0), thresholds=[[0.7], [-0.2]])
    assert np.isnan(bank.thresholds[0, 0]) and bank.thresholds[1, 0] == -0.2
    assert bank.b[0] == 0.3 and bank.b[1] == -0.2       # the given b of a GPCM item is replaced


def test_the_caller_arrays_are_not_changed_and_the_stored_ones_are_read_only():
    th = np.array([[0.7], [-0.2]])
    b = np.array([0.3, 9.0])
    bank = ItemParameters(ids=("p", "q"), model=np.array(["2pl", "gpcm"]), a=np.ones(2), b=b, c=np.zeros(2),
                          thresholds=th, n_categories=np.array([2, 2]))
    np.testing.assert_array_equal(th, [[0.7], [-0.2]])
    np.testing.assert_array_equal(b, [0.3, 9.0])
    for name in ("model", "a", "b", "c", "thresholds", "n_categories", "is_polytomous"):
        assert not getattr(bank, name).flags.writeable, name
    assert bank.ids == ("p", "q")


def test_ids_are_strings_and_unique():
    bank = _direct(ids=(7, 8))
    assert bank.ids == ("7", "8") and bank.index_of(8) == 1 and bank.index_of("7") == 0
    with pytest.raises(ValueError, match="^duplicate item id 'b'$"):
        _direct(ids=("a", "b", "b"), model=("2pl",) * 3, a=(1,) * 3, b=(0,) * 3, c=(0,) * 3,
                n_categories=(2,) * 3)
    with pytest.raises(ValueError, match="^unknown item id 'q'$"):
        bank.index_of("q")


# ---------------------------------------------------------------------- from_records
def test_from_records_messages():
    def refused(records, message):
        with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
            ItemParameters.from_records(records)

    refused([{"item": "x", "model": "1pl", "b": 0}, {"model": "2pl", "a": 1, "b": 0}], "record 1: missing key 'item'")
    refused([{"item": "x", "model": "2pl", "b": 0}], "item 'x': missing discrimination 'a'")
    refused([{"item": "x", "model": "2pl", "a": np.nan, "b": 0}], "item 'x': missing discrimination 'a'")
    refused([{"item": "x", "model": "gpcm", "a": 1, "thresholds": []}], "item 'x': a gpcm item needs 'thresholds'")
    refused([{"item": "x", "model": "gpcm", "a": 1}], "item 'x': a gpcm item needs 'thresholds'")
    refused([{"item": "x", "model": "3pl", "a": 1, "b": None, "c": 0.1}], "item 'x': missing difficulty 'b'")


def test_from_records_defaults():
    bank = ItemParameters.from_records([
        {"item": 5, "model": "1pl", "b": -0.5},
        {"item": "n", "model": "1pl", "a": float("nan"), "b": 0.5},
        {"item": "s", "model": "1pl", "a": 1.3, "b": 0.0},
        {"item": "t", "model": "3pl", "a": 1.0, "b": 0.0},
        {"item": "u", "model": "2pl", "a": 2.0, "b": 1.0, "c": 0.3},
        {"item": "g", "model": "gpcm", "a": 0.9, "b": 99.0, "thresholds": [-1, 0.5, 2.0]},
        {"item": "h", "model": "gpcm", "a": 1.1, "thresholds": [0.4]},
    ])
    assert bank.ids == ("5", "n", "s", "t", "u", "g", "h")
    np.testing.assert_array_equal(bank.a, [1.0, 1.0, 1.3, 1.0, 2.0, 0.9, 1.1])
    np.testing.assert_array_equal(bank.c, [0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(bank.b, [-0.5, 0.5, 0.0, 0.0, 1.0, 0.5, 0.4])
    np.testing.assert_array_equal(bank.n_categories, [2, 2, 2, 2, 2, 4, 2])
    assert bank.thresholds.shape == (7, 3)
    np.testing.assert_array_equal(bank.thresholds[5], [-1.0, 0.5, 2.0])
    assert bank.thresholds[6, 0] == 0.4 and np.isnan(bank.thresholds[6, 1:]).all()
    assert np.isnan(bank.thresholds[:5]).all()
    assert bank.max_categories == 4
    np.testing.assert_array_equal(bank.max_score, [1, 1, 1, 1, 1, 3, 1])


def test_dichotomous_records_have_one_nan_threshold_column():
    bank = ItemParameters.from_records([{"item": "a", "model": "2pl", "a": 1.0, "b": 0.0}])
    assert bank.thresholds.shape == (1, 1) and np.isnan(bank.thresholds[0, 0])
    assert bank.max_categories == 2 and len(bank) == 1 and bank.n_items == 1


def test_empty_bank():
    bank = ItemParameters.from_records([])
    assert len(bank) == 0 and bank.n_items == 0 and bank.max_categories == 2
    assert bank.thresholds.shape == (0, 1)
    empty = bank.subset([])
    assert empty.n_items == 0 and empty.thresholds.shape == (0, 1)


# ---------------------------------------------------------------------- dichotomous()
def test_dichotomous_constructor():
    two = ItemParameters.dichotomous(1.2, [0.0, 1.0, -1.0])
    assert two.ids == ("i1", "i2", "i3")
    assert list(two.model) == ["2pl"] * 3
    np.testing.assert_array_equal(two.a, [1.2, 1.2, 1.2])
    np.testing.assert_array_equal(two.c, [0, 0, 0])
    np.testing.assert_array_equal(two.n_categories, [2, 2, 2])
    assert two.thresholds.shape == (3, 1) and np.isnan(two.thresholds).all()
    three = ItemParameters.dichotomous([1.0, 2.0], [[0.5], [-0.5]], 0.2)
    assert list(three.model) == ["3pl", "3pl"]
    np.testing.assert_array_equal(three.c, [0.2, 0.2])
    np.testing.assert_array_equal(three.b, [0.5, -0.5])
    np.testing.assert_array_equal(three.a, [1.0, 2.0])
    one = ItemParameters.dichotomous(1.0, [0.0, 0.5], model="1pl", ids=["p", "q"])
    assert list(one.model) == ["1pl", "1pl"] and one.ids == ("p", "q")
    twelve = ItemParameters.dichotomous(1.0, np.zeros(12))
    assert twelve.ids[0] == "i01" and twelve.ids[9] == "i10" and twelve.ids[-1] == "i12"


# ---------------------------------------------------------------------- subset / to_records
@pytest.fixture
def bank():
    return ItemParameters.from_records([
        {"item": "q1", "model": "2pl", "a": 1.2, "b": 0.0},
        {"item": "q2", "model": "gpcm", "a": 0.8, "thresholds": [-1.0, 0.0, 1.5]},
        {"item": "q3", "model": "3pl", "a": 1.0, "b": -0.5, "c": 0.2},
        {"item": "q4", "model": "gpcm", "a": 1.4, "thresholds": [0.5]},
    ])


def test_subset_by_positions_negative_positions_and_masks(bank):
    last = bank.subset([-1, -4])
    assert last.ids == ("q4", "q1")
    by_mask = bank.subset(np.array([False, True, True, False]))
    assert by_mask.ids == ("q2", "q3")
    assert by_mask.thresholds.shape == (2, 3)
    np.testing.assert_array_equal(by_mask.thresholds[0], [-1.0, 0.0, 1.5])
    assert by_mask.c[1] == 0.2 and by_mask.a[0] == 0.8
    column = bank.subset(np.array([[3], [1]]))
    assert column.ids == ("q4", "q2") and column.thresholds.shape == (2, 3)
    narrow = bank.subset([3, 0])
    assert narrow.thresholds.shape == (2, 1) and narrow.thresholds[0, 0] == 0.5


def test_subset_refusals(bank):
    for bad in ([4], [-5], [0, 4]):
        with pytest.raises(ValueError, match="^item index out of range for 4 items$"):
            bank.subset(bad)
    with pytest.raises(ValueError, match="^boolean mask must have one value per item$"):
        bank.subset(np.array([True, False, True]))


def test_to_records_is_the_inverse_of_from_records(bank):
    records = bank.to_records()
    assert records[0] == {"item": "q1", "model": "2pl", "a": 1.2, "b": 0.0, "c": 0.0}
    assert records[1] == {"item": "q2", "model": "gpcm", "a": 0.8, "b": pytest.approx(1 / 6), "c": 0.0,
                          "thresholds": [-1.0, 0.0, 1.5]}
    assert records[2] == {"item": "q3", "model": "3pl", "a": 1.0, "b": -0.5, "c": 0.2}
    assert records[3]["thresholds"] == [0.5]
    assert all(type(v) is float for r in records for k, v in r.items() if k in ("a", "b", "c"))
    assert type(records[1]["model"]) is str


def test_integer_and_missing_inputs_are_stored_as_floats():
    bank = ItemParameters(ids=("d", "g"), model=np.array(["3pl", "gpcm"]), a=[2, 1], b=[1, None], c=[0, 0],
                          thresholds=[[0, None], [0, 1]], n_categories=[2.0, 3.0])
    for name in ("a", "b", "c", "thresholds"):
        assert getattr(bank, name).dtype == float, name
    assert bank.n_categories.dtype.kind == "i"
    np.testing.assert_array_equal(bank.b, [1.0, 0.5])      # the GPCM b: the mean of 0 and 1, not truncated
    assert np.isnan(bank.thresholds[0]).all()
    assert bank.to_records()[1]["thresholds"] == [0.0, 1.0]
    column = _direct(n_categories=[[2], [2]])
    np.testing.assert_array_equal(column.n_categories, [2, 2])


def test_extra_steps_are_named_on_their_own_gpcm_item():
    # the first GPCM item is fine, the second has a step past its categories
    with pytest.raises(ValueError, match="^" + re.escape("item 'g2': more thresholds than n_categories-1") + "$"):
        _direct(ids=("g1", "g2"), model=("gpcm", "gpcm"), b=(np.nan, np.nan),
                thresholds=[[0.0, 1.0], [0.5, 0.7]], n_categories=(3, 2))
    # steps given to a dichotomous item are not "extra steps" of the GPCM items: they are dropped
    bank = _direct(ids=("d", "g"), model=("2pl", "gpcm"), b=(0.0, np.nan), thresholds=[[0.2, 0.4], [0.5, np.nan]],
                   n_categories=(2, 2))
    assert np.isnan(bank.thresholds[0]).all() and bank.b[1] == 0.5


def test_an_empty_subset_of_a_wide_bank_has_one_threshold_column(bank):
    assert bank.thresholds.shape == (4, 3)
    empty = bank.subset([])
    assert empty.n_items == 0 and empty.thresholds.shape == (0, 1)


def test_the_guessing_refusal_names_the_3pl_item_not_an_earlier_item_without_guessing():
    # the 2PL item's c is stored as 0, which is allowed: the 3PL item with c = 1 is the bad one
    _refused("item 'i2': guessing c must be in [0, 1), got 1.0", model=("2pl", "3pl"), c=(0.0, 1.0))
