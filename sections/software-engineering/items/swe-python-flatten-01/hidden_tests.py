CASES = [
    {"name": "already flat", "args": [[1, 2, 3]], "expected": [1, 2, 3]},
    {"name": "empty list", "args": [[]], "expected": []},
    {"name": "two levels", "args": [[1, [2, [3]]]], "expected": [1, 2, 3]},
    {"name": "mixed lists and tuples deep", "args": [[1, [2, (3, [4])], "ab"]], "expected": [1, 2, 3, 4, "ab"]},
    {"name": "empty inner lists vanish", "args": [[[], [[]], [[], []]]], "expected": []},
    {"name": "strings are not split", "args": [["abc", ["de", ("f",)]]], "expected": ["abc", "de", "f"]},
    {"name": "None and dicts are values", "args": [[None, [{"k": 1}], [[0.5]]]], "expected": [None, {"k": 1}, 0.5]},
    {"name": "very deep nesting", "args": [[[[[[[[[[[[7]]]]]]]]]], 8]], "expected": [7, 8]},
    {"name": "order is kept", "args": [[[3, [2]], 1, ([0],)]], "expected": [3, 2, 1, 0]},
    {"name": "long flat input", "args": [list(range(1000))], "expected": list(range(1000))},
]
