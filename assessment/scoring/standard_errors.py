"""Standard errors of calibrated item parameters (used by :mod:`assessment.scoring.calibration`).

The information of item ``j``'s internal parameters ``u_j`` is estimated by the cross-product
of the per-person marginal scores (XPD; Fisher's identity)::

    s_pj = sum_q W_pq  d log P(X_j = x_pj | theta_q) / d u_j,     I_j = sum_p s_pj s_pj^T

plus the prior's information, then inverted per item and mapped to ``a, b, c, b_k`` by the
delta method. Between-item covariances are ignored (block-diagonal information) except for
the one component all items share: the scale is fixed by ``theta ~ N(0, 1)`` in this sample,
whose mean and SD differ from 0 and 1 by sampling error (variances ``1/P`` and ``1/(2P)``
for ``P`` persons), so every location gets ``(1 + b^2/2) / P`` and every free slope
``a^2 / (2P)`` of extra variance.

Internal parameters: divide-by-total items (1PL/2PL/GPCM) ``u = (alpha, D_1..D_{K-1})`` with
``z_k = k e^alpha theta + D_k``; 3PL items ``u = (alpha, d, gamma)``.

References
----------
Mislevy, R. J., & Bock, R. D. (1990). *BILOG 3*. Scientific Software (cross-product information).
Louis, T. A. (1982). Finding the observed information matrix when using the EM algorithm.
*Journal of the Royal Statistical Society B*, 44(2), 226-233.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.scoring.parameters import ItemParameters

CHUNK = 50_000
"""Responses processed per block when accumulating scores (bounds memory to ~100 MB)."""
DENSE_CELLS = 20_000_000
"""Persons x items x categories up to which dense data use matrix products instead."""


def item_standard_errors(params: ItemParameters, D: np.ndarray, table: np.ndarray,
                         derivs3: np.ndarray | None, p3: np.ndarray | None, rows: np.ndarray,
                         cols: np.ndarray, cat: np.ndarray, w: np.ndarray, nodes: np.ndarray, *,
                         free_a: np.ndarray, shared_a: bool, prior_sd: np.ndarray,
                         c_prior: tuple[float, float], a_prior_3pl: float) -> pd.DataFrame:
    """Standard errors as a DataFrame indexed by item (see the module docstring).

    ``free_a`` marks items with their own slope; ``shared_a`` that the 1PL items share one
    estimated slope (its SE comes from the summed slope scores of all persons).
    """
    J, K, Q = table.shape
    U = max(K, 3)
    a = params.a
    is3 = params.model == "3pl"
    gp = params.model == "gpcm"
    prob = np.exp(table)

    # G[j, k, q, u] = d log P_jk(theta_q) / d u
    G = np.zeros((J, K, Q, U))
    mean_k = np.einsum("jkq,k->jq", prob, np.arange(K))
    dbt = ~is3
    kk = np.arange(K)
    G[dbt, :, :, 0] = (a[dbt, None, None] * nodes[None, None, :]
                       * (kk[None, :, None] - mean_k[dbt, None, :]))
    for l in range(1, K):
        G[dbt, :, :, l] = (kk[:, None] == l)[None, :, :] - prob[dbt, l, None, :]
    if is3.any():
        G[is3, 1, :, :3] = np.moveaxis(derivs3 / p3[:, None, :], 1, 2)
        G[is3, 0, :, :3] = np.moveaxis(-derivs3 / (1 - p3)[:, None, :], 1, 2)

    active = np.zeros((J, U), dtype=bool)
    free_a = np.asarray(free_a, dtype=bool)
    active[dbt, 0] = free_a[dbt]
    active[dbt, 1:K] = np.isfinite(D[dbt, 1:K])
    active[is3, :3] = True

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

    # prior information
    a_sd, d_sd = prior_sd
    info[dbt & free_a, 0, 0] += 1 / a_sd**2
    for l in range(1, K):
        info[dbt, l, l] += np.where(active[dbt, l], 1 / d_sd**2, 0.0)
    if is3.any():
        c = params.c[is3]
        info[is3, 0, 0] += 1 / a_prior_3pl**2
        info[is3, 1, 1] += 1 / d_sd**2
        info[is3, 2, 2] += (sum(c_prior) - 2) * c * (1 - c)

    both = active[:, :, None] & active[:, None, :]
    info = np.where(both, info, 0.0) + np.eye(U)[None] * (~active)[:, :, None]
    cov = np.linalg.inv(info) * both

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
    # the scale is tied to this sample's abilities: their mean and SD are off N(0, 1) by
    # sampling error (variances 1/P and 1/(2P)), shifting every location and scaling every
    # slope together; the per-item blocks above cannot see that shared component.
    var[:, 0] += np.where(active[:, 0] | is3, a**2 / (2 * P), 0.0)
    locations = np.column_stack([b, steps[:, : K - 1]]) if K > 1 else b[:, None]
    var[:, [1] + list(range(3, 2 + K))] += (1 + np.nan_to_num(locations) ** 2 / 2) / P
    se = np.sqrt(np.maximum(var, 0.0))

    out = pd.DataFrame({"se_a": se[:, 0], "se_b": se[:, 1]}, index=pd.Index(params.ids, name="item"))
    fixed = ~free_a & ~is3
    out.loc[fixed, "se_a"] = 0.0
    if shared_a:
        # slope scores of the shared-a items only
        info_a = float(np.sum(alpha_score**2)) + 1 / a_sd**2
        out.loc[fixed, "se_a"] = a[fixed] * np.sqrt(1.0 / info_a)
    if is3.any():
        out["se_c"] = np.where(is3, se[:, 2], np.nan)
    for k in range(1, K):
        if gp.any():
            out[f"se_t{k}"] = np.where(gp & (k < params.n_categories), se[:, 2 + k], np.nan)
    return out
