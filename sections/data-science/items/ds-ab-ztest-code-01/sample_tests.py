import math

CASES = [
    {"name": "example from the statement", "args": [200, 2000, 240, 2000],
     "expected": 0.02 / math.sqrt(0.11 * 0.89 * (2 / 2000)), "tol": 1e-9},
    {"name": "B worse than A gives a negative z", "args": [60, 500, 40, 500],
     "expected": (0.08 - 0.12) / math.sqrt(0.10 * 0.90 * (2 / 500)), "tol": 1e-9},
    {"name": "equal rates", "args": [10, 100, 30, 300], "expected": 0.0, "tol": 1e-9},
]
