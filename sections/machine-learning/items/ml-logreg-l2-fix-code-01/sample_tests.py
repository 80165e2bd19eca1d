import numpy as np

CASES = [
    {"name": "no data signal: intercept learns the base rate", "args": [np.zeros((4, 1)), np.array([1, 0, 0, 0]), 10.0, 0.5, 1],
     "expected": (np.array([0.0]), -0.125)},
    {"name": "zero steps", "args": [np.ones((2, 2)), np.array([0, 1]), 1.0, 0.1, 0], "expected": (np.array([0.0, 0.0]), 0.0)},
]
