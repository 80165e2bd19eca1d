import math

import numpy as np


def _reference(X, y, lam, lr, n_iter):
    n, d = X.shape
    w, b = [0.0] * d, 0.0
    for _ in range(n_iter):
        gw, gb = [0.0] * d, 0.0
        for i in range(n):
            z = sum(X[i, j] * w[j] for j in range(d)) + b
            r = 1 / (1 + math.exp(-z)) - y[i]
            gb += r / n
            for j in range(d):
                gw[j] += r * X[i, j] / n
        w = [w[j] - lr * (gw[j] + lam * w[j]) for j in range(d)]
        b = b - lr * gb
    return (np.array(w), float(b))


def _case(name, n, d, lam, lr, n_iter, seed, rate=0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < rate).astype(int)
    return {"name": name, "args": [X, y, lam, lr, n_iter], "expected": _reference(X, y, lam, lr, n_iter)}


CASES = [
    _case("imbalanced labels, strong penalty", 40, 2, 5.0, 0.1, 200, 1, rate=0.1),
    _case("balanced labels, moderate penalty", 30, 3, 0.1, 0.5, 100, 2),
    _case("no penalty", 25, 2, 0.0, 0.5, 150, 3, rate=0.3),
    _case("one step", 10, 4, 1.0, 0.2, 1, 4, rate=0.2),
    _case("mostly positive labels", 50, 2, 2.0, 0.3, 120, 5, rate=0.9),
    {"name": "no data signal: intercept learns the base rate", "args": [np.zeros((4, 1)), np.array([1, 0, 0, 0]), 10.0, 0.5, 1],
     "expected": (np.array([0.0]), -0.125)},
    {"name": "zero steps", "args": [np.ones((2, 2)), np.array([0, 1]), 1.0, 0.1, 0], "expected": (np.array([0.0, 0.0]), 0.0)},
]
