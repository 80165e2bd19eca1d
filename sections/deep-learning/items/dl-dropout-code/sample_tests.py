import numpy as np

CASES = [
    {"name": "training, p = 0.5", "args": [np.array([1.0, 2.0, 3.0, 4.0]), 0.5, np.array([1, 0, 1, 0]), True],
     "expected": np.array([2.0, 0.0, 6.0, 0.0])},
    {"name": "inference returns the input", "args": [np.array([1.0, 2.0, 3.0]), 0.5, np.array([0, 1, 0]), False],
     "expected": np.array([1.0, 2.0, 3.0])},
]
