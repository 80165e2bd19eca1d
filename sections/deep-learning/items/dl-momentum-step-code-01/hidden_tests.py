import math

import numpy as np


def _reference(W, b, X, y, vW, vb, lr, beta):
    # per-example loops: an independent formulation of the same step
    n, k = X.shape[0], W.shape[1]
    gW, gb, loss = np.zeros_like(W, dtype=float), np.zeros(k), 0.0
    for i in range(n):
        z = [float(X[i] @ W[:, c] + b[c]) for c in range(k)]
        m = max(z)
        s = sum(math.exp(v - m) for v in z)
        p = [math.exp(v - m) / s for v in z]
        loss += -(z[y[i]] - m - math.log(s))
        for c in range(k):
            d = p[c] - (1.0 if c == y[i] else 0.0)
            gW[:, c] += d * X[i] / n
            gb[c] += d / n
    vW2, vb2 = beta * vW + gW, beta * vb + gb
    return (W - lr * vW2, b - lr * vb2, vW2, vb2, loss / n)


def _case(name, n, d, k, seed, lr=0.1, beta=0.9, scale=1.0):
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(d, k)), rng.normal(size=k)
    X, y = rng.normal(size=(n, d)) * scale, rng.integers(0, k, size=n)
    vW, vb = rng.normal(size=(d, k)) * 0.1, rng.normal(size=k) * 0.1
    args = [W, b, X, y, vW, vb, lr, beta]
    return {"name": name, "args": args, "expected": _reference(*[a.copy() if hasattr(a, "copy") else a for a in args])}


CASES = [
    _case("small batch", 4, 3, 2, 1),
    _case("ten classes", 16, 5, 10, 2),
    _case("batch of one", 1, 4, 3, 3),
    _case("no momentum (beta = 0)", 8, 3, 4, 4, beta=0.0),
    _case("large logits stay finite", 6, 3, 3, 5, scale=200.0),
    _case("larger batch averages, not sums", 64, 8, 5, 6, lr=0.5),
    _case("high momentum", 10, 4, 3, 7, beta=0.99),
    {"name": "zero weights, one example", "args": [np.zeros((2, 2)), np.zeros(2), np.array([[1.0, 2.0]]), np.array([0]),
                                                  np.zeros((2, 2)), np.zeros(2), 0.1, 0.9],
     "expected": (np.array([[0.05, -0.05], [0.1, -0.1]]), np.array([0.05, -0.05]),
                  np.array([[-0.5, 0.5], [-1.0, 1.0]]), np.array([-0.5, 0.5]), float(np.log(2)))},
]
