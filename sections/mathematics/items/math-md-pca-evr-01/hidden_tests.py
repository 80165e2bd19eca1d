import numpy as np


def _reference(X, k):
    # Independent route: eigenvalues of the sample covariance matrix, sorted in descending order.
    C = np.cov(np.asarray(X, dtype=float), rowvar=False)
    lam = np.sort(np.linalg.eigvalsh(np.atleast_2d(C)))[::-1]
    return float(lam[:k].sum() / lam.sum())


_CROSS = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
_RNG = np.random.default_rng(3)
_CORR = _RNG.normal(size=(200, 3)) @ np.array([[3.0, 1.0, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 0.2]])
_WIDE = _RNG.normal(size=(4, 6))

CASES = [
    {"name": "axis-aligned cross, first component", "args": [_CROSS.copy(), 1], "expected": 0.8},
    {"name": "all components explain everything", "args": [_CROSS.copy(), 2], "expected": 1.0},
    {"name": "shifted cross: centering matters", "args": [_CROSS + np.array([100.0, 50.0]), 1], "expected": 0.8},
    {"name": "points on a line through a far-away point",
     "args": [np.array([[10.0, 10.0], [11.0, 12.0], [12.0, 14.0], [13.0, 16.0]]), 1], "expected": 1.0},
    {"name": "diagonal spread, shifted",
     "args": [np.array([[4.0, 6.0], [6.0, 4.0], [7.0, 7.0], [3.0, 3.0]]), 1],
     "expected": _reference(np.array([[4.0, 6.0], [6.0, 4.0], [7.0, 7.0], [3.0, 3.0]]), 1)},
    {"name": "correlated 3-D data with an offset, k=1", "args": [_CORR + 20.0, 1], "expected": _reference(_CORR, 1)},
    {"name": "correlated 3-D data with an offset, k=2", "args": [_CORR + 20.0, 2], "expected": _reference(_CORR, 2)},
    {"name": "more features than examples", "args": [_WIDE + 5.0, 2], "expected": _reference(_WIDE, 2)},
    {"name": "single feature", "args": [np.array([[1.0], [2.0], [4.0]]), 1], "expected": 1.0},
]
