"""The reported scale's edges, for what mutation testing (docs/testing.md) found unchecked:
integer scores, and errors that say what is wrong."""
import math

import numpy as np
import pytest

from assessment.scoring.scale import band_of, scale_score, to_scale


def test_scores_are_integers():
    scores = to_scale([-1.0, 0.0, 0.011])
    assert np.issubdtype(scores.dtype, np.integer) and scores.tolist() == [100, 150, 151]
    assert np.issubdtype(scale_score(0.3, 0.2).low.dtype, np.integer)


def test_nan_theta_is_refused_by_name():
    with pytest.raises(ValueError, match="^theta must not be NaN$"):
        to_scale([0.0, math.nan])


@pytest.mark.parametrize("score", [0, 301, -5])
def test_a_score_off_the_scale_has_no_band(score):
    with pytest.raises(ValueError, match=r"^scores must be in 1\.\.300$"):
        band_of([150, score])


@pytest.mark.parametrize("se", [-0.1, math.nan])
def test_a_negative_or_nan_standard_error_is_refused_by_name(se):
    with pytest.raises(ValueError, match="^se must be >= 0 and not NaN$"):
        scale_score(0.0, se)


def test_band_edges_belong_to_the_lower_band():
    assert band_of([1, 100, 101, 200, 201, 300]).tolist() == [
        "beginning", "beginning", "developing", "developing", "accomplished", "accomplished"]
