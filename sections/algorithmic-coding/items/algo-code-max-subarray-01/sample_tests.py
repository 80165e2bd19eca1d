CASES = [
    {"name": "mixed signs", "args": [[3, -4, 5, -1, 2, -6, 4]], "expected": 6},
    {"name": "all positive", "args": [[1, 2, 3]], "expected": 6},
    {"name": "single element", "args": [[5]], "expected": 5},
]
