CASES = [
    {"name": "example from the statement", "args": [[1, 0, 1, 1], [1, 1, 0, 1]],
     "expected": 2 / 3},
    {"name": "perfect predictions", "args": [[0, 1, 1, 0], [0, 1, 1, 0]], "expected": 1.0},
    {"name": "string labels", "args": [["spam", "ham", "spam"], ["spam", "spam", "ham"]],
     "kwargs": {"positive": "spam"}, "expected": 0.5},
]
