import numpy as np

CASES = [
    {"name": "first step", "args": [np.array([1.0, -2.0, 0.5]), np.array([0.5, -1.0, 2.0]), np.array([0, 0, 0], dtype=float), np.array([0, 0, 0], dtype=float), 1],
     "expected": (np.array([0.99900000002, -1.9990000000099999, 0.499000000005]), np.array([0.04999999999999999, -0.09999999999999998, 0.19999999999999996]), np.array([0.0002500000000000002, 0.0010000000000000009, 0.0040000000000000036]))},
    {"name": "late step", "args": [np.array([0.3, 0.7]), np.array([0.2, -0.4]), np.array([0.1, -0.2], dtype=float), np.array([0.01, 0.02], dtype=float), 20000],
     "expected": (np.array([0.29890164640754857, 0.70155021850464]), np.array([0.11000000000000001, -0.22000000000000003]), np.array([0.01003, 0.02014]))},
]
