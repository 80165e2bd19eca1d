"""Band probabilities: closed-form values of the normal posterior's band masses."""
import numpy as np
import pytest
from scipy.stats import norm

from assessment.scoring.band_probabilities import BAND_EDGES_THETA, band_probabilities, band_probabilities_from_grid
from assessment.scoring.scale import scale_score


def test_edges_are_where_the_reported_band_changes():
    np.testing.assert_allclose(BAND_EDGES_THETA, [-0.99, 1.01])
    below, above = scale_score(BAND_EDGES_THETA - 1e-6, 0.0), scale_score(BAND_EDGES_THETA + 1e-6, 0.0)
    assert list(below.band) == ["beginning", "developing"]
    assert list(above.band) == ["developing", "accomplished"]


def test_closed_form_values():
    # theta on the upper edge: half the mass above it, and the beginning share is Phi(-2.0/0.5).
    p = band_probabilities(1.01, 0.5)
    np.testing.assert_allclose(p, [norm.cdf(-2.0 / 0.5), 0.5 - norm.cdf(-4.0), 0.5], atol=1e-12)
    # Centre of the developing band with SE 1: mass outside is 2 * Phi(-1) (the edges are at +/-1.0
    # around theta = 0.01).
    p = band_probabilities(0.01, 1.0)
    np.testing.assert_allclose(p, [norm.cdf(-1.0), 1 - 2 * norm.cdf(-1.0), norm.cdf(-1.0)], atol=1e-12)


def test_rows_sum_to_one_and_broadcast():
    p = band_probabilities(np.array([-3.0, 0.0, 3.0]), np.array([[0.2], [1.5]]))
    assert p.shape == (2, 3, 3)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    assert p[0, 0].argmax() == 0 and p[0, 1].argmax() == 1 and p[0, 2].argmax() == 2


def test_zero_se_is_the_reported_band():
    np.testing.assert_array_equal(band_probabilities([-2.0, 0.0, 2.0, -0.99], 0.0),
                                  [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]])


def test_grid_posterior_agrees_with_the_normal_form():
    nodes = np.linspace(-8, 8, 4001)
    weights = norm.pdf(nodes, loc=0.6, scale=0.7)
    np.testing.assert_allclose(band_probabilities_from_grid(nodes, weights), band_probabilities(0.6, 0.7), atol=2e-3)


@pytest.mark.parametrize("theta, se", [(np.nan, 1.0), (0.0, -0.1), (0.0, np.nan)])
def test_bad_input_is_refused(theta, se):
    with pytest.raises(ValueError):
        band_probabilities(theta, se)


def test_grid_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match="nodes"):
        band_probabilities_from_grid([0.0, 1.0], [1.0, 1.0, 1.0])
