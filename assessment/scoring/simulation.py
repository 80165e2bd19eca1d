"""Synthetic data: item banks, responses, and computerized adaptive tests (for tests, the CLI and
benchmarks). All randomness comes from a passed ``numpy.random.Generator``.

:func:`simulate_cat` runs many examinees in lockstep, vectorized over persons: each round every
active examinee gets the most informative remaining item at their current EAP estimate
(optionally randomesque), answers it from the true model, and has their posterior on the
quadrature grid updated by one row of the log-probability table. It is the same selection
rule and estimator as :func:`~assessment.scoring.selection.select_next_item` and
:func:`~assessment.scoring.estimation.estimate_ability` (EAP), minus content balancing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessment.scoring.estimation import quadrature
from assessment.scoring.parameters import ItemParameters
from assessment.scoring.response_models import item_information, log_category_probabilities, pairwise_log_probabilities

PERSON_CHUNK = 1000
"""Persons simulated per block, to bound memory on large banks."""


def simulate_bank(n_items: int, model: str, rng: np.random.Generator, *,
                  n_categories: int = 4) -> ItemParameters:
    """A random bank: ``a ~ lognormal(0, 0.25)``, ``b ~ N(0, 1)``, ``c ~ U(0.1, 0.25)`` (3PL),
    GPCM steps sorted ``N(0, 1)`` draws; ``1pl`` has ``a = 1``."""
    model = str(model).lower()
    if n_items < 1:
        raise ValueError(f"n_items must be >= 1, got {n_items}")
    a = np.ones(n_items) if model == "1pl" else rng.lognormal(0.0, 0.25, n_items)
    b = rng.normal(0.0, 1.0, n_items)
    ids = tuple(f"i{k + 1:0{len(str(n_items))}d}" for k in range(n_items))
    if model == "gpcm":
        if n_categories < 2:
            raise ValueError("a GPCM item needs at least 2 categories")
        steps = np.sort(rng.normal(0.0, 1.0, (n_items, n_categories - 1)), axis=1)
        return ItemParameters(ids=ids, model=np.full(n_items, "gpcm"), a=a, b=steps.mean(axis=1),
                              c=np.zeros(n_items), thresholds=steps,
                              n_categories=np.full(n_items, n_categories))
    c = rng.uniform(0.1, 0.25, n_items) if model == "3pl" else None
    return ItemParameters.dichotomous(a, b, c, ids=ids, model=model)


def _draw(log_p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One category per row of ``log_p`` (categories an item lacks are -inf). A draw above the
    cumulative sum, which rounding can leave a hair under 1, is the item's own top category."""
    cum = np.cumsum(np.exp(log_p), axis=-1)
    u = rng.random(cum.shape[:-1] + (1,))
    top = np.isfinite(log_p).sum(axis=-1) - 1
    return np.minimum((u > cum).sum(axis=-1), top).astype(float)


def simulate_responses(params: ItemParameters, theta, rng: np.random.Generator,
                       missing=None) -> np.ndarray:
    """Responses ``(n_persons, n_items)`` drawn from the model at the true ``theta``.

    Parameters
    ----------
    params : ItemParameters
    theta : array_like, shape (n_persons,)
    rng : numpy.random.Generator
    missing : None, float or bool array (n_persons, n_items)
        None: complete data. A float in [0, 1): each cell missing at random with that
        probability. A boolean mask: True cells are not administered (NaN).
    """
    theta = np.asarray(theta, dtype=float).reshape(-1)
    P, J = theta.size, params.n_items
    if missing is None or np.isscalar(missing):
        rate = 0.0 if missing is None else float(missing)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"missing rate must be in [0, 1), got {rate}")
        out = np.empty((P, J))
        for start in range(0, P, PERSON_CHUNK):
            sl = slice(start, start + PERSON_CHUNK)
            out[sl] = _draw(log_category_probabilities(params, theta[sl]), rng)
        if rate > 0:
            out[rng.random((P, J)) < rate] = np.nan
        return out
    mask = np.asarray(missing, dtype=bool)
    if mask.shape != (P, J):
        raise ValueError(f"missing mask must be (n_persons={P}, n_items={J})")
    out = np.full((P, J), np.nan)
    rows, cols = np.nonzero(~mask)
    out[rows, cols] = _draw(pairwise_log_probabilities(params, theta[rows], cols), rng)
    return out


@dataclass(frozen=True)
class CatSimulation:
    """Result of :func:`simulate_cat`.

    Attributes
    ----------
    responses : ndarray (n_persons, n_items), NaN where not administered
    theta, se : ndarray (n_persons,), final EAP estimates
    n_items : ndarray of int (n_persons,), test lengths
    reason : ndarray of str, 'se-target', 'max-length' or 'bank-exhausted'
    """

    responses: np.ndarray
    theta: np.ndarray
    se: np.ndarray
    n_items: np.ndarray
    reason: np.ndarray


def simulate_cat(params: ItemParameters, theta, rng: np.random.Generator, *,
                 max_items: int = 40, min_items: int = 1, se_target: float | None = 0.3,
                 randomesque: int = 1, prior_mean: float = 0.0, prior_sd: float = 1.0,
                 n_quadrature: int = 61) -> CatSimulation:
    """Adaptive tests for every examinee (true abilities ``theta``), in lockstep.

    Each step: maximum information at the current EAP estimate among items not yet given
    (uniformly among the top ``randomesque``), a response drawn from the model at the true
    ability, an EAP update. A test stops at ``max_items``, or when ``se < se_target`` after
    ``min_items``, or when the bank is exhausted.
    """
    theta = np.asarray(theta, dtype=float).reshape(-1)
    P, J = theta.size, params.n_items
    if max_items < 1 or min_items < 0 or randomesque < 1:
        raise ValueError("need max_items >= 1, min_items >= 0 and randomesque >= 1")
    nodes, log_w = quadrature(n_quadrature, prior_mean, prior_sd)
    table = log_category_probabilities(params, nodes)             # (Q, J, K)
    log_post = np.tile(log_w, (P, 1))
    est = np.full(P, float(prior_mean))
    se = np.full(P, float(prior_sd))
    given = np.zeros((P, J), dtype=bool)
    responses = np.full((P, J), np.nan)
    length = np.zeros(P, dtype=int)
    reason = np.full(P, "", dtype="<U14")
    active = np.ones(P, dtype=bool)
    top = min(int(randomesque), J)
    for step in range(min(int(max_items), J)):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        pick = np.empty(idx.size, dtype=int)
        for start in range(0, idx.size, PERSON_CHUNK):
            sub = idx[start:start + PERSON_CHUNK]
            info = np.nan_to_num(item_information(params, est[sub]), nan=0.0, posinf=0.0)
            info[given[sub]] = -np.inf
            if top == 1:
                pick[start:start + sub.size] = np.argmax(info, axis=1)
            else:
                k = min(top, J - step)
                best = np.argpartition(-info, k - 1, axis=1)[:, :k]
                pick[start:start + sub.size] = best[np.arange(sub.size),
                                                    rng.integers(k, size=sub.size)]
        x = _draw(pairwise_log_probabilities(params, theta[idx], pick), rng)
        responses[idx, pick] = x
        given[idx, pick] = True
        length[idx] += 1
        log_post[idx] += table[:, pick, x.astype(int)].T
        lp = log_post[idx]
        w = np.exp(lp - lp.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        est[idx] = w @ nodes
        se[idx] = np.sqrt(np.maximum(w @ nodes**2 - est[idx] ** 2, 0.0))
        if se_target is not None:
            done = (length[idx] >= min_items) & (se[idx] < se_target)
            reason[idx[done]] = "se-target"
            active[idx[done]] = False
        full = active & (length >= max_items)
        reason[full] = "max-length"
        active &= ~full
    reason[active] = "bank-exhausted" if J < max_items else "max-length"
    return CatSimulation(responses=responses, theta=est, se=se, n_items=length, reason=reason)


def simulate_multistage(params: ItemParameters, theta, rng: np.random.Generator, *,
                        n_per_person: int, n_stages: int = 3, spread: float = 0.75) -> np.ndarray:
    """Sparse, CAT-like responses ``(n_persons, n_items)`` from a multistage design.

    ``n_per_person`` items are given in ``n_stages`` stages: the first stage's items are drawn
    uniformly, each later stage's without replacement with weights
    ``exp(-(b_j - theta_hat_p)^2 / (2 spread^2))`` (Gumbel top-k) around the EAP estimate from
    the responses so far. Because selection depends only on observed responses the missing
    data are ignorable (missing at random), as in a real adaptive test, so marginal maximum
    likelihood stays consistent; selecting on the *true* ability would bias it.
    """
    from assessment.scoring.estimation import estimate_ability

    theta = np.asarray(theta, dtype=float).reshape(-1)
    P, J = theta.size, params.n_items
    if not 1 <= n_per_person <= J or spread <= 0 or not 1 <= n_stages <= n_per_person:
        raise ValueError(f"need 1 <= n_stages <= n_per_person <= {J} and spread > 0")
    sizes = np.diff(np.linspace(0, n_per_person, n_stages + 1).round().astype(int))
    given = np.zeros((P, J), dtype=bool)
    estimate = np.zeros(P)
    responses = np.full((P, J), np.nan)
    for stage, size in enumerate(sizes):
        for start in range(0, P, PERSON_CHUNK):
            rows = np.arange(start, min(start + PERSON_CHUNK, P))
            keys = rng.gumbel(size=(rows.size, J))
            if stage > 0:
                keys -= (params.b[None, :] - estimate[rows, None]) ** 2 / (2 * spread**2)
            keys[given[rows]] = -np.inf
            top = np.argpartition(-keys, size - 1, axis=1)[:, :size]
            given[rows[:, None], top] = True
            r, c = np.repeat(rows, size), top.ravel()
            responses[r, c] = _draw(pairwise_log_probabilities(params, theta[r], c), rng)
        estimate = estimate_ability(params, responses).theta
    return responses
