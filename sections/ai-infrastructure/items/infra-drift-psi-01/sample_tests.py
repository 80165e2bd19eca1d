import math

CASES = [
    {"name": "two bins", "args": [[50, 50], [60, 40]],
     "expected": 0.1 * math.log(1.2) + (-0.1) * math.log(0.8), "tol": 1e-9},
    {"name": "identical histograms", "args": [[10, 20, 30], [1, 2, 3]], "expected": 0.0, "tol": 1e-12},
    {"name": "three bins", "args": [[25, 50, 25], [15, 50, 35]],
     "expected": -0.1 * math.log(0.6) + 0.1 * math.log(1.4), "tol": 1e-9},
]
