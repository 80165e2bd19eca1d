import math


def _z(xa, na, xb, nb):
    # Written out independently of the solution: difference over pooled standard error.
    p = (xa + xb) / (na + nb)
    return (xb / nb - xa / na) / math.sqrt(p * (1 - p) * (1 / na + 1 / nb))


CASES = [
    {"name": "example from the statement", "args": [200, 2000, 240, 2000],
     "expected": 2.0214, "tol": 1e-4},
    {"name": "B worse than A gives a negative z", "args": [60, 500, 40, 500],
     "expected": _z(60, 500, 40, 500), "tol": 1e-9},
    {"name": "unequal group sizes", "args": [30, 1000, 45, 1500],
     "expected": 0.0, "tol": 1e-9},
    {"name": "unequal sizes, real difference", "args": [120, 1000, 210, 1500],
     "expected": _z(120, 1000, 210, 1500), "tol": 1e-9},
    {"name": "nobody converted in either group", "args": [0, 500, 0, 700],
     "expected": 0.0, "tol": 1e-12},
    {"name": "everybody converted in both groups", "args": [40, 40, 25, 25],
     "expected": 0.0, "tol": 1e-12},
    {"name": "one group at 0%, the other not", "args": [0, 100, 5, 100],
     "expected": _z(0, 100, 5, 100), "tol": 1e-9},
    {"name": "large counts", "args": [100_000, 1_000_000, 101_500, 1_000_000],
     "expected": _z(100_000, 1_000_000, 101_500, 1_000_000), "tol": 1e-9},
    {"name": "tiny groups", "args": [1, 2, 2, 3],
     "expected": _z(1, 2, 2, 3), "tol": 1e-9},
]
