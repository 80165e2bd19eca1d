CASES = [
    {"name": "two classes", "args": [[0, 0, 1, 1], [0, 1, 1, 1], [0, 1]], "expected": (2 / 3 + 0.8) / 2},
    {"name": "nothing to report", "args": [[], [], [0, 1]], "expected": None},
]
