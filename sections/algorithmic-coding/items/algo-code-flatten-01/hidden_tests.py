def _deep(depth):
    nested = [depth - 1]
    for i in range(depth - 2, -1, -1):
        nested = [i, nested]
    return nested


CASES = [
    {"name": "already flat", "args": [[5, 6, 7]], "expected": [5, 6, 7]},
    {"name": "nested chain", "args": [[1, [2, [3, [4]]]]], "expected": [1, 2, 3, 4]},
    {"name": "only empty lists", "args": [[[], [[]], [[], [[]]]]], "expected": []},
    {"name": "mixed depths", "args": [[[1, [2]], 3, [[4, 5], [], 6]]], "expected": [1, 2, 3, 4, 5, 6]},
    {"name": "falsy values kept", "args": [[0, [0, [0]]]], "expected": [0, 0, 0]},
    {"name": "nesting at the front", "args": [[[[[-1]]], 2]], "expected": [-1, 2]},
    {"name": "single deeply wrapped value", "args": [[[[[[[[7]]]]]]]], "expected": [7]},
    {"name": "depth 50", "args": [_deep(50)], "expected": list(range(50))},
]
