CASES = [
    {"name": "numeric, not string, order", "args": [["v1.10.0", "v1.9.3", "v1.2.0"]],
     "expected": ["v1.2.0", "v1.9.3", "v1.10.0"]},
    {"name": "pre-release before release", "args": [["1.4.0", "1.4.0-rc2", "1.3.9"]],
     "expected": ["1.3.9", "1.4.0-rc2", "1.4.0"]},
]
