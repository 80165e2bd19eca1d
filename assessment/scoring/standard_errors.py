"""Standard errors of calibrated item parameters (used by :mod:`assessment.scoring.calibration`).

Two estimates of the information matrix of the internal parameters ``u``, then the delta method
to ``a, b, c, b_k``:

* ``full`` (the default): the observed information of the whole marginal log-likelihood (plus
  the log prior when priors are on), every item with every other one. The gradient of the
  marginal log-likelihood is exact by Fisher's identity (``sum_q r_jkq d log P_jk(theta_q)/du``
  with the posterior counts ``r`` of an E-step at ``u``); the Hessian is its central difference,
  one E-step pair per free parameter (a numerical-Hessian form of Oakes' identity). These are
  the standard errors R's ltm (numerical Hessian) and mirt (``SE.type = "Oakes"`` or
  ``"Richardson"``) report. The cost grows with items x persons x parameters, so for banks of
  thousands of items use ``block``.
* ``block``: the cross-product of the per-person marginal scores (XPD; Fisher's identity)::

      s_pj = sum_q W_pq  d log P(X_j = x_pj | theta_q) / d u_j,     I_j = sum_p s_pj s_pj^T

  plus the prior's information, inverted per item (block-diagonal information: covariances
  between items ignored, which makes the SEs a few per cent too small), plus the one component
  all items share: the scale is fixed by ``theta ~ N(0, 1)`` in this sample, whose mean and SD
  differ from 0 and 1 by sampling error (variances ``1/P`` and ``1/(2P)`` for ``P`` persons),
  so every location gets ``(1 + b^2/2) / P`` and every free slope ``a^2 / (2P)`` of extra
  variance. Linear in the number of responses.

Internal parameters: divide-by-total items (1PL/2PL/GPCM) ``u = (alpha, D_1..D_{K-1})`` with
``z_k = k e^alpha theta + D_k``; 3PL items ``u = (alpha, d, gamma)``.

References
----------
Mislevy, R. J., & Bock, R. D. (1990). *BILOG 3*. Scientific Software (cross-product information).
Louis, T. A. (1982). Finding the observed information matrix when using the EM algorithm.
*Journal of the Royal Statistical Society B*, 44(2), 226-233.
Oakes, D. (1999). Direct calculation of the information matrix via the EM algorithm.
*Journal of the Royal Statistical Society B*, 61(2), 479-482.
Chalmers, R. P. (2018). Numerical approximation of the observed information matrix with Oakes'
identity. *British Journal of Mathematical and Statistical Psychology*, 71(3), 415-436.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from assessment.scoring.parameters import ItemParameters

CHUNK = 50_000
"""Responses processed per block when accumulating scores (bounds memory to ~100 MB)."""
DENSE_CELLS = 20_000_000
"""Persons x items x categories up to which dense data use matrix products instead."""


SE_METHODS = ("full", "block")
"""``full``: observed information of the whole marginal log-likelihood; ``block``: per-item
cross-product information (fast, slightly optimistic)."""
HESSIAN_STEP = 1e-4
"""Central-difference step on the internal parameters for the full information."""


def log_probability_gradients(state, table: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """``G[j, k, q, u] = d log P(X_j = k | theta_q) / d u_j`` for the internal parameters."""
    from assessment.scoring.maximization import derivatives_3pl

    J, K, Q = table.shape
    U = max(K, 3)
    a = np.exp(state.alpha)
    is3 = state.is3
    prob = np.exp(table)
    G = np.zeros((J, K, Q, U))
    kk = np.arange(K)
    mean_k = np.einsum("jkq,k->jq", prob, kk)
    dbt = ~is3
    G[dbt, :, :, 0] = (a[dbt, None, None] * nodes[None, None, :]
                       * (kk[None, :, None] - mean_k[dbt, None, :]))
    for l in range(1, K):
        G[dbt, :, :, l] = (kk[:, None] == l)[None, :, :] - prob[dbt, l, None, :]
    if is3.any():
        derivs3, p3 = derivatives_3pl(state, np.flatnonzero(is3), nodes)
        G[is3, 1, :, :3] = np.moveaxis(derivs3 / p3[:, None, :], 1, 2)
        G[is3, 0, :, :3] = np.moveaxis(-derivs3 / (1 - p3)[:, None, :], 1, 2)
    return G


def active_slots(state) -> np.ndarray:
    """``(J, U)`` mask of the internal parameters each item estimates on its own."""
    J, K = state.D.shape
    active = np.zeros((J, max(K, 3)), dtype=bool)
    dbt = ~state.is3
    active[dbt, 0] = state.free_a[dbt]
    active[dbt, 1:K] = np.isfinite(state.D[dbt, 1:K])
    active[state.is3, :3] = True
    active[state.fixed] = False
    return active


def _get(state, j: int, u: int) -> float:
    if u == 0:
        return float(state.alpha[j])
    if state.is3[j] and u == 2:
        return float(state.gamma[j])
    return float(state.D[j, u])


def _set(state, j, u: int, value: float) -> None:
    if u == 0:
        state.alpha[j] = value
    elif np.all(state.is3[j]) and u == 2:
        state.gamma[j] = value
    else:
        state.D[j, u] = value


def prior_gradient(state) -> np.ndarray:
    """Gradient of the log prior in the internal parameters, ``(J, U)``."""
    J, K = state.D.shape
    g = np.zeros((J, max(K, 3)))
    g[:, 0] = -state.a_prec * state.alpha * (state.free_a | state.shared_a | state.is3)
    g[:, 1:K] = -state.d_prec * np.where(np.isfinite(state.D[:, 1:]), state.D[:, 1:], 0.0)
    if state.is3.any():
        c = 1 / (1 + np.exp(-state.gamma[state.is3]))
        e1, e0 = state.c_exps
        g[state.is3, 2] = e1 * (1 - c) - e0 * c
    return g


def full_covariance(state, marginal_score) -> tuple[np.ndarray, float | None]:
    """Per-item blocks ``(J, U, U)`` of the inverse observed information of the log posterior
    (the marginal log-likelihood when priors are off), and the variance of the shared 1PL
    slope (None without one).

    ``marginal_score(state)`` returns the exact gradient ``(J, U)`` of the marginal
    log-likelihood plus log prior at the state's current parameters.
    """
    active = active_slots(state)
    slots = [(j, u) for j, u in zip(*np.nonzero(active))]
    shared = np.flatnonzero(state.shared_a & ~state.is3 & ~state.fixed)
    n = len(slots) + (1 if shared.size else 0)

    def flat(g: np.ndarray) -> np.ndarray:
        out = [g[j, u] for j, u in slots]
        if shared.size:
            out.append(g[shared, 0].sum())
        return np.array(out)

    hess = np.zeros((n, n))
    for i in range(n):
        if i < len(slots):
            j, u = slots[i]
            x0 = _get(state, j, u)
            setter = functools.partial(_set, state, j, u)
        else:
            x0 = float(state.alpha[shared[0]])
            setter = functools.partial(_set, state, shared, 0)
        setter(x0 + HESSIAN_STEP)
        up = flat(marginal_score(state))
        setter(x0 - HESSIAN_STEP)
        down = flat(marginal_score(state))
        setter(x0)
        hess[:, i] = (up - down) / (2 * HESSIAN_STEP)
    hess = (hess + hess.T) / 2
    try:
        cov_all = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        cov_all = np.linalg.pinv(-hess)
    J, U = active.shape
    cov = np.zeros((J, U, U))
    position = {s: i for i, s in enumerate(slots)}
    for j in range(J):
        idx = [(u, position[(j, u)]) for u in range(U) if (j, u) in position]
        if shared.size and state.shared_a[j] and not state.is3[j]:
            idx.insert(0, (0, n - 1))
        us = [u for u, _ in idx]
        ps = [p for _, p in idx]
        cov[j][np.ix_(us, us)] = cov_all[np.ix_(ps, ps)]
    var_shared = float(cov_all[n - 1, n - 1]) if shared.size else None
    return cov, var_shared


def block_covariance(state, table: np.ndarray, G: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                     cat: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float | None]:
    """Per-item inverse cross-product information ``(J, U, U)`` (see the module docstring) and
    the variance of the shared 1PL slope (None without one)."""
    J, K, Q = table.shape
    U = max(K, 3)
    is3 = state.is3
    dbt = ~is3
    active = active_slots(state)
    free_a = np.asarray(state.free_a, dtype=bool)
    shared_a = bool(state.shared_a.any())
    info = np.zeros((J, U, U))
    alpha_score = np.zeros(w.shape[0]) if shared_a else None
    P = w.shape[0]
    if rows.size >= 0.2 * P * J and P * J * K <= DENSE_CELLS:
        # dense data: one BLAS product per parameter, then pick the observed cells
        scores = np.empty((rows.size, U))
        for u in range(U):
            full = w @ G[:, :, :, u].reshape(J * K, Q).T           # (P, J*K)
            scores[:, u] = full[rows, cols * K + cat]
        blocks = [(slice(None), scores)]
    else:
        blocks = ((slice(start, start + CHUNK), None) for start in range(0, rows.size, CHUNK))
    for sl, s in blocks:
        if s is None:
            s = np.einsum("iq,iqu->iu", w[rows[sl]], G[cols[sl], cat[sl]])
        for u in range(U):
            for v in range(u, U):
                acc = np.bincount(cols[sl], weights=s[:, u] * s[:, v], minlength=J)
                info[:, u, v] += acc
                if v != u:
                    info[:, v, u] += acc
        if shared_a:
            shared_cell = ~free_a[cols[sl]] & ~is3[cols[sl]]
            alpha_score += np.bincount(rows[sl], weights=np.where(shared_cell, s[:, 0], 0.0),
                                       minlength=P)

    # prior information (zero when priors are off)
    info[dbt & free_a, 0, 0] += state.a_prec[dbt & free_a]
    for l in range(1, K):
        info[dbt, l, l] += np.where(active[dbt, l], state.d_prec, 0.0)
    if is3.any():
        c = 1 / (1 + np.exp(-state.gamma[is3]))
        info[is3, 0, 0] += state.a_prec[is3]
        info[is3, 1, 1] += state.d_prec
        info[is3, 2, 2] += sum(state.c_exps) * c * (1 - c)

    both = active[:, :, None] & active[:, None, :]
    info = np.where(both, info, 0.0) + np.eye(U)[None] * (~active)[:, :, None]
    cov = np.linalg.inv(info) * both
    var_shared = None
    if shared_a:
        prec = float(state.a_prec[state.shared_a][0])
        var_shared = 1.0 / (float(np.sum(alpha_score**2)) + prec)
    return cov, var_shared


def natural_standard_errors(params: ItemParameters, state, cov: np.ndarray,
                            var_shared: float | None, *, n_persons: int | None = None) -> pd.DataFrame:
    """Delta method from the internal covariance blocks to ``se_a, se_b (, se_c, se_t1..)``.

    ``n_persons`` adds the sampling variance of the scale (block method only, see the module
    docstring); the full information already holds it.
    """
    J, U, _ = cov.shape
    K = state.D.shape[1]
    a = params.a
    is3 = params.model == "3pl"
    gp = params.model == "gpcm"
    active = active_slots(state)
    shared = state.shared_a & ~is3
    # delta method: rows a, b, c, t1..t_{K-1}
    n_nat = 3 + (K - 1)
    jac = np.zeros((J, n_nat, U))
    jac[:, 0, 0] = a
    b = params.b
    jac[~gp, 1, 0] = -b[~gp]
    jac[~gp, 1, 1] = -1 / a[~gp]
    jac[is3, 2, 2] = params.c[is3] * (1 - params.c[is3])
    steps = params.thresholds
    for k in range(1, K):
        ok = gp & (k < params.n_categories)
        r = 2 + k
        jac[ok, r, 0] = -steps[ok, k - 1]
        jac[ok, r, k] = -1 / a[ok]
        if k > 1:
            jac[ok, r, k - 1] = 1 / a[ok]
    if gp.any():
        m = (params.n_categories - 1).astype(float)
        valid = (np.arange(1, K)[None, :] < params.n_categories[:, None])
        jac[gp, 1, :] = (jac[gp, 3:, :] * valid[gp, :, None]).sum(axis=1) / m[gp, None]
    var = np.einsum("jru,juv,jrv->jr", jac, cov, jac)
    if n_persons is not None:
        P = n_persons
        var[:, 0] += np.where(active[:, 0] | is3, a**2 / (2 * P), 0.0)
        locations = np.column_stack([b, steps[:, : K - 1]]) if K > 1 else b[:, None]
        var[:, [1] + list(range(3, 2 + K))] += (1 + np.nan_to_num(locations) ** 2 / 2) / P
    se = np.sqrt(np.maximum(var, 0.0))

    out = pd.DataFrame({"se_a": se[:, 0], "se_b": se[:, 1]}, index=pd.Index(params.ids, name="item"))
    fixed = ~state.free_a & ~is3
    out.loc[fixed, "se_a"] = 0.0
    if var_shared is not None:
        out.loc[shared, "se_a"] = a[shared] * np.sqrt(var_shared)
    if is3.any():
        out["se_c"] = np.where(is3, se[:, 2], np.nan)
    for k in range(1, K):
        if gp.any():
            out[f"se_t{k}"] = np.where(gp & (k < params.n_categories), se[:, 2 + k], np.nan)
    return out
