"""The calibration tests' independent reference (tests/scoring/test_calibration*_mutants.py): the
marginal likelihood written out (41 normalized N(0, 1) weights on [-5, 5], each model's category
probabilities from their formulas), maximized with scipy's general-purpose optimizer, and an
inverse numerical Hessian for standard errors. A module with a unique name, importable from tests."""
import math

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logsumexp


def _nodes(n=41):
    nodes = np.linspace(-5.0, 5.0, n)
    w = np.exp(-0.5 * nodes**2)
    return nodes, np.log(w / w.sum())


def _log_probs(model, a, b, c, steps, nodes):
    """log P(X = k | theta_q), shape (Q, categories), from the model's formula."""
    if model == "gpcm":
        z = np.cumsum(a * (nodes[:, None] - np.asarray(steps)[None, :]), axis=1)
        z = np.column_stack([np.zeros(nodes.size), z])
        return z - logsumexp(z, axis=1, keepdims=True)
    z = a * (nodes - b)
    if c == 0.0:
        return np.column_stack([log_expit(-z), log_expit(z)])
    return np.column_stack([math.log1p(-c) + log_expit(-z),
                            np.logaddexp(math.log(c), math.log1p(-c) + log_expit(z))])


def _person_grid(items, x, nodes):
    """log P(responses of person p | theta_q), shape (P, Q)."""
    lp = np.zeros((x.shape[0], nodes.size))
    for j, item in enumerate(items):
        table = _log_probs(*item, nodes)
        seen = ~np.isnan(x[:, j])
        lp[seen] += table[:, x[seen, j].astype(int)].T
    return lp


def _loglik(items, x, n=41):
    nodes, log_w = _nodes(n)
    return float(logsumexp(_person_grid(items, x, nodes) + log_w, axis=1).sum())


def _posterior(items, x):
    nodes, log_w = _nodes()
    lp = _person_grid(items, x, nodes) + log_w
    w = np.exp(lp - logsumexp(lp, axis=1, keepdims=True))
    mean = w @ nodes
    return mean, np.sqrt(w @ nodes**2 - mean**2)


def _unpack(models, u):
    """Internal parameters (alpha, intercepts[, gamma]) to (model, a, b, c, steps) per item."""
    items, i = [], 0
    for m, k in models:
        a = 1.0 if m == "1pl" else math.exp(u[i])
        i += m != "1pl"
        if m == "gpcm":
            D = np.concatenate([[0.0], u[i:i + k - 1]])
            i += k - 1
            items.append((m, a, 0.0, 0.0, -np.diff(D) / a))
        elif m == "3pl":
            items.append((m, a, -u[i] / a, float(expit(u[i + 1])), ()))
            i += 2
        else:
            items.append((m, a, -u[i] / a, 0.0, ()))
            i += 1
    return items


def _log_prior(models, u):
    """The documented default priors on the internal parameters (up to a constant)."""
    total, i = 0.0, 0
    all3 = all(m == "3pl" for m, _ in models)
    for m, k in models:
        if m != "1pl":
            sd = 0.5 if (m == "3pl" or all3) else 1.0
            total -= 0.5 * (u[i] / sd) ** 2
            i += 1
        n_d = k - 1 if m == "gpcm" else 1
        total -= 0.5 * float(np.sum(np.asarray(u[i:i + n_d]) ** 2)) / 25.0
        i += n_d
        if m == "3pl":
            c = expit(u[i])
            total += 4.0 * math.log(c) + 16.0 * math.log1p(-c)
            i += 1
    return total


def _reference_fit(models, x, start, prior=False):
    def objective(u):
        value = _loglik(_unpack(models, u), x)
        return -(value + (_log_prior(models, u) if prior else 0.0))

    res = minimize(objective, start, method="BFGS", options={"gtol": 1e-7})
    return res.x, _unpack(models, res.x)


def _items_of(params):
    out = []
    for j in range(params.n_items):
        m = str(params.model[j])
        steps = params.thresholds[j, : params.n_categories[j] - 1] if m == "gpcm" else ()
        out.append((m, float(params.a[j]), float(params.b[j]), float(params.c[j]), steps))
    return out


def _inverse_hessian(f, v, h=1e-4):
    """Inverse of minus the central-difference Hessian of ``f`` at ``v``."""
    n = v.size
    hess = np.zeros((n, n))
    for i in range(n):
        for k in range(i, n):
            e_i, e_k = np.eye(n)[i] * h, np.eye(n)[k] * h
            hess[i, k] = hess[k, i] = (f(v + e_i + e_k) - f(v + e_i - e_k) - f(v - e_i + e_k)
                                       + f(v - e_i - e_k)) / (4 * h * h)
    return np.linalg.inv(-hess)


def _natural_hessian_se(items, x):
    """SEs of a, b (2PL items) from the inverse numerical Hessian of the reference loglik."""
    v = np.array([p for _, a, b, _, _ in items for p in (a, b)])

    def f(vec):
        return _loglik([("2pl", vec[2 * j], vec[2 * j + 1], 0.0, ()) for j in range(len(items))], x)

    return np.sqrt(np.diag(_inverse_hessian(f, v))).reshape(-1, 2)
