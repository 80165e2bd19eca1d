"""Item calibration by marginal maximum likelihood: EM over quadrature (Bock & Aitkin, 1981).

The latent ability is ``theta ~ N(0, 1)`` (this fixes the scale), integrated on
``n_quadrature`` equally spaced nodes over [-QUADRATURE_RANGE, QUADRATURE_RANGE].

* **E-step** (vectorized, log space): with the one-hot response matrix ``Y`` (persons x
  items*categories, sparse for adaptive data) and the table ``L[jk, q] = log P(X_j = k |
  theta_q)``, the log-likelihood of every person at every node is ``Y @ L``; normalizing
  ``exp(Y @ L + log w_q)`` per row gives the posterior weights ``W`` and the expected counts
  are ``r[jk, q] = (Y.T @ W)[jk, q]``. The marginal log-likelihood is ``sum_p log sum_q``.
  Dense 0/1 data use two BLAS products (``X @ (L1 - L0) + M @ L0``), adaptive data a sparse
  ``Y``, so the cost follows the number of responses, not persons x items.
* **M-step**: one Fisher-scoring step per item, all items at once (batched small linear solves),
  toward the maximum of ``sum_q sum_k r_jkq log P_jk(theta_q) + log prior``.
* **Acceleration**: SQUAREM (scheme S3): two EM steps, an extrapolation along them and a
  stabilizing EM step, keeping the extrapolation only if the log posterior does not drop. Same
  fixed point as plain EM, about half the iterations.
* **Convergence**: every internal parameter moves less than ``tol`` in an EM step.

Parameterizations used inside (better conditioned than ``a, b``):

* 1PL / 2PL / GPCM, a divide-by-total family: ``z_k = k a theta + D_k`` with ``D_0 = 0`` and
  ``a = exp(alpha)``; back to the ``a(theta - b_k)`` form with ``b_k = -(D_k - D_{k-1}) / a``.
  ``1pl`` fixes ``a = 1`` (Rasch) unless ``common_a`` estimates a single shared ``a``.
* 3PL: ``P = c + (1 - c) logistic(a theta + d)`` with ``a = exp(alpha)``, ``c = logistic(gamma)``,
  ``b = -d / a``.

Priors (``prior='default'``; MAP in the M-step, for stability on sparse adaptive data):
``alpha ~ N(0, 1)`` (lognormal ``a``; ``N(0, 0.5^2)`` for 3PL items and for every item of an
all-3PL bank), intercepts ``~ N(0, 5^2)``, and for the 3PL ``c ~ Beta(5, 17)`` (mean 0.2, the
BILOG default for 4-5 options). ``prior='none'`` drops all of them: plain marginal maximum
likelihood, as R's ltm and mirt estimate (reproduces their published LSAT estimates). The
reported ``loglik`` excludes the priors either way.

Standard errors: see :mod:`assessment.scoring.standard_errors` (full observed information by
default, ``se='block'`` for the per-item approximation). Item fit: infit/outfit
(:mod:`assessment.scoring.fit`) and S-X2, plus M2 for the model
(:mod:`assessment.scoring.model_fit`).

References
----------
Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item parameters:
application of an EM algorithm. *Psychometrika*, 46(4), 443-459.
Muraki, E. (1992). A generalized partial credit model. *Applied Psychological Measurement*, 16.
Mislevy, R. J. (1986). Bayes modal estimation in item response models. *Psychometrika*, 51.
Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating the
convergence of any EM algorithm. *Scandinavian Journal of Statistics*, 35(2), 335-353.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit, logit

from assessment.scoring.estimation import grid_log_likelihood
from assessment.scoring.fit import item_fit_cells, reliability
from assessment.scoring.maximization import PRIORS, ItemState, log_probability_table, update_3pl, update_divide_by_total
from assessment.scoring.model_fit import M2Result, m2_statistic, sx2_item_fit
from assessment.scoring.parameters import MODELS, ItemParameters
from assessment.scoring.response_models import check_responses
from assessment.scoring.standard_errors import (
    SE_METHODS,
    block_covariance,
    full_covariance,
    log_probability_gradients,
    natural_standard_errors,
    prior_gradient,
)

QUADRATURE_RANGE = 5.0
"""Nodes span [-5, 5]: N(0, 1) mass outside is 6e-7."""
MIN_PERSONS = 10
"""Fewer persons than this cannot calibrate anything."""
DENSE_LIMIT = 20_000_000
"""Use dense BLAS products for the E-step when persons x items x categories is below this
and at least 20% of the cells are filled; otherwise sparse."""


@dataclass(frozen=True)
class CalibrationResult:
    """Output of :func:`calibrate`.

    Attributes
    ----------
    params : ItemParameters
    se : pandas.DataFrame
        Index item id; columns ``se_a``, ``se_b`` (+ ``se_c``, ``se_t1..``) as applicable.
    loglik : float
        Marginal log-likelihood at the estimates (priors excluded).
    n_iter : int
    converged : bool
    item_fit : pandas.DataFrame
        See :func:`assessment.scoring.fit.item_fit`, plus ``sx2``, ``sx2_df``, ``sx2_p``
        (:func:`assessment.scoring.model_fit.sx2_item_fit`; NaN without complete rows).
    reliability : float
        Empirical (EAP) reliability, see :func:`assessment.scoring.fit.reliability`.
    theta, theta_se : ndarray
        EAP abilities and posterior SDs of the persons at the final estimates.
    m2 : M2Result or None
        Limited-information fit of the whole model (dichotomous items, complete rows), see
        :func:`assessment.scoring.model_fit.m2_statistic`.
    prior : str
        The prior used (``'default'`` or ``'none'``).
    """

    params: ItemParameters
    se: pd.DataFrame
    loglik: float
    n_iter: int
    converged: bool
    item_fit: pd.DataFrame
    reliability: float
    theta: np.ndarray
    theta_se: np.ndarray
    m2: M2Result | None = None
    prior: str = "default"


@dataclass(frozen=True)
class SparseResponses:
    """Long-form responses for very large sparse designs, without an n_persons x n_items matrix:
    ``person[i]`` (0..n_persons-1) gave score ``score[i]`` to item ``item[i]`` (0..n_items-1).

    Accepted by :func:`calibrate` wherever a response matrix is; S-X2 and M2 (which need
    complete rows) are not computed for it.
    """

    person: np.ndarray
    item: np.ndarray
    score: np.ndarray
    shape: tuple[int, int]


class _Data:
    """Validated responses and their design for the E-step.

    ``mode`` is ``'binary'`` (dichotomous, dense: ``X`` the 0/1 matrix with 0 where missing,
    ``M`` the administered mask), ``'dense'`` (one-hot ``Y``, dense) or ``'sparse'`` (one-hot
    ``Y``, CSR): whichever makes the E-step's products cheapest.
    """

    def __init__(self, x: np.ndarray | None, K: int, cells=None):
        self.x = x
        self.K = K
        if x is None:  # long-form input: always the sparse design
            rows, cols, cat, (P, J) = cells
            self.rows, self.cols, self.cat = rows, cols, cat.astype(np.int64)
            y = sparse.csr_matrix((np.ones(rows.size), (rows, cols * K + self.cat)), shape=(P, J * K))
            self.mode, self.Y, self.Yt = "sparse", y, y.T.tocsr()
            return
        answered = ~np.isnan(x)
        rows, cols = np.nonzero(answered)
        self.rows, self.cols = rows, cols
        self.cat = x[rows, cols].astype(np.int64)
        P, J = x.shape
        dense = P * J * K <= DENSE_LIMIT and rows.size >= 0.2 * P * J
        if dense and K == 2:
            self.mode = "binary"
            self.X = np.where(answered, x, 0.0)
            self.complete = bool(answered.all())
            self.M = None if self.complete else answered.astype(float)
            return
        y = sparse.csr_matrix((np.ones(rows.size), (rows, cols * K + self.cat)), shape=(P, J * K))
        if dense:
            self.mode, self.Y = "dense", y.toarray()
            self.Yt = np.ascontiguousarray(self.Y.T)
        else:
            self.mode, self.Y, self.Yt = "sparse", y, y.T.tocsr()


def _e_step(data: _Data, table: np.ndarray, log_w: np.ndarray):
    """Posterior weights ``W`` (persons x nodes), expected counts ``r`` (items x categories x
    nodes) and the marginal log-likelihood, all in log space until the last exponentiation."""
    J, K, Q = table.shape
    L = np.where(np.isfinite(table), table, 0.0)
    if data.mode == "binary":
        lp = data.X @ (L[:, 1, :] - L[:, 0, :])
        lp += L[:, 0, :].sum(axis=0) if data.complete else data.M @ L[:, 0, :]
    else:
        lp = np.asarray(data.Y @ L.reshape(J * K, Q))
    lp += log_w
    m = lp.max(axis=1, keepdims=True)
    lp -= m
    w = np.exp(lp, out=lp)
    s = w.sum(axis=1, keepdims=True)
    w /= s
    loglik = float(np.sum(np.log(s)) + np.sum(m))
    if data.mode == "binary":
        r1 = data.X.T @ w
        n = np.broadcast_to(w.sum(axis=0), r1.shape) if data.complete else data.M.T @ w
        r = np.stack([n - r1, r1], axis=1)
    else:
        r = np.asarray(data.Yt @ w).reshape(J, K, Q)
    return w, r, loglik


def _ids_and_models(item_ids, model, P: int, J: int) -> tuple[tuple[str, ...], np.ndarray]:
    ids = tuple(str(i) for i in item_ids) if item_ids is not None else tuple(
        f"i{k + 1}" for k in range(J))
    if len(ids) != J:
        raise ValueError(f"{len(ids)} item ids for {J} columns")
    names = [str(m).lower().replace("rasch", "1pl") for m in ([model] * J if isinstance(model, str) else model)]
    if len(names) != J or not set(names) <= set(MODELS):
        raise ValueError(f"model must be one of {', '.join(MODELS)} (or one per item)")
    models = np.array(names, dtype="<U4")  # four wide: held items may bring "gpcm"
    if P < MIN_PERSONS:
        raise ValueError(f"too few persons to calibrate: {P} (need at least {MIN_PERSONS})")
    return ids, models


def _validate_long(r: SparseResponses, model, item_ids, held=frozenset()):
    """Checks of :func:`_validate` for long-form input, vectorized over the responses."""
    P, J = (int(v) for v in r.shape)
    rows = np.asarray(r.person, dtype=np.int64).reshape(-1)
    cols = np.asarray(r.item, dtype=np.int64).reshape(-1)
    vals = np.asarray(r.score, dtype=float).reshape(-1)
    if not (rows.size == cols.size == vals.size):
        raise ValueError("person, item and score must have the same length")
    if rows.size and (rows.min() < 0 or rows.max() >= P or cols.min() < 0 or cols.max() >= J):
        raise ValueError(f"person/item index out of range for shape {(P, J)}")
    ids, models = _ids_and_models(item_ids, model, P, J)
    bad = (vals != np.round(vals)) | (vals < 0) | ((vals > 1) & (models[cols] != "gpcm"))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"item {ids[cols[i]]!r}, person {rows[i]}: invalid response {vals[i]:g}")
    n = np.bincount(cols, minlength=J)
    low = np.full(J, np.inf)
    high = np.full(J, -np.inf)
    np.minimum.at(low, cols, vals)
    np.maximum.at(high, cols, vals)
    is_held = np.array([i in held for i in ids])
    for j in np.flatnonzero(((n == 0) | (low == high)) & ~is_held):
        if n[j] == 0:
            raise ValueError(f"item {ids[j]!r}: no responses")
        raise ValueError(f"item {ids[j]!r}: every response is {low[j]:g}; a constant "
                         "column carries no information about the item")
    return (rows, cols, vals, (P, J)), ids, models


def _as_floats(responses) -> np.ndarray:
    """The responses as floats, every kind of missing value (NaN, None, pandas' ``NA``) as NaN.
    Where numpy or pandas refuse a cell (pandas' ``NA`` in an object column or a list, text), the
    cells as objects with the missing ones NaN, for :func:`_validate` to convert or to name."""
    try:
        if isinstance(responses, pd.DataFrame):
            responses = responses.to_numpy(dtype=float, na_value=np.nan)
        return np.array(responses, dtype=float)
    except (TypeError, ValueError):  # pandas' NA in an object column or a list (float() refuses it), text
        cells = np.array(responses, dtype=object)
        cells[pd.isna(cells)] = np.nan
        return cells


def _is_number(cell) -> bool:
    try:
        float(cell)
    except (TypeError, ValueError):
        return False
    return True


def _invalid(item: str, model: str, row: int, shown: str) -> ValueError:
    kind = "a category 0, 1, 2, ..." if model == "gpcm" else "0 or 1"
    return ValueError(f"item {item!r}, row {row}: invalid response {shown} (expected {kind} or empty)")


def _validate(responses, model, item_ids, held=frozenset()) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    if isinstance(responses, pd.DataFrame):
        item_ids = tuple(str(c) for c in responses.columns) if item_ids is None else item_ids
    x = _as_floats(responses)
    if x.ndim != 2:
        raise ValueError(f"responses must be 2-D (n_persons, n_items), got shape {x.shape}")
    P, J = x.shape
    ids, models = _ids_and_models(item_ids, model, P, J)
    if x.dtype == object:
        for j, row in np.ndindex(J, P):  # the first cell that is no number, item by item
            if not _is_number(x[row, j]):
                raise _invalid(ids[j], models[j], row, repr(x[row, j]))
        x = np.array(x, dtype=float)
    seen = ~np.isnan(x)
    for j in range(J):
        col = x[seen[:, j], j]
        if col.size == 0 and ids[j] in held:
            continue
        if col.size == 0:
            raise ValueError(f"item {ids[j]!r}: no responses")
        bad = (col != np.round(col)) | (col < 0) | ((col > 1) & (models[j] != "gpcm"))
        if bad.any():
            row = int(np.flatnonzero(seen[:, j])[np.argmax(bad)])
            raise _invalid(ids[j], models[j], row, f"{x[row, j]:g}")
        if np.all(col == col[0]) and ids[j] not in held:
            raise ValueError(f"item {ids[j]!r}: every response is {col[0]:g}; a constant "
                             "column carries no information about the item")
    return x, ids, models


def calibrate(responses, model: str | Sequence[str] = "2pl", *, item_ids=None,
              common_a: bool = False, n_categories=None, n_quadrature: int = 41,
              max_iter: int = 500, tol: float = 1e-4, prior: str = "default",
              se: str = "full", fixed: ItemParameters | None = None) -> CalibrationResult:
    """Calibrate items by marginal maximum likelihood (EM over quadrature).

    Parameters
    ----------
    responses : array_like or pandas.DataFrame, shape (n_persons, n_items)
        0/1 (or category 0..m-1 for GPCM); NaN, None or pandas' ``NA`` = not administered.
        A DataFrame's columns are the item ids.
    model : {'1pl', '2pl', '3pl', 'gpcm'} or sequence of them (one per item)
    item_ids : sequence of str, optional
    common_a : bool
        For ``1pl``: estimate one discrimination shared by all items instead of ``a = 1``.
    n_categories : sequence of int, optional
        Score categories per item (GPCM items; 2 for dichotomous ones). Default: the highest
        observed category + 1. Categories nobody reached keep finite steps through the weak
        intercept prior (and large standard errors).
    n_quadrature : int
        Quadrature nodes over [-5, 5].
    max_iter, tol : int, float
        EM stops when every internal parameter moves less than ``tol`` in an iteration.
    prior : {'default', 'none'}
        ``default``: ``log a ~ N(0, 1)`` (``N(0, 0.5^2)`` for 3PL items and for every item of
        an all-3PL bank), intercepts ``~ N(0, 5^2)``, 3PL ``c ~ Beta(5, 17)``: estimates are
        posterior modes, finite on sparse adaptive data. ``none``: plain marginal maximum
        likelihood, as R's ltm and mirt estimate (can diverge on sparse data or for an item
        almost everyone passes).
    se : {'full', 'block'}
        ``full``: from the observed information of the whole marginal log-likelihood (one
        E-step pair per parameter: fine for a few hundred items). ``block``: per-item
        cross-product information, linear in the responses, a few per cent optimistic (for
        banks of thousands of items). See :mod:`assessment.scoring.standard_errors`.
    fixed : ItemParameters, optional
        Items (matched by id to the columns) held at these parameters: their responses still
        inform every person's posterior, but they are not re-estimated (SEs NaN). For
        adaptive data, hold items with too few responses this way rather than dropping their
        responses: the choice of the other items depended on them, and dropping them biases
        the rest (the data are missing at random only given every administered response).

    Returns
    -------
    CalibrationResult

    Raises
    ------
    ValueError
        Too few persons, an item without responses or with constant responses, a cell that is
        not a valid category or not a number (the message names the item and row).
    """
    if prior not in PRIORS:
        raise ValueError(f"prior must be one of {', '.join(PRIORS)}, got {prior!r}")
    if se not in SE_METHODS:
        raise ValueError(f"se must be one of {', '.join(SE_METHODS)}, got {se!r}")
    held_ids = frozenset(fixed.ids) if fixed is not None else frozenset()
    if isinstance(responses, SparseResponses):
        x = None
        cells, ids, models = _validate_long(responses, model, item_ids, held_ids)
        c_rows, c_cols, c_vals, (P, J) = cells
    else:
        x, ids, models = _validate(responses, model, item_ids, held_ids)
        P, J = x.shape
        c_rows, c_cols = np.nonzero(~np.isnan(x))
        c_vals = x[c_rows, c_cols]
    unknown = held_ids - set(ids)
    if unknown:
        raise ValueError(f"fixed item {sorted(unknown)[0]!r} is not a column of the responses")
    held = np.array([i in held_ids for i in ids])
    held_rows = [fixed.index_of(i) for i in ids if i in held_ids]
    if held.any():
        models[held] = fixed.model[held_rows]
    estimated = ~held[c_cols]
    if np.unique(c_rows[estimated]).size < MIN_PERSONS and (~held).any():
        raise ValueError(f"too few persons answered the items to estimate (need {MIN_PERSONS})")
    top = np.full(J, -1.0)
    np.maximum.at(top, c_cols, c_vals)
    top = top.astype(int) + 1
    n_cat = np.where(models == "gpcm", np.maximum(top, 2), 2)
    if held.any():
        n_cat[held] = np.maximum(fixed.n_categories[held_rows], n_cat[held])
    if n_categories is not None:
        given = np.asarray(n_categories, dtype=int).reshape(-1)
        if given.shape != (J,):
            raise ValueError(f"n_categories has {given.size} values for {J} items")
        short = given < n_cat
        if short.any() or np.any((models != "gpcm") & (given != 2)):
            j = int(np.argmax(short | ((models != "gpcm") & (given != 2))))
            raise ValueError(f"item {ids[j]!r}: n_categories {given[j]} does not fit its model "
                             f"and responses (highest category {n_cat[j] - 1})")
        n_cat = given
    K = int(n_cat.max())
    data = _Data(x, K, cells=None if x is not None else (c_rows, c_cols, c_vals, (P, J)))
    nodes = np.linspace(-QUADRATURE_RANGE, QUADRATURE_RANGE, int(n_quadrature))
    log_w = -0.5 * nodes**2
    log_w -= np.log(np.exp(log_w).sum())

    if prior == "none":
        reached = np.zeros((J, K), dtype=bool)
        reached[data.cols, data.cat] = True
        missing = (np.arange(K)[None, :] < n_cat[:, None]) & ~reached & ~held[:, None]
        if missing.any():
            j, k = np.argwhere(missing)[0]
            raise ValueError(f"item {ids[j]!r}: nobody scored category {k}, which has no finite "
                             "maximum-likelihood estimate without a prior (use prior 'default')")
    state = ItemState(models, n_cat, K, common_a, prior)
    # start: intercepts from the observed category proportions (logits), a = 1
    for k in range(1, K):
        count_k = np.bincount(data.cols[data.cat == k], minlength=J) + 0.5
        count_0 = np.bincount(data.cols[data.cat == 0], minlength=J) + 0.5
        state.D[:, k] = np.where(k < n_cat, np.log(count_k / count_0), -np.inf)
    if state.is3.any():
        p = expit(state.D[state.is3, 1])
        c0 = expit(state.gamma[state.is3])
        state.D[state.is3, 1] = logit(np.clip((p - c0) / (1 - c0), 0.05, 0.95))
    state.fixed = held
    if held.any():
        h_a = fixed.a[held_rows]
        h_alpha = np.log(h_a)
        h_D = np.full((int(held.sum()), K), -np.inf)
        h_D[:, 0] = 0.0
        steps = np.nan_to_num(fixed.thresholds[held_rows])
        for r, (row, m) in enumerate(zip(held_rows, models[held])):
            if m == "gpcm":
                m_cat = int(fixed.n_categories[row])
                h_D[r, 1:m_cat] = -h_a[r] * np.cumsum(steps[r, : m_cat - 1])
            else:
                h_D[r, 1] = -h_a[r] * fixed.b[row]
        h_gamma = np.where(models[held] == "3pl", logit(np.clip(fixed.c[held_rows], 1e-6, 1 - 1e-6)), 0.0)

    def hold() -> None:
        """Put the held items back at their given parameters."""
        if held.any():
            state.alpha[held] = h_alpha
            state.D[held] = h_D
            state.gamma[held] = h_gamma

    hold()

    def em_update() -> float:
        """One EM iteration in place; returns the log posterior at the parameters it started from."""
        table = log_probability_table(state, nodes)
        _, r, ll = _e_step(data, table, log_w)
        log_prior = state.log_prior()
        update_divide_by_total(state, r, nodes, table)
        update_3pl(state, r, nodes, table)
        hold()
        return ll + log_prior

    # SQUAREM (Varadhan & Roland, 2008, scheme S3): two EM steps, an extrapolation along them,
    # one stabilizing EM step; the extrapolation is dropped if it lowers the log posterior.
    converged, it = False, 0
    x0 = state.vector()
    while it < int(max_iter):
        em_update()
        x1 = state.vector()
        obj1 = em_update()
        x2 = state.vector()
        it += 2
        if np.max(np.abs(x2 - x1)) < tol:
            converged = True
            break
        r_vec, v_vec = x1 - x0, (x2 - x1) - (x1 - x0)
        norm_v = float(np.linalg.norm(v_vec))
        if norm_v == 0.0 or it + 1 > int(max_iter):
            x0 = x2
            continue
        step = min(-float(np.linalg.norm(r_vec)) / norm_v, -1.0)
        state.set_vector(x0 - 2 * step * r_vec + step**2 * v_vec)
        hold()
        obj_acc = em_update()
        it += 1
        if not np.isfinite(obj_acc) or obj_acc < obj1:
            state.set_vector(x2)
            hold()
        x0 = state.vector()

    table = log_probability_table(state, nodes)
    w, _, loglik = _e_step(data, table, log_w)
    params = _to_parameters(state, ids)
    if se == "full":
        def marginal_score(st: ItemState) -> np.ndarray:
            tab = log_probability_table(st, nodes)
            _, r, _ = _e_step(data, tab, log_w)
            G = np.nan_to_num(log_probability_gradients(st, tab, nodes))
            return np.einsum("jkq,jkqu->ju", r, G) + prior_gradient(st)

        cov, var_shared = full_covariance(state, marginal_score)
        errors = natural_standard_errors(params, state, cov, var_shared)
    else:
        G = np.nan_to_num(log_probability_gradients(state, table, nodes))
        cov, var_shared = block_covariance(state, table, G, data.rows, data.cols, data.cat, w)
        errors = natural_standard_errors(params, state, cov, var_shared, n_persons=P)
    errors.loc[held] = np.nan
    theta = w @ nodes
    theta_se = np.sqrt(np.maximum(w @ nodes**2 - theta**2, 0.0))
    fit = item_fit_cells(params, c_rows, c_cols, c_vals, theta)
    if x is not None:
        fit = fit.join(sx2_item_fit(params, x))
    else:
        fit = fit.assign(sx2=np.nan, sx2_df=0, sx2_p=np.nan)
    return CalibrationResult(params=params, se=errors, loglik=loglik, n_iter=it, converged=converged,
                             item_fit=fit, reliability=reliability(theta, theta_se),
                             theta=theta, theta_se=theta_se,
                             m2=None if x is None else m2_statistic(params, x, common_a=common_a),
                             prior=prior)


def marginal_log_likelihood(params: ItemParameters, responses, *, n_quadrature: int = 41) -> float:
    """``sum_p log integral prod_j P(x_pj | theta) phi(theta) dtheta`` on the calibration grid.

    The quantity :func:`calibrate` maximizes (before priors) and reports as ``loglik``; useful
    to compare parameter sets on the same data.
    """
    x = check_responses(params, responses)
    nodes = np.linspace(-QUADRATURE_RANGE, QUADRATURE_RANGE, int(n_quadrature))
    log_w = -0.5 * nodes**2
    log_w -= np.log(np.exp(log_w).sum())
    lp = grid_log_likelihood(params, x, nodes) + log_w
    m = lp.max(axis=1, keepdims=True)
    return float(np.sum(np.log(np.exp(lp - m).sum(axis=1)) + m[:, 0]))


def _to_parameters(state: ItemState, ids) -> ItemParameters:
    J, K = state.D.shape
    a = np.exp(state.alpha)
    steps = np.full((J, max(K - 1, 1)), np.nan)
    gp = state.model == "gpcm"
    for k in range(1, K):
        ok = gp & (k < state.n_cat)
        steps[ok, k - 1] = -(state.D[ok, k] - state.D[ok, k - 1]) / a[ok]
    b = np.where(gp, 0.0, -state.D[:, 1] / a)
    c = np.where(state.is3, expit(state.gamma), 0.0)
    return ItemParameters(ids=ids, model=state.model, a=a, b=b, c=c, thresholds=steps,
                          n_categories=np.where(gp, state.n_cat, 2))

