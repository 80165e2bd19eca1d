import numpy as np

CASES = [
    {"name": "window of 2", "args": [[1, 2, 3, 4], 2], "expected": np.array([1.5, 2.5, 3.5])},
    {"name": "window of 3", "args": [[3.0, 0.0, 3.0, 6.0, 0.0], 3], "expected": np.array([2.0, 3.0, 3.0])},
    {"name": "window longer than the series", "args": [[1.0, 2.0], 3], "expected": np.zeros(0)},
]
