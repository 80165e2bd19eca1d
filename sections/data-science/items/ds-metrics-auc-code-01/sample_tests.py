CASES = [
    {"name": "perfect ranking", "args": [[0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]], "expected": 1.0},
    {"name": "reversed ranking", "args": [[1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]], "expected": 0.0},
    {"name": "mixed, no ties", "args": [[1, 0, 1, 0, 1], [0.9, 0.7, 0.6, 0.3, 0.4]],
     "expected": 4 / 6},
    {"name": "one class only", "args": [[1, 1], [0.3, 0.5]], "expected": None},
]
