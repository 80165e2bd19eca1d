CASES = [
    {"name": "two bursts", "args": [[0, 1, 2, 10, 11], 4, 5], "expected": [[0, 1, 2], [3, 4]]},
    {"name": "full batches", "args": [[0, 0, 0, 0, 0], 2, 5], "expected": [[0, 1], [2, 3], [4]]},
    {"name": "no requests", "args": [[], 8, 5], "expected": []},
]
