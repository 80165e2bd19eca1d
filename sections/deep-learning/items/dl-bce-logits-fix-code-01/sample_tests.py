import numpy as np

CASES = [
    {"name": "zero logit", "args": [np.array([0.0]), np.array([1])], "expected": (float(np.log(2)), np.array([-0.5]))},
    {"name": "confident and right", "args": [np.array([50.0]), np.array([1])],
     "expected": (float(np.log1p(np.exp(-50.0))), np.array([0.0]))},
]
