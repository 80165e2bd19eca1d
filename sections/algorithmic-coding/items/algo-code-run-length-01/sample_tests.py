CASES = [
    {"name": "basic runs", "args": ["aaabcc"], "expected": "a3b1c2"},
    {"name": "no repeats", "args": ["xyz"], "expected": "x1y1z1"},
    {"name": "empty string", "args": [""], "expected": ""},
]
