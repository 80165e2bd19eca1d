import numpy as np

# Expected values computed with an independent scalar loop (not the reference solution).
CASES = [
    {"name": "first step", "args": [np.array([1.0, -2.0, 0.5]), np.array([0.5, -1.0, 2.0]), np.array([0, 0, 0], dtype=float), np.array([0, 0, 0], dtype=float), 1],
     "expected": (np.array([0.99900000002, -1.9990000000099999, 0.499000000005]), np.array([0.04999999999999999, -0.09999999999999998, 0.19999999999999996]), np.array([0.0002500000000000002, 0.0010000000000000009, 0.0040000000000000036]))},
    {"name": "late step", "args": [np.array([0.3, 0.7]), np.array([0.2, -0.4]), np.array([0.1, -0.2], dtype=float), np.array([0.01, 0.02], dtype=float), 20000],
     "expected": (np.array([0.29890164640754857, 0.70155021850464]), np.array([0.11000000000000001, -0.22000000000000003]), np.array([0.01003, 0.02014]))},
    {"name": "first step, any gradient size", "args": [np.array([0.0, 0.0]), np.array([0.001, 100.0]), np.array([0, 0], dtype=float), np.array([0, 0], dtype=float), 1],
     "kwargs": {'lr': 0.01},
     "expected": (np.array([-0.00999990000099999, -0.009999999999]), np.array([9.999999999999998e-05, 9.999999999999998]), np.array([1.000000000000001e-09, 10.000000000000009]))},
    {"name": "zero gradient", "args": [np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0], dtype=float), np.array([0.0, 0.0], dtype=float), 1],
     "expected": (np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]))},
    {"name": "step 2 continues the averages", "args": [np.array([0.999, -1.999]), np.array([0.4, -0.6]), np.array([0.05, -0.05], dtype=float), np.array([0.00025, 0.00025], dtype=float), 2],
     "expected": (np.array([0.9980118742177022, -1.9979993869035404]), np.array([0.08499999999999999, -0.10499999999999998]), np.array([0.0004097500000000002, 0.0006097500000000003]))},
    {"name": "step 10", "args": [np.array([1.0]), np.array([0.3]), np.array([0.2], dtype=float), np.array([0.05], dtype=float), 10],
     "kwargs": {'lr': 0.1},
     "expected": (np.array([0.9856190216293655]), np.array([0.21000000000000002]), np.array([0.05004]))},
    {"name": "custom betas", "args": [np.array([0.5, -0.5]), np.array([1.0, 2.0]), np.array([0.1, 0.1], dtype=float), np.array([0.1, 0.1], dtype=float), 3],
     "kwargs": {'beta1': 0.5, 'beta2': 0.9, 'lr': 0.05},
     "expected": (np.array([0.4624653404901199, -0.5446208513875473]), np.array([0.55, 1.05]), np.array([0.19, 0.48999999999999994]))},
    {"name": "2-D parameters", "args": [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.1, -0.1], [1.0, -1.0]]), np.array([[0, 0], [0, 0]], dtype=float), np.array([[0, 0], [0, 0]], dtype=float), 1],
     "expected": (np.array([[0.9990000001, 2.0009999999], [2.99900000001, 4.00099999999]]), np.array([[0.009999999999999998, -0.009999999999999998], [0.09999999999999998, -0.09999999999999998]]), np.array([[1.0000000000000011e-05, 1.0000000000000011e-05], [0.0010000000000000009, 0.0010000000000000009]]))},
    {"name": "very late step", "args": [np.array([2.0]), np.array([-0.5]), np.array([-0.3], dtype=float), np.array([0.2], dtype=float), 100000],
     "kwargs": {'lr': 0.002},
     "expected": (np.array([2.001430904621704]), np.array([-0.32]), np.array([0.20005]))},
]
