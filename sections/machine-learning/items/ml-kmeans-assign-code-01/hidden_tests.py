import numpy as np

CASES = [
    {"name": "two symmetric centroids", "args": [np.array([[2.0, 0.5], [-3.0, 1.0], [0.5, -2.0]]), np.array([[1.0, 0.0], [-1.0, 0.0]])],
     "expected": np.array([0, 1, 0])},
    {"name": "centroids of different norms", "args": [np.array([[1.0, 1.0], [9.0, 9.0], [4.0, 4.0], [6.0, 6.0]]), np.array([[0.0, 0.0], [10.0, 10.0]])],
     "expected": np.array([0, 1, 0, 1])},
    {"name": "one-dimensional data", "args": [np.array([[0.0], [2.0], [4.0], [6.0], [12.0]]), np.array([[1.0], [5.0]])],
     "expected": np.array([0, 0, 1, 1, 1])},
    {"name": "tie goes to the lowest index", "args": [np.array([[0.0, 0.0], [3.0, 0.0]]), np.array([[1.0, 0.0], [-1.0, 0.0], [5.0, 0.0]])],
     "expected": np.array([0, 0])},
    {"name": "single centroid", "args": [np.array([[1.0, 2.0, 3.0], [-4.0, 0.0, 9.0]]), np.array([[100.0, 100.0, 100.0]])],
     "expected": np.array([0, 0])},
    {"name": "no points", "args": [np.zeros((0, 2)), np.array([[1.0, 1.0], [2.0, 2.0]])],
     "expected": np.zeros(0, dtype=int)},
    {"name": "far centroid with large norm", "args": [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [50.0, 1.0]])],
     "expected": np.array([0, 0])},
    {"name": "three dimensions, three clusters", "args": [
        np.array([[0.1, 0.0, 0.2], [5.2, 4.9, 5.0], [9.8, 0.1, -0.2], [4.0, 4.0, 4.0], [7.0, 0.0, 0.0]]),
        np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0], [10.0, 0.0, 0.0]])],
     "expected": np.array([0, 1, 2, 1, 2])},
]
