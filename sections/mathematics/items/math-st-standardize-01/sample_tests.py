import numpy as np

CASES = [
    {"name": "one column", "args": [np.array([[1.0], [3.0]])], "expected": np.array([[-1.0], [1.0]])},
    {"name": "two columns on different scales",
     "args": [np.array([[1.0, 100.0], [2.0, 200.0], [3.0, 300.0]])],
     "expected": np.array([[-np.sqrt(1.5), -np.sqrt(1.5)], [0.0, 0.0], [np.sqrt(1.5), np.sqrt(1.5)]])},
]
