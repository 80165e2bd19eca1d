_twenty = [f"2024-05-01T10:00:{i:02d}Z GET /api/items 200 {10 * (i + 1)}ms" for i in range(20)]
_hundred = [f"t GET /s?q={i} 200 {i + 1}ms" for i in range(100)]

CASES = [
    {"name": "one endpoint, query strings removed",
     "args": [["t GET /a?x=1 200 10ms", "t GET /a 200 30ms", "t GET /a?y=2 500 20ms"]],
     "expected": {"GET /a": 30}},
    {"name": "twenty values: the 19th, not the maximum", "args": [_twenty], "expected": {"GET /api/items": 190}},
    {"name": "a hundred values: the 95th", "args": [_hundred], "expected": {"GET /s": 95}},
    {"name": "methods are separate endpoints",
     "args": [["t GET /x 200 1ms", "t POST /x 200 9ms"]],
     "expected": {"GET /x": 1, "POST /x": 9}},
    {"name": "malformed lines are skipped",
     "args": [["t GET /b 200 5ms", "", "t GET /b 200", "t GET /b 200 5 ms", "t GET /b OK 7ms",
               "t GET /b 200 -3ms", "t GET /b 200 7.5ms", "t GET /b 200 12ms extra"]],
     "expected": {"GET /b": 5}},
    {"name": "no well-formed line", "args": [["nothing here", ""]], "expected": {}},
    {"name": "no lines", "args": [[]], "expected": {}},
    {"name": "unsorted input and a single value",
     "args": [["t GET /c 200 300ms", "t GET /c 200 100ms", "t GET /c 200 200ms", "t DELETE /d 204 0ms"]],
     "expected": {"GET /c": 300, "DELETE /d": 0}},
]
