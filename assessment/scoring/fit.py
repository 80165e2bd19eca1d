"""Item fit and reliability after calibration.

Item fit uses the Rasch mean squares generalized to any model (Wright & Masters, 1982), with
each person's EAP ability ``theta_p`` and, for every administered cell, the model's expected
score ``E_pj`` and variance ``V_pj`` at ``theta_p``:

* ``outfit_j = mean_p (x_pj - E_pj)^2 / V_pj`` (unweighted, sensitive to outlying responses);
* ``infit_j = sum_p (x_pj - E_pj)^2 / sum_p V_pj`` (information weighted).

Both have expectation about 1; an item is flagged ``misfit`` outside
``FIT_RANGE = (0.5, 1.5)``, Linacre's "productive for measurement" range. Values far below 1
signal redundancy (over-fit), above 1.5 noise (mis-keyed, ambiguous or guessable items).

Reliability is the empirical (EAP) reliability ``var(theta_hat) / (var(theta_hat) +
mean(PSD^2))``: the share of estimated-ability variance that is not measurement error.

References
----------
Wright, B. D., & Masters, G. N. (1982). *Rating scale analysis*. MESA Press.
Linacre, J. M. (2002). What do infit and outfit, mean-square and standardized mean?
*Rasch Measurement Transactions*, 16(2), 878.
Brown, A., & Croudace, T. (2015). Scoring and estimating score precision using multidimensional
IRT models. In *Handbook of Item Response Theory Modeling* (empirical reliability).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from assessment.scoring.parameters import ItemParameters
from assessment.scoring.response_models import pairwise_log_probabilities

FIT_RANGE = (0.5, 1.5)
"""Mean squares outside this range flag an item (Linacre, 2002)."""
MIN_VARIANCE = 1e-6
"""Cells whose model variance is below this are left out of outfit (a near-certain response
would otherwise dominate the mean)."""


def item_fit(params: ItemParameters, responses, theta) -> pd.DataFrame:
    """Infit and outfit mean squares per item.

    Parameters
    ----------
    params : ItemParameters
    responses : ndarray, shape (n_persons, n_items), NaN = not administered
    theta : ndarray, shape (n_persons,)
        Ability estimates (EAP after calibration).

    Returns
    -------
    pandas.DataFrame
        Index ``item``; columns ``n`` (responses), ``mean_score`` (mean item score / max score),
        ``outfit``, ``infit``, ``misfit`` (bool).
    """
    x = np.asarray(responses, dtype=float)
    theta = np.asarray(theta, dtype=float).reshape(-1)
    if x.shape != (theta.size, params.n_items):
        raise ValueError(f"responses must be (n_persons={theta.size}, n_items={params.n_items})")
    rows, cols = np.nonzero(~np.isnan(x))
    return item_fit_cells(params, rows, cols, x[rows, cols], theta)


def item_fit_cells(params: ItemParameters, rows, cols, obs, theta) -> pd.DataFrame:
    """:func:`item_fit` from the answered cells (person ``rows``, item ``cols``, scores ``obs``)."""
    theta = np.asarray(theta, dtype=float).reshape(-1)
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    obs = np.asarray(obs, dtype=float)
    if params.max_categories == 2:
        c = params.c[cols]
        mean = c + (1 - c) * expit(params.a[cols] * (theta[rows] - params.b[cols]))
        var = mean * (1 - mean)
    else:
        prob = np.exp(pairwise_log_probabilities(params, theta[rows], cols))
        k = np.arange(prob.shape[1], dtype=float)
        mean = prob @ k
        var = np.maximum(prob @ (k * k) - mean * mean, 0.0)
    sq = (obs - mean) ** 2
    J = params.n_items
    n = np.bincount(cols, minlength=J)
    ok = var > MIN_VARIANCE
    n_ok = np.bincount(cols[ok], minlength=J)
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = np.bincount(cols[ok], weights=sq[ok] / var[ok], minlength=J) / n_ok
        infit = np.bincount(cols, weights=sq, minlength=J) / np.bincount(cols, weights=var,
                                                                          minlength=J)
        score = np.bincount(cols, weights=obs, minlength=J) / n / params.max_score
    lo, hi = FIT_RANGE
    misfit = (outfit < lo) | (outfit > hi) | (infit < lo) | (infit > hi)
    return pd.DataFrame({"n": n, "mean_score": score, "outfit": outfit, "infit": infit,
                         "misfit": misfit}, index=pd.Index(params.ids, name="item"))


def reliability(theta, se) -> float:
    """Empirical reliability ``var(theta) / (var(theta) + mean(se^2))``."""
    theta = np.asarray(theta, dtype=float)
    se = np.asarray(se, dtype=float)
    if theta.size < 2:
        raise ValueError("reliability needs at least two persons")
    v = float(np.var(theta))
    return v / (v + float(np.mean(se**2)))
