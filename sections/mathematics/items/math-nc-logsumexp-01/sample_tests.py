import math

import numpy as np

CASES = [
    {"name": "two zeros give log 2", "args": [np.array([0.0, 0.0])], "expected": math.log(2.0)},
    {"name": "small values", "args": [np.array([1.0, 2.0, 3.0])],
     "expected": math.log(math.exp(1.0) + math.exp(2.0) + math.exp(3.0))},
    {"name": "single element", "args": [np.array([5.0])], "expected": 5.0},
]
