"""The 1-300 scale, bands and confidence range."""
import numpy as np
import pytest

from assessment.scoring import band_of, scale_score


def test_transformation_and_clipping():
    s = scale_score([0.0, 1.0, -1.0, 10.0, -10.0], [0, 0, 0, 0, 0])
    np.testing.assert_array_equal(s.score, [150, 200, 100, 300, 1])
    np.testing.assert_array_equal(s.band, ["developing", "developing", "beginning",
                                           "accomplished", "beginning"])


@pytest.mark.parametrize("score, band", [(1, "beginning"), (100, "beginning"),
                                         (101, "developing"), (200, "developing"),
                                         (201, "accomplished"), (300, "accomplished")])
def test_band_edges(score, band):
    assert band_of(score) == band


def test_confidence_range_is_95_percent_interval_mapped():
    s = scale_score(0.2, 0.3)
    assert s.score == 160
    assert s.low == round(150 + 50 * (0.2 - 1.959964 * 0.3))
    assert s.high == round(150 + 50 * (0.2 + 1.959964 * 0.3))
    wide = scale_score(2.5, 1.0)
    assert wide.high == 300 and wide.low < wide.score


def test_vectorized_and_rejects_bad_se():
    s = scale_score(np.zeros(3), np.array([0.1, 0.5, 1.0]))
    assert np.all(np.diff(s.high - s.low) > 0)
    with pytest.raises(ValueError):
        scale_score(0.0, -0.1)
