CASES = [
    {"name": "everyday coins", "args": [[1, 5, 10, 25], 63], "expected": 6},
    {"name": "impossible", "args": [[2], 3], "expected": -1},
    {"name": "zero amount", "args": [[1, 2, 5], 0], "expected": 0},
]
