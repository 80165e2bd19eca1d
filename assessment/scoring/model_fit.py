"""Goodness of fit after calibration: Orlando and Thissen's S-X2 per item and Maydeu-Olivares
and Joe's M2 for the whole model, computed as R's mirt does (``itemfit``, ``M2``).

Both need complete response rows (every item answered); rows with a missing response are left
out, so on adaptive data (where nobody answers every item) they are not available (NaN/None).

**S-X2** (Orlando & Thissen, 2000). Persons are grouped by their summed score ``s`` (the extreme
scores 0 and the maximum tell nothing and are dropped). For item ``j`` the model's probability
of category ``k`` given ``s`` is

    E_jk(s) = integral P_jk(theta) S^(-j)_{s-k}(theta) phi(theta) / integral S_s(theta) phi(theta)

with ``S`` the summed-score distributions given ``theta`` (Lord-Wingersky recursion; ``S^(-j)``
without item ``j``), integrated on 61 equally spaced nodes over [-6, 6]. Observed counts
``O_sk`` and expected counts ``N_s E_jk(s)`` are compared by ``sum (O - E)^2 / E``; score groups
are merged as mirt's ``collapseCells`` does (groups with no persons dropped, groups with a single
person and groups with an expected count below ``mincell = 1`` merged into a neighbour), and
``df = cells - groups - free parameters of the item``.

**M2** (Maydeu-Olivares & Joe, 2005, 2006), dichotomous items: the first- and second-order
margins ``p`` (proportions correct, and both correct for every pair) against the model's ``pi``,
``M2 = N (p - pi)' C2 (p - pi)`` with ``C2 = Dc (Dc' Xi Dc)^-1 Dc'``, ``Xi`` the model covariance
of the margins, ``Dc`` an orthogonal complement of ``Delta = d pi / d parameters``; ``df =
margins - free parameters``; ``RMSEA = sqrt(max(M2/df - 1, 0) / (N - 1))``.

References
----------
Orlando, M., & Thissen, D. (2000). Likelihood-based item-fit indices for dichotomous item
response theory models. *Applied Psychological Measurement*, 24(1), 50-64.
Kang, T., & Chen, T. T. (2008). Performance of the generalized S-X2 item fit index for
polytomous IRT models. *Journal of Educational Measurement*, 45(4), 391-406.
Maydeu-Olivares, A., & Joe, H. (2006). Limited information goodness-of-fit testing in
multidimensional contingency tables. *Psychometrika*, 71(4), 713-732.
Chalmers, R. P. (2012). mirt: A multidimensional item response theory package for the R
environment. *Journal of Statistical Software*, 48(6).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from assessment.scoring.parameters import ItemParameters
from assessment.scoring.response_models import category_probabilities

N_NODES = 61
THETA_LIMIT = 6.0
MINCELL = 1.0
MAX_M2_ITEMS = 120
"""M2 builds a (margins x margins) matrix, margins = n + n(n-1)/2; above this many items it is
skipped (None)."""


def _grid():
    nodes = np.linspace(-THETA_LIMIT, THETA_LIMIT, N_NODES)
    w = np.exp(-0.5 * nodes**2)
    return nodes, w / w.sum()


def free_parameter_counts(params: ItemParameters, *, common_a: bool = False) -> np.ndarray:
    """Free parameters per item as calibrated: 1PL 1 (its b), 2PL 2, 3PL 3, GPCM ``m``."""
    model = params.model
    return np.select([model == "1pl", model == "2pl", model == "3pl"], [1, 2, 3],
                     default=params.n_categories).astype(int)


def _summed_score_distribution(probs: np.ndarray, items) -> np.ndarray:
    """Lord-Wingersky: ``(max_score + 1, Q)`` distribution of the summed score over ``items``
    given each node; ``probs`` is ``(J, K, Q)``."""
    Q = probs.shape[2]
    dist = np.ones((1, Q))
    for j in items:
        cats = int(np.count_nonzero(np.any(probs[j] > 0, axis=1)))
        new = np.zeros((dist.shape[0] + cats - 1, Q))
        for k in range(cats):
            new[k:k + dist.shape[0]] += dist * probs[j, k]
        dist = new
    return dist


def _collapse(O: np.ndarray, E: np.ndarray, mincell: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge score groups (rows) as mirt's ``collapseCells`` does for its item tables."""
    keep = O.sum(axis=1) > 0
    O, E = O[keep].copy(), E[keep].copy()
    rows = list(range(O.shape[0]))
    drop = []
    for r in rows[:-1]:
        if O[r].sum() == 1:
            O[r + 1] += O[r]
            E[r + 1] += E[r]
            drop.append(r)
    O, E = np.delete(O, drop, axis=0), np.delete(E, drop, axis=0)
    if O.shape[0] > 1 and O[-1].sum() == 1:
        O[-2] += O[-1]
        E[-2] += E[-1]
        O, E = O[:-1], E[:-1]
    while O.shape[0] > 1:
        low = (E < mincell) & (E != 0)
        if not low.any():
            break
        whc = int(np.flatnonzero(low.any(axis=1))[0])
        last = O.shape[0] - 1
        if whc == 0:
            pick = 1
        elif whc == last:
            pick = last - 1
        else:
            pick = whc - 1 if O[whc - 1].sum() <= O[whc + 1].sum() else whc + 1
        O[pick] += O[whc]
        E[pick] += E[whc]
        O, E = np.delete(O, whc, axis=0), np.delete(E, whc, axis=0)
    return O, E


def sx2_item_fit(params: ItemParameters, responses, *, n_free=None,
                 mincell: float = MINCELL) -> pd.DataFrame:
    """S-X2 per item: columns ``sx2``, ``sx2_df``, ``sx2_p`` indexed by item id (NaN when there
    are no complete rows or no degrees of freedom left)."""
    x = np.asarray(responses, dtype=float)
    J = params.n_items
    out = pd.DataFrame({"sx2": np.nan, "sx2_df": 0, "sx2_p": np.nan},
                       index=pd.Index(params.ids, name="item"))
    complete = x[~np.isnan(x).any(axis=1)].astype(int)
    if complete.shape[0] == 0 or J < 2:
        return out
    n_free = free_parameter_counts(params) if n_free is None else np.asarray(n_free, dtype=int)
    nodes, w = _grid()
    probs = np.transpose(category_probabilities(params, nodes), (1, 2, 0))     # (J, K, Q)
    total = complete.sum(axis=1)
    top = int((params.n_categories - 1).sum())
    full = _summed_score_distribution(probs, range(J)) @ w                    # (top + 1,)
    for j in range(J):
        K = int(params.n_categories[j])
        rest = _summed_score_distribution(probs, [i for i in range(J) if i != j])
        E = np.zeros((top + 1, K))
        for k in range(K):
            E[k:k + rest.shape[0], k] = (probs[j, k] * rest) @ w
        E /= np.maximum(full, 1e-300)[:, None]
        O = np.zeros((top + 1, K))
        np.add.at(O, (total, complete[:, j]), 1.0)
        O, E = O[1:top], E[1:top]
        E = E * O.sum(axis=1, keepdims=True)
        O, E = _collapse(O, E, mincell)
        cells = E > 0
        value = float(np.sum((O[cells] - E[cells]) ** 2 / E[cells]))
        df = int(cells.sum() - O.shape[0] - n_free[j])
        if df > 0:
            out.iloc[j] = [value, df, float(stats.chi2.sf(value, df))]
    out["sx2_df"] = out["sx2_df"].astype(int)
    return out


@dataclass(frozen=True)
class M2Result:
    """``M2``, its degrees of freedom, p-value and RMSEA, and the number of complete rows."""

    m2: float
    df: int
    p: float
    rmsea: float
    n: int

    def line(self) -> str:
        return f"M2: {self.m2:.4f} df: {self.df} p: {self.p:.4f} RMSEA: {self.rmsea:.4f}"


def _margins(params: ItemParameters, nodes, w) -> tuple[np.ndarray, np.ndarray]:
    """Model first/second-order margins and the conditional probabilities (Q, J)."""
    P = category_probabilities(params, nodes)[:, :, 1]                      # (Q, J)
    J = P.shape[1]
    iu = np.triu_indices(J, 1)
    pi = np.concatenate([w @ P, w @ (P[:, iu[0]] * P[:, iu[1]])])
    return pi, P


def _perturbed(params: ItemParameters, field: str, j: int, h: float) -> ItemParameters:
    values = getattr(params, field).copy()
    values.setflags(write=True)
    values[j] += h
    return replace(params, **{field: values})


def _steps(params: ItemParameters, field: str, j: int, h: float) -> tuple[float, float]:
    """The two steps of a central difference. A guessing parameter must stay in [0, 1): near an
    end the step on that side is shortened (to nothing at c = 0); the margins are linear in c,
    so the difference stays exact."""
    if field != "c":
        return -h, h
    c = float(params.c[j])
    return max(-h, -c), min(h, (1.0 - c) / 2)


def m2_statistic(params: ItemParameters, responses, *, common_a: bool = False) -> M2Result | None:
    """M2 for dichotomous items on the complete rows (None for polytomous items, fewer than 3
    items, more than :data:`MAX_M2_ITEMS`, or no degrees of freedom)."""
    x = np.asarray(responses, dtype=float)
    complete = x[~np.isnan(x).any(axis=1)]
    J = params.n_items
    if params.is_polytomous.any() or J < 3 or J > MAX_M2_ITEMS or complete.shape[0] < 2:
        return None
    N = complete.shape[0]
    nodes, w = _grid()
    iu = np.triu_indices(J, 1)
    p = np.concatenate([complete.mean(axis=0),
                        (complete[:, iu[0]] * complete[:, iu[1]]).mean(axis=0)])
    pi, P = _margins(params, nodes, w)
    # margins as item sets; Xi_ab = E[y_a y_b] - pi_a pi_b with E[y_a y_b] the integral of the
    # product of P over the union of the two item sets (conditional independence)
    sets = [(j,) for j in range(J)] + list(zip(iu[0], iu[1]))
    M = len(sets)
    A = np.zeros((M, J))
    for m, s in enumerate(sets):
        A[m, list(s)] = 1.0
    logP = np.log(np.clip(P, 1e-300, None))                                     # (Q, J)
    La = logP @ A.T                                                             # (Q, M)
    shared = A @ A.T > 0
    E2 = np.zeros((M, M))
    for q in range(nodes.size):
        overlap = (A * logP[q]) @ A.T
        E2 += w[q] * np.exp(La[q][:, None] + La[q][None, :] - np.where(shared, overlap, 0.0))
    Xi = E2 - np.outer(pi, pi)

    # Delta: numerical derivatives of pi in the free parameters
    columns = []
    h = 1e-5
    fields = []
    for j in range(J):
        model = params.model[j]
        if model in ("2pl", "3pl"):
            fields.append(("a", j))
        fields.append(("b", j))
        if model == "3pl":
            fields.append(("c", j))
    for field, j in fields:
        low, high = _steps(params, field, j, h)
        up, _ = _margins(_perturbed(params, field, j, high), nodes, w)
        down, _ = _margins(_perturbed(params, field, j, low), nodes, w)
        columns.append((up - down) / (high - low))
    if common_a and np.all(params.model == "1pl"):
        a = params.a.copy()
        up, _ = _margins(replace(params, a=a + h), nodes, w)
        down, _ = _margins(replace(params, a=a - h), nodes, w)
        columns.append((up - down) / (2 * h))
    delta = np.column_stack(columns)
    n_par = delta.shape[1]
    df = M - n_par
    if df <= 0:
        return None
    q_full, _ = np.linalg.qr(delta, mode="complete")
    dc = q_full[:, n_par:]
    e = np.sqrt(N) * (p - pi)
    core = np.linalg.solve(dc.T @ Xi @ dc, dc.T @ e)
    m2 = float(abs((dc.T @ e) @ core))
    rmsea = float(np.sqrt(max(m2 / df - 1.0, 0.0) / (N - 1)))
    return M2Result(m2=m2, df=int(df), p=float(stats.chi2.sf(m2, df)), rmsea=rmsea, n=N)
