"""Band probabilities: refusals word for word, a missing estimate, and grid posteriors by hand.

Written for the survivors of the mutation run of ``assessment/scoring/band_probabilities.py``
(its other tests are in ``tests/reports/test_band_probabilities.py``). Grid masses are sums of
the weights of the nodes in each band, counted here by hand.
"""
import re

import numpy as np
import pytest

from assessment.scoring.band_probabilities import BAND_EDGES_THETA, band_probabilities, band_probabilities_from_grid

REFUSED = "^" + re.escape("theta must not be NaN and se must be >= 0") + "$"
BAD_WEIGHTS = "^" + re.escape("weights must be non-negative with a positive sum") + "$"


@pytest.mark.parametrize("theta, se", [(np.nan, 1.0), (0.0, -0.1), (0.0, np.nan), ([0.0, np.nan], 0.5)])
def test_refusal_message(theta, se):
    with pytest.raises(ValueError, match=REFUSED):
        band_probabilities(theta, se)


@pytest.mark.parametrize("theta, se", [(None, 0.3), (0.2, None), ([0.1, None], 0.3)])
def test_a_missing_estimate_is_refused_like_nan(theta, se):
    # None is read as NaN (a float conversion), so the refusal is the same ValueError
    with pytest.raises(ValueError, match=REFUSED):
        band_probabilities(theta, se)


def test_integer_inputs_are_numbers():
    np.testing.assert_array_equal(band_probabilities(2, 0), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(band_probabilities([-2, 0], [0, 0]), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


NODES = np.array([-2.0, BAND_EDGES_THETA[0], 0.0, BAND_EDGES_THETA[1], 1.5])


def test_grid_masses_by_hand_with_nodes_on_the_edges():
    # nodes on an edge count for the lower band: beginning {-2, -0.99}, developing {0, 1.01},
    # accomplished {1.5}
    p = band_probabilities_from_grid(NODES, [1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_allclose(p, [3 / 15, 7 / 15, 5 / 15], rtol=1e-15)


def test_grid_rows_are_separate_posteriors():
    w = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.0, 0.5, 0.0, 0.25]])
    p = band_probabilities_from_grid(NODES, w)
    assert p.shape == (2, 3)
    np.testing.assert_allclose(p, [[3 / 15, 7 / 15, 5 / 15], [0.0, 2 / 3, 1 / 3]], rtol=1e-15)
    three = np.stack([w, w[::-1], w])                       # (3, 2, 5): one more leading axis
    q = band_probabilities_from_grid(NODES, three)
    assert q.shape == (3, 2, 3)
    np.testing.assert_allclose(q[1], p[::-1], rtol=1e-15)


def test_grid_weights_that_are_zero_or_unnormalised_are_accepted():
    np.testing.assert_allclose(band_probabilities_from_grid(NODES, [0.0, 0.0, 0.1, 0.1, 0.0]), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(band_probabilities_from_grid(NODES, [0.1, 0.0, 0.0, 0.0, 0.3]), [0.25, 0.0, 0.75])


def test_integer_weights_are_summed_as_floats():
    # counts as big as 2^62: an int64 sum would overflow (to a negative total)
    big = [2**62, 0, 2**62, 0, 2**62]
    np.testing.assert_allclose(band_probabilities_from_grid(NODES, big), [1 / 3, 1 / 3, 1 / 3], rtol=1e-15)


@pytest.mark.parametrize("weights", [
    [1.0, -0.5, 1.0, 1.0, 1.0],           # a negative weight, though the sum is positive
    [0.0, 0.0, 0.0, 0.0, 0.0],            # nothing
    [[1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0]],   # one row of several without mass
])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ValueError, match=BAD_WEIGHTS):
        band_probabilities_from_grid(NODES, weights)


def test_shape_mismatch_message_names_the_last_axis():
    with pytest.raises(ValueError, match="^" + re.escape("weights' last axis ((3,)) must match the 5 nodes") + "$"):
        band_probabilities_from_grid(NODES, np.ones((2, 3)))
    with pytest.raises(ValueError, match="^" + re.escape("weights' last axis ((4,)) must match the 5 nodes") + "$"):
        band_probabilities_from_grid(NODES, np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=re.escape("must match the 4 nodes")):
        band_probabilities_from_grid(np.zeros((2, 2)), np.ones(4))
