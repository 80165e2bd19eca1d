CASES = [
    {"name": "the reported case",
     "args": [2, [("put", "a", 1), ("put", "b", 2), ("get", "a"), ("put", "c", 3), ("get", "a"), ("get", "b")]],
     "expected": [1, 1, -1]},
    {"name": "miss on an empty cache", "args": [1, [("get", "x")]], "expected": [-1]},
]
