CASES = [
    {"name": "two", "args": [2], "expected": 4},
    {"name": "zero", "args": [0], "expected": 0},
]
