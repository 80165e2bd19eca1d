CASES = [
    {"name": "clean two-class split", "args": [[1, 2, 3, 4], [0, 0, 1, 1]], "expected": 2.5},
    {"name": "unsorted input", "args": [[4.0, 1.0, 3.0, 2.0, 5.0], ["b", "a", "b", "a", "b"]], "expected": 2.5},
    {"name": "one distinct value", "args": [[3, 3, 3], [0, 1, 0]], "expected": None},
]
