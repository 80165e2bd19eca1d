import numpy as np

CASES = [
    {"name": "1-D points", "args": [np.array([[0.0], [1.0], [5.0], [6.0]]), np.array([0, 0, 1, 1]),
                                   np.array([[0.5], [5.5]]), 3], "expected": np.array([0, 1])},
    {"name": "vote tie goes to the smallest label", "args": [np.array([[0.0], [2.0]]), np.array([3, 1]),
                                                            np.array([[0.9]]), 2], "expected": np.array([1])},
]
