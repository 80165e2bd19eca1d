CASES = [
    {"name": "13B-like model, multi-head attention", "args": [80e9, 26e9, 40, 40, 40, 128, 2048],
     "expected": 27},
    {"name": "nothing left after the weights", "args": [24e9, 26e9, 40, 40, 40, 128, 2048], "expected": 0},
]
