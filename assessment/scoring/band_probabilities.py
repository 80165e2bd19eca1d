"""How likely each reported band is, given the ability estimate and its uncertainty.

The EAP estimate is the mean of the ability posterior and its standard error the posterior SD;
with more than a handful of items that posterior is close to normal, so the probability that the
candidate's true score falls in band ``k`` is

    P(band k) = Phi((u_k - theta) / se) - Phi((l_k - theta) / se)

where ``[l_k, u_k)`` is the band's interval on the theta scale. The band edges follow from the
scale's transformation ``score = round(150 + 50 theta)`` (:mod:`assessment.scoring.scale`): a
score of at most 100 means ``150 + 50 theta <= 100.5``, so Beginning/Developing meet at
``theta = (100.5 - 150) / 50 = -0.99`` and Developing/Accomplished at ``theta = 1.01``.

This is the plain-language form of the confidence range: "Developing, 71 %; Accomplished, 22 %".
A posterior given on a grid (quadrature nodes and weights) can be used directly through
:func:`band_probabilities_from_grid`.

References
----------
Bock, R. D., & Mislevy, R. J. (1982). Adaptive EAP estimation of ability in a microcomputer
environment. *Applied Psychological Measurement*, 6(4), 431-444.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from assessment.scoring.scale import BANDS, SCALE_CENTER, SCALE_SLOPE

BAND_NAMES = tuple(name for name, _, _ in BANDS)
BAND_EDGES_THETA = np.array([(high + 0.5 - SCALE_CENTER) / SCALE_SLOPE for _, _, high in BANDS[:-1]])
"""Theta at which one band's highest score meets the next band's lowest (half a point above the
highest score, where rounding switches band)."""


def band_probabilities(theta, se) -> np.ndarray:
    """Probability of each band under a normal ability posterior.

    Parameters
    ----------
    theta, se : array_like
        Posterior means and standard deviations (broadcast together); ``se >= 0``. ``se = 0``
        puts all the mass on the band of ``theta``.

    Returns
    -------
    ndarray, shape ``broadcast(theta, se).shape + (3,)``
        Probabilities of Beginning, Developing and Accomplished (in :data:`BAND_NAMES` order);
        each row sums to 1.
    """
    t, s = np.broadcast_arrays(np.asarray(theta, dtype=float), np.asarray(se, dtype=float))
    if np.isnan(t).any() or np.isnan(s).any() or np.any(s < 0):
        raise ValueError("theta must not be NaN and se must be >= 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (BAND_EDGES_THETA - t[..., None]) / s[..., None]
    # se = 0: the CDF is a step at theta (theta exactly on an edge counts as the lower band,
    # as the rounding rule does).
    z = np.where(s[..., None] == 0, np.where(BAND_EDGES_THETA >= t[..., None], np.inf, -np.inf), z)
    cdf = ndtr(z)
    lower = np.concatenate([np.zeros(t.shape + (1,)), cdf], axis=-1)
    upper = np.concatenate([cdf, np.ones(t.shape + (1,))], axis=-1)
    return np.clip(upper - lower, 0.0, 1.0)


def band_probabilities_from_grid(nodes, weights) -> np.ndarray:
    """Probability of each band from a discrete posterior (e.g. the EAP quadrature).

    Parameters
    ----------
    nodes : array_like, shape (n_nodes,)
        Theta values.
    weights : array_like, shape (..., n_nodes)
        Non-negative posterior weights (normalized here).

    Returns
    -------
    ndarray, shape (..., 3)
    """
    q = np.asarray(nodes, dtype=float)
    w = np.asarray(weights, dtype=float)
    if q.ndim != 1 or w.shape[-1] != q.size:
        raise ValueError(f"weights' last axis ({w.shape[-1:]}) must match the {q.size} nodes")
    if np.any(w < 0) or np.any(w.sum(axis=-1) <= 0):
        raise ValueError("weights must be non-negative with a positive sum")
    band = np.searchsorted(BAND_EDGES_THETA, q, side="left")  # theta on an edge: the lower band
    mass = np.stack([(w * (band == k)).sum(axis=-1) for k in range(len(BAND_NAMES))], axis=-1)
    return mass / w.sum(axis=-1, keepdims=True)
