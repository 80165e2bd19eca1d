import numpy as np

CASES = [
    {"name": "no penalty, exact line", "args": [np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0]), 0.0],
     "expected": np.array([1.0, 2.0])},
    {"name": "centered data, lam 2", "args": [np.array([[-1.0], [0.0], [1.0]]), np.array([-2.0, 0.0, 2.0]), 2.0],
     "expected": np.array([0.0, 1.0])},
]
