import numpy as np

CASES = [
    {"name": "two ranks", "args": [[np.array([1.0, 2.0]), np.array([10.0, 20.0])]],
     "expected": ([np.array([11.0, 22.0]), np.array([11.0, 22.0])], [2, 2])},
    {"name": "three ranks, three elements",
     "args": [[np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0]), np.array([0.0, 0.0, 3.0])]],
     "expected": ([np.array([1.0, 2.0, 3.0])] * 3, [4, 4, 4])},
]
