import math

import numpy as np


def _reference(a, w0, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    # Written independently of solution.py: plain Python floats, one coordinate at a time.
    out = []
    for ai, wi in zip([float(x) for x in a], [float(x) for x in w0]):
        m = v = 0.0
        w = wi
        for t in range(1, steps + 1):
            g = ai * w
            m = beta1 * m + (1.0 - beta1) * g
            v = beta2 * v + (1.0 - beta2) * g * g
            w -= lr * (m / (1.0 - beta1 ** t)) / (math.sqrt(v / (1.0 - beta2 ** t)) + eps)
        out.append(w)
    return np.array(out)


_A = np.array([1.0, 10.0, 0.01])
_W = np.array([2.0, -1.0, 5.0])

CASES = [
    {"name": "zero steps returns w0", "args": [np.array([1.0, 2.0]), np.array([1.0, -1.0]), 0.1, 0],
     "expected": np.array([1.0, -1.0])},
    {"name": "starting at the minimum stays there", "args": [np.array([1.0, 2.0]), np.array([0.0, 0.0]), 0.1, 5],
     "expected": np.array([0.0, 0.0])},
    {"name": "first step moves about lr against the gradient's sign",
     "args": [np.array([1.0, 2.0]), np.array([1.0, -1.0]), 0.1, 1], "expected": _reference([1.0, 2.0], [1.0, -1.0], 0.1, 1)},
    {"name": "two steps", "args": [np.array([1.0, 2.0]), np.array([1.0, -1.0]), 0.1, 2],
     "expected": _reference([1.0, 2.0], [1.0, -1.0], 0.1, 2)},
    {"name": "very different curvatures, 50 steps", "args": [_A.copy(), _W.copy(), 0.05, 50],
     "expected": _reference(_A, _W, 0.05, 50)},
    {"name": "long run, 500 steps", "args": [_A.copy(), _W.copy(), 0.01, 500],
     "expected": _reference(_A, _W, 0.01, 500)},
    {"name": "zero curvature coordinate does not move", "args": [np.array([0.0, 1.0]), np.array([3.0, 3.0]), 0.1, 10],
     "expected": _reference([0.0, 1.0], [3.0, 3.0], 0.1, 10)},
    {"name": "custom betas", "args": [np.array([2.0]), np.array([1.0]), 0.1, 20],
     "kwargs": {"beta1": 0.5, "beta2": 0.9}, "expected": _reference([2.0], [1.0], 0.1, 20, beta1=0.5, beta2=0.9)},
    {"name": "large eps damps the step", "args": [np.array([1.0]), np.array([1.0]), 0.1, 3],
     "kwargs": {"eps": 1.0}, "expected": _reference([1.0], [1.0], 0.1, 3, eps=1.0)},
    {"name": "another start and step size", "args": [np.array([4.0, 0.5]), np.array([-2.0, 2.0]), 0.2, 7],
     "expected": _reference([4.0, 0.5], [-2.0, 2.0], 0.2, 7)},
]
