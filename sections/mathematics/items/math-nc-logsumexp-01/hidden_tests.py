import math

import numpy as np

CASES = [
    {"name": "two zeros give log 2", "args": [np.array([0.0, 0.0])], "expected": math.log(2.0)},
    {"name": "small values", "args": [np.array([1.0, 2.0, 3.0])],
     "expected": math.log(math.exp(1.0) + math.exp(2.0) + math.exp(3.0))},
    {"name": "negative and positive", "args": [np.array([-2.0, 0.5, 1.5, -0.25])],
     "expected": math.log(math.exp(-2.0) + math.exp(0.5) + math.exp(1.5) + math.exp(-0.25))},
    {"name": "ten zeros give log 10", "args": [np.zeros(10)], "expected": math.log(10.0)},
    {"name": "large equal values do not overflow", "args": [np.array([1000.0, 1000.0])],
     "expected": 1000.0 + math.log(2.0)},
    {"name": "single huge value", "args": [np.array([800.0])], "expected": 800.0},
    {"name": "one huge value dominates", "args": [np.array([1000.0, 0.0, -5.0])],
     "expected": 1000.0 + math.log(1.0 + math.exp(-1000.0) + math.exp(-1005.0))},
    {"name": "very negative values do not underflow", "args": [np.array([-1000.0, -1000.0])],
     "expected": -1000.0 + math.log(2.0)},
    {"name": "very negative, spread out", "args": [np.array([-800.0, -801.0, -802.0])],
     "expected": -800.0 + math.log(1.0 + math.exp(-1.0) + math.exp(-2.0))},
    {"name": "large and spread out", "args": [np.array([710.0, 709.0, 700.0])],
     "expected": 710.0 + math.log(1.0 + math.exp(-1.0) + math.exp(-10.0))},
]
