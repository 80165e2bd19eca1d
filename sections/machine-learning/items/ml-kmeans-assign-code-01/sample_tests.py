import numpy as np

CASES = [
    {"name": "two symmetric centroids", "args": [np.array([[2.0, 0.5], [-3.0, 1.0], [0.5, -2.0]]), np.array([[1.0, 0.0], [-1.0, 0.0]])],
     "expected": np.array([0, 1, 0])},
    {"name": "three unit centroids", "args": [np.array([[0.0, 2.0], [2.0, 0.1], [-0.5, -3.0]]), np.array([[1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])],
     "expected": np.array([1, 0, 2])},
]
