"""The M-step of item calibration: internal parameterization, priors, Fisher scoring.

Used by :mod:`assessment.scoring.calibration`. Every item is updated at once: per item a small
(K+1)x(K+1) or 3x3 system of the expected (Fisher) information, solved in one batched call.

* Divide-by-total items (1PL, 2PL, GPCM): ``z_k = k e^alpha theta + D_k``, ``D_0 = 0``;
  gradient ``sum_q (r_kq - n_q P_kq)`` for ``D_k`` and ``a sum_q theta_q sum_k k (r_kq - n_q
  P_kq)`` for ``alpha``; information ``sum_q n_q J^T (diag P - P P^T) J``.
* 3PL: ``P = c + (1 - c) logistic(e^alpha theta + d)``, ``c = logistic(gamma)``; gradient
  ``sum_q (r_1q - n_q P_q) / (P_q (1 - P_q)) dP/du``, information
  ``sum_q n_q / (P_q (1 - P_q)) dP/du dP/dv``.

References
----------
Bock, R. D., & Aitkin, M. (1981). *Psychometrika*, 46(4), 443-459.
Muraki, E. (1992). *Applied Psychological Measurement*, 16(2), 159-176.
Baker, F. B., & Kim, S.-H. (2004). *Item response theory: parameter estimation techniques*.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit, logit

A_PRIOR_SD = 0.5
"""SD of log(a): 95% of the prior between a = 0.38 and 2.7 (BILOG's 3PL default)."""
A_PRIOR_SD_2PL = 1.0
"""Weaker log(a) prior for 2PL/GPCM (and every non-3PL item of a mixed bank), only to keep
sparse items finite."""
D_PRIOR_SD = 5.0
"""Weak prior on intercepts, only to keep items that nearly everyone passes finite."""
C_PRIOR = (5.0, 17.0)
"""Beta(5, 17) prior on the 3PL guessing parameter (mean 0.2)."""
PRIORS = ("default", "none")
"""``default``: the priors above (MAP in the M-step); ``none``: plain marginal maximum likelihood
(what R's ltm and mirt estimate by default)."""
MAX_STEP = 1.0
"""Fisher-scoring steps are shrunk so no parameter moves more than this per iteration."""


class ItemState:
    """Internal parameters (alpha, D, gamma) and the model of each item.

    ``free_a``: the item has its own estimated slope (2PL, GPCM, 3PL); ``shared_a``: 1PL items
    sharing one estimated slope (``common_a``); other 1PL items keep ``a = 1``.
    """

    def __init__(self, model: np.ndarray, n_cat: np.ndarray, K: int, common_a: bool,
                 prior: str = "default"):
        if prior not in PRIORS:
            raise ValueError(f"prior must be one of {', '.join(PRIORS)}, got {prior!r}")
        J = model.size
        self.prior = prior
        on = prior == "default"
        self.model = model
        self.n_cat = n_cat
        self.is3 = model == "3pl"
        self.dbt = ~self.is3
        self.free_a = model != "1pl"
        self.shared_a = (model == "1pl") & bool(common_a)
        self.a_prior_sd = A_PRIOR_SD if self.is3.all() else A_PRIOR_SD_2PL
        # prior precisions (0 = flat) and Beta exponents of c; all zero for prior="none"
        self.a_prec = np.where(self.is3, 1 / A_PRIOR_SD**2, 1 / self.a_prior_sd**2) * on
        self.d_prec = 1 / D_PRIOR_SD**2 * on
        self.c_exps = (C_PRIOR[0] - 1.0, C_PRIOR[1] - 1.0) if on else (0.0, 0.0)
        self.alpha = np.zeros(J)
        self.D = np.zeros((J, K))
        self.D[np.arange(K)[None, :] >= n_cat[:, None]] = -np.inf
        self.gamma = np.where(self.is3, logit(C_PRIOR[0] / sum(C_PRIOR)), 0.0)
        self._finite = np.isfinite(self.D)
        self.fixed = np.zeros(J, dtype=bool)  # items held at given parameters (not estimated)

    def vector(self) -> np.ndarray:
        return np.concatenate([self.alpha, self.D[self._finite], self.gamma])

    def set_vector(self, v: np.ndarray) -> None:
        J = self.alpha.size
        n_d = int(self._finite.sum())
        # keep extrapolated values in a sane range: |log a| <= 3, |logit c| <= 12
        self.alpha = np.clip(v[:J], -3.0, 3.0)
        self.D[self._finite] = v[J:J + n_d]
        self.gamma = np.where(self.is3, np.clip(v[J + n_d:], -12.0, 12.0), 0.0)

    def log_prior(self) -> float:
        """Log prior density (up to a constant) of the current parameters."""
        estimated = self.free_a | self.shared_a
        total = -0.5 * float(np.sum(np.where(estimated, self.a_prec * self.alpha**2, 0.0)))
        d = self.D[self._finite & (np.arange(self.D.shape[1]) > 0)[None, :]]
        total -= 0.5 * float(np.sum(d**2)) * self.d_prec
        if self.is3.any():
            c = expit(self.gamma[self.is3])
            e1, e0 = self.c_exps
            total += float(np.sum(e1 * np.log(c) + e0 * np.log1p(-c)))
        return total


def log_probability_table(state: ItemState, nodes: np.ndarray) -> np.ndarray:
    """``log P(X_j = k | theta_q)``, shape (J, K, Q); -inf for absent categories."""
    a = np.exp(state.alpha)[:, None, None]
    K = state.D.shape[1]
    k = np.arange(K)[None, :, None]
    z = k * a * nodes[None, None, :] + state.D[:, :, None]
    m = z.max(axis=1, keepdims=True)
    table = z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))
    if state.is3.any():
        i3 = state.is3
        c = expit(state.gamma[i3])[:, None]
        z3 = a[i3, 0] * nodes[None, :] + state.D[i3, 1][:, None]
        table[i3, 1, :] = np.logaddexp(np.log(c), np.log1p(-c) + log_expit(z3))
        table[i3, 0, :] = np.log1p(-c) + log_expit(-z3)
    return table


def _solve(info: np.ndarray, grad: np.ndarray) -> np.ndarray:
    step = np.linalg.solve(info, grad[..., None])[..., 0]
    big = np.abs(step).max(axis=1, keepdims=True)
    return step * np.minimum(1.0, MAX_STEP / np.maximum(big, 1e-300))


def update_divide_by_total(state: ItemState, r: np.ndarray, nodes: np.ndarray, table: np.ndarray) -> None:
    """Fisher-scoring step for the divide-by-total items (1PL, 2PL, GPCM), all at once."""
    idx = np.flatnonzero(state.dbt)
    if idx.size == 0:
        return
    P = np.exp(table[idx])                                   # (J, K, Q)
    R = r[idx]
    n = R.sum(axis=1)                                        # (J, Q)
    K = P.shape[1]
    a = np.exp(state.alpha[idx])
    kk = np.arange(K, dtype=float)
    resid = R - n[:, None, :] * P                            # (J, K, Q)
    active = np.isfinite(state.D[idx])                       # (J, K)
    active[:, 0] = False
    nP = n[:, None, :] * P
    g_D = resid.sum(axis=2)
    I_DD = -np.einsum("jkq,jlq->jkl", nP, P)
    I_DD[:, np.arange(K), np.arange(K)] += nP.sum(axis=2)
    mean_k = np.einsum("jkq,k->jq", P, kk)
    I_aD = a[:, None] * np.einsum("jkq,q->jk", nP * (kk[None, :, None] - mean_k[:, None, :]), nodes)
    var_k = np.einsum("jkq,k->jq", P, kk * kk) - mean_k**2
    I_aa = a**2 * np.einsum("jq,q->j", n * var_k, nodes**2)
    g_a_raw = a * np.einsum("jkq,k,q->j", resid, kk, nodes)
    # intercept priors; inactive intercepts get an identity row so the solve is well posed
    g_D = np.where(active, g_D - np.where(active, state.D[idx], 0.0) * state.d_prec, 0.0)
    I_DD = np.where(active[:, :, None] & active[:, None, :], I_DD, 0.0)
    I_DD[:, np.arange(K), np.arange(K)] += np.where(active, state.d_prec, 1.0)
    I_aD = np.where(active, I_aD, 0.0)

    free = state.free_a[idx]
    a_prec = state.a_prec[idx]
    g_a = np.where(free, g_a_raw - state.alpha[idx] * a_prec, 0.0)
    info = np.zeros((idx.size, K + 1, K + 1))
    info[:, 0, 0] = np.where(free, I_aa + a_prec, 1.0)
    info[:, 0, 1:] = np.where(free[:, None], I_aD, 0.0)
    info[:, 1:, 0] = info[:, 0, 1:]
    info[:, 1:, 1:] = I_DD
    step = _solve(info, np.concatenate([g_a[:, None], g_D], axis=1))
    state.alpha[idx] += step[:, 0]
    state.D[idx] = np.where(active, state.D[idx] + step[:, 1:], state.D[idx])

    shared = state.shared_a[idx]
    if shared.any():
        # one alpha for these items: Newton on the sum, intercepts profiled out (Schur complement)
        corr = np.einsum("jk,jk->j", I_aD, np.linalg.solve(I_DD, I_aD[..., None])[..., 0])
        alpha = state.alpha[idx[shared][0]]
        prec = float(a_prec[shared][0])
        info_a = max(float(np.sum((I_aa - corr)[shared])) + prec, 1e-9)
        grad = float(np.sum(g_a_raw[shared])) - alpha * prec
        state.alpha[idx[shared]] = alpha + np.clip(grad / info_a, -MAX_STEP, MAX_STEP)


def update_3pl(state: ItemState, r: np.ndarray, nodes: np.ndarray, table: np.ndarray) -> None:
    """Fisher-scoring step for 3PL items in (alpha, d, gamma)."""
    idx = np.flatnonzero(state.is3)
    if idx.size == 0:
        return
    derivs, p = derivatives_3pl(state, idx, nodes)          # (J, 3, Q), (J, Q)
    r1, n = r[idx, 1, :], r[idx].sum(axis=1)
    pq = np.clip(p * (1 - p), 1e-12, None)
    grad = np.einsum("jq,juq->ju", (r1 - n * p) / pq, derivs)
    info = np.einsum("jq,juq,jvq->juv", n / pq, derivs, derivs)
    c = expit(state.gamma[idx])
    e1, e0 = state.c_exps
    a_prec = state.a_prec[idx]
    grad[:, 0] -= state.alpha[idx] * a_prec
    grad[:, 1] -= state.D[idx, 1] * state.d_prec
    grad[:, 2] += e1 * (1 - c) - e0 * c
    info[:, 0, 0] += a_prec
    info[:, 1, 1] += state.d_prec
    info[:, 2, 2] += (e1 + e0) * c * (1 - c) + 1e-8
    step = _solve(info, grad)
    state.alpha[idx] += step[:, 0]
    state.D[idx, 1] += step[:, 1]
    state.gamma[idx] += step[:, 2]


def derivatives_3pl(state: ItemState, idx: np.ndarray, nodes: np.ndarray):
    a = np.exp(state.alpha[idx])[:, None]
    c = expit(state.gamma[idx])[:, None]
    ps = expit(a * nodes[None, :] + state.D[idx, 1][:, None])
    p = c + (1 - c) * ps
    dz = (1 - c) * ps * (1 - ps)
    derivs = np.stack([dz * a * nodes[None, :], dz, c * (1 - c) * (1 - ps)], axis=1)
    return derivs, p
