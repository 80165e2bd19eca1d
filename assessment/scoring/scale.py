"""The reported scale: 1-300 scores, three bands, and a 95% confidence range.

The one transformation used everywhere::

    score(theta) = clip(round(150 + 50 * theta), 1, 300)

so theta = 0 (the calibration population's mean) reads 150, each logit is 50 points, and the
scale covers theta in about [-3, 3]. The confidence range is the 95% normal interval of the
ability estimate, ``theta +/- 1.96 * SE``, mapped through the same transformation (monotone, so
the interval maps to an interval) and clipped to 1-300. Bands are read from the score:

=============  =========  ===========================================
band           scores     reading (product definition)
=============  =========  ===========================================
beginning      1-100      recognizes simple concepts
developing     101-200    evaluates and interprets problems
accomplished   201-300    designs and builds solutions
=============  =========  ===========================================

Rounding is half to even (``numpy.round``), so 150 + 50 * theta = 100.5 reads 100.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALE_CENTER = 150.0
"""Score at theta = 0."""
SCALE_SLOPE = 50.0
"""Score points per logit."""
SCALE_MIN, SCALE_MAX = 1, 300
Z_95 = 1.959963984540054
"""Two-sided 95% normal quantile for the confidence range."""
BANDS = (("beginning", 1, 100), ("developing", 101, 200), ("accomplished", 201, 300))
"""(name, lowest score, highest score) of each band."""


@dataclass(frozen=True)
class ScaledScore:
    """Scores on the 1-300 scale; every field has the shape of the ``theta`` given.

    Attributes
    ----------
    score, low, high : ndarray of int
        The score and its 95% confidence range.
    band : ndarray of str
        'beginning', 'developing' or 'accomplished'.
    """

    score: np.ndarray
    low: np.ndarray
    high: np.ndarray
    band: np.ndarray


def to_scale(theta) -> np.ndarray:
    """``clip(round(150 + 50 theta), 1, 300)`` as integers (NaN is not allowed)."""
    t = np.asarray(theta, dtype=float)
    if np.isnan(t).any():
        raise ValueError("theta must not be NaN")
    return np.clip(np.round(SCALE_CENTER + SCALE_SLOPE * t), SCALE_MIN, SCALE_MAX).astype(int)


def band_of(score) -> np.ndarray:
    """Band name of each 1-300 score."""
    s = np.asarray(score)
    if np.any((s < SCALE_MIN) | (s > SCALE_MAX)):
        raise ValueError(f"scores must be in {SCALE_MIN}..{SCALE_MAX}")
    names = np.array([name for name, _, _ in BANDS])
    edges = np.array([high for _, _, high in BANDS[:-1]])
    return names[np.searchsorted(edges, s, side="left")]


def scale_score(theta, se) -> ScaledScore:
    """Map ability estimates and their standard errors to the reported scale.

    Parameters
    ----------
    theta, se : array_like
        Ability estimates and standard errors (broadcast together); ``se >= 0``.

    Returns
    -------
    ScaledScore
        ``score = clip(round(150 + 50 theta), 1, 300)``, ``low``/``high`` the same transform of
        ``theta -/+ 1.96 SE``, and the band of ``score``.
    """
    t, s = np.broadcast_arrays(np.asarray(theta, dtype=float), np.asarray(se, dtype=float))
    if np.isnan(s).any() or np.any(s < 0):
        raise ValueError("se must be >= 0 and not NaN")
    score = to_scale(t)
    return ScaledScore(score=score, low=to_scale(t - Z_95 * s), high=to_scale(t + Z_95 * s),
                       band=band_of(score))
