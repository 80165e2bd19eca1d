CASES = [
    {"name": "four requests", "args": [[30, 10, 40, 20], 25], "expected": {"p50": 20.0, "p99": 40.0, "within_slo": 0.5}},
    {"name": "empty", "args": [[], 100], "expected": {"p50": None, "p99": None, "within_slo": None}},
]
