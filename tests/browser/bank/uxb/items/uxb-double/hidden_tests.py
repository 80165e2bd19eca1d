CASES = [
    {"name": "two", "args": [2], "expected": 4},
    {"name": "three", "args": [3], "expected": 6},
    {"name": "zero", "args": [0], "expected": 0},
    {"name": "negative", "args": [-5], "expected": -10},
    {"name": "float", "args": [1.5], "expected": 3.0},
    {"name": "ten", "args": [10], "expected": 20},
]
