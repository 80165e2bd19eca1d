import numpy as np


def _reference(z, y):
    # Written independently of solution.py: explicit loops, log-space probabilities.
    z = np.asarray(z, dtype=float)
    n, k = z.shape
    g = np.zeros((n, k))
    for i in range(n):
        m = max(z[i])
        log_norm = m + np.log(sum(np.exp(v - m) for v in z[i]))
        for j in range(k):
            g[i, j] = (np.exp(z[i, j] - log_norm) - (1.0 if j == y[i] else 0.0)) / n
    return g


_Z3 = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [-3.0, 0.0, 3.0]])
_Y3 = np.array([0, 2, 1])
_RNG = np.random.default_rng(7)
_Z8 = _RNG.normal(size=(8, 5)) * 3.0
_Y8 = _RNG.integers(0, 5, size=8)

CASES = [
    {"name": "one example, equal logits",
     "args": [np.array([[0.0, 0.0]]), np.array([0])],
     "expected": np.array([[-0.5, 0.5]])},
    {"name": "one example, three classes",
     "args": [np.array([[0.0, np.log(2.0), np.log(5.0)]]), np.array([2])],
     "expected": np.array([[0.125, 0.25, -0.375]])},
    {"name": "two examples, equal logits",
     "args": [np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([0, 1])],
     "expected": np.array([[-0.25, 0.25], [0.25, -0.25]])},
    {"name": "batch of three", "args": [_Z3.copy(), _Y3.copy()], "expected": _reference(_Z3, _Y3)},
    {"name": "four examples, uniform logits",
     "args": [np.zeros((4, 4)), np.array([0, 1, 2, 3])],
     "expected": (np.full((4, 4), 0.25) - np.eye(4)) / 4},
    {"name": "large logits stay finite",
     "args": [np.array([[1000.0, 1000.0], [1000.0, 0.0]]), np.array([1, 0])],
     "expected": np.array([[0.25, -0.25], [-np.exp(-1000.0) / 2, np.exp(-1000.0) / 2]])},
    {"name": "confident and correct gives a near-zero gradient",
     "args": [np.array([[50.0, 0.0, 0.0]]), np.array([0])],
     "expected": _reference(np.array([[50.0, 0.0, 0.0]]), np.array([0]))},
    {"name": "single class: the gradient is zero",
     "args": [np.array([[3.0], [-2.0]]), np.array([0, 0])],
     "expected": np.zeros((2, 1))},
    {"name": "random batch of eight", "args": [_Z8.copy(), _Y8.copy()], "expected": _reference(_Z8, _Y8)},
    {"name": "very negative logits", "args": [np.array([[-1000.0, -1001.0, -1002.0], [-500.0, -500.0, -500.0]]), np.array([1, 2])],
     "expected": _reference(np.array([[-1000.0, -1001.0, -1002.0], [-500.0, -500.0, -500.0]]), np.array([1, 2]))},
]
