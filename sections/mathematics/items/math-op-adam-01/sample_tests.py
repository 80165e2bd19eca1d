import numpy as np

CASES = [
    {"name": "zero steps returns w0", "args": [np.array([1.0, 2.0]), np.array([1.0, -1.0]), 0.1, 0],
     "expected": np.array([1.0, -1.0])},
    {"name": "starting at the minimum stays there", "args": [np.array([1.0, 2.0]), np.array([0.0, 0.0]), 0.1, 5],
     "expected": np.array([0.0, 0.0])},
    {"name": "first step moves about lr against the gradient's sign",
     "args": [np.array([1.0, 2.0]), np.array([1.0, -1.0]), 0.1, 1],
     "expected": np.array([0.9, -0.9])},
]
