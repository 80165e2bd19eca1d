import numpy as np

CASES = [
    {"name": "three vectors", "args": [np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])],
     "expected": np.array([[1.0, 0.0, 2 ** -0.5], [0.0, 1.0, 2 ** -0.5], [2 ** -0.5, 2 ** -0.5, 1.0]])},
    {"name": "a zero row", "args": [np.array([[0.0, 0.0], [3.0, 4.0]])], "expected": np.array([[0.0, 0.0], [0.0, 1.0]])},
]
