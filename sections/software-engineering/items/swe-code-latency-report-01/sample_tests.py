CASES = [
    {"name": "one endpoint, query strings removed",
     "args": [["t GET /a?x=1 200 10ms", "t GET /a 200 30ms", "t GET /a?y=2 500 20ms"]],
     "expected": {"GET /a": 30}},
    {"name": "malformed line skipped",
     "args": [["t POST /b 201 5ms", "garbage", "t POST /b 201 fast"]],
     "expected": {"POST /b": 5}},
]
