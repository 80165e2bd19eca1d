import numpy as np

_N = 100_000
_rng = np.random.default_rng(12345)

# Large case 1: positives get even scores 0, 2, 4, ..., negatives odd scores 1, 3, 5, ...;
# positive 2i beats negative 2j+1 exactly when i > j, so AUC = (N - 1) / (2N). Rows shuffled.
_perm = _rng.permutation(2 * _N)
_y_big = np.concatenate([np.ones(_N, dtype=int), np.zeros(_N, dtype=int)])[_perm]
_s_big = np.concatenate([2.0 * np.arange(_N), 2.0 * np.arange(_N) + 1.0])[_perm]

# Large case 2: positives listed first, both classes take the values 0..9 equally often,
# so every comparison is symmetric and AUC = 0.5 exactly.
_y_ties = np.concatenate([np.ones(_N, dtype=int), np.zeros(_N, dtype=int)])
_s_ties = np.concatenate([np.arange(_N) % 10, np.arange(_N) % 10]).astype(float)

CASES = [
    {"name": "example from the statement", "args": [[1, 1, 0, 0], [0.9, 0.4, 0.4, 0.1]],
     "expected": 0.875},
    {"name": "mixed, no ties", "args": [[1, 0, 1, 0, 1], [0.9, 0.7, 0.6, 0.3, 0.4]],
     "expected": 4 / 6},
    {"name": "all scores equal", "args": [[1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]], "expected": 0.5},
    {"name": "ties, positive listed first",
     "args": [[1, 1, 1, 0, 0, 0], [0.9, 0.6, 0.4, 0.7, 0.4, 0.2]], "expected": 6.5 / 9},
    {"name": "ties, negative listed first",
     "args": [[0, 0, 0, 1, 1, 1], [0.7, 0.4, 0.2, 0.9, 0.6, 0.4]], "expected": 6.5 / 9},
    {"name": "no negatives", "args": [[1, 1, 1], [0.1, 0.2, 0.3]], "expected": None},
    {"name": "no positives", "args": [[0, 0], [0.1, 0.2]], "expected": None},
    {"name": "empty input", "args": [[], []], "expected": None},
    {"name": "numpy inputs with negative scores",
     "args": [np.array([0, 1, 0, 1]), np.array([-3.0, -1.0, -2.0, 5.0])], "expected": 1.0},
    {"name": "large input, no ties", "args": [_y_big, _s_big], "expected": (_N - 1) / (2 * _N)},
    {"name": "large input, heavy ties", "args": [_y_ties, _s_ties], "expected": 0.5},
]
