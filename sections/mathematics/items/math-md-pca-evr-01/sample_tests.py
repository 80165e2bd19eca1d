import numpy as np

CASES = [
    {"name": "axis-aligned cross, first component",
     "args": [np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]]), 1], "expected": 0.8},
    {"name": "all components explain everything",
     "args": [np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]]), 2], "expected": 1.0},
]
