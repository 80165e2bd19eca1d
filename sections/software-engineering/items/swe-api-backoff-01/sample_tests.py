CASES = [
    {"name": "plain doubling", "args": [4, 0.5], "expected": [0.5, 1.0, 2.0, 4.0]},
    {"name": "capped", "args": [5, 1.0], "kwargs": {"cap": 3.0}, "expected": [1.0, 2.0, 3.0, 3.0, 3.0]},
    {"name": "budget reached exactly", "args": [5, 1.0], "kwargs": {"budget": 7.0}, "expected": [1.0, 2.0, 4.0]},
]
