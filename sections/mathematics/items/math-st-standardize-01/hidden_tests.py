import numpy as np


def _reference(X):
    # Written independently of solution.py: column by column with explicit sums.
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    out = np.zeros((n, d))
    for j in range(d):
        col = [float(v) for v in X[:, j]]
        mean = sum(col) / n
        var = sum((v - mean) ** 2 for v in col) / n
        for i in range(n):
            out[i, j] = 0.0 if var == 0 else (col[i] - mean) / var ** 0.5
    return out


_RNG = np.random.default_rng(11)
_BIG = _RNG.normal(loc=[5.0, -3.0, 1000.0], scale=[1.0, 0.01, 250.0], size=(50, 3))
_S = np.sqrt(1.5)

CASES = [
    {"name": "one column", "args": [np.array([[1.0], [3.0]])], "expected": np.array([[-1.0], [1.0]])},
    {"name": "two columns on different scales",
     "args": [np.array([[1.0, 100.0], [2.0, 200.0], [3.0, 300.0]])],
     "expected": np.array([[-_S, -_S], [0.0, 0.0], [_S, _S]])},
    {"name": "population, not sample, standard deviation",
     "args": [np.array([[2.0], [4.0], [4.0], [4.0], [5.0], [5.0], [7.0], [9.0]])],
     "expected": np.array([[-1.5], [-0.5], [-0.5], [-0.5], [0.0], [0.0], [1.0], [2.0]])},
    {"name": "a constant column becomes zeros",
     "args": [np.array([[1.0, 5.0], [3.0, 5.0]])], "expected": np.array([[-1.0, 0.0], [1.0, 0.0]])},
    {"name": "all columns constant", "args": [np.array([[2.0, -4.0, 0.0], [2.0, -4.0, 0.0], [2.0, -4.0, 0.0]])],
     "expected": np.zeros((3, 3))},
    {"name": "a single row is constant in every column", "args": [np.array([[7.0, -1.0]])],
     "expected": np.zeros((1, 2))},
    {"name": "negative values", "args": [np.array([[-3.0, 0.0], [-1.0, 4.0], [-2.0, 8.0]])],
     "expected": _reference(np.array([[-3.0, 0.0], [-1.0, 4.0], [-2.0, 8.0]]))},
    {"name": "random columns with very different scales", "args": [_BIG.copy()], "expected": _reference(_BIG)},
    {"name": "integers in a float array", "args": [np.array([[0.0, 10.0], [0.0, 20.0], [6.0, 30.0], [6.0, 40.0]])],
     "expected": _reference(np.array([[0.0, 10.0], [0.0, 20.0], [6.0, 30.0], [6.0, 40.0]]))},
]
