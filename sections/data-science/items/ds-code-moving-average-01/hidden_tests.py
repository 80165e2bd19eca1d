import numpy as np


def _slow(x, k):
    x = np.asarray(x, dtype=float)
    return np.array([x[i - k + 1:i + 1].mean() for i in range(k - 1, len(x))]).reshape(-1)


_rng = np.random.default_rng(7)
_mid = _rng.normal(10.0, 3.0, 2_000)
_big = _rng.normal(0.0, 1.0, 300_000)
_c = np.concatenate(([0.0], np.cumsum(_big)))
_big_expected = (_c[400:] - _c[:-400]) / 400

CASES = [
    {"name": "window of 2", "args": [[1, 2, 3, 4], 2], "expected": np.array([1.5, 2.5, 3.5])},
    {"name": "window of 1 returns the values as floats", "args": [[5, -1, 2], 1],
     "expected": np.array([5.0, -1.0, 2.0])},
    {"name": "window equal to the length gives one mean", "args": [[2, 4, 6, 8], 4], "expected": np.array([5.0])},
    {"name": "window longer than the series gives an empty array", "args": [[1.0, 2.0], 3], "expected": np.zeros(0)},
    {"name": "empty series", "args": [[], 2], "expected": np.zeros(0)},
    {"name": "negative values", "args": [[-3.0, 3.0, -3.0, 3.0], 2], "expected": np.array([0.0, 0.0, 0.0])},
    {"name": "numpy int input", "args": [np.arange(10), 5], "expected": np.array([2.0, 3.0, 4.0, 5.0, 6.0, 7.0])},
    {"name": "2,000 noisy points, window 50", "args": [_mid, 50], "expected": _slow(_mid, 50)},
    {"name": "300,000 points, window 400, within 1 s", "args": [_big, 400], "expected": _big_expected},
    {"name": "300,000 points, window 1,000, within 1 s", "args": [_big, 1000],
     "expected": (_c[1000:] - _c[:-1000]) / 1000},
]
