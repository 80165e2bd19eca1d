import math


def _term(a, e):
    return (a - e) * math.log(a / e)


CASES = [
    {"name": "identical shares, different totals", "args": [[1, 1, 2], [100, 100, 200]], "expected": 0.0, "tol": 1e-12},
    {"name": "two bins", "args": [[50, 50], [60, 40]], "expected": _term(0.6, 0.5) + _term(0.4, 0.5), "tol": 1e-9},
    {"name": "single bin", "args": [[7], [3]], "expected": 0.0, "tol": 1e-12},
    {"name": "empty bin in production", "args": [[50, 50], [100, 0]],
     "expected": _term(1.0, 0.5) + _term(1e-4, 0.5), "tol": 1e-9},
    {"name": "empty bin in training", "args": [[100, 0], [90, 10]],
     "expected": _term(0.9, 1.0) + _term(0.1, 1e-4), "tol": 1e-9},
    {"name": "bin empty in both", "args": [[30, 0, 70], [40, 0, 60]],
     "expected": _term(0.4, 0.3) + 0.0 + _term(0.6, 0.7), "tol": 1e-9},
    {"name": "custom eps", "args": [[10, 0], [5, 5]], "kwargs": {"eps": 0.01},
     "expected": _term(0.5, 1.0) + _term(0.5, 0.01), "tol": 1e-9},
    {"name": "ten bins with a big shift",
     "args": [[10] * 10, [1, 1, 1, 1, 1, 5, 10, 20, 30, 30]],
     "expected": sum(_term(a / 100, 0.1) for a in [1, 1, 1, 1, 1, 5, 10, 20, 30, 30]), "tol": 1e-9},
    {"name": "symmetric in its arguments", "args": [[15, 50, 35], [25, 50, 25]],
     "expected": _term(0.25, 0.15) + _term(0.25, 0.35), "tol": 1e-9},
]
