"""Item response models: probabilities, log-likelihood and Fisher information.

Orientation everywhere: ``theta`` has shape ``(n_persons,)``, responses ``(n_persons, n_items)``
with NaN for a not-administered item, and results are ``(n_persons, n_items[, n_categories])``.

Models (logistic metric, no 1.7 constant):

* 3PL: ``P(X=1 | theta) = c + (1 - c) / (1 + exp(-a (theta - b)))``; the 2PL is ``c = 0`` and
  the 1PL/Rasch is ``c = 0, a = 1`` (or a common ``a``).
* GPCM (Muraki, 1992), categories ``k = 0..m-1`` with step parameters ``b_1..b_{m-1}``:
  ``P(X=k | theta) = exp(sum_{v<=k} a (theta - b_v)) / sum_h exp(sum_{v<=h} a (theta - b_v))``
  (the empty sum for ``k = 0`` is 0).

Fisher information: ``I(theta) = a^2 (P - c)^2 (1 - P) / ((1 - c)^2 P)`` for the 3PL (``a^2 P(1-P)``
for the 2PL, peaking at ``a^2/4`` at ``theta = b``) and ``a^2 Var(X | theta)`` for the GPCM.

References
----------
Lord, F. M. (1980). *Applications of item response theory to practical testing problems*.
Muraki, E. (1992). A generalized partial credit model. *Applied Psychological Measurement*, 16.
Baker, F. B., & Kim, S.-H. (2004). *Item response theory: parameter estimation techniques*.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import expit, log_expit, logsumexp

from assessment.scoring.parameters import ItemParameters


def _theta_column(theta) -> np.ndarray:
    t = np.asarray(theta, dtype=float)
    if t.ndim > 1:
        raise ValueError(f"theta must be a scalar or 1-D (n_persons,), got shape {t.shape}")
    return np.atleast_1d(t)[:, None]


# ---------------------------------------------------------------------- per-model kernels
def prob_3pl(theta, a, b, c=0.0) -> np.ndarray:
    """Probability of a correct answer under the 3PL (2PL with ``c=0``, 1PL with ``a=1``).

    ``P = c + (1 - c) * logistic(a (theta - b))``; shape ``(n_persons, n_items)``.
    """
    t = _theta_column(theta)
    a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
    return c + (1.0 - c) * expit(a * (t - b))


def info_3pl(theta, a, b, c=0.0) -> np.ndarray:
    """Fisher information of 3PL items: ``a^2 (1-P) (P-c)^2 / ((1-c)^2 P)``.

    Reduces to ``a^2 P (1-P)`` for the 2PL. Shape ``(n_persons, n_items)``.
    """
    t = _theta_column(theta)
    a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
    z = a * (t - b)
    # (P - c)/(1 - c) = P*, so the formula is a^2 (1-c) P* (1-P*) (P*/P). P*/P is taken in log
    # space: for a*(theta - b) below about -745, P* and P underflow to 0 and P*/P would be 0/0
    # (NaN, which np.argmax then picks); in logs it is exp(log P* - log P), finite (1 when c=0).
    with np.errstate(divide="ignore"):
        log_c = np.log(c)
    log_ps = log_expit(z)
    log_p = np.logaddexp(log_c, np.log1p(-c) + log_ps)
    return a * a * (1.0 - c) * expit(z) * expit(-z) * np.exp(log_ps - log_p)


def gpcm_log_probabilities(theta, a, thresholds) -> np.ndarray:
    """Log category probabilities of GPCM items, shape ``(n_persons, n_items, max_steps + 1)``.

    ``thresholds`` is ``(n_items, max_steps)``, NaN-padded: the categories past an item's last
    step get ``-inf``.
    """
    t = _theta_column(theta)[:, :, None]                   # (P, 1, 1)
    a = np.asarray(a, dtype=float)[None, :, None]          # (1, n, 1)
    steps = np.asarray(thresholds, dtype=float)
    if steps.ndim == 1:
        steps = steps[:, None]
    z = a * (t - steps[None, :, :])                        # (P, n, S)
    z = np.where(np.isnan(z), -np.inf, z)
    cum = np.concatenate([np.zeros(z.shape[:2] + (1,)), np.cumsum(z, axis=2)], axis=2)
    cum = np.where(np.isnan(cum), -np.inf, cum)            # -inf + finite stays -inf
    return cum - logsumexp(cum, axis=2, keepdims=True)


def gpcm_probabilities(theta, a, thresholds) -> np.ndarray:
    """Category probabilities of GPCM items (see :func:`gpcm_log_probabilities`)."""
    return np.exp(gpcm_log_probabilities(theta, a, thresholds))


def gpcm_information(theta, a, thresholds) -> np.ndarray:
    """Fisher information of GPCM items: ``a^2 Var(X | theta)``, shape ``(n_persons, n_items)``."""
    p = gpcm_probabilities(theta, a, thresholds)
    k = np.arange(p.shape[2])
    mean = p @ k
    var = p @ (k * k) - mean * mean
    return np.asarray(a, dtype=float) ** 2 * np.maximum(var, 0.0)


# ---------------------------------------------------------------------- bank-level functions
def log_category_probabilities(params: ItemParameters, theta, items=None) -> np.ndarray:
    """``log P(X_j = k | theta)`` for every item, shape ``(n_persons, n_items, max_categories)``.

    Categories an item does not have are ``-inf``. Computed in log space so that extreme
    abilities never give ``log(0)``. ``items`` (integer positions) restricts the result to
    those columns, in that order, without building a new :class:`ItemParameters`.
    """
    t = _theta_column(theta)
    sel = slice(None) if items is None else np.asarray(items, dtype=int).reshape(-1)
    a, b, c = params.a[sel], params.b[sel], params.c[sel]
    poly = params.is_polytomous[sel]
    n, K = a.size, params.max_categories
    out = np.full((t.shape[0], n, K), -np.inf)
    dich = ~poly
    if dich.any():
        if not poly.any():
            dich = slice(None)
        a_d, b_d, c_d = a[dich], b[dich], c[dich]
        z = a_d * (t - b_d)
        with np.errstate(divide="ignore"):
            log_c = np.log(c_d)
        log_1mc = np.log1p(-c_d)
        # log P = log(c + (1-c) s) = logaddexp(log c, log(1-c) + log s)
        out[:, dich, 1] = np.logaddexp(log_c, log_1mc + log_expit(z))
        out[:, dich, 0] = log_1mc + log_expit(-z)
    if np.any(poly):
        n_cat = params.n_categories[sel][poly]
        width = int(n_cat.max())
        out[:, poly, :width] = gpcm_log_probabilities(t[:, 0], a[poly],
                                                      params.thresholds[sel][poly, : width - 1])
    return out


def pairwise_log_probabilities(params: ItemParameters, theta, items) -> np.ndarray:
    """``log P(X_{items[i]} = k | theta[i])`` for pairs, shape ``(n_pairs, max_categories)``.

    The same model as :func:`log_category_probabilities`, evaluated element-wise (one ability
    and one item per pair) instead of on the persons x items outer product.
    """
    t = np.asarray(theta, dtype=float).reshape(-1)
    j = np.asarray(items, dtype=int).reshape(-1)
    if t.shape != j.shape:
        raise ValueError("theta and items must have the same length")
    K = params.max_categories
    out = np.full((t.size, K), -np.inf)
    poly = params.is_polytomous[j]
    dich = ~poly
    if dich.any():
        jd = j[dich]
        a, b, c = params.a[jd], params.b[jd], params.c[jd]
        z = a * (t[dich] - b)
        with np.errstate(divide="ignore"):
            log_c = np.log(c)
        out[dich, 1] = np.logaddexp(log_c, np.log1p(-c) + log_expit(z))
        out[dich, 0] = np.log1p(-c) + log_expit(-z)
    if poly.any():
        jp = j[poly]
        steps = params.thresholds[jp, : K - 1]
        z = params.a[jp, None] * (t[poly, None] - steps)
        z = np.where(np.isnan(z), -np.inf, z)
        cum = np.concatenate([np.zeros((jp.size, 1)), np.cumsum(z, axis=1)], axis=1)
        out[poly] = cum - logsumexp(cum, axis=1, keepdims=True)
    return out


def category_probabilities(params: ItemParameters, theta) -> np.ndarray:
    """``P(X_j = k | theta)``, shape ``(n_persons, n_items, max_categories)``; rows sum to 1."""
    return np.exp(log_category_probabilities(params, theta))


def expected_score(params: ItemParameters, theta) -> np.ndarray:
    """Expected item score ``E[X_j | theta] = sum_k k P_k``, shape ``(n_persons, n_items)``.

    For dichotomous items this is the probability of a correct answer.
    """
    p = category_probabilities(params, theta)
    return p @ np.arange(p.shape[2], dtype=float)


def score_variance(params: ItemParameters, theta) -> np.ndarray:
    """``Var(X_j | theta)``, shape ``(n_persons, n_items)`` (``P(1-P)`` for dichotomous items)."""
    p = category_probabilities(params, theta)
    k = np.arange(p.shape[2], dtype=float)
    mean = p @ k
    return np.maximum(p @ (k * k) - mean * mean, 0.0)


def item_information(params: ItemParameters, theta) -> np.ndarray:
    """Fisher information of each item at each ``theta``, shape ``(n_persons, n_items)``.

    3PL/2PL/1PL use :func:`info_3pl`, GPCM items :func:`gpcm_information`.
    """
    t = _theta_column(theta)[:, 0]
    out = np.empty((t.size, params.n_items))
    poly = params.is_polytomous
    if (~poly).all():
        return info_3pl(t, params.a, params.b, params.c)
    dich = ~poly
    if dich.any():
        out[:, dich] = info_3pl(t, params.a[dich], params.b[dich], params.c[dich])
    width = int(params.n_categories[poly].max())
    out[:, poly] = gpcm_information(t, params.a[poly], params.thresholds[poly, : width - 1])
    return out


def test_information(params: ItemParameters, theta, administered=None) -> np.ndarray:
    """Test information ``sum_j I_j(theta)`` over all items, or over ``administered`` ones.

    ``administered`` is a boolean mask ``(n_items,)`` or ``(n_persons, n_items)`` (for example
    ``~np.isnan(responses)``). Shape ``(n_persons,)``.
    """
    info = item_information(params, theta)
    if administered is not None:
        info = np.where(np.asarray(administered, dtype=bool), info, 0.0)
    return info.sum(axis=1)


test_information.__test__ = False  # a library function, not a pytest test


def check_responses(params: ItemParameters, responses) -> np.ndarray:
    """Validate a response matrix against the bank and return it as 2-D float.

    A 1-D vector is one person. Cells must be NaN (not administered) or an integer category
    ``0..n_categories-1`` of their item; the error names the first bad row and item.
    """
    x = np.array(responses, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != params.n_items:
        raise ValueError(f"responses must be (n_persons, n_items={params.n_items}), got {x.shape}")
    if params.max_categories == 2:
        ok = (x == 0) | (x == 1) | np.isnan(x)
    else:
        ok = np.isnan(x) | ((x == np.round(x)) & (x >= 0) & (x <= params.max_score[None, :]))
    if not ok.all():
        r, j = map(int, np.argwhere(~ok)[0])
        raise ValueError(f"row {r}, item {params.ids[j]!r}: invalid response {x[r, j]:g} "
                         f"(expected 0..{params.max_score[j]} or empty)")
    return x


def response_indicator(responses: np.ndarray, n_categories: int) -> sparse.csr_matrix:
    """One-hot sparse matrix ``Y`` of shape ``(n_persons, n_items * n_categories)``.

    ``Y[p, j*K + k] = 1`` when person ``p`` answered item ``j`` in category ``k``. Then the
    log-likelihood of every person at every quadrature node is the product ``Y @ L`` with
    ``L[j*K + k, q] = log P(X_j = k | theta_q)``, which is how EAP and the EM E-step stay
    vectorized on sparse adaptive data.
    """
    rows, cols = np.nonzero(~np.isnan(responses))
    k = responses[rows, cols].astype(np.int64)
    data = np.ones(rows.size)
    return sparse.csr_matrix((data, (rows, cols * n_categories + k)),
                             shape=(responses.shape[0], responses.shape[1] * n_categories))


def log_likelihood(params: ItemParameters, theta, responses) -> np.ndarray:
    """Log-likelihood of each person's administered responses at their ``theta``.

    ``log L_p = sum_{j administered} log P(X_j = x_pj | theta_p)``; shape ``(n_persons,)``.
    ``theta`` has one value per row of ``responses``.
    """
    x = check_responses(params, responses)
    t = _theta_column(theta)[:, 0]
    if t.size != x.shape[0]:
        raise ValueError(f"theta has {t.size} values for {x.shape[0]} persons")
    logp = log_category_probabilities(params, t)
    mask = ~np.isnan(x)
    k = np.where(mask, x, 0).astype(int)
    picked = np.take_along_axis(logp, k[:, :, None], axis=2)[:, :, 0]
    return np.where(mask, picked, 0.0).sum(axis=1)
