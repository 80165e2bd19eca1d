import numpy as np

CASES = [
    {"name": "diagonal", "args": [np.diag([3.0, 1.0]), 100], "expected": 3.0},
    {"name": "2x2 symmetric", "args": [np.array([[2.0, 1.0], [1.0, 2.0]]), 50], "expected": 3.0},
]
