CASES = [
    {"name": "equal durations", "args": [[2, 2, 2, 2], 2], "expected": [2, 2, 4, 4]},
    {"name": "one worker is sequential", "args": [[3, 1, 2], 1], "expected": [3, 4, 6]},
    {"name": "more workers than tasks", "args": [[4, 1], 3], "expected": [4, 1]},
]
