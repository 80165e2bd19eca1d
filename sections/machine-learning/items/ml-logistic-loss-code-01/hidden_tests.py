import math

import numpy as np


def _softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _ref(zs, ys):
    return sum(_softplus(z) - y * z for z, y in zip(zs, ys)) / len(zs)


CASES = [
    {"name": "zero weights give ln 2", "args": [np.zeros(3), np.ones((4, 3)), np.array([1, 0, 1, 0])],
     "expected": math.log(2)},
    {"name": "moderate logits", "args": [np.array([1.0, -2.0]), np.array([[1.0, 0.5], [2.0, 2.0], [-1.0, 0.0]]), np.array([1, 0, 1])],
     "expected": _ref([0.0, -2.0, -1.0], [1, 0, 1])},
    {"name": "confidently right, large logit", "args": [np.array([1.0]), np.array([[50.0]]), np.array([1])],
     "expected": _softplus(-50.0), "tol": 1e-12},
    {"name": "confidently wrong, large positive logit", "args": [np.array([1.0]), np.array([[50.0]]), np.array([0])],
     "expected": 50.0},
    {"name": "confidently wrong, huge negative logit", "args": [np.array([2.0]), np.array([[-400.0]]), np.array([1])],
     "expected": 800.0},
    {"name": "mixed huge logits", "args": [np.array([1.0]), np.array([[1000.0], [-1000.0], [1000.0], [-1000.0]]), np.array([1, 0, 0, 1])],
     "expected": 500.0},
    {"name": "labels as floats", "args": [np.array([0.3, 0.7]), np.array([[1.0, 1.0], [-2.0, 1.0]]), np.array([1.0, 0.0])],
     "expected": _ref([1.0, 0.1], [1, 0])},
    {"name": "many examples", "args": [np.array([0.5]), np.arange(-5.0, 6.0).reshape(-1, 1), (np.arange(-5, 6) > 0).astype(int)],
     "expected": _ref([0.5 * v for v in range(-5, 6)], [1 if v > 0 else 0 for v in range(-5, 6)])},
]
