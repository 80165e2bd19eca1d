import numpy as np

CASES = [
    {"name": "small log", "args": [np.array([0, 100, 150, 1000, 1099]), 1000],
     "expected": np.array([1, 2, 3, 3, 4])},
    {"name": "ties count as earlier when they come first", "args": [np.array([5, 5, 5]), 10],
     "expected": np.array([1, 2, 3])},
]
