import numpy as np


def _ref(X, y, lam):
    # Independent route: least squares on an augmented system whose extra rows
    # sqrt(lam) * w = 0 penalize w but not the intercept column.
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    A = np.vstack([np.hstack([np.ones((n, 1)), X]),
                   np.hstack([np.zeros((d, 1)), np.sqrt(lam) * np.eye(d)])])
    t = np.concatenate([np.asarray(y, dtype=float), np.zeros(d)])
    return np.linalg.lstsq(A, t, rcond=None)[0]


_rng = np.random.default_rng(7)
_X1 = _rng.normal(size=(20, 3)) + 5.0
_y1 = _X1 @ np.array([1.0, -2.0, 0.5]) + 10.0 + _rng.normal(size=20)
_X2 = _rng.normal(size=(4, 6))
_y2 = _rng.normal(size=4) + 3.0

CASES = [
    {"name": "no penalty, exact line", "args": [np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0]), 0.0],
     "expected": np.array([1.0, 2.0])},
    {"name": "one feature, lam 1, hand computed", "args": [np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0]), 1.0],
     # xbar 2, ybar 4, sum xc^2 = 2, sum xc*yc = 4 -> w = 4 / 3, b = 4 - 2 * 4/3
     "expected": np.array([4.0 - 8.0 / 3.0, 4.0 / 3.0])},
    {"name": "shifted targets keep the slope", "args": [np.array([[-1.0], [0.0], [1.0]]), np.array([98.0, 100.0, 102.0]), 2.0],
     "expected": np.array([100.0, 1.0])},
    {"name": "huge penalty predicts the mean", "args": [np.array([[1.0, 2.0], [3.0, 1.0], [5.0, 7.0]]), np.array([10.0, 20.0, 60.0]), 1e12],
     "expected": np.array([30.0, 0.0, 0.0]), "tol": 1e-6},
    {"name": "three features, offset data", "args": [_X1, _y1, 3.0], "expected": _ref(_X1, _y1, 3.0)},
    {"name": "three features, no penalty", "args": [_X1, _y1, 0.0], "expected": _ref(_X1, _y1, 0.0)},
    {"name": "more features than samples", "args": [_X2, _y2, 0.5], "expected": _ref(_X2, _y2, 0.5)},
    {"name": "constant target", "args": [np.array([[1.0], [4.0], [9.0]]), np.array([7.0, 7.0, 7.0]), 0.1],
     "expected": np.array([7.0, 0.0])},
]
